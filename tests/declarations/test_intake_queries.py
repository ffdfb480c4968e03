"""What one dossier costs the database: the employer, its signer's registered certificate,
the duplicate check and the reference stamp come in one query; the webhook lookup only
when a provider is concerned; the write (dossier, file, receipt, e-mail, audit entry) is
one statement on PostgreSQL."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from declarations.intake import intake_submit

from .conftest import worker


def _run(data):
    with CaptureQueriesContext(connection) as captured:
        result = intake_submit(data=data, channel="cli")
    assert result.ok, result.errors_as_dicts()
    return result, [q["sql"] for q in captured.captured_queries]


def test_a_dossier_reads_its_employer_and_signer_in_one_query(signed, trust_caches):
    # The reference tables and the trust store (looked at again only after
    # TRUST_STORE_RECHECK_SECONDS, counted from this first dossier) are cached from here on.
    _run(signed([worker(1)]))
    result, sqls = _run(signed([worker(2)]))
    reads = [s for s in sqls if s.startswith("SELECT")]
    assert len(reads) == 1, "\n".join(reads)
    assert 'FROM "declarations_employer"' in reads[0]
    assert '"declarations_registeredcertificate"' in reads[0]
    assert not any("ivan_webhookendpoint" in s for s in sqls)
    writes = [s for s in sqls if s.startswith(("INSERT", "WITH"))]
    if connection.vendor == "postgresql":
        assert len(writes) == 1, "\n".join(w[:80] for w in writes)
    tables = sorted(t for w in writes for t in re.findall(r'INSERT INTO "(\w+)"', w))
    assert tables == [
        "accounts_auditentry",
        "declarations_dossier",
        "declarations_dossierfile",
        "declarations_notice",
        "outbox_outboxmessage",
    ]
    assert result.dossier.certificate.serial  # a deferred field still reads from the row


def test_the_webhook_lookup_runs_when_a_provider_carries_the_employer(
    signed, employer, trust_caches
):
    from ivan.models import EmployerChannel, Provider

    EmployerChannel.objects.create(employer=employer, provider=Provider.objects.first())
    _run(signed([worker(1)]))
    _, sqls = _run(signed([worker(2)]))
    assert sum("ivan_webhookendpoint" in s for s in sqls) == 1


def test_envelopes_and_forms_are_compressed_with_lz4(signed):
    import pytest

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


def test_the_write_is_prepared_once_and_sends_its_bytes_as_they_are(signed):
    import pytest

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and server-side binding are PostgreSQL's")
    _run(signed([worker(1)]))
    result, sqls = _run(signed([worker(2)]))
    write = next(s for s in sqls if s.startswith("WITH"))
    # Bound by the server: the envelope is not in the SQL text as a hex literal.
    assert bytes(result.dossier.envelope)[:64].hex() not in write
    assert len(write) < len(result.dossier.envelope)
    _run(signed([worker(3)]))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["WITH p0 AS (INSERT INTO %"],
        )
        assert cursor.fetchone()[0] == 1  # three dossiers, one plan


def _webhook_endpoint_for(employer):
    from ivan.models import EmployerChannel, Provider, WebhookEndpoint

    provider = Provider.objects.first()
    EmployerChannel.objects.create(employer=employer, provider=provider)
    WebhookEndpoint.objects.create(
        provider=provider, url="http://127.0.0.1:9/hook", secret="whsec_" + "k" * 32
    )


def test_outside_a_transaction_the_write_is_its_own_transaction(transactional_db, signed):
    import pytest

    from portal.outbox.models import OutboxMessage

    if connection.vendor != "postgresql":
        pytest.skip("one statement is atomic on PostgreSQL")
    _run(signed([worker(1)]))
    result, sqls = _run(signed([worker(2)]))
    # No subscriber writes with the dossier: no BEGIN / COMMIT round trips around it (the
    # in-process e-mail delivery that follows has its own).
    write = next(i for i, s in enumerate(sqls) if s.startswith("WITH"))
    assert "BEGIN" not in sqls[:write], sqls[: write + 1]
    assert OutboxMessage.objects.filter(key=f"receipt-{result.dossier.transaction_code}").exists()


def test_a_concerned_subscriber_writes_in_the_dossiers_transaction(
    transactional_db, signed, employer
):
    from portal.outbox.models import OutboxMessage

    _webhook_endpoint_for(employer)
    _run(signed([worker(1)]))
    result, sqls = _run(signed([worker(2)]))
    assert "COMMIT" in sqls or connection.vendor != "postgresql"
    inserts = [s for s in sqls if "outbox_outboxmessage" in s and "INSERT" in s]
    begin, commit = sqls.index("BEGIN"), sqls.index("COMMIT")
    assert all(begin < sqls.index(s) < commit for s in inserts), sqls
    assert OutboxMessage.objects.filter(kind="ivan.webhook").count() == 2  # one per dossier
    assert result.dossier.pk


def test_a_subscriber_says_which_events_concern_it(signed, employer):
    from declarations import events
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
