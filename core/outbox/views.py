"""Staff pages for dead-lettered outbox messages."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import OutboxMessage, OutboxState
from .services import outbox_replay


@permission_required("accounts.replay_outbox", raise_exception=True)
def dead_letters(request):
    page = Paginator(
        OutboxMessage.objects.filter(state=OutboxState.DEAD).order_by("-id"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "outbox/dead_letters.html", {"page": page})


@require_POST
@permission_required("accounts.replay_outbox", raise_exception=True)
def replay(request, pk):
    message = get_object_or_404(OutboxMessage, pk=pk, state=OutboxState.DEAD)
    outbox_replay(actor=request.user, message=message)
    messages.success(request, _("Message %(key)s queued again.") % {"key": message.key})
    return redirect("outbox:dead")
