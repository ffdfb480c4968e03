"""The portal through PgBouncer in transaction mode (a small server pool, so concurrent
clients take turns on the same server connections): signed dossiers through the intake
from concurrent submitters (some twice at once), the I-VAN API over HTTP, the outbox's
e-mails and webhooks delivered by two real workers, and closures pushed to the central
store, every process with ``DATABASE_POOLER=pgbouncer`` and nothing else changed. And why
the switch is needed: a statement psycopg names on one client's turn collides with the
next client's on the same server connection."""

import copy
import threading
from collections import Counter

import psycopg
import pytest
from django.db import connections

from accounts.audit import seal, verify_chain
from central.models import CentralClosure
from closure_sync.models import ClosureRecord, PushState
from core.outbox.models import OutboxMessage, OutboxState
from declarations.dossiers.models import Dossier, Notice
from declarations.employers.models import Provider
from declarations.intake.pipeline import intake_submit
from ivan.models import WebhookEndpoint
from portal.settings.pooling import POOLERS, transaction_pooling
from tests.closure_sync.helpers import confirmed_closures
from tests.conftest import wait_until
from tests.declarations.conftest import worker
from tests.faults.test_worker_kill_webhooks import Receiver

from .servers import PrivatePgBouncer, pgbouncer_binary, pgbouncer_version

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

DOSSIERS = 24  # through the intake, 6 submitters; every third one sent again
API_DOSSIERS = 8  # over HTTP, 4 providers' threads
CLOSURES = 400
POOL = 3  # server connections per database: fewer than the clients


def _bouncer(pooler: str, *, port, host: str, pool_size: int) -> PrivatePgBouncer:
    """PgBouncer started for ``pooler``: keeping prepared statements needs 1.22 or later
    (Debian 12 packages 1.18; ``PGBOUNCER_BIN`` names another build), with
    ``max_prepared_statements``; for ``pgbouncer`` none are kept, as 1.18 keeps none (1.24
    keeps 200 by default). Skips the test without a PgBouncer that can."""
    binary = pgbouncer_binary()
    version = pgbouncer_version(binary)
    if pooler == "pgbouncer-prepared":
        if version < (1, 22):
            pytest.skip(f"{pooler} needs PgBouncer 1.22+ (PGBOUNCER_BIN), found {binary}")
        settings = {"max_prepared_statements": 100}
    else:
        settings = {"max_prepared_statements": 0} if version >= (1, 21) else {}
    try:
        return PrivatePgBouncer(
            int(port or 5432),
            pool_size=pool_size,
            upstream_host=host,
            binary=binary,
            settings=settings,
        ).start()
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(params=POOLERS)
def pgbouncer(request, transactional_db):
    """PgBouncer in front of the test's PostgreSQL server; both aliases of this process go
    through it with the settings ``DATABASE_POOLER`` (``pooler`` on the returned object)
    gives."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("PgBouncer stands in front of PostgreSQL")
    pooler = request.param
    aliases = ("default", "central")
    upstream = {
        (connections[a].settings_dict["HOST"], connections[a].settings_dict["PORT"])
        for a in aliases
    }
    if len(upstream) != 1:
        pytest.skip("the two databases live on different servers")
    host, port = upstream.pop()
    bouncer = _bouncer(pooler, port=port, host=host, pool_size=POOL)
    bouncer.pooler = pooler
    saved = {a: copy.deepcopy(connections[a].settings_dict) for a in aliases}
    for alias in aliases:
        connections[alias].close()
        # Every thread's connection is made from this one dict (live server included).
        dsn = connections[alias].settings_dict
        dsn.update(HOST="127.0.0.1", PORT=str(bouncer.port))
        transaction_pooling(dsn, pooler)
    yield bouncer
    for alias in aliases:
        connections[alias].close()
        connections[alias].settings_dict.clear()
        connections[alias].settings_dict.update(saved[alias])
    bouncer.destroy()


def test_named_statements_collide_behind_transaction_pooling(transactional_db):
    """What DATABASE_POOLER=pgbouncer avoids: two clients on one server connection."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL")
    dsn = connections["default"].settings_dict
    bouncer = _bouncer("pgbouncer", port=dsn["PORT"], host=dsn["HOST"], pool_size=1)
    url = f"postgres://postgres@127.0.0.1:{bouncer.port}/{dsn['NAME']}"
    try:
        with (
            psycopg.connect(url, autocommit=True, prepare_threshold=0) as first,
            psycopg.connect(url, autocommit=True, prepare_threshold=0) as second,
        ):
            first.execute("SELECT 1")
            with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
                second.execute("SELECT 2")
        with (
            psycopg.connect(url, autocommit=True, prepare_threshold=None) as first,
            psycopg.connect(url, autocommit=True, prepare_threshold=None) as second,
        ):
            for _ in range(3):
                assert first.execute("SELECT %s::int", [1]).fetchone() == (1,)
                assert second.execute("SELECT %s::int", [2]).fetchone() == (2,)
    finally:
        bouncer.destroy()


def test_named_statements_carried_by_pgbouncer_that_keeps_them(transactional_db):
    """What DATABASE_POOLER=pgbouncer-prepared relies on: PgBouncer 1.22+ with
    ``max_prepared_statements`` maps each client's named statements onto the server
    connection it lends, so two clients on one server connection keep theirs, and psycopg
    drops one it evicts with the protocol's Close (no ``DEALLOCATE name``)."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL")
    dsn = connections["default"].settings_dict
    bouncer = _bouncer("pgbouncer-prepared", port=dsn["PORT"], host=dsn["HOST"], pool_size=1)
    url = f"postgres://postgres@127.0.0.1:{bouncer.port}/{dsn['NAME']}"
    options = transaction_pooling({}, "pgbouncer-prepared").get("OPTIONS", {})
    assert "prepare_threshold" not in options  # psycopg's own default stays
    try:
        with (
            psycopg.connect(url, autocommit=True, prepare_threshold=0) as first,
            psycopg.connect(url, autocommit=True, prepare_threshold=0) as second,
        ):
            for i in range(3):
                assert first.execute("SELECT %s::int", [i]).fetchone() == (i,)
                assert second.execute("SELECT %s::int + 1", [i]).fetchone() == (i + 1,)
            first.prepared_max = 1  # each new statement evicts the last one
            for i in range(3):
                assert first.execute(f"SELECT %s::int * {i + 2}", [1]).fetchone() == (i + 2,)
            with first.transaction():
                assert first.execute("SELECT %s::text", ["in a transaction"]).fetchone()
        (server,) = bouncer.show("SERVERS")
        assert server["prepared_statements"] >= 2
    finally:
        bouncer.destroy()


def _threads(target, items, n):
    """Run ``target(item)`` over ``items`` from ``n`` threads; each thread ends its connections."""
    queue = list(items)
    lock = threading.Lock()
    errors = []

    def run():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    item = queue.pop(0)
                target(item)
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []


def test_portal_through_pgbouncer_transaction_pooling(
    reference_data_tx,
    pgbouncer,
    carried,
    sign,
    api,
    office,
    central,
    credentials_file,
    celery_worker_process,
    tmp_path,
):
    from closure_sync.tasks import closure_push_records, closure_push_sweep
    from core.outbox.tasks import outbox_sweep

    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    unit = carried("VNPT")
    endpoint = WebhookEndpoint.objects.create(
        provider=Provider.objects.get(code="VNPT"),
        url=f"http://127.0.0.1:{receiver.server_address[1]}/hook",
        secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    mail_dir = tmp_path / "mail"
    env = {
        "DATABASE_POOLER": pgbouncer.pooler,
        "CENTRAL_API_URL": central.url,
        "CLOSURE_CREDENTIALS_FILE": str(credentials_file),
        "CLOSURE_PUSH_BATCH_SIZE": "20",
        "TEST_EMAIL_FILE_PATH": str(mail_dir),
    }
    for _ in range(2):
        celery_worker_process(extra_env=env, concurrency=2)

    try:
        # 1. The intake from concurrent submitters; then every third dossier again (a
        # submitter's retry: answered from the stored dossier, on whichever server
        # connection the pooler gives it).
        envelopes = [sign(unit, [worker(2 * k + 1), worker(2 * k + 2)]) for k in range(DOSSIERS)]
        answers, repeats = {}, {}

        def submit(item, into):
            k, data = item
            result = intake_submit(data=data, channel="cli")
            assert result.ok, [e.code for e in result.errors]
            into[k] = (result.dossier.pk, result.receipt.pk, result.duplicate)

        _threads(lambda item: submit(item, answers), enumerate(envelopes), 6)
        _threads(lambda item: submit(item, repeats), list(enumerate(envelopes))[::3], 6)

        # 2. The I-VAN API over HTTP, from concurrent threads.
        client = api("VNPT")
        api_envelopes = [sign(unit, [worker(1000 + k)]) for k in range(API_DOSSIERS)]
        receipts = []
        _threads(lambda data: receipts.append(client.submit_dossier(data)), api_envelopes, 4)

        # 3. Closures pushed by the workers: one task per chunk and sweeps at the same time.
        records = confirmed_closures(CLOSURES, office=office("0101"))
        ids = [r.pk for r in records]
        for i in range(0, len(ids), 25):
            closure_push_records.delay(ids[i : i + 25])
            closure_push_sweep.delay()

        def all_done():
            outbox_sweep.delay()
            pushed = ClosureRecord.objects.filter(push_state=PushState.PUSHED).count()
            unsent = OutboxMessage.objects.exclude(state=OutboxState.SENT).count()
            return pushed == CLOSURES and unsent == 0

        wait_until(all_done, timeout=60, interval=1)
    finally:
        receiver.shutdown()

    # Intake: one dossier per content, every receipt handed out stored with its dossier,
    # the repeats answered with the first answer.
    assert len(answers) == DOSSIERS and not any(dup for _d, _r, dup in answers.values())
    assert Dossier.objects.filter(channel="cli").count() == DOSSIERS
    assert len({d for d, _r, _dup in answers.values()}) == DOSSIERS
    handed = {r for _d, r, _dup in answers.values()}
    stored = Notice.objects.filter(pk__in=handed, kind="receipt").values_list("pk", flat=True)
    assert set(stored) == handed
    assert repeats == {k: (d, r, True) for k, (d, r, _dup) in answers.items() if k % 3 == 0}
    # API: every submission answered with a receipt of a stored dossier.
    codes = {r["transaction_code"] for r in receipts}
    assert len(codes) == API_DOSSIERS
    assert (
        Dossier.objects.filter(transaction_code__in=codes, channel="ivan").count() == API_DOSSIERS
    )
    # The audit chain (sealed and verified through the pooler: a chunked read, no cursor).
    seal()
    chain = verify_chain()
    assert chain.ok and chain.checked >= DOSSIERS + API_DOSSIERS
    # Outbox: every webhook event reached the provider once, every e-mail was sent once.
    webhooks = OutboxMessage.objects.filter(key__startswith=f"webhook:{endpoint.pk}:")
    expected = {key.rsplit(":", 1)[1] for key in webhooks.values_list("key", flat=True)}
    counts = Counter(receiver.ids)
    assert expected and set(counts) == expected and max(counts.values()) == 1
    mails = OutboxMessage.objects.filter(key__startswith="receipt-").count()
    sent_mail = sum(p.read_text().count("Message-ID:") for p in mail_dir.glob("*.log"))
    assert mails >= DOSSIERS and sent_mail == mails
    # Closures: each record once at the central store, with the receipt the portal kept.
    at_central = CentralClosure.objects.using("central")
    assert at_central.count() == at_central.values("reference").distinct().count() == CLOSURES
    local = dict(ClosureRecord.objects.values_list("reference", "central_receipt"))
    assert dict(at_central.values_list("reference", "receipt")) == local
    # And it all went through the pooler's few server connections.
    pools = {p["database"]: p for p in pgbouncer.show("POOLS")}
    name = connections["default"].settings_dict["NAME"]
    assert pools[name]["sv_active"] + pools[name]["sv_idle"] + pools[name]["sv_used"] <= POOL
    if pgbouncer.pooler == "pgbouncer-prepared":
        # Statements parsed once per server connection, then bound again and again.
        stats = {s["database"]: s for s in pgbouncer.show("STATS")}[name]
        assert stats["total_bind_count"] > stats["total_server_parse_count"] > 0
    print(
        f"{pgbouncer.pooler} (pool {POOL}): {DOSSIERS} + {len(repeats)} intake submissions, {API_DOSSIERS} API, "
        f"{len(expected)} webhooks and {mails} e-mails once, {CLOSURES} closures once"
    )
