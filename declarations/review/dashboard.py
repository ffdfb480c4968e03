"""The office dashboard: counts by state, at-risk / overdue / paused counts, the weekly
on-time rate, read from per-office snapshots.

Counting an office's work costs as much as the office has open dossiers and recent
decisions (≈ 20 ms of database CPU for a busy office at 1M dossiers), so a page reads the
figures a periodic job counted for every office at once (``dashboard_snapshot_refresh``,
each minute), and says when they were taken. A snapshot missing, older than
``REVIEW_DASHBOARD_MAX_AGE`` seconds or taken on another day is counted live and stored:
without the job (the embedded default) every page is still right, within that age.
What is per user, or cheap, stays live (the results to post).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import Office
from accounts.scope import office_ids_for, scoped
from core.db import rows_upsert_newer
from core.db_routing import replica_reads
from declarations.adoption.selectors import rate
from declarations.dossiers.models import OPEN_STATUSES, Dossier, DossierStatus
from declarations.dossiers.workdays import WorkingCalendar
from declarations.review.models import OfficeDashboardSnapshot, PostDispatch
from declarations.review.selectors import PERMISSION, at_risk_before, day_start

log = structlog.get_logger(__name__)

WEEKS = 12
RISKS = ("overdue", "at_risk", "paused")


@dataclass
class OfficeDashboard:
    by_status: list[tuple[str, str, int]]
    open_total: int
    at_risk: int
    overdue: int
    paused: int
    weeks: list[tuple[date, int, int]]  # (monday, decided, on time)
    to_post: int = 0
    as_of: datetime | None = None  # when the counts were taken (the oldest snapshot read)

    @property
    def weekly_rates(self) -> list[tuple[str, float | None]]:
        return [
            (f"{monday:%d/%m}", float(rate(on_time, decided)) if decided else None)
            for monday, decided, on_time in self.weeks
        ]


def window_start(today: date, weeks: int) -> date:
    """The Monday the weekly table starts on: ``weeks`` weeks up to this one."""
    return today - timedelta(days=today.weekday() + 7 * (weeks - 1))


def _empty() -> dict:
    return {"by_status": {}, "overdue": 0, "at_risk": 0, "paused": 0, "weeks": {}}


def dashboard_figures(
    *, office_ids: Iterable[int] | None, today: date, weeks: int = WEEKS, also: Iterable[int] = ()
) -> dict[int, dict]:
    """Each office's counted figures, live, in two grouped queries: the open dossiers by
    state with the deadline's counts beside, and the window's decisions by week and state
    (decided states count the window's decisions, as the weekly table does). Both name only
    columns of a partial index (``dossier_queue_idx``, ``dossier_decided_idx``): index-only
    scans. ``office_ids`` None: every office with open dossiers, and the offices ``also``.

    The figures are plain JSON (``OfficeDashboardSnapshot.figures``): ``by_status``,
    ``overdue``, ``at_risk``, ``paused``, ``weeks`` ({iso monday: [decided, on time]})."""
    base = Dossier.objects.filter(sandbox=False)
    if office_ids is None:
        out: dict[int, dict] = {}
        open_qs = base.filter(office__isnull=False)
    else:
        out = {pk: _empty() for pk in office_ids}
        if not out:
            return out
        open_qs = base.filter(office_id__in=list(out))
    risk_day = at_risk_before(today, WorkingCalendar.load())
    for row in (
        open_qs.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("office_id", "status")
        .annotate(
            n=Count("status"),
            overdue=Count("deadline", filter=Q(deadline__lt=today)),
            at_risk=Count("deadline", filter=Q(deadline__gte=today, deadline__lte=risk_day)),
            paused=Count("status", filter=Q(deadline__isnull=True)),
        )
    ):
        figures = out.setdefault(row["office_id"], _empty())
        figures["by_status"][row["status"]] = row["n"]
        for key in RISKS:
            figures[key] += row[key]
    if office_ids is None:
        for pk in also:
            out.setdefault(pk, _empty())
    if not out:
        return out
    # By office: the index's leading column, so only the window's entries are read.
    for row in (
        base.filter(office_id__in=list(out), decided_at__gte=day_start(window_start(today, weeks)))
        .order_by()
        .annotate(week=TruncWeek("decided_at"))
        .values("office_id", "week", "status")
        .annotate(n=Count("*"), on_time=Count("on_time", filter=Q(on_time=True)))
    ):
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        figures = out[row["office_id"]]
        totals = figures["weeks"].setdefault(week.isoformat(), [0, 0])
        totals[0] += row["n"]
        totals[1] += row["on_time"]
        figures["by_status"][row["status"]] = figures["by_status"].get(row["status"], 0) + row["n"]
    return out


def dashboard_snapshots_store(
    *, figures: dict[int, dict], day: date, weeks: int, at: datetime
) -> int:
    """Store the snapshots of these offices' figures, counted at ``at``: one upsert per
    500 offices, idempotent. A stored snapshot counted later than ``at`` stays (a page's
    live count and the periodic refresh may finish in either order: the newer count wins).

    Written to the primary by name: a cache the page does not read back, so storing it must
    not send the rest of a page reading from the replica to the primary."""
    rows = [
        OfficeDashboardSnapshot(office_id=pk, day=day, weeks=weeks, computed_at=at, figures=f)
        for pk, f in figures.items()
    ]
    rows_upsert_newer(rows, unique="office", newer="computed_at", using=DEFAULT_DB_ALIAS)
    return len(rows)


def dashboard_snapshot_refresh(*, today: date | None = None, weeks: int = WEEKS) -> int:
    """Count every office with open dossiers (and every office already snapshotted, so one
    whose work ended shows zeros) and store their snapshots. Idempotent; the periodic job.
    Returns the number of offices stored."""
    today = today or timezone.localdate()
    at = timezone.now()
    # The grouped reads may go to the replica (within its allowed lag, which figures shown
    # "as of" a minute can bear); the snapshots are written to the primary.
    with replica_reads():
        known = list(OfficeDashboardSnapshot.objects.values_list("office_id", flat=True))
        figures = dashboard_figures(office_ids=None, today=today, weeks=weeks, also=known)
    stored = dashboard_snapshots_store(figures=figures, day=today, weeks=weeks, at=at)
    log.info("dashboard_snapshot_refreshed", offices=stored)
    return stored


def _fresh_snapshots(office_ids: set[int], *, today: date, weeks: int, now: datetime) -> dict:
    max_age = settings.REVIEW_DASHBOARD_MAX_AGE
    if max_age <= 0:
        return {}
    rows = OfficeDashboardSnapshot.objects.filter(
        office_id__in=office_ids,
        day=today,
        weeks=weeks,
        computed_at__gte=now - timedelta(seconds=max_age),
    ).values_list("office_id", "computed_at", "figures")
    return {pk: (at, figures) for pk, at, figures in rows}


def office_dashboard(*, user, weeks: int = WEEKS, today: date | None = None) -> OfficeDashboard:
    """The dashboard of the offices where ``user`` receives dossiers (``accounts.scope``):
    their snapshots summed, the ones missing or old counted live and stored. One query for
    the snapshots whatever the offices' volume; ``REVIEW_DASHBOARD_MAX_AGE`` 0 counts live
    every time and stores nothing."""
    today = today or timezone.localdate()
    now = timezone.now()
    ids = office_ids_for(user, permission=PERMISSION)
    if ids is None:
        ids = set(Office.objects.values_list("pk", flat=True))
    found = _fresh_snapshots(ids, today=today, weeks=weeks, now=now) if ids else {}
    missing = ids - set(found)
    live = dashboard_figures(office_ids=missing, today=today, weeks=weeks) if missing else {}
    to_post = (
        scoped(user, PostDispatch.objects.filter(sent_at__isnull=True), permission=PERMISSION)
        .order_by()
        .count()
    )
    if live and settings.REVIEW_DASHBOARD_MAX_AGE > 0:
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                dashboard_snapshots_store(figures=live, day=today, weeks=weeks, at=now)
        except DatabaseError as exc:
            # The primary unreachable (a failover): the page is answered from what was read.
            log.warning("dashboard_snapshot_store_failed", error=type(exc).__name__)
    counted = [f for _at, f in found.values()] + list(live.values())
    stamps = [at for at, _f in found.values()] + ([now] if live or not found else [])
    return _dashboard(counted, today=today, weeks=weeks, to_post=to_post, as_of=min(stamps))


def _dashboard(
    counted: list[dict], *, today: date, weeks: int, to_post: int, as_of: datetime
) -> OfficeDashboard:
    counts: dict[str, int] = {}
    risk = dict.fromkeys(RISKS, 0)
    decided: dict[str, list[int]] = {}
    for figures in counted:
        for status, n in figures["by_status"].items():
            counts[status] = counts.get(status, 0) + n
        for key in RISKS:
            risk[key] += figures[key]
        for week, (n, on_time) in figures["weeks"].items():
            totals = decided.setdefault(week, [0, 0])
            totals[0] += n
            totals[1] += on_time
    start = window_start(today, weeks)
    series = []
    for i in range(weeks):
        monday = start + timedelta(days=7 * i)
        n, on_time = decided.get(monday.isoformat(), (0, 0))
        series.append((monday, n, on_time))
    return OfficeDashboard(
        # A supplement is part of its dossier, not a state of the office's work.
        by_status=[
            (value, label, counts.get(value, 0))
            for value, label in DossierStatus.choices
            if value != DossierStatus.SUPPLEMENT
        ],
        open_total=sum(counts.get(s, 0) for s in OPEN_STATUSES),
        at_risk=risk["at_risk"],
        overdue=risk["overdue"],
        paused=risk["paused"],
        weeks=series,
        to_post=to_post,
        as_of=as_of,
    )
