"""Pages of the adoption work: dashboards, export, targets, assignments, deployments.

Thin: every list goes through accounts.scope, every write through services_adoption.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scope
from accounts.models import Membership, Office, OfficeLevel, User
from core import charts
from core.db_routing import replica_reads
from core.refusals import Refused
from core.uploads import upload_limit
from declarations.adoption import results
from declarations.adoption.exports import adoption_workbook
from declarations.adoption.forms import (
    AssignForm,
    DeploymentForm,
    ReleaseResultForm,
    TargetForm,
)
from declarations.adoption.models import PortalRelease, ReleaseResult
from declarations.adoption.selectors import (
    OfficeIndex,
    adoption_dashboard,
    current_release,
    electronic_on,
    officer_unregistered,
    release_deployments,
)
from declarations.adoption.services import (
    adoption_target_set,
    employers_assign,
    release_deployment_record,
)
from declarations.employers.models import Employer

VIEW = "adoption.view_adoption"
ASSIGN = "adoption.assign_employers"
SET_TARGETS = "adoption.set_adoption_targets"
DEPLOY = "adoption.record_deployment"
_LEVEL_RANK = {OfficeLevel.CENTRAL: 0, OfficeLevel.PROVINCE: 1, OfficeLevel.LOCAL: 2}


def _offices_in_force(user, permission) -> list[Office]:
    """Offices in force today the user may open with ``permission``, top level first."""
    today = timezone.localdate()
    qs = scope.offices_for(user, permission=permission).filter(valid_from__lte=today)
    qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return sorted(qs, key=lambda o: (_LEVEL_RANK.get(o.level, 9), o.code))


def _chosen_office(request, permission) -> tuple[Office, list[Office]]:
    offices = _offices_in_force(request.user, permission)
    if not offices:
        raise PermissionDenied
    wanted = request.GET.get("office") or request.POST.get("office")
    if not wanted:
        return offices[0], offices
    for office in offices:
        if str(office.pk) == wanted:
            return office, offices
    raise PermissionDenied


def _months(request) -> int:
    try:
        return min(max(int(request.GET.get("months", 12)), 2), 60)
    except ValueError:
        return 12


@login_required
@replica_reads
def dashboard(request):
    """Tỷ lệ đơn vị giao dịch điện tử: rate over time, target and gap, leaderboard."""
    office, offices = _chosen_office(request, VIEW)
    data = adoption_dashboard(office=office, months=_months(request))
    target = data.target
    chart = charts.line_chart(
        [(d.strftime("%m/%Y") if d.day == 1 else d.strftime("%d/%m"), r) for d, r in data.rates],
        title=_("Share of employers transacting electronically, %(office)s")
        % {"office": office.name},
        target=target.share if target else None,
        target_label=(
            _("Target %(share)s%% by %(day)s")
            % {"share": floatformat(target.share, -1), "day": target.due_on.strftime("%d/%m/%Y")}
            if target
            else ""
        ),
    )
    chosen, pending = None, None
    wanted = request.GET.get("officer", "")
    if data.level == OfficeLevel.LOCAL and wanted:
        chosen = next((r for r in data.officers if str(r.key) == wanted), None)
        if chosen is None:
            raise PermissionDenied
        pending = Paginator(
            officer_unregistered(officer_id=chosen.key, office=office, on=data.on), 50
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "declarations/adoption/dashboard.html",
        {
            "chosen": chosen,
            "pending": pending,
            "data": data,
            "chart": chart,
            "offices": offices,
            "office": office,
            "months": _months(request),
            "may_set_targets": scope.may(request.user, SET_TARGETS, office),
        },
    )


@login_required
@replica_reads
def export_xlsx(request):
    office, _offices = _chosen_office(request, VIEW)
    data = adoption_dashboard(office=office, months=_months(request))
    response = HttpResponse(
        adoption_workbook(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"ty-le-gddt-{office.code}-{data.on:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@login_required
def target_set(request):
    office, _offices = _chosen_office(request, SET_TARGETS)
    back = reverse("district:adoption") + "?" + urlencode({"office": office.pk})
    form = TargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("TARGET_INVALID: check the share and the date."))
        return redirect(back)
    officer = None
    if form.cleaned_data["officer"]:
        officer = User.objects.filter(pk=form.cleaned_data["officer"]).first()
    try:
        adoption_target_set(
            actor=request.user,
            office=office,
            officer=officer,
            share=form.cleaned_data["share"],
            due_on=form.cleaned_data["due_on"],
            note=form.cleaned_data["note"],
        )
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Target saved."))
    return redirect(back)


def _local_offices(offices):
    return [o for o in offices if o.level == OfficeLevel.LOCAL]


@login_required
def assignments(request):
    """Phân công đơn vị: which collection officer is in charge of each employer."""
    office, offices = _chosen_office(request, ASSIGN)
    locals_ = _local_offices(offices)
    if office.level != OfficeLevel.LOCAL:
        if not locals_:
            raise PermissionDenied
        office = locals_[0]
    index = OfficeIndex.load()
    within = index.ids_within(office)
    employers = scope.scoped(
        request.user,
        Employer.objects.filter(managing_office_id__in=within),
        permission=ASSIGN,
    ).select_related("assignment__officer")
    query = request.GET.get("q", "").strip()
    if query:
        employers = employers.filter(Q(unit_code__icontains=query) | Q(name__icontains=query))
    if request.GET.get("only") == "unassigned":
        employers = employers.filter(assignment__isnull=True)
    page = Paginator(employers.order_by("unit_code"), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    electronic = set(
        Employer.objects.filter(pk__in=[e.pk for e in page])
        .filter(electronic_on(today))
        .values_list("pk", flat=True)
    )
    officers = [
        m.user
        for m in Membership.objects.active()
        .filter(role_id="collection_officer", office_id__in=within)
        .select_related("user")
        .order_by("user__full_name")
    ]
    if request.method == "POST":
        return _assign(request, office, officers)
    return render(
        request,
        "declarations/adoption/assignments.html",
        {
            "office": office,
            "offices": locals_,
            "page": page,
            "officers": officers,
            "electronic": electronic,
            "q": query,
            "only": request.GET.get("only", ""),
        },
    )


def _assign(request, office, officers):
    back = request.get_full_path()
    ids = [int(v) for v in request.POST.getlist("employers") if v.isdigit()]
    form = AssignForm(request.POST, employer_ids=ids)
    if not form.is_valid() or not ids:
        messages.error(request, _("ASSIGN_INVALID: choose employers and an officer."))
        return redirect(back)
    officer = next((u for u in officers if u.pk == form.cleaned_data["officer"]), None)
    chosen = list(
        scope.scoped(
            request.user, Employer.objects.filter(pk__in=ids), permission=ASSIGN
        ).select_related("managing_office")
    )
    if officer is None or len(chosen) != len(set(ids)):
        raise PermissionDenied
    try:
        count = employers_assign(actor=request.user, employers=chosen, officer=officer)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(count)d employer(s) assigned to %(officer)s.")
            % {"count": count, "officer": officer},
        )
    return redirect(back)


@login_required
def releases(request):
    """Triển khai phiên bản: which provinces run the current release, who is late."""
    may_view = request.user.has_perm(VIEW) or request.user.has_perm(DEPLOY)
    if not may_view:
        raise PermissionDenied
    wanted = request.GET.get("release", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        release = get_object_or_404(PortalRelease, pk=int(wanted))
    else:
        release = current_release() or PortalRelease.objects.first()
    rows, late = [], []
    if release:
        ids = None
        for permission in (VIEW, DEPLOY):
            found = scope.office_ids_for(request.user, permission=permission)
            if found is None:
                ids = None
                break
            ids = (ids or set()) | found
        rows = release_deployments(release=release, office_ids=ids)
        late = [r for r in rows if not r.on_time]
    deploy_ids = scope.office_ids_for(request.user, permission=DEPLOY)
    deployable = [r.province for r in rows if deploy_ids is None or r.province.pk in deploy_ids]
    return render(
        request,
        "declarations/adoption/releases.html",
        {
            "release": release,
            "releases": PortalRelease.objects.all()[:20],
            "rows": rows,
            "late": late,
            "deployable": deployable,
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def deployment_record(request, pk):
    release = get_object_or_404(PortalRelease, pk=pk)
    form = DeploymentForm(request.POST)
    back = reverse("district:releases") + "?" + urlencode({"release": release.pk})
    if not form.is_valid():
        messages.error(request, _("DEPLOY_INVALID: choose a province and a date."))
        return redirect(back)
    province = Office.objects.filter(pk=form.cleaned_data["province"]).first()
    if province is None or not scope.may(request.user, DEPLOY, province):
        raise PermissionDenied
    try:
        release_deployment_record(
            actor=request.user,
            release=release,
            province=province,
            deployed_on=form.cleaned_data["deployed_on"],
        )
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deployment recorded."))
    return redirect(back)


def _release_from(request) -> PortalRelease | None:
    wanted = request.GET.get("release", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        return get_object_or_404(PortalRelease, pk=int(wanted))
    return current_release() or PortalRelease.objects.first()


def _office_ids_any(user, permissions) -> set[int] | None:
    """Offices reached through any of ``permissions`` (None: every office)."""
    ids: set[int] = set()
    for permission in permissions:
        found = scope.office_ids_for(user, permission=permission)
        if found is None:
            return None
        ids |= found
    return ids


@login_required
def release_results(request):
    """Báo cáo kết quả triển khai: each province's reported result, who is late or overdue;
    a province reports its own, central IT sees every province."""
    if not (request.user.has_perm(VIEW) or request.user.has_perm(DEPLOY)):
        raise PermissionDenied
    release = _release_from(request)
    report = None
    reportable = []
    chart = ""
    if release:
        report = results.release_results(
            release=release, office_ids=_office_ids_any(request.user, (VIEW, DEPLOY))
        )
        deploy_ids = scope.office_ids_for(request.user, permission=DEPLOY)
        reportable = [
            r.province for r in report.rows if deploy_ids is None or r.province.pk in deploy_ids
        ]
        chart = charts.bar_chart(
            [
                (_("Reported"), len(report.submitted)),
                (_("On time"), len(report.on_time)),
                (_("Late"), len(report.late)),
                (_("Overdue, not reported"), len(report.overdue)),
                (_("Not yet due"), len(report.pending)),
            ],
            title=_("Deployment results of release %(v)s") % {"v": release.version},
        )
    return render(
        request,
        "declarations/adoption/release_results.html",
        {
            "release": release,
            "releases": PortalRelease.objects.all()[:20],
            "report": report,
            "reportable": reportable,
            "outcomes": ReleaseResult.Outcome.choices,
            "chart": chart,
        },
    )


@require_POST
@login_required
@upload_limit(results.MAX_ATTACHMENT_BYTES + 64 * 1024)
def release_result_submit(request, pk):
    release = get_object_or_404(PortalRelease, pk=pk)
    back = reverse("district:release_results") + "?" + urlencode({"release": release.pk})
    form = ReleaseResultForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, str(Refused("RESULT_TEXT")))
        return redirect(back)
    province = Office.objects.filter(pk=form.cleaned_data["province"]).first()
    if province is None or not scope.may(request.user, DEPLOY, province):
        raise PermissionDenied
    try:
        results.release_result_submit(
            actor=request.user,
            release=release,
            province=province,
            outcome=form.cleaned_data["outcome"],
            text=form.cleaned_data["text"],
            attachment=form.cleaned_data["attachment"],
        )
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deployment result reported."))
    return redirect(back)


@login_required
def release_result_file(request, pk):
    """A result's attachment, for those who may see the province."""
    result = get_object_or_404(ReleaseResult, pk=pk)
    ids = _office_ids_any(request.user, (VIEW, DEPLOY))
    if ids is not None and result.province_id not in ids:
        raise Http404
    if not result.attachment:
        raise Http404
    return FileResponse(
        result.attachment.open("rb"),
        as_attachment=True,
        filename=os.path.basename(result.attachment.name),
    )
