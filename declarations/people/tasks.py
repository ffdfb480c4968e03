"""Nightly jobs of the people registry."""

from celery import shared_task

from declarations.people.integrity import registry_integrity_check as _check


@shared_task(name="declarations.people.tasks.registry_integrity_check")
def registry_integrity_check() -> dict[str, int]:
    return _check()
