"""Seed the working-day calendar: Vietnamese public holidays and procedure time limits.

Used by the data migration (with historical models) and by ``manage.py holidays_seed``.
Seeding never overwrites a day an administrator entered or edited by hand.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import holidays

SEED_YEARS = range(2015, 2031)

# Working days per procedure, from the time limits in the rules (thời hạn giải quyết),
# as in force since the e-transaction dispatches of 2015. Editable in the admin.
TIME_LIMITS = [
    # procedure code, case, label, working days
    ("600", "", "Báo tăng lao động: cấp mới sổ BHXH, thẻ BHYT", 5),
    ("600a", "", "Báo giảm lao động: điều chỉnh sổ BHXH, thẻ BHYT", 5),
    # The dispatches give truy đóng no figure of its own: as a new book or card.
    ("601", "", "Truy đóng BHXH, BHYT, BHTN", 5),
    ("602", "", "Điều chỉnh tăng lương đã đóng BHXH", 3),
    ("603", "", "Điều chỉnh nội dung sổ BHXH", 5),
    # The office's settlement time for the unit's own data (TK3-TS).
    ("604", "", "Đăng ký, thay đổi thông tin đóng của đơn vị", 5),
    ("607", "", "Cấp lại sổ BHXH do mất, hỏng", 10),
    ("607", "other-province", "Cấp lại sổ BHXH phải xác minh ở tỉnh khác", 45),
    ("608", "", "Xác nhận sổ BHXH", 5),
    ("610", "", "Cấp lại thẻ BHYT (không thay đổi thông tin)", 0),
    ("610", "data-changed", "Cấp lại thẻ BHYT có thay đổi thông tin", 3),
]
TIME_LIMITS_FROM = date(2015, 1, 1)

_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def vietnam_calendar(years) -> tuple[dict[date, str], dict[date, str]]:
    """(holidays, make-up working days) of Vietnam for ``years``, names in Vietnamese.

    The package names a day off moved by government decision "Day off (substituted from
    MM/DD/YYYY)": the date in brackets is the weekend day worked in its place (làm bù).
    """

    vi = holidays.country_holidays("VN", years=years, language="vi")
    en = holidays.country_holidays("VN", years=years, language="en_US")
    days_off = {day: vi.get(day) for day in sorted(vi)}
    workdays = {}
    for day, name in sorted(en.items()):
        for match in _SUBSTITUTED.finditer(name):
            month, dom, year = (int(g) for g in match.groups())
            worked = date(year, month, dom)
            workdays[worked] = f"Làm bù cho ngày nghỉ {day:%d/%m/%Y}"
    return days_off, workdays


def holidays_seed(public_holiday_model, *, years=SEED_YEARS) -> int:
    """Create the seeded days not yet present; return how many were created."""
    days_off, workdays = vietnam_calendar(list(years))
    existing = set(public_holiday_model.objects.values_list("day", flat=True))
    rows = [
        public_holiday_model(day=day, name=name[:200], kind="holiday", source="seeded")
        for day, name in days_off.items()
        if day not in existing
    ] + [
        public_holiday_model(day=day, name=name, kind="workday", source="seeded")
        for day, name in workdays.items()
        if day not in existing and day not in days_off
    ]
    public_holiday_model.objects.bulk_create(rows)
    return len(rows)


def time_limits_seed(time_limit_model) -> int:
    created = 0
    for code, case, label, days in TIME_LIMITS:
        _, made = time_limit_model.objects.get_or_create(
            procedure_code=code,
            case=case,
            valid_from=TIME_LIMITS_FROM,
            defaults={"label": label, "working_days": days},
        )
        created += made
    return created


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 (a calendar day)
