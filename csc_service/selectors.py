"""Reads of the signing service: an account's credentials, the requests awaiting an answer."""

from __future__ import annotations

from django.utils import timezone

from .models import AuthorizationState, CscAccount, CscAuthorization, CscCredential


def credentials_of(*, username: str, only_valid: bool = False) -> list[CscCredential]:
    rows = CscCredential.objects.filter(account__username=username).order_by("credential_id")
    if only_valid:
        rows = rows.filter(enabled=True)
    return list(rows)


def authorizations_pending(*, account: CscAccount) -> list[CscAuthorization]:
    """What the holder still has to approve or refuse (newest first), overdue ones left out."""
    return list(
        CscAuthorization.objects.select_related("client", "credential")
        .filter(
            credential__account=account,
            state=AuthorizationState.PENDING,
            answer_by__gt=timezone.now(),
        )
        .order_by("-created_at")[:50]
    )


def authorization_of(*, account: CscAccount, handle: str) -> CscAuthorization | None:
    return (
        CscAuthorization.objects.select_related("client", "credential")
        .filter(handle=handle, credential__account=account)
        .first()
    )
