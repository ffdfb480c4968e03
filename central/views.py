"""The credential rotation page for central IT: upload a new credential file, see which
key each office last used."""

from __future__ import annotations

import os
import tempfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from portal.uploads import upload_limit

from . import services
from .auth import key_ring
from .credentials import CredentialError, credentials_parse
from .models import CentralCredential

ROTATE = "closure_sync.rotate_central_credentials"
MAX_FILE = 16 * 1024


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
            form.add_error("credential_file", f"[central.credentials.invalid] {exc}")
        else:
            for cred in reversed(keys):  # previous first, so current ends up newest
                services.credential_register(credential=cred, uploaded_by=request.user.username)
            installed = False
            if form.cleaned_data["install_client"] and settings.CLOSURE_CREDENTIALS_FILE:
                try:
                    credential_file_install(text=text, path=settings.CLOSURE_CREDENTIALS_FILE)
                    installed = True
                except OSError:
                    # A read-only secret mount: the file is installed by deployment.
                    messages.warning(
                        request,
                        _(
                            "The portal's credential file is read-only here; install it by deployment."
                        ),
                    )
            with transaction.atomic():
                audit.record(
                    request.user,
                    "central.credentials_rotated",
                    keys[0].key_id,
                    None,
                    {
                        "keys": [
                            {
                                "key_id": k.key_id,
                                "valid_from": k.valid_from.isoformat(),
                                "valid_until": k.valid_until.isoformat(),
                            }
                            for k in keys
                        ],
                        "installed_for_client": installed,
                    },
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
