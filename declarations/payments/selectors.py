"""Reads of payments received (tiền đóng đã nhận): what a unit paid in a month, the queue of
unmatched transfers, the list by unit and month. Every list a user sees goes through
``accounts.scope``; ``payments_for`` is the statement's own read (C12-TS, section C)."""

import datetime

from django.db.models import Q, QuerySet

from accounts.scope import scoped
from declarations.payments.models import Payment, PaymentCandidate, PaymentImport, PaymentStatus


def _month_bounds(month_first_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month_first_day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following


def payments_for(employer, month_first_day: datetime.date) -> list[Payment]:
    """The matched transfers credited to ``employer`` in the month starting
    ``month_first_day`` (any day of the month is accepted), oldest first."""
    first, following = _month_bounds(month_first_day)
    return list(
        Payment.objects.filter(
            employer=employer,
            status=PaymentStatus.MATCHED,
            paid_on__gte=first,
            paid_on__lt=following,
        ).order_by("paid_on", "id")
    )


IMPORT = "payments.import_statement"
MATCH = "payments.match_payment"
UNASSIGNED = "payments.match_unassigned"
VIEW = "payments.view_payment"


def imports_for(user) -> QuerySet[PaymentImport]:
    """The statement imports of the offices where ``user`` may import."""
    return scoped(
        user, PaymentImport.objects.select_related("office", "created_by"), permission=IMPORT
    )


def queue_for(user) -> QuerySet[Payment]:
    """The unmatched transfers ``user`` may match (hàng chờ đối chiếu): those pointing to a
    unit of their offices (by account or reference), and those pointing to no unit when
    their role may match unassigned transfers at the office that imported them."""
    pointed = scoped(user, PaymentCandidate.objects.all(), permission=MATCH).values("payment_id")
    unassigned = scoped(user, PaymentImport.objects.all(), permission=UNASSIGNED).values("id")
    return (
        Payment.objects.filter(status=PaymentStatus.UNMATCHED)
        .filter(Q(pk__in=pointed) | Q(source_id__in=unassigned, candidates__isnull=True))
        .distinct()
        .select_related("source__office")
        .prefetch_related("candidates__employer")
        .order_by("paid_on", "id")
    )


def queued_payment_get(user, pk: int) -> Payment | None:
    """One transfer of ``user``'s queue, or None (another office's, or matched already)."""
    return queue_for(user).filter(pk=pk).first()


def payments_list(user, *, unit_code: str = "", month: datetime.date | None = None):
    """Matched transfers ``user`` may see, of one unit and/or one month, newest first."""
    qs = scoped(
        user,
        Payment.objects.filter(status=PaymentStatus.MATCHED).select_related("employer"),
        permission=VIEW,
    )
    if unit_code:
        qs = qs.filter(employer__unit_code="".join(unit_code.split()).upper())
    if month is not None:
        first, following = _month_bounds(month)
        qs = qs.filter(paid_on__gte=first, paid_on__lt=following)
    return qs.order_by("-paid_on", "-id")
