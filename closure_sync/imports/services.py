"""Writes of an import: receive a file, check it (the preview), confirm, store it.

The check and the store run in the worker (a million lines take longer than a page may
wait), by import id, guarded by the import's state so a repeated task does nothing. The
preview stores nothing but the file and its counts. The store checks the file again inside
one transaction, holding the office's row so two imports of one office take turns, and
stores every new line or nothing: any refused line rolls it all back."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import Office
from core.refusals import Refused

from .. import dispatch
from ..models import ClosureImport, ImportState
from . import codes  # noqa: F401  (registers the import's refusal codes)
from .checks import NEW, Tally, lines_checked
from .readers import FileRefused, file_format
from .store import BatchWriter

log = structlog.get_logger(__name__)

STORE_FAILED = "closure_import.store_failed"


def _digest(upload) -> tuple[str, bytes]:
    sha, head = hashlib.sha256(), b""
    for chunk in upload.chunks():
        if not head:
            head = chunk[:8]
        sha.update(chunk)
    return sha.hexdigest(), head


def closure_import_receive(*, actor, office: Office, upload) -> ClosureImport:
    """Keep the uploaded file and queue its check; a file of another format is refused
    at once."""
    sha256, head = _digest(upload)
    name = (upload.name or "import")[-200:]
    imp = ClosureImport(
        office=office,
        file_name=name,
        sha256=sha256,
        created_by=actor,
        state=ImportState.CHECKING,
        queued_at=timezone.now(),
    )
    try:
        imp.file_format = file_format(name, head)
    except FileRefused as exc:
        tally = Tally(refused=1, problems=[exc.problem.as_dict()])
        _tally_apply(imp, tally)
        imp.state = ImportState.REFUSED
        with transaction.atomic():
            imp.save()
            _audit_checked(imp, tally)
        return imp
    imp.file.save(f"{sha256[:16]}.{imp.file_format}", upload, save=False)
    with transaction.atomic():
        imp.save()
        transaction.on_commit(lambda: dispatch.import_check_send(imp.pk))
    return imp


def closure_import_check(*, import_id: int) -> None:
    """Check a received file (the worker's part of the preview); nothing else is stored.
    Does nothing unless the import waits for its check."""
    imp = ClosureImport.objects.select_related("office").get(pk=import_id)
    if imp.state != ImportState.CHECKING:
        return
    tally = Tally()
    try:
        with imp.file.open("rb") as fileobj:
            for _batch in lines_checked(
                fileobj,
                imp.file_format,
                office_code=imp.office.code,
                tally=tally,
                today=timezone.localdate(),
            ):
                pass
    except FileRefused as exc:
        tally.refused = max(tally.refused, 1)
        tally.problems.insert(0, exc.problem.as_dict())
    _tally_apply(imp, tally)
    imp.state = ImportState.REFUSED if tally.refused else ImportState.PREVIEWED
    with transaction.atomic():
        done = ClosureImport.objects.filter(pk=imp.pk, state=ImportState.CHECKING).update(
            state=imp.state, **_tally_fields(imp)
        )
        if done:
            _audit_checked(imp, tally)
    log.info("closure_import_checked", import_id=imp.pk, lines=tally.lines, refused=tally.refused)


def _audit_checked(imp: ClosureImport, tally: Tally) -> None:
    audit.record(
        imp.created_by,
        "closure.import_checked",
        imp,
        imp.office,
        {
            "file": imp.file_name,
            "sha256": imp.sha256,
            "lines": tally.lines,
            "new": tally.new,
            "already": tally.already,
            "refused": tally.refused,
        },
    )


TALLY_FIELDS = (
    "lines",
    "new_lines",
    "already_lines",
    "refused_lines",
    "new_closures",
    "problems",
)


def _tally_apply(imp: ClosureImport, tally: Tally) -> None:
    imp.lines, imp.new_lines, imp.already_lines = tally.lines, tally.new, tally.already
    imp.refused_lines, imp.new_closures = tally.refused, tally.new_closures
    imp.problems = tally.problems


def _tally_fields(imp: ClosureImport) -> dict:
    return {f: getattr(imp, f) for f in TALLY_FIELDS}


def import_duplicate_of(imp: ClosureImport) -> ClosureImport | None:
    """The earlier import of the same file at the same office, already stored."""
    return (
        ClosureImport.objects.filter(
            office_id=imp.office_id, sha256=imp.sha256, state=ImportState.STORED
        )
        .exclude(pk=imp.pk)
        .first()
    )


def closure_import_confirm(*, actor, imp: ClosureImport) -> None:
    """The officer's Yes to the preview: queue the store.

    The same file stored before stores nothing (its hash); lines already stored by
    another file count as already there (each period's natural key: its closure's
    reference and its first month)."""
    earlier = import_duplicate_of(imp)
    if earlier is not None:
        raise Refused("closure_import.already_imported", number=earlier.pk)
    with transaction.atomic():
        taken = ClosureImport.objects.filter(pk=imp.pk, state=ImportState.PREVIEWED).update(
            state=ImportState.STORING, stored_by=actor, queued_at=timezone.now(), error=""
        )
        if not taken:
            raise Refused("closure_import.not_pending")
        transaction.on_commit(lambda: dispatch.import_store_send(imp.pk))


def closure_import_store(*, import_id: int) -> None:
    """Store a confirmed import (the worker's part): all new lines in one transaction, or
    nothing, with the reason on the import. Does nothing unless it waits for its store."""
    imp = ClosureImport.objects.select_related("stored_by").get(pk=import_id)
    if imp.state != ImportState.STORING:
        return
    tally = Tally()
    try:
        with transaction.atomic():
            _store(imp=imp, tally=tally)
    except Refused as exc:
        # Stored nothing: the file as it reads now (refused lines and all) is on its page.
        if tally.lines:
            _tally_apply(imp, tally)
        ClosureImport.objects.filter(pk=imp.pk, state=ImportState.STORING).update(
            state=ImportState.REFUSED, error=exc.code, **_tally_fields(imp)
        )
        log.info("closure_import_store_refused", import_id=imp.pk, code=exc.code)
    except Exception:
        # Back to the preview, so the officer may confirm again; the log has the cause.
        ClosureImport.objects.filter(pk=imp.pk, state=ImportState.STORING).update(
            state=ImportState.PREVIEWED, error=STORE_FAILED
        )
        log.exception("closure_import_store_failed", import_id=imp.pk)
        raise


def _store(*, imp: ClosureImport, tally: Tally) -> None:
    office = Office.objects.select_for_update().get(pk=imp.office_id)
    actor = imp.stored_by
    earlier = import_duplicate_of(imp)
    if earlier is not None:
        raise Refused("closure_import.already_imported", number=earlier.pk)
    writer = BatchWriter(office=office, actor=actor, source=imp)
    try:
        with imp.file.open("rb") as fileobj:
            for batch in lines_checked(
                fileobj,
                imp.file_format,
                office_code=office.code,
                tally=tally,
                today=timezone.localdate(),
                exclude_import=imp,
            ):
                if tally.refused:
                    continue  # rolled back below; read on to list every refused line
                writer.write([(line, ref) for line, ref, status in batch if status == NEW])
    except FileRefused:
        raise Refused("closure_import.changed") from None
    if tally.refused:
        raise Refused("closure_import.changed")
    _tally_apply(imp, tally)
    # One stored file per office and hash: the office's lock above makes the check of
    # import_duplicate_of() hold until this commits.
    stored = ClosureImport.objects.filter(pk=imp.pk, state=ImportState.STORING).update(
        state=ImportState.STORED, stored_at=timezone.now(), **_tally_fields(imp)
    )
    if not stored:
        raise Refused("closure_import.not_pending")
    audit.record(
        actor,
        "closure.import_stored",
        imp,
        office,
        {
            "file": imp.file_name,
            "sha256": imp.sha256,
            "lines": tally.lines,
            "new_lines": tally.new,
            "already": tally.already,
            "new_closures": writer.closures,
        },
    )
    log.info(
        "closure_import_stored",
        import_id=imp.pk,
        office_id=office.pk,
        new_lines=tally.new,
        closures=writer.closures,
    )


def closure_imports_resend() -> int:
    """Send again the checks and stores the worker lost (queued longer ago than a task may
    run); the state guards make a late duplicate do nothing. Returns how many."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    sent = 0
    for pk, state in ClosureImport.objects.filter(
        state__in=[ImportState.CHECKING, ImportState.STORING], queued_at__lt=stale
    ).values_list("id", "state"):
        if ClosureImport.objects.filter(pk=pk, state=state, queued_at__lt=stale).update(
            queued_at=timezone.now()
        ):
            send = dispatch.import_check_send if state == ImportState.CHECKING else None
            (send or dispatch.import_store_send)(pk)
            sent += 1
    return sent
