"""Working days and legal time limits: weekends, Tết, làm bù, after-hours receipt, pauses.

Every expected date below was counted by hand on the calendar (comments show the count).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from declarations.dossiers.calendar_seed import holidays_seed
from declarations.dossiers.models import CalendarSource, ProcedureTimeLimit, PublicHoliday
from declarations.dossiers.workdays import (
    UnknownTimeLimit,
    WorkingCalendar,
    add_working_days,
    deadline_for,
    working_days_between,
)

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def test_the_migration_seeds_holidays_2015_to_2030():
    days = set(PublicHoliday.objects.values_list("day", flat=True))
    assert date(2015, 1, 1) in days
    assert date(2016, 2, 8) in days  # mùng một Tết Bính Thân
    assert date(2030, 9, 2) in days
    assert PublicHoliday.objects.filter(day__year=2031).count() == 0
    # a weekend worked in lieu of a bridge day (2 May 2025 off, Saturday 26 April worked)
    assert PublicHoliday.objects.get(day=date(2025, 4, 26)).kind == "workday"


def test_seeding_again_adds_nothing_and_keeps_manual_edits():
    row = PublicHoliday.objects.get(day=date(2024, 9, 2))
    row.name, row.source = "Quốc khánh (sửa tay)", CalendarSource.MANUAL
    row.save()
    assert holidays_seed(PublicHoliday) == 0
    call_command("holidays_seed", "--from-year", "2024", "--to-year", "2024", verbosity=0)
    assert PublicHoliday.objects.get(day=date(2024, 9, 2)).name == "Quốc khánh (sửa tay)"


def test_procedure_time_limits_are_seeded_from_the_rules():
    limits = {(r.procedure_code, r.case): r.working_days for r in ProcedureTimeLimit.objects.all()}
    assert limits[("600", "")] == 5
    assert limits[("602", "")] == 3
    assert limits[("607", "")] == 10
    assert limits[("607", "other-province")] == 45
    assert limits[("610", "")] == 0
    assert limits[("610", "data-changed")] == 3


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 3, 4), 5, date(2024, 3, 11)),  # Mon + 5 → next Mon
        (date(2024, 3, 8), 1, date(2024, 3, 11)),  # Fri + 1 → Mon
        (date(2016, 2, 5), 1, date(2016, 2, 15)),  # Fri before Tết 2016 (7–12/02) → Mon 15
        (date(2016, 2, 6), 0, date(2016, 2, 15)),  # a Saturday in Tết: 0 → next working day
        (date(2024, 3, 5), 0, date(2024, 3, 5)),  # a working day: 0 → itself
        (date(2025, 4, 25), 1, date(2025, 4, 26)),  # Saturday 26/04/2025 is worked (làm bù)
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_working_days_between_across_tet_2024():
    # Tết 2024: 08–14/02 off. After Fri 02/02: Mon 5, Tue 6, Wed 7, Thu 15, Fri 16, Mon 19.
    assert working_days_between(date(2024, 2, 2), date(2024, 2, 19)) == 6
    assert working_days_between(date(2024, 2, 19), date(2024, 2, 2)) == -6
    assert working_days_between(date(2024, 2, 9), date(2024, 2, 9)) == 0


def test_the_calendar_is_loaded_once_and_reused(django_assert_num_queries):
    with django_assert_num_queries(1):
        cal = WorkingCalendar.load()
    with django_assert_num_queries(0):
        assert cal.add_working_days(date(2016, 2, 5), 5) == date(2016, 2, 19)


@pytest.mark.parametrize(
    ("procedure", "case", "received", "expected"),
    [
        # Thu 04/02/2016 morning, 5 days: Fri 5 (1) | Tết 8–12 | Mon 15 (2) … Thu 18 (5)
        ("600", "", at(2016, 2, 4, 10), date(2016, 2, 18)),
        # Fri 05/02/2016 after closing → deemed Mon 15: Tue 16 (1) … Fri 19 (4), Mon 22 (5)
        ("600", "", at(2016, 2, 5, 17, 30), date(2016, 2, 22)),
        # Sat 25/01/2025 → first working day Mon 03/02 (Tết 27/01–01/02); 3 days → Thu 06/02
        ("602", "", at(2025, 1, 25, 8), date(2025, 2, 6)),
        # Fri 25/04/2025, 5 days: Sat 26 làm bù (1), Mon 28 (2), Tue 29 (3),
        # 30/04–02/05 off, Mon 05/05 (4), Tue 06/05 (5)
        ("600", "", at(2025, 4, 25, 9), date(2025, 5, 6)),
        # Mon 05/02/2024, 10 days: Tue 6, Wed 7 | Tết 8–14 | Thu 15 … Mon 26 (10)
        ("607", "", at(2024, 2, 5, 9), date(2024, 2, 26)),
        # health card: same day before closing, next working day after it
        ("610", "", at(2024, 3, 5, 16, 59), date(2024, 3, 5)),
        ("610", "", at(2024, 3, 5, 17, 0), date(2024, 3, 6)),
        ("610", "data-changed", at(2024, 3, 5, 10), date(2024, 3, 8)),
    ],
)
def test_deadline_for(procedure, case, received, expected):
    assert deadline_for(procedure, received, case=case) == expected


def test_the_clock_pauses_while_a_supplement_is_awaited():
    received = at(2024, 3, 4, 9)  # Mon; without a pause: Tue 5 … Mon 11
    assert deadline_for("600", received) == date(2024, 3, 11)
    # Supplement asked Wed 06/03 15:00, received Mon 11/03 10:00: Thu 7, Fri 8, Mon 11 do
    # not count. Tue 5 (1), Wed 6 (2), Tue 12 (3), Wed 13 (4), Thu 14 (5).
    pause = [(at(2024, 3, 6, 15), at(2024, 3, 11, 10))]
    assert deadline_for("600", received, pause) == date(2024, 3, 14)
    # Arrived after closing on Mon 11: Tue 12 is paused too → Fri 15.
    late = [(at(2024, 3, 6, 15), at(2024, 3, 11, 17, 30))]
    assert deadline_for("600", received, late) == date(2024, 3, 15)


def test_two_pauses_add_up():
    received = at(2024, 3, 4, 9)
    pauses = [
        (at(2024, 3, 5, 9), at(2024, 3, 6, 9)),  # Wed 6 paused
        (at(2024, 3, 7, 9), at(2024, 3, 8, 9)),  # Fri 8 paused
    ]
    # Tue 5 (1), Thu 7 (2), Mon 11 (3), Tue 12 (4), Wed 13 (5)
    assert deadline_for("600", received, pauses) == date(2024, 3, 13)


def test_an_open_pause_stops_the_clock():
    assert deadline_for("600", at(2024, 3, 4), [(at(2024, 3, 6, 15), None)]) is None


def test_a_holiday_added_by_an_admin_moves_the_deadline():
    PublicHoliday.objects.create(day=date(2024, 3, 8), name="Nghỉ đột xuất")
    # Tue 5, Wed 6, Thu 7, (Fri 8 off), Mon 11, Tue 12
    assert deadline_for("600", at(2024, 3, 4, 9)) == date(2024, 3, 12)


def test_time_limits_are_effective_dated():
    ProcedureTimeLimit.objects.create(
        procedure_code="600", label="rút ngắn", working_days=3, valid_from=date(2026, 1, 1)
    )
    assert deadline_for("600", at(2025, 12, 1, 9)) == date(2025, 12, 8)  # 5 days
    assert deadline_for("600", at(2026, 3, 2, 9)) == date(2026, 3, 5)  # 3 days


def test_an_unknown_procedure_is_refused():
    with pytest.raises(UnknownTimeLimit):
        deadline_for("999", at(2024, 3, 4))


def test_holidays_are_editable_in_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    client.force_login(admin)
    response = client.post(
        "/quan-tri/dossiers/publicholiday/add/",
        {"day": "2024-03-08", "name": "Nghỉ đột xuất", "kind": "holiday", "source": "seeded"},
    )
    assert response.status_code == 302
    row = PublicHoliday.objects.get(day=date(2024, 3, 8))
    assert row.source == CalendarSource.MANUAL
    from accounts.models import AuditEntry

    assert AuditEntry.objects.filter(action="calendar.day_added", target_id=row.pk).exists()
