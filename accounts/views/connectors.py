"""The application administrators' list of account changes to make by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.paging import paged
from core.refusals import Refused

from .. import connectors
from .common import service_error


@login_required
def task_list(request):
    listing = paged(request, connectors.tasks_for(request.user))
    now = timezone.now()
    for change in listing.page:
        change.display_state = connectors.display_state(change, now=now)
    return render(
        request,
        "accounts/connector_tasks.html",
        {"page": listing.page, "query": listing.query, "now": now},
    )


@require_POST
@login_required
def task_done(request, pk: int):
    change = connectors.tasks_for(request.user).filter(pk=pk).first()
    if change is None:
        raise Http404
    try:
        connectors.task_done(actor=request.user, change=change)
    except Refused as refusal:
        service_error(request, refusal.validation_error())
    else:
        messages.success(request, _("Marked done."))
    return redirect("accounts:connector_tasks")
