"""The audit viewer (xem nhật ký): filters, .xlsx export, chain and checkpoint status."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import audit, audit_checkpoints, audit_log, exports, scope
from ..audit_labels import action_label
from ..forms import AuditFilterForm
from ..models import Office
from .common import needs

VIEW_AUDIT = audit_log.VIEW_AUDIT
EXPORT_LIMIT = 50_000


def _filters(request) -> tuple[AuditFilterForm, audit_log.AuditFilter]:
    form = AuditFilterForm(request.GET or None)
    if not form.is_valid():
        return form, audit_log.AuditFilter()
    data = form.cleaned_data
    office = None
    if data["office"]:
        office = scope.offices_for(request.user, permission=VIEW_AUDIT).filter(
            code=data["office"].strip()
        ).order_by("-valid_from").first() or Office(pk=0)
    return form, audit_log.AuditFilter(
        actor=data["actor"].strip(),
        action=data["action"].strip(),
        office=office,
        application=data["application"].code if data["application"] else "",
        date_from=data["date_from"],
        date_to=data["date_to"],
    )


@needs(VIEW_AUDIT)
def audit_list(request):
    form, filters = _filters(request)
    entries = audit_log.audit_entries(request.user, filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:  # the page's rows are loaded once; the template reads them again
        entry.action_label = action_label(entry.action)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status": audit_log.chain_status(),
            "checkpoint": audit_checkpoints.checkpoint_last(),
            "actions": [(code, action_label(code)) for code in audit_log.audit_actions()],
        },
    )


@needs(VIEW_AUDIT)
def audit_export(request):
    _form, filters = _filters(request)
    entries = audit_log.audit_entries(request.user, filters)[:EXPORT_LIMIT]
    body = exports.audit_xlsx(entries)
    audit.record(
        request.user, "audit.exported", "audit log", None, {"query": request.GET.urlencode()}
    )
    response = HttpResponse(body, content_type=exports.XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{stamp}.xlsx"'
    return response


@require_POST
@needs(VIEW_AUDIT)
def audit_verify(request):
    """Run the chain and checkpoint check now (whoever reads the log; audited). The chain
    is one for every office: the check reads no entry's content to the asker, it answers
    intact, or the number of the first entry that does not match."""
    result = audit_log.chain_check_run(actor=request.user)
    if result.ok:
        messages.success(request, _("Audit chain intact."))
    elif result.broken_id is not None:
        messages.error(
            request, _("Audit chain broken at entry #%(id)s.") % {"id": result.broken_id}
        )
    else:
        messages.error(
            request,
            _("The audit chain contradicts checkpoint #%(seq)s.")
            % {"seq": result.checkpoint_seq or "—"},
        )
    return redirect("accounts:audit")
