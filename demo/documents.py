"""The demo's notices signed once the agency's token exists: ``seed_demo`` runs before
``agency_token`` (the token's certificate comes from the demo CA the seed writes), so the
documents of the notices it seeds are issued unsigned; ``demo_documents_sign`` signs them
afterwards, keeping their verification codes (the seed's e-mails carry them)."""

from __future__ import annotations

from core.agency_signing import agency_signer_configured
from declarations.dossiers.models import IssuedDocument
from declarations.dossiers.notices import notice_document_sign_unsigned


def demo_documents_sign() -> int:
    """Sign every notice's document issued unsigned; how many were signed (none without a
    configured token)."""
    if not agency_signer_configured():
        return 0
    unsigned = IssuedDocument.objects.filter(signed=False, notice__isnull=False).select_related(
        "office", "notice__dossier__employer", "notice__dossier__office"
    )
    return sum(notice_document_sign_unsigned(document) for document in unsigned.order_by("pk"))
