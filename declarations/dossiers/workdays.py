"""Working-day arithmetic for the legal time limits (thời hạn giải quyết).

Working days are Monday to Friday, minus public holidays, plus make-up working days
(ngày làm bù), all read from :class:`~declarations.models.PublicHoliday`. A time limit of
*n* working days counts from the working day after the (effective) day of receipt: a
dossier received after office hours, on a weekend or on a holiday is deemed received on
the next working day. While a supplement (bổ sung) is awaited the clock stops: working days
after the request up to the (effective) day the supplement arrives do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

# The calendar module, not the models package: the Dossier model computes its deadline here.
from declarations.dossiers.models.calendar import CalendarDayKind, ProcedureTimeLimit, PublicHoliday

_MAX_SPAN_DAYS = 3660  # ten years: a guard against runaway loops on absurd input


class UnknownTimeLimit(LookupError):
    """No time limit is recorded for this procedure (and case) on that date."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Holidays and make-up working days, loaded once (one query) and reused."""

    holidays: frozenset[date]
    workdays: frozenset[date]

    @classmethod
    def load(cls) -> WorkingCalendar:
        holidays, workdays = set(), set()
        for day, kind in PublicHoliday.objects.values_list("day", "kind"):
            (workdays if kind == CalendarDayKind.WORKDAY else holidays).add(day)
        return cls(frozenset(holidays), frozenset(workdays))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        for _ in range(_MAX_SPAN_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within ten years")

    def add_working_days(self, start: date, n: int) -> date:
        """The day ``n`` working days after ``start`` (``start`` itself is not counted);
        with ``n == 0``, ``start`` when it is a working day, else the next one."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start if self.is_working_day(start) else self.next_working_day(start)
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b`` (negative when ``b`` is before ``a``)."""
        if b < a:
            return -self.working_days_between(b, a)
        if (b - a).days > _MAX_SPAN_DAYS:
            raise ValueError("span longer than ten years")
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def effective_day(self, moment: datetime | date) -> date:
        """The working day a receipt at ``moment`` counts from: that day if it is a working
        day and ``moment`` is before closing time, else the next working day."""
        if isinstance(moment, datetime):
            local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
            day = local.date()
            if local.time() >= office_closes_at():
                return self.next_working_day(day)
        else:
            day = moment
        return day if self.is_working_day(day) else self.next_working_day(day)

    def deadline(
        self, received_at: datetime | date, working_days: int, paused_intervals: Iterable = ()
    ) -> date | None:
        """The last day of the time limit, or None while a pause is still open."""
        pauses = []
        for start, end in paused_intervals:
            if end is None:
                return None  # the supplement is still awaited: the clock is stopped
            pauses.append((_local_date(start), self.effective_day(end)))
        day = self.effective_day(received_at)
        if working_days == 0 and not pauses:
            return day
        remaining = working_days
        for _ in range(_MAX_SPAN_DAYS):
            if remaining == 0:
                return day
            day = self.next_working_day(day)
            if not any(start < day <= end for start, end in pauses):
                remaining -= 1
        raise ValueError("deadline beyond ten years")


def office_closes_at() -> time:
    hours, minutes = (int(part) for part in settings.REVIEW_OFFICE_CLOSES_AT.split(":"))
    return time(hours, minutes)


def _local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).date()
    return moment


def add_working_days(start: date, n: int, *, calendar: WorkingCalendar | None = None) -> date:
    """``start`` plus ``n`` working days (weekends, holidays excluded; làm bù included)."""
    return (calendar or WorkingCalendar.load()).add_working_days(start, n)


def working_days_between(a: date, b: date, *, calendar: WorkingCalendar | None = None) -> int:
    """Working days after ``a`` up to and including ``b``."""
    return (calendar or WorkingCalendar.load()).working_days_between(a, b)


def time_limit_for(procedure_code: str, *, case: str = "", on: date | None = None) -> int:
    """Working days allowed for ``procedure_code`` (and ``case``) as in force on ``on``."""
    row = (
        ProcedureTimeLimit.objects.filter(
            procedure_code=procedure_code,
            case=case,
            valid_from__lte=on or timezone.localdate(),
        )
        .order_by("-valid_from")
        .first()
    )
    if row is None:
        raise UnknownTimeLimit(f"{procedure_code}/{case or '-'}")
    return row.working_days


def deadline_for(
    procedure_code: str,
    received_at: datetime | date,
    paused_intervals: Iterable = (),
    *,
    case: str = "",
    calendar: WorkingCalendar | None = None,
) -> date | None:
    """The legal deadline of a dossier: the procedure's working days counted from the day
    after its effective receipt, skipping the working days paused for a supplement.

    ``paused_intervals`` are ``(requested_at, supplemented_at)`` pairs; an open pause
    (``supplemented_at`` None) stops the clock and the deadline is None.
    """
    days = time_limit_for(procedure_code, case=case, on=_local_date(received_at))
    return (calendar or WorkingCalendar.load()).deadline(received_at, days, paused_intervals)
