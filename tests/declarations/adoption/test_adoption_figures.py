"""Adoption figures against the hand-made world in adoption_world.py."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import office_resolve
from declarations.adoption.models import EmployerAssignment
from declarations.adoption.selectors import adoption_dashboard, month_starts, officer_unregistered
from declarations.adoption.services import adoption_snapshot_refresh
from tests.declarations import adoption_world
from tests.declarations.adoption_world import TODAY
from tests.factories import EmployerFactory, UserFactory, grant

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def world():
    return adoption_world.build()


def test_month_starts():
    assert month_starts(until=date(2026, 1, 15), months=3) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 1, 15),
    ]
    assert month_starts(until=date(2026, 1, 1), months=2) == [date(2025, 12, 1), date(2026, 1, 1)]


def test_national_figures_and_leaderboard(world):
    d = adoption_dashboard(office=office_resolve("00"), on=TODAY, months=3)
    assert (d.electronic, d.total, d.rate) == (7, 17, Decimal("41.2"))
    top = [(r.code, r.electronic, r.total, r.rate) for r in d.rows[:3]]
    assert top == [
        ("75", 6, 10, Decimal("60.0")),
        ("79", 1, 5, Decimal("20.0")),
        ("01", 0, 2, Decimal("0.0")),
    ]
    assert len(d.rows) == 34  # every province in force, those without employers last
    assert d.rows[-1].rate is None


def test_province_series_target_and_gap(world):
    d = adoption_dashboard(office=office_resolve("75"), on=TODAY, months=3)
    # 01/04: E1–E4 + F1–F3 = 7; 01/05: E4 stopped = 6; 01/06: 6; 15/06: +E6 −F2 = 6
    assert d.series == [
        (date(2026, 4, 1), 7, 10),
        (date(2026, 5, 1), 6, 10),
        (date(2026, 6, 1), 6, 10),
        (date(2026, 6, 15), 6, 10),
    ]
    assert [r for _d, r in d.rates] == [Decimal("70.0"), Decimal("60.0"), Decimal("60.0")] + [
        Decimal("60.0")
    ]
    assert d.target.share == 90 and d.target.due_on == date(2026, 9, 30)
    assert d.gap == Decimal("30.0")
    rows = {r.code: (r.electronic, r.total, r.rate) for r in d.rows}
    # the old district 732's employers count for today's 7502
    assert rows == {"7501": (4, 6, Decimal("66.7")), "7502": (2, 4, Decimal("50.0"))}


def test_a_past_target_stays_in_force_until_a_new_one(world):
    d = adoption_dashboard(office=office_resolve("79"), on=TODAY, months=2)
    assert d.target.due_on == date(2026, 3, 31)
    assert d.gap == Decimal("70.0")


def test_officers_of_a_local_office(world):
    _e, officers = world
    d = adoption_dashboard(office=office_resolve("7501"), on=TODAY, months=2)
    assert d.level == "local" and d.rows == []
    by_name = {r.label: r for r in d.officers}
    a, b, c = by_name["Cán bộ A"], by_name["Cán bộ B"], by_name["Cán bộ C"]
    assert (a.electronic, a.total, a.rate) == (1, 3, Decimal("33.3"))
    office = office_resolve("7501")
    pending = officer_unregistered(officer_id=a.key, office=office, on=TODAY)
    assert [e.unit_code for e in pending] == ["DN0004A", "DN0005A"]
    assert a.unregistered_count == 2
    assert a.target.share == 80 and a.gap == Decimal("46.7")
    assert (b.electronic, b.total, b.rate) == (3, 3, Decimal("100.0"))
    assert not officer_unregistered(officer_id=b.key, office=office, on=TODAY).exists()
    assert (c.total, c.rate) == (0, None)
    assert [r.label for r in d.officers] == ["Cán bộ B", "Cán bộ A", "Cán bộ C"]
    assert "Cán bộ D" not in by_name  # officer of another office


def _count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("code", ["00", "75", "7501"])
def test_query_count_does_not_grow_with_data(world, code, django_assert_max_num_queries):
    office = office_resolve(code)
    small = _count_queries(lambda: adoption_dashboard(office=office, on=TODAY, months=12))
    officer = UserFactory()
    grant(officer, "collection_officer", office_resolve("7501"))
    for i in range(40):
        e = EmployerFactory(
            managing_office=office_resolve("7501" if i % 2 else "7901"),
            e_registered_on=date(2025, 1, 1) if i % 3 else None,
        )
        EmployerAssignment.objects.create(employer=e, officer=officer)
    big = _count_queries(lambda: adoption_dashboard(office=office, on=TODAY, months=12))
    assert big == small
    with django_assert_max_num_queries(7):
        adoption_dashboard(office=office, on=TODAY, months=24)


def test_snapshots_give_the_same_figures_without_reading_employers(world):
    from django.core.management import call_command

    from declarations.adoption.models import AdoptionSnapshot

    national = office_resolve("00")
    live = adoption_dashboard(office=national, on=TODAY, months=3)
    assert live.as_of is None
    with time_machine.travel("2026-06-15 10:00 +0700", tick=False):
        adoption_snapshot_refresh(months=3)
        adoption_snapshot_refresh(months=3)  # replaces, never duplicates
    # one row per managing office with employers: 7501, 732 (old), 7901, 7902, 0101
    assert AdoptionSnapshot.objects.filter(day=TODAY, officer=None).count() == 5
    assert AdoptionSnapshot.objects.filter(day=TODAY, officer__isnull=False).count() == 3
    with CaptureQueriesContext(connection) as ctx:
        snap = adoption_dashboard(office=national, on=TODAY, months=3)
    assert not [q for q in ctx.captured_queries if '"declarations_employer"' in q["sql"]]
    assert snap.as_of is not None
    assert snap.series == live.series
    assert [(r.code, r.electronic, r.total) for r in snap.rows] == [
        (r.code, r.electronic, r.total) for r in live.rows
    ]
    province = adoption_dashboard(office=office_resolve("75"), on=TODAY, months=3)
    assert province.series[-1] == (TODAY, 6, 10)
    # a day without a run (a longer chart) is computed live, the rest read from snapshots
    longer = adoption_dashboard(office=office_resolve("75"), on=TODAY, months=5)
    assert longer.series[-1] == (TODAY, 6, 10) and len(longer.series) == 6
    call_command("adoption_snapshot_refresh", "--months", "2", verbosity=0)


def test_the_dashboard_shows_the_snapshot_until_the_next_refresh(world):
    e, _officers = world
    adoption_snapshot_refresh(on=TODAY, months=2)
    e["E5"].e_registered_on = date(2026, 6, 1)
    e["E5"].save()
    d = adoption_dashboard(office=office_resolve("7501"), on=TODAY, months=2)
    assert d.series[-1] == (TODAY, 4, 6)
    adoption_snapshot_refresh(on=TODAY, months=2)
    d = adoption_dashboard(office=office_resolve("7501"), on=TODAY, months=2)
    assert d.series[-1] == (TODAY, 5, 6)


def test_officer_figures_come_from_the_snapshot_when_taken(world):
    live = adoption_dashboard(office=office_resolve("7501"), on=TODAY, months=2)
    adoption_snapshot_refresh(on=TODAY, months=2)
    with CaptureQueriesContext(connection) as ctx:
        snap = adoption_dashboard(office=office_resolve("7501"), on=TODAY, months=2)
    assert not [q for q in ctx.captured_queries if "declarations_employerassignment" in q["sql"]]
    assert [(r.label, r.electronic, r.total) for r in snap.officers] == [
        (r.label, r.electronic, r.total) for r in live.officers
    ]
