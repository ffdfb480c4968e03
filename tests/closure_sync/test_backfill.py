"""The backfill since 2008: chunked, resumable where it stopped, and a job from the page."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from central.models import CentralClosure
from closure_sync import client, jobs, push
from closure_sync.models import ClosureOrigin, ClosureRecord, JobState, PushJob, PushState
from closure_sync.tasks import closure_push_sweep

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


def _backfill(*extra):
    call_command("closure_backfill", "--since", "2008-01-01", "--no-progress", *extra)


def test_a_chunk_marks_exactly_the_records_the_central_store_acknowledged(
    reference_data_tx, office, central
):
    records = _history(6, office("0101"))
    invalid, conflicting, stored_before = records[0], records[1], records[2]
    ClosureRecord.objects.filter(pk=invalid.pk).update(unit_code="")  # rejected centrally
    [other] = push.payloads([conflicting.pk])
    client.batch_push([{**other, "full_name": "Tên khác"}])  # same version, other content
    [earlier] = client.batch_push(push.payloads([stored_before.pk]))
    _backfill("--chunk", "10", "--lanes", "1")
    job = PushJob.objects.get()
    assert (job.processed, job.pushed, job.already, job.failed) == (6, 3, 1, 2)
    stored = dict(CentralClosure.objects.using("central").values_list("reference", "receipt"))
    rows = {r.pk: r for r in ClosureRecord.objects.all()}
    for record in records:
        row = rows[record.pk]
        if record.pk in (invalid.pk, conflicting.pk):
            assert (row.push_state, row.central_receipt, row.pushed_at) == ("failed", "", None)
            assert row.push_next_at is None  # refused: retrying will not help
        else:
            assert row.push_state == PushState.PUSHED
            assert row.central_receipt == stored[row.reference]
    assert rows[stored_before.pk].central_receipt == earlier["receipt"]
    assert "rejected" in rows[invalid.pk].push_error
    assert "conflict" in rows[conflicting.pk].push_error
    assert not ClosureRecord.objects.filter(push_state=PushState.IN_FLIGHT).exists()


def test_a_chunk_cut_short_after_the_central_store_answered_is_posted_again_once(
    reference_data_tx, office, central, monkeypatch
):
    _history(30, office("0101"))
    real_post = client.batch_push_json
    calls = {"n": 0}

    def die_after_the_second_answer(body):
        calls["n"] += 1
        answer = real_post(body)
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the runner dies before recording the answer
        return answer

    monkeypatch.setattr(client, "batch_push_json", die_after_the_second_answer)
    with pytest.raises(CommandError, match="resume"):
        _backfill("--chunk", "10", "--lanes", "1")
    assert CentralClosure.objects.using("central").count() == 20
    # The cut chunk left its rows as they were: no lease to wait for.
    assert ClosureRecord.objects.filter(push_state=PushState.PUSHED).count() == 10
    assert ClosureRecord.objects.filter(push_state=PushState.PENDING).count() == 20
    assert not ClosureRecord.objects.filter(push_lease_until__isnull=False).exists()
    assert PushJob.objects.get().processed == 10
    monkeypatch.setattr(client, "batch_push_json", real_post)
    _backfill("--chunk", "10", "--lanes", "1")
    job = PushJob.objects.get()
    assert (job.state, job.processed, job.pushed, job.already) == (JobState.DONE, 30, 20, 10)
    stored = CentralClosure.objects.using("central")
    assert stored.count() == 30
    local = dict(ClosureRecord.objects.values_list("reference", "central_receipt"))
    assert dict(stored.values_list("reference", "receipt")) == local


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (FOR UPDATE SKIP LOCKED): SQLite has one writer and no row locks",
)
def test_the_sweep_skips_a_chunk_a_job_is_posting(reference_data_tx, office, central, monkeypatch):
    import threading

    confirmed_closures(8, office=office("0101"))  # due for the sweep too
    real_post = client.batch_push_json
    posting, release = threading.Event(), threading.Event()

    def slow_post(body):
        posting.set()
        assert release.wait(30)
        return real_post(body)

    def run(job):
        try:
            jobs.push_job_run(job=job, chunk=5, lanes=1)
        finally:
            connection.close()

    monkeypatch.setattr(client, "batch_push_json", slow_post)
    job = jobs.backfill_job_resume_or_create(actor=None, since=date(2008, 1, 1), office=None)
    assert jobs.push_job_take(job_id=job.pk)
    runner = threading.Thread(target=run, args=(job,))
    runner.start()
    try:
        assert posting.wait(30)  # the job holds its first five rows and waits for the answer
        monkeypatch.setattr(client, "batch_push_json", real_post)
        swept = push.closure_push_due()
    finally:
        release.set()
        runner.join(60)
    assert (swept.pushed, swept.already) == (3, 0)
    job.refresh_from_db()
    assert (job.pushed, job.already) == (5, 0)
    assert CentralClosure.objects.using("central").count() == 8
    assert ClosureRecord.objects.filter(push_state=PushState.PUSHED).count() == 8
