"""Reads of the review, narrowed through ``accounts.scope``: the receiving queue, the post
dispatch list and the directors' periodic report (the office dashboard: ``dashboard``).
Each answers with a fixed number of queries, whatever the number of dossiers: the deadline
is a column, figures are grouped aggregates.
Sandbox dossiers never appear here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Office
from accounts.scope import office_ids_for, scoped
from declarations.adoption.selectors import adoption_counts, rate
from declarations.dossiers.models import OPEN_STATUSES, Channel, Dossier
from declarations.dossiers.workdays import WorkingCalendar
from declarations.review.models import PostDispatch

PERMISSION = "accounts.receive_dossiers"
REPORT_PERMISSION = "review.view_review_report"
SORTS = {"deadline": ("deadline", "received_at"), "-deadline": ("-deadline", "-received_at")}


def staff_dossiers(*, user, permission: str = PERMISSION) -> QuerySet[Dossier]:
    """Non-sandbox dossiers of the offices where ``user`` holds ``permission``.

    The offices come from ``accounts.scope``; the filter is on the receiving office kept
    on the dossier row (no join), which is what the queue index serves.
    """
    ids = office_ids_for(user, permission=permission)
    qs = Dossier.objects.filter(sandbox=False)
    return qs if ids is None else qs.filter(office_id__in=ids)


def staff_dossier_get(*, user, pk: int) -> Dossier | None:
    """One dossier the user may act on as receiving staff (None: not found or not theirs);
    the same reach as the queue."""
    return staff_dossiers(user=user).select_related("employer", "office").filter(pk=pk).first()


def day_start(day: date):
    """Local midnight of ``day`` (an indexable bound, unlike ``__date`` lookups)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_after(day: date):
    return day_start(day + timedelta(days=1))


def at_risk_before(today: date, calendar: WorkingCalendar) -> date:
    """Open dossiers due on or before this day (and not yet overdue) are at risk."""
    return calendar.add_working_days(today, settings.REVIEW_AT_RISK_WORKING_DAYS)


def working_day_counter(calendar: WorkingCalendar, days) -> dict[date, int]:
    """Cumulative working days over the span of ``days``: ``c[b] - c[a]`` is the number of
    working days after ``a`` up to ``b`` — one walk over the span for a whole page."""
    days = [d for d in days if d is not None]
    if not days:
        return {}
    lo, hi = min(days), max(days)
    counter, count, day = {lo: 0}, 0, lo
    while day < hi:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
        counter[day] = count
    return counter


@dataclass
class QueueFilters:
    procedure: str = ""
    status: str = ""
    employer: str = ""
    overdue: bool = False
    paper: bool = False
    mine: bool = False
    sort: str = "deadline"

    @classmethod
    def from_query(cls, g) -> QueueFilters:
        return cls(
            procedure=g.get("procedure", "").strip()[:10],
            status=g.get("status", "") if g.get("status", "") in OPEN_STATUSES else "",
            employer=g.get("employer", "").strip()[:40],
            overdue=g.get("overdue") == "1",
            paper=g.get("paper") == "1",
            mine=g.get("mine") == "1",
            sort=g.get("sort", "deadline") if g.get("sort") in SORTS else "deadline",
        )


def receiving_queue(*, user, filters: QueueFilters, today: date | None = None) -> QuerySet:
    """Open dossiers of the user's offices, filtered, soonest deadline first (paused last)."""
    today = today or timezone.localdate()
    qs = staff_dossiers(user=user).filter(status__in=OPEN_STATUSES)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.procedure:
        qs = qs.filter(procedure_code=filters.procedure)
    if filters.employer:
        qs = qs.filter(
            Q(employer__unit_code__iexact=filters.employer)
            | Q(employer__tax_code=filters.employer)
            | Q(employer__name__icontains=filters.employer)
        )
    if filters.overdue:
        qs = qs.filter(deadline__lt=today)
    if filters.paper:
        qs = qs.filter(paper_required=True, paper_received_at__isnull=True)
    if filters.mine:
        qs = qs.filter(assigned_to=user)
    first, second = SORTS[filters.sort]
    order = F(first.lstrip("-"))
    order = order.desc(nulls_last=True) if first.startswith("-") else order.asc(nulls_last=True)
    return qs.select_related("employer", "assigned_to").order_by(order, second, "pk")


def officers_of(*, user) -> list:
    """Receiving officers of the user's offices (to assign dossiers to), one query."""
    ids = office_ids_for(user, permission=PERMISSION)
    qs = Membership.objects.active().filter(role__group__permissions__codename="receive_dossiers")
    if ids is not None:
        qs = qs.filter(office_id__in=ids)
    seen, out = set(), []
    for m in qs.select_related("user").order_by("user__full_name", "user__username"):
        if m.user_id not in seen and m.user.is_active:
            seen.add(m.user_id)
            out.append(m.user)
    return out


# --- post dispatch ---------------------------------------------------------------------------------
def dispatch_list(*, user, day: date) -> QuerySet[PostDispatch]:
    """Results to post listed on ``day`` (and earlier ones not sent yet)."""
    return (
        scoped(user, PostDispatch.objects.all(), permission=PERMISSION)
        .filter(Q(listed_on=day) | Q(listed_on__lt=day, sent_at__isnull=True))
        .select_related("dossier__employer", "notice", "office", "sent_by")
        .order_by("listed_on", "office__code", "dossier__employer__unit_code", "pk")
    )


# --- directors' report -----------------------------------------------------------------------------
@dataclass
class OfficeFigures:
    office: Office
    received: int = 0
    decided: int = 0
    on_time: int = 0
    by_procedure: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    electronic: int = 0
    employers: int = 0

    @property
    def on_time_rate(self):
        return rate(self.on_time, self.decided)

    @property
    def adoption_rate(self):
        return rate(self.electronic, self.employers)


@dataclass
class PeriodReport:
    date_from: date
    date_to: date
    offices: list[OfficeFigures]
    procedures: list[str]
    channels: list[str]

    @property
    def channel_labels(self) -> list[str]:
        """The channels' names in the reader's language, in the order of ``channels``
        (the column headings: "Cổng giao dịch (trình duyệt)", never the code "portal")."""
        return [channel_label(c) for c in self.channels]

    @property
    def totals(self) -> OfficeFigures:
        total = OfficeFigures(office=None)
        for row in self.offices:
            total.received += row.received
            total.decided += row.decided
            total.on_time += row.on_time
            total.electronic += row.electronic
            total.employers += row.employers
            for key, n in row.by_procedure.items():
                total.by_procedure[key] = total.by_procedure.get(key, 0) + n
            for key, n in row.by_channel.items():
                total.by_channel[key] = total.by_channel.get(key, 0) + n
        return total


def channel_label(code: str) -> str:
    """A channel code's name in the reader's language; an unknown code as it is."""
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def period_report(*, user, date_from: date, date_to: date) -> PeriodReport:
    """E-transaction figures per office for a period: dossiers by procedure and channel,
    on-time rate of the decisions taken in it, adoption at its end. Four queries."""
    ids = office_ids_for(user, permission=REPORT_PERMISSION)
    base = Dossier.objects.filter(sandbox=False)
    if ids is not None:
        base = base.filter(office_id__in=ids)
    received = (
        base.filter(received_at__gte=day_start(date_from), received_at__lt=day_after(date_to))
        .filter(supplement_of__isnull=True)  # a supplement is part of its dossier, not a new one
        .order_by()
        .values_list("office_id", "procedure_code", "channel")
        .annotate(n=Count("pk"))
    )
    decided = (
        base.filter(decided_at__gte=day_start(date_from), decided_at__lt=day_after(date_to))
        .order_by()
        .values_list("office_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
    )
    figures: dict[int, OfficeFigures] = {}
    procedures, channels = set(), set()
    rows = defaultdict(list)
    for office_id, procedure, channel, n in received:
        rows[office_id].append((procedure, channel, n))
    adoption = adoption_counts(office_ids=ids, days=[date_to])
    wanted = set(rows) | {o for o, _n, _t in decided} | set(adoption)
    offices = {o.pk: o for o in Office.objects.filter(pk__in=wanted - {None})}
    for office_id in offices:
        figures[office_id] = OfficeFigures(office=offices[office_id])
    for office_id, items in rows.items():
        row = figures.get(office_id)
        if row is None:
            continue
        for procedure, channel, n in items:
            row.received += n
            row.by_procedure[procedure] = row.by_procedure.get(procedure, 0) + n
            row.by_channel[channel] = row.by_channel.get(channel, 0) + n
            procedures.add(procedure)
            channels.add(channel)
    for office_id, n, on_time in decided:
        if office_id in figures:
            figures[office_id].decided, figures[office_id].on_time = n, on_time
    for office_id, per_day in adoption.items():
        if office_id in figures:
            figures[office_id].electronic, figures[office_id].employers = per_day[-1]
    ordered = sorted(figures.values(), key=lambda f: f.office.code)
    return PeriodReport(
        date_from=date_from,
        date_to=date_to,
        offices=[f for f in ordered if f.received or f.decided or f.employers],
        procedures=sorted(procedures),
        channels=sorted(channels),
    )
