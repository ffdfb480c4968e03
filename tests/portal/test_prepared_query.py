"""``PreparedQuery``: a lookup compiled once, with the rows the ORM itself would give."""

from datetime import timedelta

import pytest
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import AuditEntry
from portal.db import PreparedQuery
from tests.factories import OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _entries(*, action, since, office_code):
    later = AuditEntry.objects.filter(action=OuterRef("action"), at__gt=OuterRef("at"))
    queryset = AuditEntry.objects.select_related("actor", "office").annotate(
        later_at=Subquery(later.order_by("at").values("at")[:1]),
        same_action=Count("pk", filter=Q(action=action)),
    )
    if office_code is None:
        queryset = queryset.filter(office__isnull=True)
    else:
        queryset = queryset.filter(office__code=office_code)
    return queryset.filter(action=action, at__gte=since).order_by("at", "pk")[:1]


@pytest.fixture
def entries():
    now = timezone.now()
    north, south = OfficeFactory(code="9001"), OfficeFactory(code="9002")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    made = {}
    for name, at, actor, office, action in [
        ("old", now - timedelta(days=3), alice, north, "dossier.accepted"),
        ("north", now - timedelta(days=1), alice, north, "dossier.accepted"),
        ("south", now - timedelta(hours=5), bob, south, "dossier.accepted"),
        ("other", now - timedelta(hours=1), bob, north, "dossier.rejected"),
        ("nowhere", now - timedelta(hours=2), None, None, "dossier.accepted"),
    ]:
        made[name] = AuditEntry.objects.create(
            at=at, actor=actor, office=office, action=action, data={"name": name}
        )
    return now, made


@pytest.mark.parametrize(
    "values",
    [
        {"action": "dossier.accepted", "office_code": "9001", "days": 2},
        {"action": "dossier.accepted", "office_code": "9001", "days": 5},
        {"action": "dossier.accepted", "office_code": "9002", "days": 2},
        {"action": "dossier.rejected", "office_code": "9001", "days": 2},
        {"action": "dossier.accepted", "office_code": None, "days": 2},
        {"action": "dossier.accepted", "office_code": "9002", "days": 0},
    ],
)
def test_finds_what_the_orm_finds_related_objects_and_annotations_included(
    entries, values, django_assert_num_queries
):
    now, _made = entries
    args = {
        "action": values["action"],
        "office_code": values["office_code"],
        "since": now - timedelta(days=values["days"]),
    }
    prepared = PreparedQuery(_entries)
    prepared.first(**args)  # compiled here; the next call must reuse it
    with django_assert_num_queries(1):
        found = prepared.first(**args)
    expected = _entries(**args).first()
    if expected is None:
        assert found is None
        return
    assert found.pk == expected.pk and found.data == expected.data and found.at == expected.at
    assert found.later_at == expected.later_at
    assert found.same_action == expected.same_action
    with django_assert_num_queries(0):  # came with the row
        assert getattr(found.actor, "username", None) == getattr(expected.actor, "username", None)
        assert getattr(found.office, "code", None) == values["office_code"]
    assert not found._state.adding


def test_compiled_once_per_shape_then_only_run(entries, django_assert_num_queries):
    now, made = entries
    built = []

    def build(**values):
        built.append(values["office_code"])
        return _entries(**values)

    prepared = PreparedQuery(build)
    since = now - timedelta(days=2)
    assert (
        prepared.first(action="dossier.accepted", since=since, office_code="9001") == made["north"]
    )
    assert (
        prepared.first(action="dossier.accepted", since=since, office_code="9002") == made["south"]
    )
    assert (
        prepared.first(action="dossier.rejected", since=since, office_code="9001") == made["other"]
    )
    # None is a shape of its own (the query itself differs), compiled once too.
    assert (
        prepared.first(action="dossier.accepted", since=since, office_code=None) == made["nowhere"]
    )
    assert (
        prepared.first(action="dossier.accepted", since=since, office_code=None) == made["nowhere"]
    )
    assert len(built) == 2 and built[1] is None and built[0] != "9001"  # stand-ins, not values
    with django_assert_num_queries(1):
        assert prepared.first(action="nothing", since=since, office_code="9001") is None


def test_a_value_the_query_transforms_is_refused():
    prepared = PreparedQuery(lambda *, name: AuditEntry.objects.filter(action__icontains=name))
    with pytest.raises(ValueError, match="name"):
        prepared.first(name="dossier")


def test_all_gives_every_row_in_the_query_order(entries, django_assert_num_queries):
    now, made = entries

    def build(*, action, since):
        return AuditEntry.objects.filter(action=action, at__gte=since).order_by("-at")

    prepared = PreparedQuery(build)
    prepared.all(action="dossier.accepted", since=now)
    with django_assert_num_queries(1):
        found = prepared.all(action="dossier.accepted", since=now - timedelta(days=5))
    assert found == [made["nowhere"], made["south"], made["north"], made["old"]]
    assert prepared.all(action="dossier.rejected", since=now - timedelta(days=5)) == [made["other"]]
    assert prepared.all(action="dossier.accepted", since=now) == []


def test_hot_statements_are_numbered_once_for_the_server():
    from portal.db import _numbered

    assert _numbered("SELECT %s, '100%%' WHERE a = %s") == "SELECT $1, '100%' WHERE a = $2"
    assert _numbered("SELECT 1") == "SELECT 1"
    with pytest.raises(ValueError):
        _numbered("SELECT %(name)s")


def test_a_started_query_is_answered_after_other_work(entries, django_assert_num_queries):
    from django.db import connection

    now, made = entries
    prepared = PreparedQuery(_entries)
    args = {"action": "dossier.accepted", "office_code": "9002", "since": now - timedelta(2)}
    # Logged like any other statement.
    with django_assert_num_queries(1), prepared.start(**args) as pending:
        if connection.vendor == "postgresql":
            from psycopg.pq import TransactionStatus

            # Sent, not read yet: a command is in progress until the answer is read.
            status = connection.connection.pgconn.transaction_status
            assert status == TransactionStatus.ACTIVE
        work = sum(range(10_000))  # the caller's work meanwhile
        found = pending.first()
    assert work and found == made["south"]
    expected = _entries(**args).first()
    assert found.office.code == "9002" and found.later_at == expected.later_at
    with prepared.start(**{**args, "office_code": "9001"}) as pending:
        assert [e.pk for e in pending.all()] == [made["north"].pk]


def test_an_unread_answer_is_drained_so_the_connection_goes_on(entries):
    now, made = entries
    prepared = PreparedQuery(_entries)
    args = {"action": "dossier.rejected", "office_code": "9001", "since": now - timedelta(2)}
    with pytest.raises(RuntimeError), prepared.start(**args):
        raise RuntimeError("refused before the answer was needed")
    # The next statements on the same connection run as usual.
    assert AuditEntry.objects.filter(pk=made["other"].pk).exists()
    assert prepared.first(**args) == made["other"]


def test_a_failing_started_query_raises_djangos_error(entries):
    from django.db import DatabaseError, connection, transaction

    def build(*, action):
        return AuditEntry.objects.filter(action=action).extra(where=["1 / (id - id) = 1"])

    prepared = PreparedQuery(build)
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        prepared.start(action="dossier.accepted") as pending,
    ):
        pending.all()
    assert connection.is_usable()
    assert prepared is not None and AuditEntry.objects.count() == len(entries[1])
