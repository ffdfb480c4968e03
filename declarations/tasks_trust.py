"""Periodic CA operations (registered with Celery from the app config): the CRL refresh."""

from celery import shared_task

from . import services_trust


@shared_task(name="declarations.tasks_trust.trust_refresh", ignore_result=True)
def trust_refresh() -> int:
    """Beat (``trust-crl-refresh``): one task per CA, so a slow CA delays no other."""
    ids = services_trust.authorities_to_refresh()
    for authority_id in ids:
        authority_refresh.delay(authority_id)
    return len(ids)


@shared_task(name="declarations.tasks_trust.authority_refresh", ignore_result=True)
def authority_refresh(authority_id: int) -> bool:
    return services_trust.authority_refresh(authority_id=authority_id).ok
