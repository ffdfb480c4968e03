"""Pages of composing a D02-LT list and sending a signed dossier; both go through the one
intake pipeline."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.refusals import Refused
from core.uploads import upload_limit
from declarations.dossiers.selectors import dossier_by_code
from declarations.dossiers.supplements import supplement_request
from declarations.employers.procedures import REGISTRY, procedure_get
from declarations.employers.selectors import employer_or_403
from declarations.intake.compose import (
    composable_procedures,
    compose_envelope,
    compose_grid,
    compose_lists_check,
    people_posted,
    plan_choices,
    rows_posted,
    tk1_from_row,
    tk1_missing,
)
from declarations.intake.forms import UploadForm
from declarations.intake.imports import ImportProblem, imported_merge, workbook_read
from declarations.intake.pipeline import intake_submit
from declarations.intake.workbooks import d02lt_template, tk1ts_template


# --- employer: upload, compose, certificate ----------------------------------------------------
def _procedure_forms() -> list[dict]:
    """Each procedure's code, name and forms, for the upload page's help."""
    language = get_language() or "vi"
    return [
        {
            "code": p.code,
            "name": p.name(language),
            "required": [f.code for f in p.forms if f.required],
            "optional": [f.code for f in p.forms if not f.required] + ["CT-DK"],
        }
        for p in sorted(REGISTRY.values(), key=lambda p: p.code)
    ]


@login_required
@upload_limit(lambda: settings.INTAKE_MAX_BYTES)
def upload(request):
    """Send a signed dossier; with ``?bo-sung=<transaction code>``, a supplement answering
    that dossier's supplement request (hồ sơ bổ sung)."""
    employer = employer_or_403(request.user)
    original = None
    code = request.GET.get("bo-sung", "").strip()
    if code:
        original = dossier_by_code(user=request.user, transaction_code=code[:32])
        if original is None:
            raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        result = intake_submit(
            data=data,
            channel="portal",
            actor=request.user,
            supplement_of=original.transaction_code if original else None,
        )
        if result.ok:
            if original is not None:
                messages.success(
                    request,
                    _("Supplement received: transaction code %(code)s, for dossier %(original)s")
                    % {
                        "code": result.dossier.transaction_code,
                        "original": original.transaction_code,
                    },
                )
            else:
                messages.success(
                    request,
                    _("Dossier received: transaction code %(code)s")
                    % {"code": result.dossier.transaction_code},
                )
            for warning in result.warnings:
                messages.warning(request, warning.text())
            return redirect("declarations:dossier", pk=(original or result.dossier).pk)
        errors = result.errors_as_dicts()
    status = 400 if errors else 200
    return render(
        request,
        "declarations/upload.html",
        {
            "form": form,
            "errors": errors,
            "employer": employer,
            "original": original,
            "awaited": supplement_request(original) if original else None,
            "procedures": [] if original else _procedure_forms(),
            "max_mb": settings.INTAKE_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


def _rows_from_post(request) -> tuple[list[dict], list[dict]]:
    """The composed lists of a compose request: D02-LT rows and TK1-TS declarations."""
    return rows_posted(request.POST), people_posted(request.POST)


def _composable(code: str):
    procedure = procedure_get(code)
    return procedure if procedure and procedure.form("D02-LT") else procedure_get("600")


def _import(request, rows: list[dict], people: list[dict]) -> tuple[list[dict], list[dict]]:
    upload = request.FILES.get("xlsx")
    if upload is None:
        raise ImportProblem("IMPORT_NO_FILE")
    imported = workbook_read(upload.read())
    replace = request.POST.get("import_mode") == "replace"
    rows, people = imported_merge(
        rows=rows,
        people=people,
        imported=imported,
        replace=replace,
        confirmed=bool(request.POST.get("confirm_replace")),
    )
    for form, items in (("D02-LT", imported.rows), ("TK1-TS", imported.people)):
        if items is not None:
            text = (
                _("%(form)s: %(count)s rows imported in place of the list.")
                if replace
                else _("%(form)s: %(count)s rows imported after the list.")
            )
            messages.success(request, text % {"form": form, "count": len(items)})
    return rows, people


def _int_after(action: str, prefix: str) -> int:
    tail = action.removeprefix(prefix)
    return int(tail) if tail.isdigit() else 0


@login_required
@upload_limit(lambda: settings.IMPORT_XLSX_MAX_BYTES)
def compose(request):
    """Fill the D02-LT, and the TK1-TS of new workers without a number, in the browser; import
    them from .xlsx; download the envelope to sign, or (trial-credential units) submit with
    the credential. Nothing is downloaded or sent while a check fails."""
    employer = employer_or_403(request.user)
    procedure = _composable(request.POST.get("procedure", "600"))
    period = request.POST.get("period", timezone.localdate().strftime("%m/%Y")).strip()[:20]
    rows, people = _rows_from_post(request) if request.method == "POST" else ([{}], [])
    action = request.POST.get("action", "")
    found, errors, status = [], [], 200
    if action == "import":
        try:
            rows, people = _import(request, rows, people)
        except Refused as refusal:
            errors = [p.as_dict() for p in refusal.errors]
    elif action == "add-row":
        rows.append({})
    elif action.startswith("tk1:") and 0 < _int_after(action, "tk1:") <= len(rows):
        people.append(tk1_from_row(rows[_int_after(action, "tk1:") - 1]))
    elif action.startswith("hh-add:") and 0 < _int_after(action, "hh-add:") <= len(people):
        people[_int_after(action, "hh-add:") - 1]["household"].append({})
    elif action in {"check", "download", "trial"}:
        found, _summary = compose_lists_check(
            procedure=procedure, employer=employer, period=period, rows=rows, people=people
        )
        errors = [f.as_dict() for f in found]
        if found and action != "check":
            status = 400
        elif action == "check" and not found:
            messages.success(request, _("No error found."))
        elif action == "download":
            xml = compose_envelope(
                employer=employer, procedure=procedure, period=period, rows=rows, people=people
            )
            response = HttpResponse(xml, content_type="application/xml")
            response["Content-Disposition"] = (
                f'attachment; filename="{employer.unit_code}-{procedure.code}.xml"'
            )
            return response
        elif action == "trial":
            result = intake_submit(
                data=compose_envelope(
                    employer=employer, procedure=procedure, period=period, rows=rows, people=people
                ),
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
    if not rows and not people:
        rows = [{}]
    procedures = composable_procedures()
    return render(
        request,
        "declarations/compose.html",
        {
            "employer": employer,
            "grid": compose_grid(procedure=procedure, rows=rows, people=people, found=found),
            "procedures": [(p.code, p.name(get_language() or "vi")) for p in procedures],
            "procedure": procedure.code,
            "period": period,
            "errors": errors,
            "import_mode": request.POST.get("import_mode", "append"),
            "config": {
                "plans": {p.code: plan_choices(p) for p in procedures},
                "tk1": [p.code for p in procedures if p.form("TK1-TS")],
                "text": {"ok": _("No error found."), "offer": _("Row %(n)s: %(name)s")},
            },
        },
        status=status,
    )


@login_required
@require_POST
def compose_check(request):
    """Live check of the composed lists: every problem intake would find, and the TK1-TS
    fields', each with the id of its cell; nothing written."""
    employer = employer_or_403(request.user)
    procedure = _composable(request.POST.get("procedure", "600"))
    rows, people = _rows_from_post(request)
    found, summary = compose_lists_check(
        procedure=procedure,
        employer=employer,
        period=request.POST.get("period", "").strip()[:20],
        rows=rows,
        people=people,
    )
    return JsonResponse(
        {
            "errors": [f.as_dict() for f in found],
            "summary": summary,
            "offers": tk1_missing(procedure=procedure, rows=rows, people=people),
        }
    )


@login_required
def compose_template(request, form: str):
    """The official .xlsx template of D02-LT or TK1-TS, to fill and import."""
    employer_or_403(request.user)
    builders = {"D02-LT": d02lt_template, "TK1-TS": tk1ts_template}
    if form not in builders:
        raise Http404
    response = HttpResponse(
        builders[form](),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-{form}.xlsx"'
    return response
