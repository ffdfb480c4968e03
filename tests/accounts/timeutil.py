"""Wall-clock helpers for time-travel tests (Asia/Ho_Chi_Minh)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(day: date, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=VN)


def soon(days: int = 10) -> date:
    """A day a little after today, so memberships granted today are in force."""
    return datetime.now(VN).date() + timedelta(days=days)
