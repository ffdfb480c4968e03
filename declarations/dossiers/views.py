"""Pages of dossiers and notices (history, detail, PDF), incidents and paper dossiers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.scope import scoped
from core.paging import paged
from core.refusals import Refused
from declarations.dossiers.content import dossier_content, file_media
from declarations.dossiers.forms import IncidentForm, PaperDossierForm
from declarations.dossiers.models import Dossier, DossierStatus, Incident
from declarations.dossiers.notices import notice_document, notice_lines, notice_pdf, notice_people
from declarations.dossiers.sections import sections_for
from declarations.dossiers.selectors import dossier_get, dossier_history, notice_get
from declarations.dossiers.services import (
    dossier_file_viewed,
    incident_record,
    paper_dossier_register,
)
from declarations.dossiers.supplements import supplement_request
from declarations.employers.models import Employer
from declarations.employers.procedures import REGISTRY
from declarations.employers.selectors import staff_require


@login_required
def incidents(request):
    staff_require(request.user, "accounts.receive_dossiers")
    recorded = scoped(
        request.user,
        Incident.objects.select_related("office"),
        permission="accounts.receive_dossiers",
    )
    listing = paged(request, recorded.order_by("-started_at", "-id"))
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        office = next(
            (m.office for m in request.user.memberships.select_related("office") if m.office_id),
            None,
        )
        if office is None:
            raise PermissionDenied
        incident_record(actor=request.user, office=office, **form.cleaned_data)
        messages.success(request, _("Incident recorded."))
        return redirect("declarations:incidents")
    return render(
        request,
        "declarations/incidents.html",
        {"form": form, "page": listing.page, "query": listing.query},
    )


@login_required
def paper_dossier(request):
    staff_require(request.user, "accounts.receive_dossiers")
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
                dossier = paper_dossier_register(
                    actor=request.user,
                    employer=employer,
                    procedure_code=data["procedure_code"],
                    period=data["period"],
                    received_at=timezone.now(),
                )
            except Refused as refusal:
                errors = refusal.errors
            else:
                return redirect("declarations:dossier", pk=dossier.pk)
    return render(request, "declarations/paper_dossier.html", {"form": form, "errors": errors})


# --- employer: history, notices -----------------------------------------------------------------
@login_required
def history(request):
    g = request.GET
    qs = dossier_history(
        user=request.user,
        q=g.get("q", "").strip(),
        status=g.get("status", ""),
        procedure=g.get("procedure", ""),
        date_from=parse_date(g.get("from", "") or "") if g.get("from") else None,
        date_to=parse_date(g.get("to", "") or "") if g.get("to") else None,
    )
    page = Paginator(qs.prefetch_related("notices"), 50).get_page(g.get("page"))
    for dossier in page:
        # The request awaiting an answer, with its coded reasons (notices prefetched).
        dossier.supplement_request = supplement_request(dossier)
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
    dossier = dossier_get(user=request.user, pk=pk)
    if dossier is None:
        raise Http404
    may_record_paper = bool(
        dossier.paper_required
        and not dossier.paper_received_at
        and scoped(
            request.user,
            Dossier.objects.filter(pk=pk),
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
            "sections": sections_for(request, dossier),
            "content": dossier_content(
                dossier,
                page=request.GET.get("page"),
                file=request.GET.get("file"),
                user=request.user,
            ),
        },
    )


# Files shown in the browser run in a sandbox: no script, form or plugin of theirs acts as
# the portal. Not PDFs: a sandboxed PDF is blank in Safari, Chrome ignores a PDF's policy,
# and the PDF viewers run outside the portal's origin; the site's own policy applies.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@login_required
def dossier_file(request, pk: int, position: int):
    """One file of a dossier, to those who may see the dossier (404 otherwise); audited."""
    dossier = dossier_get(user=request.user, pk=pk)
    file = dossier.files.filter(position=position).first() if dossier else None
    if file is None:
        raise Http404
    content_type, inline, name = file_media(file)
    response = HttpResponse(file.data(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    if inline and content_type != "application/pdf":
        response["Content-Security-Policy"] = FILE_POLICY
    dossier_file_viewed(actor=request.user, dossier=dossier, file=file)
    return response


@login_required
def notice_view(request, pk: int):
    notice = notice_get(user=request.user, pk=pk)
    if notice is None:
        raise Http404
    language = translation.get_language() or "vi"
    title, lines = notice_lines(notice, language)
    people_headers, people = notice_people(notice, language)
    return render(
        request,
        "declarations/notice.html",
        {
            "notice": notice,
            "title": title,
            "lines": lines,
            "people_headers": people_headers,
            "people": people,
            "translated": language.startswith("en"),
            # The agency's signed document with its verification code, once issued.
            "document": notice_document(notice),
        },
    )


@login_required
def notice_download(request, pk: int):
    notice = notice_get(user=request.user, pk=pk)
    if notice is None:
        raise Http404
    # The PDF as the agency issued it (signed, with its QR code) once it exists.
    document = notice_document(notice)
    body = bytes(document.pdf) if document is not None else notice_pdf(notice)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
    return response


@login_required
def notice_xml_download(request, pk: int):
    """The notice's XML document as the agency issued and signed it (XAdES)."""
    notice = notice_get(user=request.user, pk=pk)
    document = notice_document(notice) if notice is not None else None
    if document is None:
        raise Http404
    response = HttpResponse(bytes(document.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{notice.number}.xml"'
    return response
