"""The national central store (kho trung ương): closures received, keys, nonces, key usage,
audit checkpoints and its own event log.

These models live in the ``central`` database only (see ``portal.routers``).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CentralClosure(models.Model):
    """One version of one closure record as the central store holds it.

    (reference, version) is the idempotency key: a replayed push finds the row and
    answers the same receipt; a version never changes once stored.
    """

    reference = models.CharField(_("closure reference"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    office_code = models.CharField(_("office code"), max_length=12, db_index=True)
    unit_code = models.CharField(_("unit code"), max_length=20)
    book_number = models.CharField(_("book number"), max_length=20)
    si_number = models.CharField(_("social-insurance number"), max_length=20)
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("birth date"), null=True)
    kind = models.CharField(_("kind"), max_length=8)
    confirmed_on = models.DateField(_("confirmation date"))
    confirmed_by = models.CharField(_("confirming officer"), max_length=150, blank=True)
    periods = models.JSONField(_("periods"), default=list)
    digest = models.CharField(max_length=64)
    receipt = models.CharField(_("receipt"), max_length=40, unique=True)
    key_id = models.CharField(_("key id"), max_length=60, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("central closure")
        verbose_name_plural = _("central closures")
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "version"], name="central_ref_version_uniq"
            )
        ]
        indexes = [
            # In the lookup's order: one index scan answers "this book, newest first",
            # whatever the planner's statistics say (a stale plan walked
            # central_confirmed_idx backwards through the whole table).
            models.Index(
                fields=["book_number", "-confirmed_on", "reference", "-version"],
                name="central_book_idx",
            ),
            models.Index(fields=["si_number"], name="central_si_idx"),
            models.Index(fields=["unit_code", "confirmed_on"], name="central_unit_idx"),
            models.Index(fields=["confirmed_on"], name="central_confirmed_idx"),
        ]

    def __str__(self):
        return f"{self.reference} v{self.version}"


class CentralCredential(models.Model):
    """A shared key the IT center issued (uploaded on the rotation page)."""

    key_id = models.CharField(_("key id"), max_length=60, unique=True)
    secret = models.CharField(_("secret"), max_length=200)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.CharField(_("uploaded by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("central credential")
        verbose_name_plural = _("central credentials")
        ordering = ["-valid_from"]

    def __str__(self):
        return self.key_id


class CentralNonce(models.Model):
    """A nonce already seen with a key: a second request carrying it is a replay."""

    key_id = models.CharField(max_length=60)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="central_nonce_uniq")
        ]

    def __str__(self):
        return f"{self.key_id}:{self.nonce}"


class CentralKeyUsage(models.Model):
    """Which key an office's records last arrived with (for the rotation page)."""

    office_code = models.CharField(_("office code"), max_length=12, unique=True)
    key_id = models.CharField(_("key id"), max_length=60)
    last_used_at = models.DateTimeField(_("last used at"))

    class Meta:
        ordering = ["office_code"]

    def __str__(self):
        return f"{self.office_code}: {self.key_id}"


class CentralAuditCheckpoint(models.Model):
    """A signed checkpoint of a portal's audit chain (its head hash and entry count).

    Write-once: a second POST of the same (source, seq) answers the stored one, and one
    with another hash is refused. So whoever can rewrite the portal's database cannot
    rewrite what the portal had already told the central store.
    """

    source = models.CharField(_("source"), max_length=60)
    seq = models.BigIntegerField(_("entries in the chain"))
    hash = models.CharField(_("head hash"), max_length=64)
    at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("signing key id"), max_length=64)
    signature = models.CharField(max_length=200)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    sent_with_key = models.CharField(_("request key id"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["source", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["source", "seq"], name="central_checkpoint_uniq")
        ]

    def __str__(self):
        return f"{self.source} #{self.seq}"


class CentralEvent(models.Model):
    """The central store's own audit log of its administrators' actions (a key rotation…).

    Kept in the central database: the central store is another party and writes nothing
    into the portal's audit log. The actor is a user name, as users live in the portal.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=60)
    target = models.CharField(_("target"), max_length=60, blank=True)
    data = models.JSONField(_("data"), default=dict)

    class Meta:
        verbose_name = _("central event")
        verbose_name_plural = _("central events")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"
