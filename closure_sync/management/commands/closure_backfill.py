"""Push every closure confirmed since a date to the central store (the one-off transfer of
the history since 2008). Chunked, memory flat, resumable: run it again after an
interruption and it goes on where it stopped."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.selectors import OfficeNotFound, office_resolve
from closure_sync import jobs
from closure_sync.models import JobState, PushJob


class Command(BaseCommand):
    help = "Backfill closure records since a date to the central store (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="YYYY-MM-DD, e.g. 2008-01-01")
        parser.add_argument("--office", help="office code (default: every office)")
        parser.add_argument("--chunk", type=int, default=None, help="records per request")
        parser.add_argument(
            "--lanes", type=int, default=3, help="chunks pushed at once (default 3)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, since, office=None, chunk=None, lanes=3, no_progress=False, **options):
        try:
            since_day = date.fromisoformat(since)
        except ValueError:
            raise CommandError("--since must be YYYY-MM-DD") from None
        office_obj = None
        if office:
            try:
                office_obj = office_resolve(office)
            except OfficeNotFound:
                raise CommandError(f"unknown office code {office}") from None
        job = jobs.backfill_job_resume_or_create(actor=None, since=since_day, office=office_obj)
        if job.processed:
            self.stdout.write(f"Resuming backfill job #{job.pk} after id {job.cursor}")
        if not jobs.push_job_take(job_id=job.pk):
            raise CommandError(f"backfill job #{job.pk} is being run by another process")
        job = PushJob.objects.get(pk=job.pk)
        bar = tqdm(
            total=job.total,
            initial=job.processed,
            unit="rec",
            disable=no_progress,
            file=self.stderr._out,
        )
        last = [job.processed]

        def progress(j):
            bar.update(j.processed - last[0])
            last[0] = j.processed

        try:
            job = jobs.push_job_run(job=job, chunk=chunk, lanes=lanes, on_progress=progress)
        except KeyboardInterrupt:
            PushJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, error="interrupted")
            raise CommandError(f"interrupted; run again to resume job #{job.pk}") from None
        finally:
            bar.close()
        self.stdout.write(
            f"Backfill job #{job.pk}: pushed {job.pushed}, already there {job.already}, "
            f"failed {job.failed}"
        )
