"""The signing page's messages, one per failure the script meets (the local signer's codes,
the portal's steps), in the reader's language."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


def page_texts() -> dict[str, str]:
    return {
        "signer_down": _(
            "The signing program (local signer) is not running on this computer. Start it "
            "with the command: bhxh-signer --allow-origin %(origin)s — then press "
            '"Find my certificates" again.'
        )
        % {"origin": settings.SITE_URL},
        "token_absent": _(
            "No USB token is plugged in, or it was removed. Plug the token in and try again."
        ),
        "pin_wrong": _("The token's PIN is wrong. Sign again and type the correct PIN."),
        "pin_locked": _(
            "The token's PIN is locked after too many wrong attempts. Unlock it with your "
            "CA's tool (PUK), then sign again."
        ),
        "declined": _(
            "The signing was not confirmed in the signing program (refused, or no answer in "
            "time). Nothing was sent; sign again when ready."
        ),
        "origin_refused": _(
            "The signing program does not accept requests from this portal. Start it with "
            "--allow-origin %(origin)s."
        )
        % {"origin": settings.SITE_URL},
        "busy": _(
            "The signing program is waiting for your answer to another request. Answer it, "
            "then sign again."
        ),
        "certificate_unknown": _(
            "The chosen certificate is no longer on the token. Find the certificates again."
        ),
        "signer_error": _("The signing program refused the request: %(message)s"),
        "no_certificate": _("The token holds no certificate."),
        "choose": _("Choose a certificate."),
        "unregistered": _("not registered with the agency"),
        "registered": _("registered"),
        "looking": _("Looking for the signing program…"),
        "found": _("Signing program found: %(count)s certificate(s) on the token."),
        "starting": _("Preparing the document to sign…"),
        "round1": _("Signing the forms (step 1 of 2): confirm on the signing program…"),
        "round2": _("Signing the dossier (step 2 of 2): confirm on the signing program…"),
        "remote_wait": _(
            "Approve the request in your signing app (step %(round)s of 2); this page waits…"
        ),
        "renewal": _(
            "Signing the 04/ĐK-IVAN with the new certificate: confirm on the signing program…"
        ),
        "one_form": _("Signing the form: confirm on the signing program…"),
        "remote_wait_one": _("Approve the request in your signing app; this page waits…"),
        "sending": _("Signed. Sending the dossier…"),
        "done": _("Dossier received. Opening the receipt…"),
        "network": _("The portal cannot be reached. Check the connection and try again."),
    }
