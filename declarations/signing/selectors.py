"""What the signing page shows: the unit's registered signing methods."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from accounts.scope import scoped
from declarations.employers.models import EmployerChannel, RegisteredCertificate
from declarations.signing.models import RemoteSigningAccount


@dataclass
class SigningMethods:
    """The methods the unit registered: its certificates in force (signed with a USB token
    through the local signer), its remote signing accounts, and whether a trial credential
    in force lets it send without a signature."""

    certificates: list[RegisteredCertificate] = field(default_factory=list)
    remote: list[RemoteSigningAccount] = field(default_factory=list)
    trial: bool = False

    @property
    def any(self) -> bool:
        return bool(self.certificates or self.remote or self.trial)


def signing_methods(employer, *, supplement: bool = False) -> SigningMethods:
    now = timezone.now()
    certificates = list(
        RegisteredCertificate.objects.filter(
            employer=employer, replaced_at__isnull=True, not_before__lte=now, not_after__gte=now
        ).order_by("-registered_at")
    )
    in_force = {c.pk for c in certificates}
    remote = [
        r
        for r in RemoteSigningAccount.objects.filter(employer=employer).select_related(
            "certificate"
        )
        if r.certificate_id in in_force
    ]
    trial = (
        not supplement
        and employer.trial_credentials.filter(expires_on__gte=timezone.localdate()).exists()
    )
    return SigningMethods(certificates=certificates, remote=remote, trial=trial)


def remote_accounts_of(user, employer) -> list[RemoteSigningAccount]:
    """The unit's remote signing accounts as ``user`` may see them, newest first; each with
    ``in_force``: its certificate registered, not replaced and valid today."""
    now = timezone.now()
    accounts = list(
        scoped(user, RemoteSigningAccount.objects.filter(employer=employer))
        .select_related("certificate")
        .order_by("-registered_at", "-pk")
    )
    for account in accounts:
        c = account.certificate
        account.in_force = c.replaced_at is None and c.not_before <= now <= c.not_after
    return accounts


def channel_of(employer) -> EmployerChannel | None:
    """The I-VAN provider the unit transacts through (None: the portal itself)."""
    return EmployerChannel.objects.filter(employer=employer).select_related("provider").first()
