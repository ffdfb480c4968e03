"""Writes about employers: registration (04/ĐK-IVAN) and its approval, certificates, trial
credentials, changes of the unit's own data (604). Each writes its audit entry in the same
transaction."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives import serialization
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import audit
from accounts.models import Role, User
from accounts.services import membership_grant
from core.outbox.services import outbox_enqueue
from core.refusals import Refused
from declarations.employers.models import (
    Employer,
    EmployerChannel,
    EmployerDataChange,
    EmployerMember,
    EStatus,
    RegisteredCertificate,
    Registration,
    RegistrationStatus,
    TrialCredential,
)
from declarations.employers.pki.trust import (
    certificate_mst,
    chain_check,
    load_certificate,
    mst_matches,
    signing_usage_check,
    validity_check,
)
from declarations.employers.registration_form import Proof, registration_form_check
from declarations.employers.unit_data import unit_data_check


# --- certificates --------------------------------------------------------------------------
def certificate_check(*, data: bytes, tax_code: str, at: datetime | None = None):
    """Check an uploaded certificate at once: readable, in validity, chained to a licensed CA,
    not revoked, meant for signing, carrying the employer's MST. Returns the certificate."""
    at = at or datetime.now(UTC)
    cert = load_certificate(data)
    validity_check(cert, at=at)
    chain_check(cert, at=at)
    signing_usage_check(cert)
    if not mst_matches(cert, tax_code):
        raise Refused("CERT_MST_MISMATCH", value=certificate_mst(cert) or "—")
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
    return registration_form_check(
        data=signed_form,
        certificate=cert,
        unit_code=employer.unit_code,
        tax_code=employer.tax_code,
    )


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
        raise Refused("EMPLOYER_NOT_REGISTERED")
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


# --- the unit's own data (procedure 604, TK3-TS) ------------------------------------------------
@transaction.atomic
def unit_data_change(
    *, employer, declared: dict[str, str], dossier_id=None, transaction_code: str = "", actor=None
) -> list[EmployerDataChange]:
    """Apply an accepted TK3-TS: the unit's changed fields take their new values, each change
    appended to its history (effective today), with one audit entry. Checked again first (the
    unit's data may have moved since the dossier arrived); ``employer`` is updated in place,
    so the rest of the decision (the notice's e-mail, delivery by post) sees the new data."""
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    problems, changes = unit_data_check(employer=locked, declared=declared)
    # Nothing left to change (an earlier dossier made the same change) is no reason to refuse.
    problems = [p for p in problems if p.code != "TK3_NO_CHANGE"]
    if problems:
        raise Refused(problems)
    if not changes:
        return []
    now = timezone.now()
    rows = [
        EmployerDataChange(
            employer=locked,
            dossier_id=dossier_id,
            transaction_code=transaction_code,
            field=attr,
            old_value=getattr(locked, attr) or "",
            new_value=value,
            effective_on=timezone.localdate(now),
            recorded_at=now,
        )
        for attr, value in changes.items()
    ]
    for attr, value in changes.items():
        setattr(locked, attr, value)
        setattr(employer, attr, value)
    locked.save(update_fields=list(changes))
    EmployerDataChange.objects.bulk_create(rows)
    audit.record(
        actor,
        "employer.data_changed",
        locked,
        locked.managing_office,
        {
            "transaction_code": transaction_code,
            "changes": {r.field: {"old": r.old_value, "new": r.new_value} for r in rows},
        },
    )
    return rows


# --- the unit's e-transaction channel (05/SD-IVAN change, 06/NG-IVAN stop) ---------------------
CHANGEABLE = ("contact_email", "contact_phone", "address", "result_delivery", "postal_address")


@transaction.atomic
def employer_change(
    *,
    actor,
    employer,
    data: dict,
    cert_data: bytes | None = None,
    signed_form: bytes | None = None,
    action: str = "employer.changed",
    details: dict | None = None,
) -> Employer:
    """05/SD-IVAN: change the contact, address, result delivery or the certificate. A new
    certificate is checked at once, needs the 04/ĐK-IVAN signed with it (``signed_form``,
    proof of possession) and replaces the registered one (the old one stays valid for what
    it signed before). One audit entry ``action`` with ``details`` (who filed it)."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    before = {name: getattr(employer, name) for name in CHANGEABLE if name in data}
    for name in before:
        setattr(employer, name, data[name])
    if before:
        employer.save(update_fields=list(before))
    certificate = None
    if cert_data:
        certificate = certificate_register(
            actor=actor, employer=employer, data=cert_data, signed_form=signed_form
        )
    audit.record(
        actor,
        action,
        employer,
        employer.managing_office,
        {
            **(details or {}),
            "before": before,
            "after": {name: data[name] for name in before},
            "certificate": certificate and certificate.serial,
        },
    )
    return employer


@transaction.atomic
def employer_stop(
    *, actor, employer, reason: str = "", action: str = "employer.stopped", details=None
) -> Employer:
    """06/NG-IVAN: the employer stops transacting through its provider (or the portal). Its
    channel is removed (it may register again, through this or another provider) and its
    e-status becomes stopped."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    EmployerChannel.objects.filter(employer=employer).delete()
    employer.e_status = EStatus.STOPPED
    employer.e_stopped_on = timezone.localdate()
    employer.save(update_fields=["e_status", "e_stopped_on"])
    audit.record(
        actor,
        action,
        employer,
        employer.managing_office,
        {**(details or {}), "reason": reason[:300]},
    )
    return employer


def certificates_in_force(employer, *, at: datetime | None = None) -> list:
    """The unit's registered certificates in force at ``at`` (now): not replaced, valid."""
    at = at or timezone.now()
    records = employer.certificates.filter(
        replaced_at__isnull=True, not_before__lte=at, not_after__gte=at
    ).order_by("-registered_at")
    return [load_certificate(bytes(record.der)) for record in records]


def trial_credential_check(*, employer, secret: str) -> TrialCredential:
    """The unit's trial credential ``secret`` matches, in force today."""
    from django.contrib.auth.hashers import check_password

    for credential in employer.trial_credentials.all():
        if secret and check_password(secret, credential.secret_hash):
            if credential.expires_on < timezone.localdate():
                raise Refused("TRIAL_EXPIRED", date=credential.expires_on.strftime("%d/%m/%Y"))
            return credential
    raise Refused("TRIAL_INVALID")


@transaction.atomic
def channel_form_submit(*, actor, employer, data: bytes, trial_secret: str | None = None):
    """Apply a 05/SD-IVAN or 06/NG-IVAN the employer signed in the portal with its registered
    certificate in force (or sent with its trial credential, ``trial_secret``): read as
    signed (:func:`~declarations.employers.channel_forms.channel_form_read`), checked as the
    unit-data page checks the same fields, applied by :func:`employer_change` or
    :func:`employer_stop`. Refused: nothing changed. Returns (the form read, the employer)."""
    from declarations.employers.channel_forms import (
        CHANGE_FORM,
        TK3_TAGS,
        channel_form_read,
    )

    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.e_status not in (EStatus.ACTIVE, EStatus.TRIAL):
        raise Refused("CHANNEL_NOT_TRANSACTING")
    if trial_secret is not None:
        trial_credential_check(employer=employer, secret=trial_secret)
        certificates = None
    else:
        certificates = certificates_in_force(employer)
        if not certificates:
            raise Refused("CHANNEL_FORM_NO_CERTIFICATE", form="05/06")
    form = channel_form_read(data=data, employer=employer, certificates=certificates)
    details = {"form": form.form, "proof_sha256": form.sha256, "trial": not form.signed}
    if form.form == CHANGE_FORM:
        problems, changes = unit_data_check(
            employer=employer,
            declared={TK3_TAGS[attr]: value for attr, value in form.values.items()},
            form=form.form,
        )
        problems = [p for p in problems if p.code != "TK3_NO_CHANGE"]
        if problems:
            raise Refused(problems)
        if not changes:
            raise Refused("CHANNEL_NO_CHANGE")
        return form, employer_change(
            actor=actor, employer=employer, data=changes, action="employer.changed", details=details
        )
    channel = EmployerChannel.objects.filter(employer=employer).select_related("provider").first()
    details["provider"] = channel.provider.code if channel else ""
    if form.values.get("provider", "") != details["provider"]:
        # The channel changed since the form was made: it would stop another one.
        raise Refused(
            "CHANNEL_FORM_MISMATCH",
            form=form.form,
            field="MaIVAN",
            value=form.values.get("provider") or "—",
            expected=details["provider"] or "—",
        )
    return form, employer_stop(
        actor=actor,
        employer=employer,
        reason=form.values.get("reason", ""),
        action="employer.stopped",
        details=details,
    )
