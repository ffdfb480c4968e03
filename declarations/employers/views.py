"""Pages of registration and its approval, certificates, trial credentials and the unit's own
data (604). Thin: they call the services and selectors; every lookup goes through
accounts.scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import scoped
from core.refusals import Refused
from core.uploads import upload_limit
from declarations.employers import registration_form
from declarations.employers.forms import (
    CertificateForm,
    RegistrationForm,
    TrialCredentialForm,
    UnitDataForm,
)
from declarations.employers.models import Employer
from declarations.employers.procedures import procedure_get
from declarations.employers.selectors import (
    employer_or_403,
    registrations_pending,
    staff_require,
    unit_data_changes,
)
from declarations.employers.services import (
    certificate_check,
    certificate_register,
    registration_approve,
    registration_reject,
    registration_submit,
    trial_credential_issue,
)

# --- registration (public) ---------------------------------------------------------------------
CERT_MAX_BYTES = 64 * 1024


def _read_bounded(form, name: str, limit: int) -> bytes:
    """The upload of field ``name``, read no further than ``limit`` bytes (b"" when none);
    larger: a form error on the field."""
    upload = form.cleaned_data.get(name)
    if not upload:
        return b""
    data = upload.read(limit + 1)
    if len(data) > limit:
        form.add_error(name, _("The file is too large."))
        return b""
    return data


def _form_04_download(*, cert_data: bytes, employer, build) -> tuple[HttpResponse | None, list]:
    """The unsigned 04/ĐK-IVAN for the uploaded certificate (checked first), to sign:
    ``build(cert)`` makes it. Returns (the download, []) or (None, the refusals)."""
    try:
        cert = certificate_check(data=cert_data, tax_code=employer.tax_code)
    except Refused as refusal:
        return None, refusal.errors
    response = HttpResponse(build(cert), content_type="application/xml")
    filename = f"{employer.unit_code}-04DKIVAN.xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, []


def _certificate_and_04_bytes() -> int:
    """Files of the registration and renewal pages together: certificate and signed 04."""
    return CERT_MAX_BYTES + registration_form.MAX_BYTES


@upload_limit(_certificate_and_04_bytes)
def register(request):
    """Tờ khai 04/ĐK-IVAN: the employer registers; its certificate is checked at once, and
    the 04 signed with that certificate proves it holds the key. ``action=download_04``
    returns the unsigned 04 built from the fields, to sign."""
    form = RegistrationForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cert_data = _read_bounded(form, "certificate", CERT_MAX_BYTES)
        signed_form = _read_bounded(form, "signed_form", registration_form.MAX_BYTES)
        fields = {
            "unit_name": data["unit_name"],
            "address": data["address"],
            "tax_code": data["tax_code"],
            "email": data["email"],
            "phone": data["phone"],
            "procedures": ",".join(data["procedures"]),
            "provider": data["provider"],
            "result_delivery": data["result_delivery"],
            "postal_address": data["postal_address"],
        }
        employer = data["employer"]
        if form.errors:
            pass
        elif request.POST.get("action") == "download_04":
            download, errors = _form_04_download(
                cert_data=cert_data,
                employer=employer,
                build=lambda cert: registration_form.registration_form_build(
                    unit_code=employer.unit_code, certificate=cert, **fields
                ),
            )
            if download is not None:
                return download
        else:
            try:
                registration = registration_submit(
                    employer=employer, data=fields, cert_data=cert_data, signed_form=signed_form
                )
            except Refused as refusal:
                errors = refusal.errors
            else:
                return render(
                    request, "declarations/registered.html", {"registration": registration}
                )
    status = 400 if errors else 200
    return render(
        request, "declarations/register.html", {"form": form, "errors": errors}, status=status
    )


# --- office: registrations, trial credentials, paper sets -----------------------------------------
@login_required
def registrations(request):
    staff_require(request.user, "accounts.manage_employers")
    pending = registrations_pending(user=request.user)
    return render(request, "declarations/registrations.html", {"registrations": pending})


@login_required
@require_POST
def registration_decide(request, pk: int):
    staff_require(request.user, "accounts.manage_employers")
    registration = registrations_pending(user=request.user).filter(pk=pk).first()
    if registration is None:
        raise Http404
    if request.POST.get("decision") == "reject":
        registration_reject(
            actor=request.user, registration=registration, note=request.POST.get("note", "")
        )
        messages.info(request, _("The registration was rejected."))
        return redirect("declarations:registrations")
    user, password = registration_approve(actor=request.user, registration=registration)
    return render(
        request,
        "declarations/approved.html",
        {"registration": registration, "login": user.username, "password": password},
    )


@login_required
def trial_issue(request, pk: int):
    staff_require(request.user, "accounts.manage_employers")
    employer = (
        scoped(request.user, Employer.objects.all(), permission="accounts.manage_employers")
        .filter(pk=pk)
        .first()
    )
    if employer is None:
        raise Http404
    form = TrialCredentialForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _credential, secret = trial_credential_issue(
            actor=request.user, employer=employer, expires_on=form.cleaned_data["expires_on"]
        )
    return render(
        request,
        "declarations/trial_issue.html",
        {"employer": employer, "form": form, "secret": secret},
    )


@login_required
@upload_limit(_certificate_and_04_bytes)
def certificate_renew(request):
    """Renew or replace the certificate: the 04/ĐK-IVAN signed with the new one is the proof
    of possession (``action=download_04``: the unsigned 04 for it, to sign)."""
    employer = employer_or_403(request.user)
    form = CertificateForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        cert_data = _read_bounded(form, "certificate", CERT_MAX_BYTES)
        signed_form = _read_bounded(form, "signed_form", registration_form.MAX_BYTES)
        if form.errors:
            pass
        elif request.POST.get("action") == "download_04":
            download, errors = _form_04_download(
                cert_data=cert_data,
                employer=employer,
                build=lambda cert: registration_form.registration_form_of_employer(
                    employer=employer, certificate=cert
                ),
            )
            if download is not None:
                return download
        else:
            try:
                certificate_register(
                    actor=request.user,
                    employer=employer,
                    data=cert_data,
                    signed_form=signed_form,
                )
            except Refused as refusal:
                errors = refusal.errors
            else:
                messages.success(request, _("The new certificate is registered."))
                return redirect("declarations:certificates")
    return render(
        request,
        "declarations/certificates.html",
        {
            "form": form,
            "errors": errors,
            "certificates": employer.certificates.all(),
            "employer": employer,
        },
        status=400 if errors else 200,
    )


# --- the unit's own data (procedure 604) ----------------------------------------------------------
UNIT_DATA_PROCEDURE = "604"


@login_required
def unit_data(request):
    """Thay đổi thông tin đơn vị: the unit's data pre-filled; its changes as a TK3-TS in the
    604 envelope, downloaded to sign with the token and send on the upload page. Nothing is
    downloaded while the form has errors."""
    employer = employer_or_403(request.user)
    procedure = procedure_get(UNIT_DATA_PROCEDURE)
    if procedure is None or procedure.envelope_draft is None:
        raise Http404
    form = UnitDataForm(request.POST or None, employer=employer)
    if request.method == "POST" and form.is_valid():
        xml = procedure.envelope_draft(employer=employer, fields=form.tk3_fields())
        response = HttpResponse(xml, content_type="application/xml")
        filename = f"{employer.unit_code}-{procedure.code}-TK3-TS.xml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(
        request,
        "declarations/unit_data.html",
        {
            "employer": employer,
            "form": form,
            "procedure": procedure,
            "changes": unit_data_changes(
                employer=employer, language=translation.get_language() or "vi"
            ),
        },
        status=400 if form.errors else 200,
    )
