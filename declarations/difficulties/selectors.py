"""Reads about difficulties: the scoped list and the directors' summary (tổng hợp)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from accounts import scope
from accounts.models import Office
from declarations.difficulties.models import Difficulty, DifficultyCategory, DifficultyStatus


def difficulties_for(
    user, *, status: str = "", category: str = "", permission: str | None = None
) -> QuerySet[Difficulty]:
    """The difficulties ``user`` may see (or act on with ``permission``), newest first."""
    qs = scope.scoped(user, Difficulty.objects.all(), permission=permission).select_related(
        "office", "employer", "filed_by", "provider"
    )
    if status in DifficultyStatus.values:
        qs = qs.filter(status=status)
    if category in DifficultyCategory.values:
        qs = qs.filter(category=category)
    return qs.order_by("-filed_at", "-id")


def difficulty_get(user, pk: int) -> Difficulty | None:
    return (
        scope.scoped(user, Difficulty.objects.filter(pk=pk))
        .select_related("office", "employer", "filed_by", "provider", "answered_by")
        .prefetch_related("attachments", "notes__author")
        .first()
    )


@dataclass
class Summary:
    start: date
    end: date
    by_category: dict[str, int]
    by_office: list[tuple[Office, list[int], int]]
    total: int
    answered: int
    open: int
    avg_response_hours: float | None


def _bounds(start: date, end: date):
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def difficulty_summary(user, *, start: date, end: date) -> Summary:
    """Counts by category and office for difficulties filed from ``start`` to ``end``
    (inclusive), with how many were answered and the mean response time."""
    lo, hi = _bounds(start, end)
    qs = scope.scoped(
        user,
        Difficulty.objects.filter(filed_at__gte=lo, filed_at__lt=hi),
        permission="difficulties.view_difficulty_summary",
    )
    per = defaultdict(lambda: defaultdict(int))
    by_category = {c: 0 for c in DifficultyCategory.values}
    for row in qs.order_by().values("office_id", "category").annotate(n=Count("pk")):
        per[row["office_id"]][row["category"]] += row["n"]
        by_category[row["category"]] += row["n"]
    offices = Office.objects.in_bulk(list(per))
    by_office = sorted(
        (
            (
                offices[oid],
                [cats.get(c, 0) for c in DifficultyCategory.values],
                sum(cats.values()),
            )
            for oid, cats in per.items()
        ),
        key=lambda r: (-r[2], r[0].code),
    )
    stats = qs.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=Q(status=DifficultyStatus.ANSWERED)),
        avg=Avg(
            ExpressionWrapper(F("answered_at") - F("filed_at"), output_field=DurationField()),
            filter=Q(answered_at__isnull=False),
        ),
    )
    avg = stats["avg"]
    return Summary(
        start=start,
        end=end,
        by_category=by_category,
        by_office=by_office,
        total=stats["total"],
        answered=stats["answered"],
        open=stats["total"] - stats["answered"],
        avg_response_hours=round(avg.total_seconds() / 3600, 1) if avg is not None else None,
    )
