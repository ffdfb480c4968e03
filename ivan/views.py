"""Pages of the I-VAN app: the public list of providers, and central IT's pages that issue
API clients (the secret shown once, stored hashed), rotate and revoke their secrets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page, never_cache

from core.refusals import Refused
from ivan import services
from ivan.forms import ClientCreateForm, SecretRotateForm
from ivan.models import ClientSecret
from ivan.selectors import api_clients, providers_under_contract

MANAGE_CLIENTS = "ivan.manage_api_clients"


@cache_page(300)
def provider_list(request):
    """The providers currently under contract, published without login."""
    return render(
        request,
        "ivan/provider_list.html",
        {"providers": providers_under_contract().prefetch_related("contracts")},
    )


def _require_manager(user) -> None:
    if not user.has_perm(MANAGE_CLIENTS):
        raise PermissionDenied


def _issued(request, issued, *, created: bool):
    """The one page that shows a secret; never cached, never stored."""
    return render(
        request,
        "ivan/client_secret.html",
        {"issued": issued, "client": issued.client, "created": created},
    )


@never_cache
@login_required
def clients_page(request):
    """Every API client; issue a new one (sandbox or live)."""
    _require_manager(request.user)
    form = ClientCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.api_client_create(
                actor=request.user,
                provider=data["provider"],
                scopes=data["scopes"],
                sandbox=data["sandbox"],
                label=data["label"],
            )
        except Refused as refusal:
            form.add_error(None, f"[{refusal.code}] {refusal.message}")
        else:
            return _issued(request, issued, created=True)
    return render(
        request,
        "ivan/clients.html",
        {"form": form, "clients": api_clients(), "now": timezone.now()},
    )


@never_cache
@login_required
def client_page(request, pk: int):
    """One client: its secrets; rotate (a second live secret) or revoke one."""
    _require_manager(request.user)
    client = get_object_or_404(api_clients(), pk=pk)
    form = SecretRotateForm(request.POST if request.POST.get("action") == "rotate" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                secret = get_object_or_404(
                    ClientSecret, pk=request.POST.get("secret"), client=client
                )
                services.client_secret_revoke(actor=request.user, secret=secret)
                messages.success(request, _("The secret was revoked."))
                return redirect("ivan:client", pk=client.pk)
            if form.is_valid():
                issued = services.client_secret_rotate(
                    actor=request.user,
                    client=client,
                    old_expires_at=form.cleaned_data["old_expires_at"],
                    label=form.cleaned_data["label"],
                )
                return _issued(request, issued, created=False)
        except Refused as refusal:
            form.add_error(None, f"[{refusal.code}] {refusal.message}")
    return render(
        request,
        "ivan/client.html",
        {"client": client, "form": form, "secrets": client.secrets.all(), "now": timezone.now()},
    )
