"""Reads about offices and people."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from .models import Office


class OfficeNotFound(LookupError):
    pass


def office_resolve(code: str, *, on: date | None = None) -> Office:
    """The office known by ``code``, as it stands on ``on`` (today by default).

    If the code named an office that has since been merged or renamed, the successor
    chain is followed to the office in charge on that date, so a 2015 district code still
    finds today's local office.
    """
    day = on or timezone.localdate()
    candidates = list(Office.objects.filter(code=code).order_by("-valid_from"))
    if not candidates:
        raise OfficeNotFound(code)
    for office in candidates:
        if office.is_valid_on(day):
            return office
    # Not in force that day: start from the latest office that had the code before it.
    earlier = [o for o in candidates if o.valid_from <= day]
    office = earlier[0] if earlier else None
    seen = set()
    while office is not None and not office.is_valid_on(day):
        if office.pk in seen or office.successor_id is None:
            office = None
            break
        seen.add(office.pk)
        office = office.successor
    if office is None:
        raise OfficeNotFound(f"{code} on {day:%d/%m/%Y}")
    return office


def province_of(office: Office) -> Office | None:
    """The province office above ``office`` (itself when it is a province)."""
    node = office
    while node is not None and node.level != "province":
        node = node.parent
    return node
