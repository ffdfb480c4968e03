"""Certificates checked at upload, registration approved by the office (scoped, audited),
renewal keeping the history, trial credentials, paper exceptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.scope import scoped
from core.outbox.handlers import email_body
from core.outbox.models import OutboxMessage
from core.refusals import Refused
from declarations.dossiers.models import Dossier, Notice, PaperCutoff
from declarations.dossiers.services import incident_record, paper_dossier_register
from declarations.employers.models import EStatus, Registration
from declarations.employers.services import (
    certificate_check,
    certificate_register,
    registration_approve,
    registration_submit,
    trial_credential_issue,
)
from declarations.intake.pipeline import intake_submit
from declarations.review.services import paper_set_record
from tests.declarations.conftest import MST, dossier_xml, form_data, signed_04, worker
from tests.factories import EmployerFactory, UserFactory, grant


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("expired", "CERT_EXPIRED"),
        ("future", "CERT_NOT_YET_VALID"),
        ("revoked", "CERT_REVOKED"),
        ("self_signed", "CERT_UNTRUSTED"),
        ("no_signing", "CERT_KEY_USAGE"),
        ("other", "CERT_MST_MISMATCH"),
    ],
)
def test_uploaded_certificate_is_checked_at_once(which, code, demo_pki, trust_dir):
    with pytest.raises(Refused) as refusal:
        certificate_check(data=getattr(demo_pki, which).cert_pem, tax_code=MST)
    assert refusal.value.errors[0].code == code


@pytest.mark.parametrize("encoding", ["pem", "der"])
def test_good_certificate_in_pem_or_der(encoding, demo_pki, trust_dir):
    data = demo_pki.good.cert_pem if encoding == "pem" else demo_pki.good.cert_der
    assert (
        certificate_check(data=data, tax_code=MST).serial_number == demo_pki.good.cert.serial_number
    )


def test_garbage_certificate(trust_dir):
    with pytest.raises(Refused) as refusal:
        certificate_check(data=b"not a certificate", tax_code=MST)
    assert refusal.value.errors[0].code == "CERT_MALFORMED"


def test_branch_mst_matches_its_parent(demo_pki, trust_dir):
    from declarations.employers.pki import demo_ca as pki

    branch = pki.employer_cert_create(demo_pki.ca, mst=f"{MST}-001", name="Chi nhánh")
    assert certificate_check(data=branch.cert_pem, tax_code=MST)


@pytest.fixture
def unit(reference_data, trust_dir):
    return EmployerFactory(unit_code="DV0012A", tax_code=MST, contact_email="")


@pytest.fixture
def officer(unit):
    user = UserFactory(username="canbo_thu")
    grant(user, "collection_officer", unit.managing_office)
    return user


def test_registration_then_approval_gives_a_login(unit, officer, demo_pki):
    registration = registration_submit(
        employer=unit,
        data=form_data(),
        cert_data=demo_pki.good.cert_der,
        signed_form=signed_04(unit, demo_pki.good),
    )
    unit.refresh_from_db()
    assert unit.e_status == EStatus.PENDING
    assert registration.cert_serial == format(demo_pki.good.cert.serial_number, "X")
    visible = scoped(officer, Registration.objects.all(), permission="accounts.manage_employers")
    assert registration in visible
    user, password = registration_approve(actor=officer, registration=registration)
    unit.refresh_from_db()
    assert unit.e_status == EStatus.ACTIVE and unit.e_registered_on == timezone.localdate()
    assert user.check_password(password) and unit.members.filter(user=user).exists()
    assert unit.certificates.get().fingerprint
    assert AuditEntry.objects.filter(action="registration.approved", actor=officer).exists()
    mail = OutboxMessage.objects.get(key=f"registration-approved-{registration.pk}")
    assert password in mail.payload["body"]


def test_officer_of_another_office_cannot_see_the_registration(unit, demo_pki, office):
    registration = registration_submit(
        employer=unit,
        data=form_data(),
        cert_data=demo_pki.good.cert_pem,
        signed_form=signed_04(unit, demo_pki.good),
    )
    from tests.factories import OfficeFactory

    stranger = UserFactory(username="other_office")
    grant(stranger, "collection_officer", OfficeFactory())
    assert registration not in scoped(
        stranger, Registration.objects.all(), permission="accounts.manage_employers"
    )


def test_renewal_keeps_history_and_old_dossiers_still_verify(employer, demo_pki, signed):
    old_signed = signed()  # signed with the first certificate, before renewal
    new = certificate_register(
        actor=None,
        employer=employer,
        data=demo_pki.renewed.cert_pem,
        signed_form=signed_04(employer, demo_pki.renewed),
    )
    old = employer.certificates.exclude(pk=new.pk).get()
    assert old.replaced_at is not None and new.replaces == old
    # The history is kept, but a dossier arriving after the replacement is judged at its
    # receipt: signed with the replaced certificate, whatever SigningTime it claims, it is
    # refused (a timestamp from before the replacement would prove otherwise: see
    # test_trusted_time.py).
    assert [e.code for e in intake_submit(data=old_signed, channel="cli").errors] == [
        "CERT_SUPERSEDED"
    ]
    later = signed([worker(5)], signing_time=datetime.now(UTC) - timedelta(days=3))
    assert [e.code for e in intake_submit(data=later, channel="cli").errors] == ["CERT_SUPERSEDED"]
    assert intake_submit(data=signed([worker(6)], issued=demo_pki.renewed), channel="cli").ok


def test_trial_dossier_is_accepted_paper_required_and_result_held(employer, officer):
    employer.e_status = EStatus.TRIAL
    employer.save()
    _credential, secret = trial_credential_issue(
        actor=officer, employer=employer, expires_on=timezone.localdate() + timedelta(days=30)
    )
    result = intake_submit(data=dossier_xml(employer), channel="cli", trial_secret=secret)
    assert result.ok, result.errors_as_dicts()
    dossier = result.dossier
    assert dossier.paper_required and dossier.result_held and dossier.certificate is None
    receipt_mail = OutboxMessage.objects.get(key=f"receipt-{dossier.transaction_code}")
    assert "01 bộ hồ sơ giấy" in email_body(receipt_mail.payload)
    paper_set_record(actor=officer, dossier=dossier)
    dossier.refresh_from_db()
    assert not dossier.result_held and dossier.paper_received_at
    assert dossier.notices.filter(kind="paper_set").exists()


def test_trial_credential_after_expiry_is_refused_clearly(employer, officer):
    _credential, secret = trial_credential_issue(
        actor=officer, employer=employer, expires_on=date(2015, 10, 31)
    )
    result = intake_submit(data=dossier_xml(employer), channel="cli", trial_secret=secret)
    assert [e.code for e in result.errors] == ["TRIAL_EXPIRED"]
    assert "31/10/2015" in result.errors[0].text("vi")
    assert not Dossier.objects.exists()


def test_wrong_trial_secret(employer, officer):
    trial_credential_issue(actor=officer, employer=employer, expires_on=date(2099, 1, 1))
    result = intake_submit(data=dossier_xml(employer), channel="cli", trial_secret="TN-WRONG")
    assert [e.code for e in result.errors] == ["TRIAL_INVALID"]


def test_portal_channel_needs_a_member_of_the_unit(signed, employer):
    from tests.factories import employer_user

    stranger = UserFactory(username="stranger")
    assert [
        e.code for e in intake_submit(data=signed(), channel="portal", actor=stranger).errors
    ] == ["CHANNEL_FORBIDDEN"]
    member = employer_user(employer)
    assert intake_submit(data=signed(), channel="portal", actor=member).ok


def test_ivan_channel_needs_the_carrying_provider(signed, employer):
    from tests.factories import ProviderFactory, carry

    ours, theirs = ProviderFactory(code="VNPT"), ProviderFactory(code="TS24")
    carry(employer, ours)
    assert intake_submit(data=signed(), channel="ivan", provider=theirs).errors[0].code == (
        "CHANNEL_FORBIDDEN"
    )
    assert intake_submit(data=signed(), channel="ivan", provider=ours).ok


def test_unregistered_employer_is_refused(signed, employer):
    employer.e_status = EStatus.NOT_REGISTERED
    employer.save()
    assert intake_submit(data=signed(), channel="cli").errors[0].code == "EMPLOYER_NOT_REGISTERED"


def test_paper_after_cutoff_needs_an_incident(employer, officer):
    PaperCutoff.objects.create(office=employer.managing_office, starts_on=date(2015, 10, 1))
    now = timezone.now()
    with pytest.raises(Refused) as refusal:
        paper_dossier_register(
            actor=officer,
            employer=employer,
            procedure_code="600",
            period="10/2026",
            received_at=now,
        )
    assert refusal.value.errors[0].code == "PAPER_NO_INCIDENT"
    assert not Dossier.objects.exists()
    incident_record(
        actor=officer,
        office=employer.managing_office,
        kind="network",
        started_at=now - timedelta(hours=2),
        ended_at=now + timedelta(hours=1),
        scope="Toàn quận",
        cause="Đứt cáp quang",
    )
    dossier = paper_dossier_register(
        actor=officer, employer=employer, procedure_code="600", period="10/2026", received_at=now
    )
    assert dossier.paper_form == "103" and dossier.incident is not None
    kinds = set(Notice.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert kinds == {"paper_receipt", "e_filing"}


def test_paper_before_cutoff_is_slip_101(employer, officer):
    PaperCutoff.objects.create(office=employer.managing_office, starts_on=date(2099, 1, 1))
    dossier = paper_dossier_register(
        actor=officer,
        employer=employer,
        procedure_code="600",
        period="10/2026",
        received_at=timezone.now(),
    )
    assert dossier.paper_form == "101" and dossier.incident is None
