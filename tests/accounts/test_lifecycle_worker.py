"""The midnight job in a real Celery worker process (the beat sends the same task)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import PersonnelDecision, User
from accounts.selectors import office_resolve
from tests.conftest import wait_until
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.worker


def test_worker_applies_a_due_decision_the_beat_sends(reference_data_tx, celery_worker_process):
    from accounts.tasks import lifecycle_run

    call_command("loaddata", "applications", verbosity=0)
    user = UserFactory(username="nghi.om")
    grant(user, "receiving_officer", office_resolve("0101"))
    # Due since yesterday, as if the worker had been down at midnight.
    PersonnelDecision.objects.create(
        user=user,
        number="9/QĐ",
        signed_on=timezone.localdate() - timedelta(days=3),
        kind="sick_leave",
        effective_on=timezone.localdate() - timedelta(days=1),
        office=office_resolve("0101"),
    )
    celery_worker_process()
    lifecycle_run.delay()
    wait_until(lambda: not User.objects.get(pk=user.pk).is_active, timeout=60)
    assert PersonnelDecision.objects.get().status == "applied"
