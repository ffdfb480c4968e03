"""Periodic CA operations : the CRL refresh."""

from celery import shared_task

from declarations.employers import authorities


@shared_task(name="declarations.employers.tasks.trust_refresh", ignore_result=True)
def trust_refresh() -> int:
    """Beat (``trust-crl-refresh``): one task per CA, so a slow CA delays no other."""
    ids = authorities.authorities_to_refresh()
    for authority_id in ids:
        authority_refresh.delay(authority_id)
    return len(ids)


@shared_task(name="declarations.employers.tasks.authority_refresh", ignore_result=True)
def authority_refresh(authority_id: int) -> bool:
    return authorities.authority_refresh(authority_id=authority_id).ok
