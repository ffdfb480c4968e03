"""Reads for the closure pages: push preview, scope as office codes, compliance."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from accounts.models import Office
from accounts.scope import office_ids_for, scoped
from core.charts import svg_number

from .jobs import job_queryset
from .models import ClosureOrigin, ClosureRecord, JobKind, PushState
from .monitor import MONITOR_PERMISSION, overdue
from .push import PUSHABLE


def push_preview(*, office: Office, filters: dict) -> dict:
    """How many records a manual push with these filters covers, and how many are pushed."""
    ids = [office.pk, *Office.objects.filter(successor=office).values_list("id", flat=True)]
    qs = job_queryset(kind=JobKind.MANUAL, filters=filters, office_ids=ids)
    counts = qs.aggregate(
        total=Count("id"), pushed=Count("id", filter=Q(push_state=PushState.PUSHED))
    )
    return {**counts, "not_pushed": counts["total"] - counts["pushed"], "office": office, **filters}


def office_codes_for(user, *, permission: str) -> list[str] | None:
    """Office codes within the user's reach for ``permission``; None means every office."""
    ids = office_ids_for(user, permission=permission)
    if ids is None:
        return None
    return sorted(set(Office.objects.filter(id__in=ids).values_list("code", flat=True)))


def compliance_by_office_month(*, user, since: date) -> list[dict]:
    """Per office and month of confirmation: confirmed, pushed within 2 days, share."""
    qs = scoped(
        user,
        ClosureRecord.objects.filter(
            status__in=PUSHABLE, origin=ClosureOrigin.PORTAL, confirmed_on__gte=since
        ),
        permission=MONITOR_PERMISSION,
    )
    rows = (
        qs.annotate(month=TruncMonth("confirmed_on"))
        .values("month", "office__code", "office__name")
        .annotate(
            total=Count("id"),
            on_time=Count(
                "id",
                filter=Q(push_state=PushState.PUSHED, pushed_at__lte=F("push_deadline")),
            ),
        )
        .order_by("-month", "office__code")
    )
    return [
        {
            "month": r["month"],
            "office_code": r["office__code"],
            "office_name": r["office__name"],
            "total": r["total"],
            "on_time": r["on_time"],
            "share": round(100 * r["on_time"] / r["total"], 1) if r["total"] else 0.0,
        }
        for r in rows
    ]


def compliance_chart(stats: list[dict], *, width: int = 640, height: int = 200) -> dict:
    """Bars of the share pushed within 2 days per month (all offices in reach), as
    coordinates for an inline SVG: numbers already written as SVG text (a dot as the
    decimal separator), never localized by the template."""
    months: dict = {}
    for s in stats:
        m = months.setdefault(s["month"], [0, 0])
        m[0] += s["total"]
        m[1] += s["on_time"]
    ordered = sorted(months.items())
    if not ordered:
        return {"bars": [], "width": width, "height": height}
    slot = width / len(ordered)
    plot = height - 30
    bars = []
    for i, (month, (total, on_time)) in enumerate(ordered):
        share = 100 * on_time / total if total else 0
        h = plot * share / 100
        top = plot - h + 5
        bars.append(
            {
                "x": svg_number(i * slot + slot * 0.15),
                "y": svg_number(top),
                "w": svg_number(slot * 0.7),
                "h": svg_number(h),
                "label_x": svg_number(i * slot + slot / 2),
                "share_y": svg_number(top - 2),
                "label": month.strftime("%m/%y"),
                "share": round(share, 1),  # shown as text: localized (48,5%)
                "total": total,
            }
        )
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "baseline": svg_number(plot + 5),
        "label_y": svg_number(height - 8),
    }


def overdue_for(*, user):
    return scoped(user, overdue().select_related("office"), permission=MONITOR_PERMISSION).order_by(
        "push_deadline"
    )
