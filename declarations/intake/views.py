"""Pages of composing a D02-LT list and sending a signed dossier; both go through the one
intake pipeline."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.uploads import upload_limit
from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.procedures import REGISTRY, procedure_get
from declarations.employers.selectors import employer_or_403
from declarations.intake.envelope import D02_FIELDS, d02lt_build, envelope_build
from declarations.intake.forms import UploadForm
from declarations.intake.imports import ImportProblem, d02lt_rows_from_xlsx
from declarations.intake.pipeline import intake_submit
from declarations.intake.procedures.d02lt import d02lt_rules_check, parse_month


# --- employer: upload, compose, certificate ----------------------------------------------------
@login_required
@upload_limit(lambda: settings.INTAKE_MAX_BYTES)
def upload(request):
    employer = employer_or_403(request.user)
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
                messages.warning(request, warning.text())
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
    employer = employer_or_403(request.user)
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
    employer = employer_or_403(request.user)
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
