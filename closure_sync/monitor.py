"""Deadline monitor: records at risk (``CLOSURE_AT_RISK_HOURS`` left) or overdue raise an
alert once, by e-mail to the office's IT staff through the outbox, and show on their home
page."""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Office, RoleScope
from accounts.scope import office_ids_for, scoped
from core.outbox.services import outbox_enqueue

from .models import ClosureOrigin, ClosureRecord, PushState
from .push import PUSHABLE

log = structlog.get_logger(__name__)

MONITOR_PERMISSION = "closure_sync.monitor_closure"


def watched(now=None) -> QuerySet:
    """Records the monitor watches: confirmed in the portal, not pushed, deadline recent."""
    now = now or timezone.now()
    return ClosureRecord.objects.filter(
        status__in=PUSHABLE,
        origin=ClosureOrigin.PORTAL,
        push_deadline__gt=now - timedelta(days=settings.CLOSURE_ALERT_LOOKBACK_DAYS),
    ).exclude(push_state=PushState.PUSHED)


def at_risk(now=None) -> QuerySet:
    now = now or timezone.now()
    return watched(now).filter(
        push_deadline__gt=now,
        push_deadline__lte=now + timedelta(hours=settings.CLOSURE_AT_RISK_HOURS),
    )


def overdue(now=None) -> QuerySet:
    now = now or timezone.now()
    return watched(now).filter(push_deadline__lte=now)


def it_staff_emails(office: Office) -> list[str]:
    """E-mail addresses of the staff who watch closures (IT staff, closure operators)
    whose reach covers ``office`` (not national roles)."""
    memberships = (
        Membership.objects.active()
        .filter(
            role__group__permissions__codename="monitor_closure",
            role__scope__in=[RoleScope.OFFICE, RoleScope.OFFICE_TREE],
        )
        .select_related("user")
        .distinct()
    )
    emails = set()
    for m in memberships:
        ids = office_ids_for(m.user, permission=MONITOR_PERMISSION)
        if m.user.email and (ids is None or office.pk in ids):
            emails.add(m.user.email)
    return sorted(emails)


def _alert(kind: str, queryset: QuerySet, field: str, now) -> int:
    with transaction.atomic():
        rows = list(
            queryset.filter(**{f"{field}__isnull": True})
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", "office_id", "reference", "book_number", "push_deadline")
        )
        if not rows:
            return 0
        by_office: dict[int, list] = {}
        for row in rows:
            by_office.setdefault(row[1], []).append(row)
        for office in Office.objects.filter(pk__in=by_office):
            items = by_office[office.pk]
            recipients = it_staff_emails(office)
            if recipients:
                with translation.override("vi"):
                    subject = (
                        _("Closures at risk of missing the 2-day deadline: %(office)s")
                        if kind == "at_risk"
                        else _("Closures overdue for the central store: %(office)s")
                    ) % {"office": office.name}
                    body = render_to_string(
                        "closure_sync/alert_email.txt",
                        {"office": office, "items": items[:50], "count": len(items), "kind": kind},
                    )
                ids = [r[0] for r in items]
                outbox_enqueue(
                    kind="email",
                    key=f"closure-{kind}-{office.code}-{min(ids)}-{max(ids)}-{len(ids)}-{now:%Y%m%d%H%M}",
                    payload={"to": recipients, "subject": subject, "body": body},
                )
            log.warning("closure_deadline_alert", kind=kind, office=office.code, count=len(items))
        ClosureRecord.objects.filter(pk__in=[r[0] for r in rows]).update(**{field: now})
    return len(rows)


def closure_deadline_check(*, now=None) -> dict:
    """Alert once per record for at-risk and once for overdue."""
    now = now or timezone.now()
    return {
        "at_risk": _alert("at_risk", at_risk(now), "at_risk_alerted_at", now),
        "overdue": _alert("overdue", overdue(now), "overdue_alerted_at", now),
    }


def banner_counts(user) -> dict | None:
    """At-risk and overdue counts within the user's reach, for the home-page banner."""
    if not user.has_perm(MONITOR_PERMISSION):
        return None
    now = timezone.now()
    risk = scoped(user, at_risk(now), permission=MONITOR_PERMISSION).count()
    late = scoped(user, overdue(now), permission=MONITOR_PERMISSION).count()
    if not (risk or late):
        return None
    return {"at_risk": risk, "overdue": late}
