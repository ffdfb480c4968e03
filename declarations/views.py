"""Pages of the declarations app: registration, compose/upload, history, notices, office
approval, trial credentials, incidents and paper dossiers. Thin: they call services,
selectors and the intake pipeline; every lookup goes through accounts.scope."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import office_ids_for, scoped
from portal.uploads import upload_limit

from . import registration_form, selectors, services
from .forms import (
    CertificateForm,
    IncidentForm,
    PaperDossierForm,
    RegistrationForm,
    TrialCredentialForm,
    UploadForm,
)
from .imports import ImportProblem, d02lt_rows_from_xlsx
from .intake import intake_submit
from .intake.envelope import D02_FIELDS, d02lt_build, envelope_build
from .intake.parsing import parse_untrusted
from .models import DossierStatus, Employer, Incident
from .notices import notice_lines, notice_pdf
from .procedures import REGISTRY, procedure_get
from .procedures.d02lt import d02lt_rules_check, parse_month


def _require_staff(user, permission: str) -> None:
    ids = office_ids_for(user, permission=permission)
    if ids is not None and not ids:
        raise PermissionDenied


def _employer_or_403(user) -> Employer:
    employer = selectors.employer_of(user)
    if employer is None:
        raise PermissionDenied
    return employer


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
        cert = services.certificate_check(data=cert_data, tax_code=employer.tax_code)
    except services.ServiceError as refusal:
        return None, [e.as_dict() for e in refusal.errors]
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
                registration = services.registration_submit(
                    employer=employer, data=fields, cert_data=cert_data, signed_form=signed_form
                )
            except services.ServiceError as refusal:
                errors = [e.as_dict() for e in refusal.errors]
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
    _require_staff(request.user, "accounts.manage_employers")
    pending = selectors.registrations_pending(user=request.user)
    return render(request, "declarations/registrations.html", {"registrations": pending})


@login_required
@require_POST
def registration_decide(request, pk: int):
    _require_staff(request.user, "accounts.manage_employers")
    registration = selectors.registrations_pending(user=request.user).filter(pk=pk).first()
    if registration is None:
        raise Http404
    if request.POST.get("decision") == "reject":
        services.registration_reject(
            actor=request.user, registration=registration, note=request.POST.get("note", "")
        )
        messages.info(request, _("The registration was rejected."))
        return redirect("declarations:registrations")
    user, password = services.registration_approve(actor=request.user, registration=registration)
    return render(
        request,
        "declarations/approved.html",
        {"registration": registration, "login": user.username, "password": password},
    )


@login_required
def trial_issue(request, pk: int):
    _require_staff(request.user, "accounts.manage_employers")
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
        _credential, secret = services.trial_credential_issue(
            actor=request.user, employer=employer, expires_on=form.cleaned_data["expires_on"]
        )
    return render(
        request,
        "declarations/trial_issue.html",
        {"employer": employer, "form": form, "secret": secret},
    )


@login_required
@require_POST
def paper_set_received(request, pk: int):
    _require_staff(request.user, "accounts.receive_dossiers")
    dossier = (
        scoped(
            request.user, selectors.Dossier.objects.all(), permission="accounts.receive_dossiers"
        )
        .filter(pk=pk)
        .first()
    )
    if dossier is None:
        raise Http404
    services.paper_set_record(actor=request.user, dossier=dossier)
    messages.success(request, _("Paper set recorded; the result is released."))
    return redirect("declarations:dossier", pk=pk)


@login_required
def incidents(request):
    _require_staff(request.user, "accounts.receive_dossiers")
    recorded = list(
        scoped(request.user, Incident.objects.all(), permission="accounts.receive_dossiers")[:200]
    )
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        office = next(
            (m.office for m in request.user.memberships.select_related("office") if m.office_id),
            None,
        )
        if office is None:
            raise PermissionDenied
        services.incident_record(actor=request.user, office=office, **form.cleaned_data)
        messages.success(request, _("Incident recorded."))
        return redirect("declarations:incidents")
    return render(request, "declarations/incidents.html", {"form": form, "incidents": recorded})


@login_required
def paper_dossier(request):
    _require_staff(request.user, "accounts.receive_dossiers")
    form = PaperDossierForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        employer = (
            scoped(request.user, Employer.objects.all(), permission="accounts.receive_dossiers")
            .filter(unit_code=data["unit_code"].strip().upper())
            .first()
        )
        if employer is None:
            form.add_error("unit_code", _("No employer with this unit code in your offices."))
        else:
            try:
                dossier = services.paper_dossier_register(
                    actor=request.user,
                    employer=employer,
                    procedure_code=data["procedure_code"],
                    period=data["period"],
                    received_at=timezone.now(),
                )
            except services.ServiceError as refusal:
                errors = [e.as_dict() for e in refusal.errors]
            else:
                return redirect("declarations:dossier", pk=dossier.pk)
    return render(request, "declarations/paper_dossier.html", {"form": form, "errors": errors})


# --- employer: history, notices -----------------------------------------------------------------
@login_required
def history(request):
    g = request.GET
    qs = selectors.dossier_history(
        user=request.user,
        q=g.get("q", "").strip(),
        status=g.get("status", ""),
        procedure=g.get("procedure", ""),
        date_from=parse_date(g.get("from", "") or "") if g.get("from") else None,
        date_to=parse_date(g.get("to", "") or "") if g.get("to") else None,
    )
    page = Paginator(qs.prefetch_related("notices"), 50).get_page(g.get("page"))
    return render(
        request,
        "declarations/history.html",
        {
            "page": page,
            "statuses": DossierStatus.choices,
            "procedures": sorted(REGISTRY),
            "filters": g,
        },
    )


@login_required
def dossier_detail(request, pk: int):
    dossier = selectors.dossier_get(user=request.user, pk=pk)
    if dossier is None:
        raise Http404
    may_record_paper = bool(
        dossier.paper_required
        and not dossier.paper_received_at
        and scoped(
            request.user,
            selectors.Dossier.objects.filter(pk=pk),
            permission="accounts.receive_dossiers",
        ).exists()
    )
    return render(
        request,
        "declarations/dossier.html",
        {
            "dossier": dossier,
            "notices": dossier.notices.all(),
            "may_record_paper": may_record_paper,
        },
    )


@login_required
def notice_view(request, pk: int):
    notice = selectors.notice_get(user=request.user, pk=pk)
    if notice is None:
        raise Http404
    language = translation.get_language() or "vi"
    title, lines = notice_lines(notice, language)
    return render(
        request,
        "declarations/notice.html",
        {
            "notice": notice,
            "title": title,
            "lines": lines,
            "translated": language.startswith("en"),
        },
    )


@login_required
def notice_download(request, pk: int):
    notice = selectors.notice_get(user=request.user, pk=pk)
    if notice is None:
        raise Http404
    response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
    return response


# --- employer: upload, compose, certificate ----------------------------------------------------
@login_required
@upload_limit(lambda: settings.INTAKE_MAX_BYTES)
def upload(request):
    employer = _employer_or_403(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        result = intake_submit(data=data, channel="portal", actor=request.user)
        if result.ok:
            messages.success(
                request,
                _("Dossier received: transaction code %(code)s")
                % {"code": result.dossier.transaction_code},
            )
            for warning in result.warnings:
                messages.warning(request, warning.message())
            return redirect("declarations:dossier", pk=result.dossier.pk)
        errors = result.errors_as_dicts()
    status = 400 if errors else 200
    return render(
        request,
        "declarations/upload.html",
        {"form": form, "errors": errors, "employer": employer},
        status=status,
    )


def _rows_from_post(request) -> list[dict]:
    try:
        rows = json.loads(request.POST.get("rows_json") or "[]")
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    return [
        {f: str(r.get(f, ""))[:200] for f in D02_FIELDS if f != "STT"}
        for r in rows[:5000]
        if isinstance(r, dict)
    ]


@login_required
@upload_limit(lambda: settings.IMPORT_XLSX_MAX_BYTES)
def compose(request):
    """Fill the D02-LT in the browser; import rows from .xlsx; download the envelope to sign,
    or (trial-credential units) submit with the credential."""
    employer = _employer_or_403(request.user)
    rows, errors = [], []
    procedure_code = request.POST.get("procedure", "600")
    period = request.POST.get("period", timezone.localdate().strftime("%m/%Y"))
    procedure = procedure_get(procedure_code) or procedure_get("600")
    if request.method == "POST":
        action = request.POST.get("action")
        rows = _rows_from_post(request)
        if action == "import":
            upload = request.FILES.get("xlsx")
            try:
                rows = d02lt_rows_from_xlsx(upload.read()) if upload else []
            except ImportProblem:
                messages.error(request, _("The file could not be read as an .xlsx worker list."))
        elif action == "download":
            xml = envelope_build(
                employer=employer,
                procedure=procedure,
                period=period,
                files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))],
            )
            response = HttpResponse(xml, content_type="application/xml")
            response["Content-Disposition"] = (
                f'attachment; filename="{employer.unit_code}-{procedure.code}.xml"'
            )
            return response
        elif action == "trial":
            xml = envelope_build(
                employer=employer,
                procedure=procedure,
                period=period,
                files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))],
            )
            result = intake_submit(
                data=xml,
                channel="portal",
                actor=request.user,
                trial_secret=request.POST.get("trial_secret", "").strip(),
            )
            if result.ok:
                messages.success(
                    request,
                    _("Dossier received: transaction code %(code)s")
                    % {"code": result.dossier.transaction_code},
                )
                return redirect("declarations:dossier", pk=result.dossier.pk)
            errors = result.errors_as_dicts()
    return render(
        request,
        "declarations/compose.html",
        {
            "employer": employer,
            "rows_json": json.dumps(rows or [{}], ensure_ascii=False),
            "fields": [f for f in D02_FIELDS if f != "STT"],
            "procedures": sorted(REGISTRY),
            "procedure": procedure.code,
            "period": period,
            "errors": errors,
        },
    )


@login_required
@require_POST
def compose_check(request):
    """Live validation of the composed rows (the procedure rules, nothing written)."""
    employer = _employer_or_403(request.user)
    procedure = procedure_get(request.POST.get("procedure", "600")) or procedure_get("600")
    rows = _rows_from_post(request)
    root = parse_untrusted(d02lt_build(rows), limit=10 * 1024 * 1024)
    errs, summary = d02lt_rules_check(
        procedure=procedure,
        forms={"D02-LT": [root]},
        employer=employer,
        period=parse_month(request.POST.get("period", "")),
    )
    return JsonResponse({"errors": [e.as_dict() for e in errs], "summary": summary})


@login_required
@upload_limit(_certificate_and_04_bytes)
def certificate_renew(request):
    """Renew or replace the certificate: the 04/ĐK-IVAN signed with the new one is the proof
    of possession (``action=download_04``: the unsigned 04 for it, to sign)."""
    employer = _employer_or_403(request.user)
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
                services.certificate_register(
                    actor=request.user,
                    employer=employer,
                    data=cert_data,
                    signed_form=signed_form,
                )
            except services.ServiceError as refusal:
                errors = [e.as_dict() for e in refusal.errors]
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
