"""Pages of insured people: a person's timeline (staff), a unit's workforce, cards to return."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import scoped
from core.db_routing import replica_reads
from core.refusals import Refused
from declarations.employers.models import Employer
from declarations.employers.selectors import employer_of, staff_require
from declarations.people import documents
from declarations.people.selectors import (
    VIEW_PERSON,
    card_get,
    cards_to_return,
    person_get,
    person_timeline,
    workforce,
)
from declarations.people.services import card_return_record, person_viewed

RECORD_RETURN = "people.record_card_return"


@login_required
@replica_reads
def person_detail(request, number: str):
    staff_require(request.user, VIEW_PERSON)
    person = person_get(user=request.user, number=number)
    if person is None:
        raise Http404
    timeline = person_timeline(person)
    person_viewed(actor=request.user, person=person, spells=timeline["spells"])
    return render(request, "declarations/people/person.html", timeline)


@login_required
def person_search(request):
    staff_require(request.user, VIEW_PERSON)
    number = request.GET.get("so", "").strip()
    if number:
        if person_get(user=request.user, number=number) is not None:
            return redirect("district:person", number=number)
        messages.error(
            request, _("No insured person with number %(n)s in your offices.") % {"n": number}
        )
    return render(request, "declarations/people/search.html", {"number": number})


def _unit_for(request) -> Employer:
    """The unit whose workforce is asked for: the employer user's own, or (staff) the one
    named by ``?don-vi=``, within the staff member's offices."""
    code = request.GET.get("don-vi", "").strip()
    if code:
        unit = (
            scoped(request.user, Employer.objects.all(), permission=VIEW_PERSON)
            .filter(unit_code=code)
            .first()
        )
    else:
        unit = employer_of(request.user)
    if unit is None:
        raise Http404
    return unit


@login_required
@replica_reads
def workforce_page(request):
    unit = _unit_for(request)
    page = Paginator(workforce(employer=unit), 50).get_page(request.GET.get("page"))
    # The cards to return are paged on their own (``?the=``), never cut.
    to_return = Paginator(cards_to_return(user=request.user, employer=unit), 50)
    keep = request.GET.copy()
    keep.pop("the", None)
    return render(
        request,
        "declarations/people/workforce.html",
        {
            "unit": unit,
            "page": page,
            "is_staff_view": bool(request.GET.get("don-vi")),
            "to_return": to_return.get_page(request.GET.get("the")),
            "to_return_query": keep.urlencode(),
        },
    )


@login_required
def card_pdf(request, pk: int):
    card = card_get(user=request.user, pk=pk)
    if card is None:
        raise Http404
    response = HttpResponse(documents.card_pdf(card), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="the-bhyt-{card.number}.pdf"'
    return response


@login_required
def book_pdf(request, number: str):
    book = documents.book_get(user=request.user, number=number)
    if book is None:
        raise Http404
    response = HttpResponse(documents.book_pdf(book), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="so-bhxh-{number}.pdf"'
    return response


@login_required
def cards_returns(request):
    """Office: cards units were asked to return; record one as returned."""
    staff_require(request.user, RECORD_RETURN)
    qs = cards_to_return(user=request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "declarations/people/cards_to_return.html", {"page": page})


@login_required
@require_POST
def card_returned(request, pk: int):
    staff_require(request.user, RECORD_RETURN)
    card = card_get(user=request.user, pk=pk, permission=RECORD_RETURN)
    if card is None:
        raise Http404
    try:
        card_return_record(actor=request.user, card=card)
    except Refused as refusal:
        messages.error(request, f"{refusal.code}: {refusal.message}")
    else:
        messages.success(request, _("Card %(n)s recorded as returned.") % {"n": card.number})
    return redirect("district:cards_to_return")
