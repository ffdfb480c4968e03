"""The credential rotation page for central IT: upload a new credential file, see which
key each office last used. Served by the portal's shell (login, upload limits) in the
demo; its record goes to the central store's own event log, never the portal's tables."""

from __future__ import annotations

import os
import tempfile

import structlog
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closure_protocol.credentials import CredentialError, credentials_parse
from core.uploads import upload_limit

from . import services
from .auth import key_ring
from .models import CentralCredential

log = structlog.get_logger(__name__)

ROTATE = "closure_sync.rotate_central_credentials"
MAX_FILE = 16 * 1024
CREDENTIALS_INVALID = gettext_lazy(
    "[central.credentials.invalid] The file is not a valid credential file: it needs a "
    "[current] section with key_id, secret (16 characters or more), valid_from and "
    "valid_until (ISO 8601), and at most 16 KB."
)


class CredentialUploadForm(forms.Form):
    credential_file = forms.FileField(label=gettext_lazy("New credential file (INI)"))
    install_client = forms.BooleanField(
        label=gettext_lazy("Also install it for this portal's push client"),
        required=False,
        initial=True,
    )


def credential_file_install(*, text: str, path: str) -> None:
    """Replace the client's credential file atomically (the client re-reads it)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".credentials-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@login_required
@upload_limit(MAX_FILE)
def credentials_rotate(request):
    if not request.user.has_perm(ROTATE):
        raise PermissionDenied
    form = CredentialUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["credential_file"]
        try:
            if upload.size > MAX_FILE:
                raise CredentialError("file too large")
            text = upload.read().decode("utf-8")
            keys = credentials_parse(text)
        except (CredentialError, UnicodeDecodeError) as exc:
            # The parser's own (English) reason goes to the log; the page gets the code.
            log.warning("central_credentials_refused", detail=str(exc)[:300])
            form.add_error("credential_file", CREDENTIALS_INVALID)
        else:
            services.credentials_rotate(keys=keys, actor=request.user.username)
            if form.cleaned_data["install_client"] and settings.CLOSURE_CREDENTIALS_FILE:
                try:
                    credential_file_install(text=text, path=settings.CLOSURE_CREDENTIALS_FILE)
                except OSError:
                    # A read-only secret mount: the file is installed by deployment.
                    messages.warning(
                        request,
                        _(
                            "The portal's credential file is read-only here; install it by deployment."
                        ),
                    )
                else:
                    services.event_record(
                        actor=request.user.username,
                        action="client_credentials_installed",
                        target=keys[0].key_id,
                    )
            messages.success(
                request, _("Key %(key)s is now the current key.") % {"key": keys[0].key_id}
            )
            return redirect("central:credentials")
    accepted = {c.key_id for c in key_ring()}
    return render(
        request,
        "central/credentials.html",
        {
            "form": form,
            "keys": CentralCredential.objects.using("central").all(),
            "accepted": accepted,
            "usage": services.key_usage(),
            "now": timezone.now(),
        },
    )
