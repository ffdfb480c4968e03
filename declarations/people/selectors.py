"""Reads of insured people, always narrowed through accounts.scope."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.scope import scoped
from declarations.people.models import (
    CardStatus,
    EmploymentSpell,
    HealthCard,
    InsuranceBook,
    Person,
    PersonIdentity,
)

VIEW_PERSON = "people.view_person"


def person_get(*, user, number: str) -> Person | None:
    """The person with ``number`` if ``user`` may see them: staff holding the view permission
    at an office one of the person's units belongs to (national roles: anyone)."""
    if not scoped(user, Person.objects.filter(number=number), permission=VIEW_PERSON).exists():
        return None
    return Person.objects.filter(number=number).first()


def person_timeline(person: Person) -> dict:
    """Everything the registry holds on ``person``, oldest first where it is a history."""
    identities = list(PersonIdentity.objects.filter(person=person).prefetch_related("household"))
    return {
        "person": person,
        "identity": identities[0] if identities else None,
        "identities": identities,
        "spells": list(
            EmploymentSpell.objects.filter(person=person)
            .select_related("employer__managing_office", "opened_by", "closed_by")
            .order_by("from_month", "id")
        ),
        "book": InsuranceBook.objects.filter(person=person).select_related("employer").first(),
        "cards": list(HealthCard.objects.filter(person=person).select_related("employer")),
        "adjustments": list(person.adjustments.select_related("employer").order_by("from_month")),
        "events": list(person.document_events.select_related("dossier").order_by("at", "id")),
    }


def _latest_name():
    return Subquery(
        PersonIdentity.objects.filter(person=OuterRef("person"))
        .order_by("-id")
        .values("full_name")[:1]
    )


def workforce(*, employer) -> QuerySet[EmploymentSpell]:
    """The unit's current workforce (lao động đang tham gia): its open spells, with each
    person's latest name and current card number."""
    card = HealthCard.objects.filter(
        person=OuterRef("person"), employer=employer, status=CardStatus.ACTIVE
    ).order_by("-id")
    return (
        EmploymentSpell.objects.filter(employer=employer, to_month__isnull=True)
        .select_related("person")
        .annotate(
            full_name=_latest_name(),
            card_number=Subquery(card.values("number")[:1]),
            card_valid_to=Subquery(card.values("valid_to")[:1]),
        )
        .order_by("person_id")
    )


def cards_to_return(*, user, employer=None) -> QuerySet[HealthCard]:
    """Cards a unit was asked to return and has not yet (scoped to ``user``)."""
    qs = scoped(user, HealthCard.objects.filter(status=CardStatus.TO_RETURN)).select_related(
        "person", "employer", "return_asked_by"
    )
    if employer is not None:
        qs = qs.filter(employer=employer)
    return qs.order_by("employer_id", "id")


def card_get(*, user, pk: int, permission: str | None = None) -> HealthCard | None:
    return (
        scoped(user, HealthCard.objects.select_related("person", "employer"), permission=permission)
        .filter(pk=pk)
        .first()
    )


def unit_cards(*, employer, status: str | None = None) -> QuerySet[HealthCard]:
    """The health cards a unit's workers were issued through it (``status`` narrows: e.g.
    ``to_return``), each with its holder's latest name; newest first."""
    qs = HealthCard.objects.filter(employer=employer)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("person", "return_asked_by").annotate(full_name=_latest_name())
