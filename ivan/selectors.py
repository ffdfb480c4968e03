"""Reads about providers: the public list, a provider's statistics."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from declarations.employers.models import Provider
from ivan.models import ApiCall, ApiClient, Contract


def providers_under_contract(on=None) -> QuerySet[Provider]:
    """Providers holding a contract in force (the list the agency must publish)."""
    return (
        Provider.objects.filter(contracts__in=Contract.objects.in_force(on))
        .distinct()
        .order_by("name")
    )


def provider_stats(*, provider: Provider, since: datetime) -> dict:
    """Volume, refusals by error code and latency percentiles of the provider's calls."""
    calls = ApiCall.objects.filter(client__provider=provider, at__gte=since)
    totals = calls.aggregate(
        calls=Count("id"), refusals=Count("id", filter=Q(status_code__gte=400))
    )
    by_code = list(
        calls.filter(status_code__gte=400)
        .exclude(error_code="")
        .values("error_code")
        .annotate(count=Count("id"))
        .order_by("-count", "error_code")
    )

    def percentile(p: float):
        n = totals["calls"]
        if not n:
            return None
        index = min(n - 1, int(round(p * (n - 1))))
        return calls.order_by("duration_ms").values_list("duration_ms", flat=True)[index]

    return {
        "since": since,
        "calls": totals["calls"],
        "refusals": totals["refusals"],
        "refusals_by_code": [{"code": r["error_code"], "count": r["count"]} for r in by_code],
        "latency_ms_p50": percentile(0.50),
        "latency_ms_p95": percentile(0.95),
    }


def api_clients() -> QuerySet[ApiClient]:
    """Every API client with its provider and secrets (central IT's list)."""
    return (
        ApiClient.objects.select_related("provider", "application")
        .prefetch_related("secrets")
        .order_by("provider__code", "sandbox", "id")
    )
