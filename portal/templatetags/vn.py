"""Template filters for Vietnamese display: ``ngay`` (dd/mm/yyyy), ``ngaygio``, ``vnd``."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def ngay(value):
    """A date (or datetime, shown in Asia/Ho_Chi_Minh) as dd/mm/yyyy; empty when missing."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


@register.filter
def ngaygio(value):
    """A datetime as dd/mm/yyyy HH:MM in local time."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    return ngay(value)


def format_vnd(value) -> str:
    """1234567 → '1.234.567 đ' (rounded to the đồng, minus sign kept)."""
    try:
        amount = Decimal(str(value)).quantize(Decimal(1))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    sign = "-" if amount < 0 else ""
    digits = f"{abs(int(amount)):,}".replace(",", ".")
    return f"{sign}{digits}\u00a0đ"


@register.filter
def vnd(value):
    """Money as 1.234.567 đ."""
    if value in (None, ""):
        return ""
    return format_vnd(value)
