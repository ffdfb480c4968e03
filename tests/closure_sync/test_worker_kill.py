"""kill -9 the real Celery worker in the middle of pushing, again and again: every record
still ends at the central store exactly once."""

import random
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from central.models import CentralClosure
from closure_sync.models import ClosureRecord, PushState
from closure_sync.tasks import closure_push_sweep
from tests.conftest import wait_until

from .helpers import confirmed_closures

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

KILLS = 20
RECORDS = 6000
LEASE = 1


def _pushed():
    return ClosureRecord.objects.filter(push_state=PushState.PUSHED).count()


def _claimed_since(moment):
    """Rows this round's worker holds (its leases end after moment + LEASE)."""
    return ClosureRecord.objects.filter(
        push_state=PushState.IN_FLIGHT, push_lease_until__gt=moment + timedelta(seconds=LEASE)
    ).count()


def test_kill_9_mid_batch_loses_and_duplicates_nothing(
    reference_data_tx, office, central, credentials_file, celery_worker_process
):
    confirmed_closures(RECORDS, office=office("0101"))
    total = RECORDS
    env = {
        "CENTRAL_API_URL": central.url,
        "CLOSURE_CREDENTIALS_FILE": str(credentials_file),
        "CLOSURE_PUSH_LEASE_SECONDS": str(LEASE),
        "CLOSURE_PUSH_BATCH_SIZE": "20",
    }
    rng = random.Random(20261122)
    killed_mid_batch = 0
    for _ in range(KILLS):
        before = _pushed()
        if total - before < RECORDS // 4:  # keep work to kill in the middle of
            confirmed_closures(RECORDS // 2, office=office("0101"))
            total += RECORDS // 2
        started = timezone.now()
        worker = celery_worker_process(extra_env=env)
        closure_push_sweep.delay()
        wait_until(
            lambda b=before, t=started: _pushed() > b or _claimed_since(t),
            timeout=60,
            interval=0.01,
        )
        time.sleep(rng.uniform(0.0, 0.25))
        worker.kill()
        if _claimed_since(started):
            killed_mid_batch += 1
    # A last worker picks up what the killed ones left (their leases run out).
    time.sleep(LEASE + 0.2)
    celery_worker_process(extra_env=env)
    closure_push_sweep.delay()
    wait_until(lambda: _pushed() == total, timeout=90, interval=0.2)

    assert killed_mid_batch >= KILLS // 2
    stored = CentralClosure.objects.using("central")
    assert stored.count() == total == ClosureRecord.objects.count()
    assert stored.values("reference").distinct().count() == total
    local = dict(ClosureRecord.objects.values_list("reference", "central_receipt"))
    assert dict(stored.values_list("reference", "receipt")) == local
