"""Why a signing session was refused, as stable codes with a translated message (the page
shows the message; the JSON endpoints answer ``{code, message}``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register

codes_register(
    "signing",
    "Signing in the portal (hash-then-sign)",
    {
        "signing.document_invalid": _(
            "The file is not an unsigned dossier envelope (Hoso) the portal can sign: {detail}"
        ),
        "signing.document_foreign": _(
            "The dossier is for unit {value}, not for your unit; it cannot be signed here."
        ),
        "signing.session_unknown": _("This signing session does not exist or is not yours."),
        "signing.session_expired": _(
            "The signing session has expired. Start signing again: nothing was sent."
        ),
        "signing.session_used": _(
            "This signing session is already used; a session signs one dossier once."
        ),
        "signing.session_state": _(
            "The signing session is not waiting for this step; start signing again."
        ),
        "signing.method_unavailable": _(
            "This signing method is not registered for your unit: {value}."
        ),
        "signing.certificate_unregistered": _(
            "The chosen certificate is not your unit's registered certificate. Choose the "
            "certificate registered with the agency, or register this one first."
        ),
        "signing.certificate_replaced": _(
            "The chosen certificate was replaced on {date}; sign with the certificate in force."
        ),
        "signing.certificate_invalid": _(
            "The chosen certificate is not valid now (valid {start} – {end})."
        ),
        "signing.signature_missing": _(
            "The signer did not return a signature for every part of the dossier ({detail})."
        ),
        "signing.signature_invalid": _(
            "A signature returned by the signer does not match the document prepared for "
            "signing, or was not made with the chosen certificate; nothing was stored."
        ),
        "signing.document_changed": _(
            "The document changed while it was being signed; start signing again."
        ),
    },
    intro=(
        "The portal prepares each SignedInfo and hands out only its SHA-256; the signer's "
        "values are verified against the session's digests before anything is assembled."
    ),
)


class SigningRefused(Refused):
    """A signing session's step refused; nothing of it was stored."""
