"""Statement pages: a unit's months, one statement (sections A–Đ per fund), the drill-down
of a figure, the workbook and the signed PDF; the office's list and summary with charts.
The same views serve the employer (``declarations``) and the office (``district``): the unit
is always looked up through ``accounts.scope``, so another unit's statement is a 404."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import office_ids_for, offices_for, offices_under
from core.charts import bar_chart
from declarations.employers.models import Employer
from declarations.employers.selectors import staff_require
from declarations.people.models import PersonIdentity
from declarations.statements import selectors
from declarations.statements.charts import due_paid_chart
from declarations.statements.compute import figure_lines
from declarations.statements.exports import statement_xlsx
from declarations.statements.layout import ALL, COLUMN_LABELS, ROW_BY_KEY, ROWS, SECTIONS
from declarations.statements.notice import statement_notice_issue, statement_pdf
from declarations.statements.selectors import SUMMARY, VIEW


def _unit(request, unit_code: str) -> Employer:
    unit = selectors.units_visible(request.user).filter(unit_code=unit_code).first()
    if unit is None:
        raise Http404
    return unit


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise Http404 from exc


def _ns(request) -> str:
    return request.resolver_match.namespace


@login_required
def statement_list(request):
    """The employer's units (usually one) and their months; staff go to the office list."""
    units = list(selectors.units_visible(request.user)[:50])
    if _ns(request) == "declarations" and len(units) == 1:
        unit = units[0]
    elif request.GET.get("don-vi"):
        unit = _unit(request, request.GET["don-vi"].strip())
    elif _ns(request) == "declarations":
        if not units:
            raise Http404
        unit = units[0]
    else:
        return office_list(request)
    months = selectors.months_of(unit)
    return render(
        request,
        "statements/list.html",
        {"unit": unit, "units": units, "months": months, "ns": _ns(request)},
    )


def office_list(request):
    staff_require(request.user, VIEW)
    month = _month(request.GET["thang"]) if request.GET.get("thang") else None
    qs = selectors.statements_visible(request.user)
    if month:
        qs = qs.filter(month=month)
    code = request.GET.get("ma", "").strip()
    if code:
        qs = qs.filter(employer__unit_code=code.upper())
    statements = [
        {
            "unit_code": unit_code,
            "name": name,
            "month": m,
            "due": rows["B.7"][4],
            "paid": rows["C.1"][4],
            "owed": rows["Đ.2"][4] + rows["Đ.3"][4],
        }
        for unit_code, name, m, rows in qs.values_list(
            "employer__unit_code", "employer__name", "month", "figures__rows"
        )[:200]
    ]
    return render(
        request,
        "statements/office_list.html",
        {"statements": statements, "month": month, "code": code, "ns": _ns(request)},
    )


def _view_rows(figures: dict) -> list[dict]:
    sections = []
    for section, label in SECTIONS.items():
        rows = []
        for row in ROWS:
            if row.section != section:
                continue
            values = figures["rows"][row.key]
            cells = []
            for i, column in enumerate(ALL):
                blank = row.kind == "rate" or (row.totals_only and column != "total")
                cells.append({"column": column, "value": values[i], "blank": blank})
            rows.append({"row": row, "cells": cells})
        sections.append({"key": section, "label": label, "rows": rows})
    return sections


@login_required
def statement_detail(request, unit_code: str, month: str):
    unit = _unit(request, unit_code)
    figures, stored = selectors.statement_of(unit, _month(month))
    return render(
        request,
        "statements/detail.html",
        {
            "unit": unit,
            "month": _month(month),
            "month_key": month,
            "figures": figures,
            "stored": stored,
            "sections": _view_rows(figures),
            "columns": [(c, COLUMN_LABELS[c]) for c in ALL],
            "ns": _ns(request),
        },
    )


@login_required
def statement_lines(request, unit_code: str, month: str, row: str):
    """The people and months behind one figure (``?cot=`` a column; all columns without)."""
    unit = _unit(request, unit_code)
    spec = ROW_BY_KEY.get(row)
    if spec is None or spec.kind == "rate":
        raise Http404
    figures, stored = selectors.statement_of(unit, _month(month))
    column = request.GET.get("cot", "total")
    if column not in ALL:
        raise Http404
    index = ALL.index(column)
    lines = [line for line in figure_lines(figures, row) if column == "total" or line[3 + index]]
    numbers = {line[0] for line in lines if line[0].isdigit() and len(line[0]) == 10}
    names = _names(numbers)
    shown = [
        {
            "ref": line[0],
            "name": names.get(line[0], ""),
            "row_link": line[0] if line[0] in ROW_BY_KEY else "",
            "month": line[1],
            "detail": line[2],
            "values": line[3:],
        }
        for line in lines
    ]
    total = figures["rows"][row][index]
    return render(
        request,
        "statements/lines.html",
        {
            "unit": unit,
            "month": _month(month),
            "month_key": month,
            "row": spec,
            "column": column,
            "column_label": COLUMN_LABELS[column],
            "columns": [(c, COLUMN_LABELS[c]) for c in ALL],
            "lines": shown,
            "total": total,
            "lines_sum": sum(line["values"][index] for line in shown),
            "stored": stored,
            "ns": _ns(request),
        },
    )


def _names(numbers) -> dict:
    """Each person's latest declared name."""
    names = {}
    for number, name in (
        PersonIdentity.objects.filter(person__number__in=numbers)
        .order_by("id")
        .values_list("person__number", "full_name")
    ):
        names[number] = name
    return names


@login_required
def statement_download(request, unit_code: str, month: str):
    unit = _unit(request, unit_code)
    figures, stored = selectors.statement_of(unit, _month(month))
    body = statement_xlsx(figures, employer=unit, final=stored is not None)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="C12-TS-{unit.unit_code}-{month}.xlsx"'
    return response


@login_required
def statement_pdf_download(request, unit_code: str, month: str):
    """The signed notice's PDF when the statement is final (issued now if the month-end job
    has not reached it yet); the draft's PDF, unsigned, before."""
    unit = _unit(request, unit_code)
    figures, stored = selectors.statement_of(unit, _month(month))
    body = None
    if stored is not None and not stored.document_id:
        # Final but not issued yet (the month-end job is on its way): issue it now, once.
        statement_notice_issue(stored)
        stored.refresh_from_db()
    if stored is not None and stored.document_id:
        from declarations.dossiers.models import IssuedDocument

        body = (
            IssuedDocument.objects.filter(pk=stored.document_id)
            .values_list("pdf", flat=True)
            .first()
        )
    if body is None:
        body = statement_pdf(figures, employer=unit, final=stored is not None)
    response = HttpResponse(bytes(body), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="C12-TS-{unit.unit_code}-{month}.pdf"'
    return response


@login_required
def statements_summary(request):
    """Office (or province) summary: amount due against money received per month, units in
    arrears; ``?co-quan=`` narrows to one office and those under it."""
    staff_require(request.user, SUMMARY)
    offices = list(offices_for(request.user, permission=SUMMARY).order_by("code")[:500])
    office_ids = None
    chosen = request.GET.get("co-quan", "").strip()
    if chosen:
        office = next((o for o in offices if o.code == chosen), None)
        if office is None:
            raise Http404
        office_ids = offices_under(office)
    allowed = office_ids_for(request.user, permission=SUMMARY)
    if allowed is not None and office_ids is not None:
        office_ids &= allowed
    per_month = selectors.summary(request.user, office_ids=office_ids)
    months = [
        {"month": m, "label": m.strftime("%m/%Y"), **values} for m, values in per_month.items()
    ]
    return render(
        request,
        "statements/summary.html",
        {
            "months": months,
            "offices": offices,
            "chosen": chosen,
            "chart_due_paid": due_paid_chart(
                [(m["label"], m["due"], m["paid"]) for m in months],
                title=_("Amount due and money received per month"),
            ),
            "chart_arrears": bar_chart(
                [(m["label"], m["arrears"]) for m in months], title=_("Units in arrears")
            ),
            "today": timezone.localdate(),
        },
    )


def unit_statement_redirect(request, unit_code: str):
    unit = _unit(request, unit_code)
    month = timezone.localdate().replace(day=1)
    return redirect(f"{_ns(request)}:statement", unit.unit_code, month.strftime("%Y-%m"))
