"""Writes of the declarations app: registration and approval, certificates, trial
credentials, receiving dossiers (one transaction with receipt, audit entry and outbox
e-mail), paper exceptions. Keyword-only, atomic, audited."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives import serialization
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import audit
from accounts.models import Role, User
from accounts.services import membership_grant
from portal.db import Linked, rows_insert, rows_insert_linked
from portal.outbox.services import outbox_enqueue, outbox_enqueued, outbox_message_build

from . import events
from .intake.errors import Refused, err
from .intake.trust import (
    certificate_mst,
    chain_check,
    load_certificate,
    mst_matches,
    signing_usage_check,
    validity_check,
)
from .models import (
    Channel,
    Dossier,
    DossierFile,
    EmployerMember,
    EStatus,
    Notice,
    NoticeKind,
    RegisteredCertificate,
    Registration,
    RegistrationStatus,
    TrialCredential,
)
from .registration_form import Proof, registration_form_check


class ServiceError(Exception):
    """A refused action; carries the intake-style errors."""

    def __init__(self, errors):
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__(", ".join(e.code for e in self.errors))


# --- certificates --------------------------------------------------------------------------
def certificate_check(*, data: bytes, tax_code: str, at: datetime | None = None):
    """Check an uploaded certificate at once: readable, in validity, chained to a licensed CA,
    not revoked, meant for signing, carrying the employer's MST. Returns the certificate."""
    at = at or datetime.now(UTC)
    try:
        cert = load_certificate(data)
        validity_check(cert, at=at)
        chain_check(cert, at=at)
        signing_usage_check(cert)
    except Refused as refusal:
        raise ServiceError(refusal.errors) from None
    if not mst_matches(cert, tax_code):
        raise ServiceError(err("CERT_MST_MISMATCH", value=certificate_mst(cert) or "—"))
    return cert


def _cert_fields(cert) -> dict:
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "der": der,
        "fingerprint": RegisteredCertificate.fingerprint_of(der),
        "serial": format(cert.serial_number, "X"),
        "issuer": cert.issuer.rfc4514_string()[:500],
        "subject": cert.subject.rfc4514_string()[:500],
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
    }


def _proof_check(*, signed_form: bytes | None, cert, employer) -> Proof:
    """The 04/ĐK-IVAN signed with ``cert``: proof that the registrant holds its key."""
    try:
        return registration_form_check(
            data=signed_form,
            certificate=cert,
            unit_code=employer.unit_code,
            tax_code=employer.tax_code,
        )
    except Refused as refusal:
        raise ServiceError(refusal.errors) from None


@transaction.atomic
def certificate_register(
    *, actor, employer, data: bytes, signed_form: bytes | None
) -> RegisteredCertificate:
    """Register a (renewed or replacement) certificate; the one in force is closed, not lost.

    ``signed_form`` is the 04/ĐK-IVAN signed with the new certificate (proof of possession);
    its SHA-256 is kept in the audit entry."""
    cert = certificate_check(data=data, tax_code=employer.tax_code)
    proof = _proof_check(signed_form=signed_form, cert=cert, employer=employer)
    now = timezone.now()
    current = employer.certificates.select_for_update().filter(replaced_at__isnull=True).first()
    if current is not None:
        current.replaced_at = now
        current.save(update_fields=["replaced_at"])
    record = RegisteredCertificate.objects.create(
        employer=employer, registered_at=now, replaces=current, **_cert_fields(cert)
    )
    audit.record(
        actor,
        "certificate.registered",
        record,
        employer.managing_office,
        {
            "employer": employer.unit_code,
            "serial": record.serial,
            "replaces": current and current.serial,
            "proof_sha256": proof.sha256,
        },
    )
    return record


# --- registration (04/ĐK-IVAN) ----------------------------------------------------------------
@transaction.atomic
def registration_submit(
    *, employer, data: dict, cert_data: bytes, signed_form: bytes | None
) -> Registration:
    """The employer's request; the certificate is checked at once, and ``signed_form`` (the
    04/ĐK-IVAN signed with that certificate) proves the registrant holds its key."""
    cert = certificate_check(data=cert_data, tax_code=employer.tax_code)
    proof = _proof_check(signed_form=signed_form, cert=cert, employer=employer)
    fields = _cert_fields(cert)
    registration = Registration.objects.create(
        employer=employer,
        cert_der=fields["der"],
        cert_serial=fields["serial"],
        cert_issuer=fields["issuer"],
        cert_valid_from=fields["not_before"],
        cert_valid_to=fields["not_after"],
        signed_form=proof.data,
        **data,
    )
    if employer.e_status == EStatus.NOT_REGISTERED:
        employer.e_status = EStatus.PENDING
        employer.save(update_fields=["e_status"])
    audit.record(
        None,
        "registration.submitted",
        registration,
        employer.managing_office,
        {
            "employer": employer.unit_code,
            "cert_serial": fields["serial"],
            "proof_sha256": proof.sha256,
        },
    )
    return registration


@transaction.atomic
def registration_approve(*, actor, registration: Registration) -> tuple[User, str]:
    """Approve: register the certificate, activate the employer, give its user a login.

    Returns the user and the one-time password (also sent by e-mail through the outbox).
    """
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise ServiceError(err("EMPLOYER_NOT_REGISTERED"))
    employer = registration.employer
    now = timezone.now()
    current = employer.certificates.filter(replaced_at__isnull=True).first()
    if current is not None:
        current.replaced_at = now
        current.save(update_fields=["replaced_at"])
    cert = load_certificate(bytes(registration.cert_der))
    RegisteredCertificate.objects.create(
        employer=employer, registered_at=now, replaces=current, **_cert_fields(cert)
    )
    registration.status = RegistrationStatus.APPROVED
    registration.decided_by = actor
    registration.decided_at = now
    registration.save(update_fields=["status", "decided_by", "decided_at"])
    employer.e_status = EStatus.ACTIVE
    employer.e_registered_on = employer.e_registered_on or timezone.localdate()
    employer.e_stopped_on = None
    employer.contact_email = registration.email
    employer.contact_phone = registration.phone
    employer.address = registration.address or employer.address
    employer.result_delivery = registration.result_delivery
    employer.postal_address = registration.postal_address
    employer.save()
    if registration.provider_id:
        from ivan.models import EmployerChannel

        EmployerChannel.objects.update_or_create(
            employer=employer, defaults={"provider_id": registration.provider_id}
        )
    username = employer.unit_code.lower()
    password = secrets.token_urlsafe(12) + "#A1"
    user, _created = User.objects.get_or_create(
        username=username, defaults={"full_name": employer.name, "email": registration.email}
    )
    user.set_password(password)
    user.is_active = True
    user.save()
    EmployerMember.objects.get_or_create(employer=employer, user=user)
    role = Role.objects.get(pk="employer_user")
    if not user.memberships.filter(role=role, valid_to__isnull=True).exists():
        membership_grant(actor=actor, user=user, role=role, office=employer.managing_office)
    audit.record(
        actor,
        "registration.approved",
        registration,
        employer.managing_office,
        {"employer": employer.unit_code, "username": username},
    )
    outbox_enqueue(
        kind="email",
        key=f"registration-approved-{registration.pk}",
        payload={
            "to": [registration.email],
            "subject": f"Đăng ký giao dịch điện tử được chấp thuận — {employer.unit_code}",
            "body": render_to_string(
                "declarations/notices/registration_approved.txt",
                {"employer": employer, "username": username, "password": password},
            ),
        },
    )
    return user, password


@transaction.atomic
def registration_reject(*, actor, registration: Registration, note: str) -> Registration:
    registration.status = RegistrationStatus.REJECTED
    registration.decided_by = actor
    registration.decided_at = timezone.now()
    registration.decision_note = note[:300]
    registration.save()
    audit.record(
        actor,
        "registration.rejected",
        registration,
        registration.employer.managing_office,
        {"note": note},
    )
    return registration


# --- trial credentials --------------------------------------------------------------------------
@transaction.atomic
def trial_credential_issue(*, actor, employer, expires_on: date) -> tuple[TrialCredential, str]:
    """Issue a trial credential; returns it and its secret (shown once)."""
    secret = "TN-" + secrets.token_hex(5).upper()
    credential = TrialCredential.objects.create(
        employer=employer, secret_hash=make_password(secret), expires_on=expires_on, issued_by=actor
    )
    if employer.e_status in (EStatus.NOT_REGISTERED, EStatus.PENDING):
        employer.e_status = EStatus.TRIAL
        employer.e_registered_on = employer.e_registered_on or timezone.localdate()
        employer.save(update_fields=["e_status", "e_registered_on"])
    audit.record(
        actor,
        "trial_credential.issued",
        credential,
        employer.managing_office,
        {"employer": employer.unit_code, "expires_on": expires_on.isoformat()},
    )
    return credential, secret


@transaction.atomic
def paper_set_record(*, actor, dossier: Dossier) -> Dossier:
    """Staff record that the paper set of a trial dossier arrived: the result is released."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if not dossier.paper_required or dossier.paper_received_at:
        return dossier
    from .review.decisions import held_result_release

    dossier.paper_received_at = timezone.now()
    dossier.result_held = False
    dossier.save(update_fields=["paper_received_at", "result_held"])
    _notice_create(dossier=dossier, kind=NoticeKind.PAPER_SET_RECEIVED)
    released = held_result_release(dossier=dossier, actor=actor)
    audit.record(
        actor,
        "dossier.paper_set_received",
        dossier,
        dossier.employer.managing_office,
        {"released": released.number if released else None},
    )
    return dossier


# --- receiving -------------------------------------------------------------------------------
def transaction_code_new() -> str:
    """A unique transaction code (mã giao dịch) for a receipt."""
    today = timezone.localdate()
    # Formatted by hand: strftime() looks the C library's time zone up on every call.
    return f"{today.year:04d}{today.month:02d}{today.day:02d}-{secrets.token_hex(5).upper()}"


def _notice_create(*, dossier, kind, form_number: str = "", data: dict | None = None) -> Notice:
    """A notice numbered after its dossier's unique transaction code."""
    notice = _notice_build(dossier=dossier, kind=kind, form_number=form_number, data=data)
    rows_insert([notice])
    return notice


def _notice_build(*, dossier, kind, form_number: str = "", data: dict | None = None) -> Notice:
    """The notice :func:`_notice_create` would write, unsaved (written with a new dossier)."""
    prefix = {"receipt": "TB", "paper_receipt": "GN", "e_filing": "HD", "paper_set": "KQ"}[kind]
    suffix = "" if kind != "paper_set" else f"-{secrets.token_hex(3).upper()}"
    return Notice(
        dossier=dossier,
        kind=kind,
        number=f"{prefix}-{dossier.transaction_code}{suffix}",
        form_number=form_number,
        data=data or {},
    )


# Up to this size bytes go in the INSERT itself (one statement); larger ones are written
# with :func:`_bytes_store`, as a binary parameter.
_INLINE_BYTES = 256 * 1024
_BYTES_SQL = {
    (
        "declarations_dossier",
        "envelope",
    ): "UPDATE declarations_dossier SET envelope = %b WHERE id = %s",
}


def _bytes_store(table: str, column: str, pk: int, data: bytes) -> None:
    """Write a large byte string in the caller's transaction. On PostgreSQL it goes as a
    binary parameter (server-side binding) rather than a hex literal inside the SQL text,
    which would take several times its size in memory."""
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        # Django's own cursors bind on the client; this one sends the bytes as they are.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(_BYTES_SQL[(table, column)], [data, pk])
        return
    model = Dossier if table == "declarations_dossier" else DossierFile
    model.objects.filter(pk=pk).update(**{column: data})


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
) -> tuple[Dossier, Notice]:
    """One transaction: dossier, files, receipt notice, audit entry, outbox e-mail.

    ``sandbox`` dossiers (an I-VAN sandbox client's) are stored flagged and get a real
    receipt, but no e-mail to the employer and no place in any office queue. ``reference``
    (:func:`~declarations.reference.reference_tables`) gives the deadline without a query.
    ``verdict`` (:class:`~.intake.pipeline.Verdict`) gives the trusted time the signature
    was judged at, and the signer's claimed time, kept as a claim; ``warnings`` go on the
    receipt."""
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
    rows = [Linked(stored, link="dossier"), Linked([receipt], link="dossier")]
    message = None
    if employer.contact_email and not sandbox:
        message = outbox_message_build(
            kind="email",
            key=f"receipt-{dossier.transaction_code}",
            payload={
                "to": [employer.contact_email],
                "subject": f"Thông báo tiếp nhận hồ sơ {dossier.transaction_code}",
                # Rendered by the worker that sends it (see portal.outbox.handlers), from
                # the values of the receipt as issued.
                "template": procedure.notice_template,
                "context": _receipt_email_context(dossier, procedure, receipt),
            },
        )
        rows.append(Linked([message], conflict="key"))
    entry = audit.entry_build(
        actor,
        "dossier.received",
        dossier,
        employer.managing_office,
        {
            "transaction_code": dossier.transaction_code,
            "procedure": procedure.code,
            "channel": channel,
            "trial": trial is not None,
            "sandbox": sandbox,
        },
    )
    rows.append(Linked([entry], link="target_id"))
    large = len(data) > _INLINE_BYTES
    alone = (
        not large
        and not transaction.get_connection().in_atomic_block
        and not events.concerned("receipt.issued", dossier=dossier)
    )
    # Dossier, files, receipt, e-mail and audit entry are one statement: alone (no
    # subscriber writes with it, no caller's transaction) it is its own transaction, with
    # no BEGIN / COMMIT round trips. Inside a caller's transaction (the I-VAN API's
    # idempotency record) no savepoint: no caller goes on after a failure here.
    with contextlib.nullcontext() if alone else transaction.atomic(savepoint=False):
        rows_insert_linked(dossier, *rows)
        if message is not None:
            outbox_enqueued(message)
        if large:
            _bytes_store("declarations_dossier", "envelope", dossier.pk, data)
            dossier.envelope = data
        events.publish("receipt.issued", dossier=dossier, notice=receipt)
    return dossier, receipt


class TransitionRefused(Exception):
    """The status change is not in the map of allowed transitions."""


@transaction.atomic
def dossier_transition(*, actor, dossier: Dossier, to: str, note: str = "", reasons=()) -> Dossier:
    """Change a dossier's status through the one map of allowed transitions, audited.

    A decision (accepted, rejected, supplement requested) issues its result notice with the
    coded ``reasons`` (e-mail through the outbox, ``notice.issued`` event), unless the
    result of a trial-credential dossier is held until its paper set arrives. Requesting a
    supplement stops the legal clock; the supplement's arrival restarts it.
    """
    from .models import TRANSITIONS
    from .review import decisions

    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("employer")
        .get(pk=dossier.pk)
    )
    if to not in TRANSITIONS.get(dossier.status, set()):
        raise TransitionRefused(f"{dossier.status} → {to}")
    decision = decisions.decision_prepare(dossier=dossier, to=to, reasons=reasons, note=note)
    previous = dossier.status
    now = timezone.now()
    dossier.status = to
    fields = ["status", *decisions.clock_apply(dossier=dossier, previous=previous, to=to, now=now)]
    if to == "in_review" and dossier.assigned_to_id is None and getattr(actor, "pk", None):
        dossier.assigned_to, dossier.assigned_at = actor, now
        fields += ["assigned_to", "assigned_at"]
    if to in ("accepted", "rejected"):
        dossier.decision = {**decision, "held": dossier.result_held}
        fields.append("decision")
    dossier.save(update_fields=fields)
    notice = decisions.result_issue(dossier=dossier, to=to, decision=decision, actor=actor)
    audit.record(
        actor,
        "dossier.status_changed",
        dossier,
        dossier.employer.managing_office,
        {
            "from": previous,
            "to": to,
            "note": note,
            "reasons": decision["reasons"],
            "notice": notice.number if notice else None,
            "held": bool(dossier.result_held and to in ("accepted", "rejected")),
        },
    )
    events.publish("dossier.status_changed", dossier=dossier, data={"from": previous, "to": to})
    return dossier


# --- paper exceptions -------------------------------------------------------------------------
@transaction.atomic
def incident_record(*, actor, office, kind, started_at, ended_at, scope, cause):
    from .models import Incident

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
    from .models import PaperCutoff

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
    from .models import Incident

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
            raise ServiceError(err("PAPER_NO_INCIDENT", date=cutoff.strftime("%d/%m/%Y")))
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
    _notice_create(dossier=dossier, kind=NoticeKind.PAPER_RECEIPT, form_number=dossier.paper_form)
    if incident is not None:
        reminder = _notice_create(dossier=dossier, kind=NoticeKind.E_FILING_REMINDER)
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
