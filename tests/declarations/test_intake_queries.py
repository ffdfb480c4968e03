"""What one dossier costs the database: the employer, its signer's registered certificate,
the duplicate check and the reference stamp come in one query; the webhook lookup only
when a provider is concerned; each row of the write is one INSERT."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from declarations.intake import intake_submit

from .conftest import worker


def _run(data):
    with CaptureQueriesContext(connection) as captured:
        result = intake_submit(data=data, channel="cli")
    assert result.ok, result.errors_as_dicts()
    return result, [q["sql"] for q in captured.captured_queries]


def test_a_dossier_reads_its_employer_and_signer_in_one_query(signed):
    _run(signed([worker(1)]))  # the reference tables are cached from here on
    result, sqls = _run(signed([worker(2)]))
    reads = [s for s in sqls if s.startswith("SELECT")]
    assert len(reads) == 1, "\n".join(reads)
    assert 'FROM "declarations_employer"' in reads[0]
    assert '"declarations_registeredcertificate"' in reads[0]
    assert not any("ivan_webhookendpoint" in s for s in sqls)
    inserts = [s for s in sqls if s.startswith("INSERT")]
    tables = sorted(s.split('"')[1] for s in inserts)
    assert tables == [
        "accounts_auditentry",
        "declarations_dossier",
        "declarations_dossierfile",
        "declarations_notice",
        "outbox_outboxmessage",
    ]
    assert result.dossier.certificate.serial  # a deferred field still reads from the row


def test_the_webhook_lookup_runs_when_a_provider_carries_the_employer(signed, employer):
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
            "SELECT pg_column_compression(d.envelope), pg_column_compression(f.content)"
            " FROM declarations_dossier d JOIN declarations_dossierfile f ON f.dossier_id = d.id"
            " WHERE d.id = %s",
            [result.dossier.pk],
        )
        assert cursor.fetchone() == ("lz4", "lz4")
