"""Public pages of the I-VAN app."""

from django.shortcuts import render
from django.views.decorators.cache import cache_page

from ivan.selectors import providers_under_contract


@cache_page(300)
def provider_list(request):
    """The providers currently under contract, published without login."""
    return render(
        request,
        "ivan/provider_list.html",
        {"providers": providers_under_contract().prefetch_related("contracts")},
    )
