"""The backfill since 2008: chunked, resumable where it stopped, and a job from the page."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from central.models import CentralClosure
from closure_sync import jobs
from closure_sync.models import ClosureOrigin, ClosureRecord, JobState, PushJob, PushState

from .helpers import confirmed_closures

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "central"])


def _history(n, office, year=2010):
    at = timezone.make_aware(datetime(year, 3, 15, 9, 0))
    return confirmed_closures(
        n, office=office, confirmed_at=at, origin=ClosureOrigin.HISTORY, push_next_at=None
    )


def test_backfill_pushes_history_and_resumes_after_an_interruption(
    reference_data_tx, office, central, monkeypatch
):
    _history(50, office("0101"))
    _history(5, office("0101"), year=2007)  # before --since: not part of the backfill
    _history(10, office("0102"))
    real_push = jobs.claimed_push
    calls = {"n": 0}

    def crash_on_third_chunk(ids):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_push(ids)

    monkeypatch.setattr(jobs, "claimed_push", crash_on_third_chunk)
    with pytest.raises(CommandError, match="resume"):
        call_command(
            "closure_backfill",
            "--since",
            "2008-01-01",
            "--office",
            "0101",
            "--chunk",
            "10",
            "--lanes",
            "1",
            "--no-progress",
        )
    job = PushJob.objects.get()
    assert (job.state, job.processed, job.pushed) == (JobState.FAILED, 20, 20)
    # The interrupted chunk was leased: let its lease run out, then run again.
    ClosureRecord.objects.filter(push_state=PushState.IN_FLIGHT).update(
        push_lease_until=timezone.now() - timedelta(seconds=1)
    )
    monkeypatch.setattr(jobs, "claimed_push", real_push)
    call_command(
        "closure_backfill",
        "--since",
        "2008-01-01",
        "--office",
        "0101",
        "--chunk",
        "10",
        "--no-progress",
    )
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.pushed == 50 and job.processed == 50
    stored = CentralClosure.objects.using("central")
    assert stored.count() == 50
    assert stored.filter(confirmed_on__lt=date(2008, 1, 1)).count() == 0
    assert set(stored.values_list("office_code", flat=True)) == {"0101"}


def test_backfill_of_every_office_from_a_fresh_start(reference_data_tx, office, central):
    _history(7, office("0101"))
    _history(3, office("0102"))
    call_command("closure_backfill", "--since", "2008-01-01", "--no-progress")
    assert CentralClosure.objects.using("central").count() == 10
    # A second run finds nothing left to push.
    call_command("closure_backfill", "--since", "2008-01-01", "--no-progress")
    assert PushJob.objects.latest("id").processed == 0


def test_unknown_office_is_refused(reference_data_tx):
    with pytest.raises(CommandError, match="unknown office"):
        call_command("closure_backfill", "--since", "2008-01-01", "--office", "9999")


def test_a_job_whose_runner_died_is_taken_again_once(reference_data_tx, office, central, settings):
    from closure_sync.tasks import closure_push_sweep

    _history(4, office("0101"))
    job = jobs.backfill_job_resume_or_create(actor=None, since=date(2008, 1, 1), office=None)
    assert jobs.push_job_take(job_id=job.pk)
    assert not jobs.push_job_take(job_id=job.pk)  # single-flight while its heartbeat is fresh
    stale = timezone.now() - timedelta(seconds=settings.CLOSURE_PUSH_LEASE_SECONDS + 1)
    PushJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    assert jobs.push_jobs_stalled() == [job.pk]
    closure_push_sweep()  # the beat sweep restarts it
    job.refresh_from_db()
    assert (job.state, job.pushed) == (JobState.DONE, 4)
