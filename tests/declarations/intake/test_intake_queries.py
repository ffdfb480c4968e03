"""What one dossier costs the database: the employer, its signer's registered certificate,
the duplicate check and the reference stamp come in one query; the webhook lookup only
when a provider is concerned; the write (dossier, file, receipt, e-mail, audit entry) is
one statement on PostgreSQL, its own transaction when nothing else writes with it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker

# The employer's lookup and the write; elsewhere than PostgreSQL one INSERT per table.
DOSSIER_QUERIES = 2 if connection.vendor == "postgresql" else 6


def _run(data):
    with CaptureQueriesContext(connection) as captured:
        result = intake_submit(data=data, channel="cli")
    assert result.ok, result.errors_as_dicts()
    return result, [q["sql"] for q in captured.captured_queries]


def test_a_dossier_costs_one_read_and_one_write(signed, trust_caches):
    from accounts.models import AuditEntry
    from core.outbox.models import OutboxMessage

    # The reference tables and the trust store (looked at again only after
    # TRUST_STORE_RECHECK_SECONDS, counted from this first dossier) are cached from here on.
    _run(signed([worker(1)]))
    data = signed([worker(2)])
    result, sqls = _run(data)
    # Inside a caller's transaction (the test's) the write has its savepoint, so a twin
    # stored meanwhile fails only the write (pipeline: dossier_content_once).
    savepoints = [s for s in sqls if "SAVEPOINT" in s]
    assert len(savepoints) <= 2, savepoints
    sqls = [s for s in sqls if "SAVEPOINT" not in s]
    assert len(sqls) <= DOSSIER_QUERIES, "\n".join(s[:120] for s in sqls)
    dossier = result.dossier
    assert bytes(dossier.__class__.objects.get(pk=dossier.pk).envelope) == data
    assert [f.form_code for f in dossier.files.all()] == ["D02-LT"]
    assert result.receipt.dossier_id == dossier.pk
    assert OutboxMessage.objects.filter(key=f"receipt-{dossier.transaction_code}").exists()
    assert AuditEntry.objects.filter(action="dossier.received", target_id=str(dossier.pk)).exists()
    assert dossier.certificate.serial  # a deferred field still reads from the row


def test_the_webhook_lookup_runs_when_a_provider_carries_the_employer(
    signed, employer, trust_caches
):
    from declarations.employers.models import EmployerChannel, Provider

    _run(signed([worker(1)]))
    _, alone = _run(signed([worker(2)]))
    EmployerChannel.objects.create(employer=employer, provider=Provider.objects.first())
    _, carried = _run(signed([worker(3)]))
    assert len(carried) == len(alone) + 1  # its webhooks looked up (none registered)


def test_envelopes_and_forms_are_compressed_with_lz4(signed):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL column setting")
    result, _ = _run(signed([worker(1)]))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(d.envelope), octet_length(f.content)"
            " FROM declarations_dossier d JOIN declarations_dossierfile f ON f.dossier_id = d.id"
            " WHERE d.id = %s",
            [result.dossier.pk],
        )
        # The form is not stored a second time beside its envelope.
        assert cursor.fetchone() == ("lz4", 0)


def _webhook_endpoint_for(employer):
    from declarations.employers.models import EmployerChannel, Provider
    from ivan.models import WebhookEndpoint

    provider = Provider.objects.first()
    EmployerChannel.objects.create(employer=employer, provider=provider)
    WebhookEndpoint.objects.create(
        provider=provider, url="http://127.0.0.1:9/hook", secret="whsec_" + "k" * 32
    )


def test_outside_a_transaction_the_write_is_its_own_transaction(
    transactional_db, signed, monkeypatch
):
    from core.outbox import services as outbox

    monkeypatch.setattr(outbox, "_kick", lambda task, message_id: None)  # no delivery here
    _run(signed([worker(1)]))
    result, sqls = _run(signed([worker(2)]))
    # No subscriber writes with the dossier: no BEGIN / COMMIT around the write.
    assert len(sqls) <= DOSSIER_QUERIES, "\n".join(s[:120] for s in sqls)
    assert result.dossier.files.count() == 1


def test_a_concerned_subscriber_writes_in_the_dossiers_transaction(
    transactional_db, signed, employer
):
    from core.outbox.models import OutboxMessage
    from declarations.dossiers import events
    from declarations.dossiers.models import Dossier

    _webhook_endpoint_for(employer)
    _run(signed([worker(1)]))
    assert OutboxMessage.objects.filter(kind="ivan.webhook").count() == 1

    def failing(event, *, dossier, notice=None, data=None):
        OutboxMessage.objects.create(kind="email", key=f"after-{dossier.pk}")
        raise RuntimeError("the subscriber's write failed")

    events.subscribe(failing)
    try:
        with pytest.raises(RuntimeError):
            intake_submit(data=signed([worker(2)]), channel="cli")
    finally:
        events.unsubscribe(failing)
    # Nothing of the second dossier stays: not the dossier, not the subscribers' rows.
    assert Dossier.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="ivan.webhook").count() == 1
    assert not OutboxMessage.objects.filter(key__startswith="after-").exists()


def test_a_subscriber_says_which_events_concern_it(signed, employer):
    from declarations.dossiers import events
    from ivan.notifications import concerns

    result, _ = _run(signed([worker(1)]))
    dossier = result.dossier
    assert not events.concerned("receipt.issued", dossier=dossier)
    assert not concerns("something.else", dossier)
    seen = []

    def listener(event, *, dossier, notice=None, data=None):
        seen.append(event)

    events.subscribe(listener)  # no word on what concerns it: everything does
    try:
        assert events.concerned("receipt.issued", dossier=dossier)
    finally:
        events.unsubscribe(listener)
    events.subscribe(listener, concerns=lambda event, dossier: event == "x")
    try:
        assert not events.concerned("receipt.issued", dossier=dossier)
        assert events.concerned("x", dossier=dossier)
    finally:
        events.unsubscribe(listener)
    assert not events.concerned("x", dossier=dossier)


def _as_loaded(employer):
    """What intake reads of the employer lookup: every field of the employer, its office and
    channel (None: known to have none), and the four values beside them."""
    from django.forms.models import model_to_dict

    channel = getattr(employer, "ivan_channel", None)
    return (
        model_to_dict(employer),
        model_to_dict(employer.managing_office),
        None if channel is None else model_to_dict(channel),
        employer.earlier_dossier_id,
        employer.reference_stamp,
        employer.pinned_id,
        employer.pinned_replaced_at,
    )


def test_the_written_out_employer_lookup_answers_as_its_queryset(
    signed, employer, demo_pki, trust_caches
):
    """On PostgreSQL intake reads the employer with its SQL (``_employer_sql``): the same
    answer as the queryset it stands for, case by case."""
    import hashlib
    from datetime import timedelta

    from django.utils import timezone

    from declarations.employers.models import EmployerChannel, Provider, RegisteredCertificate
    from declarations.intake import pipeline
    from tests.declarations.conftest import register_cert

    if connection.vendor != "postgresql":
        pytest.skip("elsewhere intake runs the queryset itself")
    data = signed([worker(1)])
    result, _ = _run(data)
    stored = hashlib.sha256(data).hexdigest()
    good = RegisteredCertificate.objects.get(employer=employer).fingerprint
    # The old certificate registered again and replaced: the one in force comes first.
    register_cert(employer, demo_pki.good, replaced_at=timezone.now() - timedelta(days=1))

    def both(**kwargs):
        query = pipeline._employer_query(**kwargs).first()
        written = pipeline._employer_lookup(**kwargs)
        return None if query is None else _as_loaded(query), (
            None if written is None else _as_loaded(written)
        )

    cases = [
        dict(unit_code=employer.unit_code, digest=stored, sandbox=False, fingerprint=good),
        dict(unit_code=employer.unit_code, digest=stored, sandbox=True, fingerprint=good),
        dict(unit_code=employer.unit_code, digest="0" * 64, sandbox=False, fingerprint=None),
        dict(unit_code=employer.unit_code, digest="0" * 64, sandbox=False, fingerprint="ab" * 32),
        dict(unit_code="KHONGCO", digest=stored, sandbox=False, fingerprint=good),
    ]
    answers = [both(**case) for case in cases]
    EmployerChannel.objects.create(employer=employer, provider=Provider.objects.first())
    answers.append(both(**cases[0]))
    for query, written in answers:
        assert written == query
    found = answers[0][0]
    assert found[3] == result.dossier.pk and found[5] is not None and found[6] is None
    assert answers[2][0][5] is None and answers[4][0] is None and answers[5][0][2] is not None
