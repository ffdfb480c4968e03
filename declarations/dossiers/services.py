"""Writes about dossiers: receiving one (dossier, files, receipt, outbox rows and audit entry
in one transaction), status transitions, notices, incidents and paper dossiers."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import audit
from core.db import Children, rows_insert_linked
from core.outbox.services import outbox_enqueue, outbox_enqueued, outbox_message_build
from core.refusals import Refused
from declarations.dossiers import events
from declarations.dossiers.agency_documents import notice_document_message
from declarations.dossiers.models import (
    Channel,
    Dossier,
    DossierFile,
    DossierStatus,
    Incident,
    Notice,
    NoticeKind,
    PaperCutoff,
)
from declarations.dossiers.notices import notice_documents_enqueue, notice_email_add


# --- receiving -------------------------------------------------------------------------------
def transaction_code_new() -> str:
    """A unique transaction code (mã giao dịch) for a receipt."""
    today = timezone.localdate()
    # Formatted by hand: strftime() looks the C library's time zone up on every call.
    return f"{today.year:04d}{today.month:02d}{today.day:02d}-{secrets.token_hex(5).upper()}"


def notice_create(*, dossier, kind, form_number: str = "", data: dict | None = None) -> Notice:
    """A notice numbered after its dossier's unique transaction code."""
    notice = _notice_build(dossier=dossier, kind=kind, form_number=form_number, data=data)
    notice.save(force_insert=True)
    notice_documents_enqueue(notice)  # its signed document, issued after commit
    return notice


def _notice_build(*, dossier, kind, form_number: str = "", data: dict | None = None) -> Notice:
    """The notice :func:`notice_create` would write, unsaved (written with a new dossier)."""
    prefix = {"receipt": "TB", "paper_receipt": "GN", "e_filing": "HD", "paper_set": "KQ"}[kind]
    suffix = "" if kind != "paper_set" else f"-{secrets.token_hex(3).upper()}"
    return Notice(
        dossier=dossier,
        kind=kind,
        number=f"{prefix}-{dossier.transaction_code}{suffix}",
        form_number=form_number,
        data=data or {},
    )


# Up to this size the envelope goes in the dossier's INSERT; a larger one follows in its own
# UPDATE, once the small rows are written.
_INLINE_BYTES = 256 * 1024


def _receipt_email_context(dossier, procedure, receipt) -> dict:
    return {
        "employer_name": dossier.employer.name,
        "unit_code": dossier.employer.unit_code,
        "transaction_code": dossier.transaction_code,
        "receipt_number": receipt.number,
        "procedure_code": procedure.code,
        "procedure_name": procedure.name_vi,
        "period": dossier.period,
        "received_at": timezone.localtime(dossier.received_at).strftime("%d/%m/%Y %H:%M"),
        "worker_count": dossier.worker_count,
        "paper_required": dossier.paper_required,
    }


def _receipt_data(*, files, summary, warnings) -> dict:
    data = {"files": len(files), "workers": summary.get("workers", 0)}
    if warnings:
        # Code and parameters: the receipt shows each in the reader's language.
        data["warnings"] = [{"code": w.code, "params": w.params} for w in warnings]
    return data


def dossier_receive(
    *,
    employer,
    procedure,
    period,
    channel,
    provider,
    actor,
    data: bytes,
    digest: str,
    files,
    certificate,
    verdict=None,
    warnings=(),
    trial,
    summary,
    sandbox: bool = False,
    reference=None,
    supplement_of: Dossier | None = None,
    along=None,
) -> tuple[Dossier, Notice]:
    """One transaction: dossier, files, receipt notice, audit entry, outbox e-mail.

    ``sandbox`` dossiers (an I-VAN sandbox client's) are stored flagged and get a real
    receipt, but no e-mail to the employer and no place in any office queue. ``reference``
    (:func:`~declarations.intake.reference.reference_tables`) gives the deadline without a query.
    ``verdict`` (:class:`~.intake.pipeline.Verdict`) gives the trusted time the signature
    was judged at, and the signer's claimed time, kept as a claim; ``warnings`` go on the
    receipt. ``supplement_of``: the dossier this one answers a supplement request for (see
    :mod:`declarations.dossiers.supplements`): stored as a supplement, with no deadline.
    ``along(dossier, receipt)``: the caller's own rows (a list of ``core.db.Children``) to
    write in the same statement, so they are stored with the dossier or not at all (the I-VAN
    API's Idempotency-Key answer and statistics row)."""
    dossier = Dossier(
        received_at=timezone.now(),
        employer=employer,
        procedure_code=procedure.code,
        period=period,
        transaction_code=transaction_code_new(),
        channel=channel,
        provider=provider,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        certificate=certificate,
        signed_at=verdict.at if verdict else None,
        time_source=verdict.source if verdict else "",
        claimed_signing_time=verdict.facts.claimed_time if verdict else None,
        trial_credential=trial,
        paper_required=trial is not None,
        result_held=trial is not None,
        content_sha256=digest,
        envelope=data if len(data) <= _INLINE_BYTES else b"",
        worker_count=summary.get("workers", 0),
        summary=summary,
        sandbox=sandbox,
        supplement_of=supplement_of,
        status=DossierStatus.SUPPLEMENT if supplement_of is not None else DossierStatus.RECEIVED,
    )
    dossier.derived_fill(reference)  # what Dossier.save() would add: office, deadline
    stored = [
        DossierFile(
            dossier=dossier,
            position=position,
            form_code=f.form_code,
            name=f.name[:255],
            kind=f.kind,
            size=len(f.content),
            sha256=hashlib.sha256(f.content).hexdigest(),
            # The bytes stay in the signed envelope only (see DossierFile.data).
        )
        for position, f in enumerate(files)
    ]
    receipt = _notice_build(
        dossier=dossier,
        kind=NoticeKind.RECEIPT,
        data=_receipt_data(files=files, summary=summary, warnings=warnings),
    )
    rows = [Children(stored, link="dossier"), Children([receipt], link="dossier")]
    # The receipt's signed document (agency_documents), issued after commit: its outbox row
    # goes with the e-mail's, in the same statement.
    messages = [] if sandbox else [notice_document_message(number=receipt.number)]
    message = None
    if employer.contact_email and not sandbox:
        subject = f"Thông báo tiếp nhận hồ sơ {dossier.transaction_code}"
        if supplement_of is not None:
            subject = (
                f"Thông báo tiếp nhận hồ sơ bổ sung {dossier.transaction_code} "
                f"(bổ sung cho hồ sơ {supplement_of.transaction_code})"
            )
        message = outbox_message_build(
            kind="email",
            key=f"receipt-{dossier.transaction_code}",
            payload={
                "to": [employer.contact_email],
                "subject": subject,
                # Rendered by the worker that sends it (see core.outbox.handlers), from
                # the values of the receipt as issued.
                "template": procedure.notice_template,
                "context": _receipt_email_context(dossier, procedure, receipt),
                # The receipt's verification code, once its document is issued.
                "add": notice_email_add(receipt),
            },
        )
        messages.insert(0, message)  # its key names the new transaction code
    rows.append(Children(messages))
    facts = {
        "transaction_code": dossier.transaction_code,
        "procedure": procedure.code,
        "channel": channel,
        "trial": trial is not None,
        "sandbox": sandbox,
    }
    if supplement_of is not None:
        facts["supplement_of"] = supplement_of.transaction_code
    entry = audit.entry_build(actor, "dossier.received", dossier, employer.managing_office, facts)
    rows.append(Children([entry], link="target_id"))
    if along is not None:
        rows.extend(along(dossier, receipt))
    large = len(data) > _INLINE_BYTES
    alone = (
        not large
        and not transaction.get_connection().in_atomic_block
        and not events.concerned("receipt.issued", dossier=dossier)
    )
    # One statement (core.db): alone (no subscriber writes with it, no caller's transaction)
    # it is its own transaction. Inside a caller's transaction no savepoint: no caller goes
    # on after a failure here.
    with contextlib.nullcontext() if alone else transaction.atomic(savepoint=False):
        rows_insert_linked(dossier, *rows)
        for queued in messages:
            outbox_enqueued(queued)
        if large:
            # Server-side binding (settings) sends the bytes as they are, not as hex text.
            Dossier.objects.filter(pk=dossier.pk).update(envelope=data)
            dossier.envelope = data
        events.publish("receipt.issued", dossier=dossier, notice=receipt)
    return dossier, receipt


# --- paper exceptions -------------------------------------------------------------------------
@transaction.atomic
def incident_record(*, actor, office, kind, started_at, ended_at, scope, cause):
    incident = Incident.objects.create(
        office=office,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        scope=scope,
        cause=cause,
        recorded_by=actor,
    )
    audit.record(actor, "incident.recorded", incident, office, {"kind": kind, "scope": scope})
    return incident


def _paper_cutoff(office) -> date | None:
    ids = []
    node = office
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    found = PaperCutoff.objects.filter(office_id__in=ids).order_by("starts_on").first()
    return found.starts_on if found else None


@transaction.atomic
def paper_dossier_register(
    *, actor, employer, procedure_code: str, period: str, received_at: datetime, note: str = ""
) -> Dossier:
    """Register a paper dossier: after the cut-off only with a covering incident (rule 3).

    Issues the paper receipt slip (form 101; 103 when an incident excused it) and, after the
    cut-off, a notice guiding the unit to file electronically next time.
    """

    office = employer.managing_office
    cutoff = _paper_cutoff(office)
    incident = None
    if cutoff is not None and timezone.localdate(received_at) >= cutoff:
        offices = [office.pk] + ([office.parent_id] if office.parent_id else [])
        incident = (
            Incident.objects.filter(office_id__in=offices, started_at__lte=received_at)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=received_at))
            .first()
        )
        if incident is None:
            raise Refused("PAPER_NO_INCIDENT", date=cutoff.strftime("%d/%m/%Y"))
    dossier = Dossier.objects.create(
        employer=employer,
        procedure_code=procedure_code,
        period=period,
        transaction_code=transaction_code_new(),
        channel=Channel.PAPER,
        submitted_by=actor,
        received_at=received_at,
        incident=incident,
        paper_form="103" if incident else "101",
        content_sha256="",
        summary={"note": note},
    )
    notice_create(dossier=dossier, kind=NoticeKind.PAPER_RECEIPT, form_number=dossier.paper_form)
    if incident is not None:
        reminder = notice_create(dossier=dossier, kind=NoticeKind.E_FILING_REMINDER)
        if employer.contact_email:
            outbox_enqueue(
                kind="email",
                key=f"e-filing-{reminder.number}",
                payload={
                    "to": [employer.contact_email],
                    "subject": f"Hướng dẫn nộp hồ sơ điện tử — {employer.unit_code}",
                    "body": render_to_string(
                        "declarations/notices/e_filing_reminder.txt",
                        {"dossier": dossier, "incident": incident},
                    ),
                    "add": notice_email_add(reminder),
                },
            )
    audit.record(
        actor,
        "dossier.paper_registered",
        dossier,
        office,
        {"incident": incident and incident.pk, "form": dossier.paper_form},
    )
    return dossier


# --- reading ----------------------------------------------------------------------------------
def dossier_file_viewed(*, actor, dossier: Dossier, file: DossierFile) -> None:
    """Record that ``actor`` opened one file of ``dossier`` (its workers' personal data).

    Every reader is recorded, the filing unit's own users too: an auditor asks who opened
    the file, whoever it was (a former accountant's account included), as for the
    difficulties' attachments."""
    audit.record(
        actor,
        "dossier.file_viewed",
        dossier,
        dossier.office,
        {
            "position": file.position,
            "form": file.form_code,
            "name": file.name,
            "sha256": file.sha256,
        },
    )
