"""Long lists are shown a page at a time, never cut: one helper every list page uses with
the project template ``_pager.html`` (page links and the total count)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

PER_PAGE = 50


@dataclass(frozen=True)
class Paged:
    page: Page
    query: str  # the request's query string without ``page``, for the page links


def paged(request, items, *, per_page: int = PER_PAGE) -> Paged:
    """``items`` (a queryset in a stable order, or a list) cut at the page the request asks
    for; a page number out of range or not a number gives the nearest page."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return Paged(page=page, query=query.urlencode())
