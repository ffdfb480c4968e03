"""Users, offices, roles, memberships and the audit log."""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register


class OfficeLevel(models.TextChoices):
    CENTRAL = "central", _("Central (BHXH Việt Nam)")
    PROVINCE = "province", _("Province")
    LOCAL = "local", _("Local office")


class Office(models.Model):
    """A social-insurance office (cơ quan BHXH), effective-dated.

    Central → province → local office (BHXH quận/huyện before 2025, BHXH cơ sở after).
    A code may be reused after a renumbering, so an office is identified by its code *on a
    date*; ``successor`` links a renamed or merged office to the one that took it over.
    """

    code = models.CharField(_("code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=OfficeLevel.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent office"),
    )
    admin_code = models.CharField(
        _("administrative code"),
        max_length=5,
        blank=True,
        help_text=_("Province 2 digits, district 3, commune 5."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
    )

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["level", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="office_code_from_uniq"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="office_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.name}"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class AccountKind(models.TextChoices):
    STAFF = "staff", _("Agency staff")
    EMPLOYER = "employer", _("Employer user")
    PROVIDER = "provider", _("I-VAN provider user")
    OUTSIDE = "outside", _("Outside person or organisation")


# An outside account (tài khoản cho tổ chức, cá nhân bên ngoài) without an approved request
# is refused on every path, whatever calls ``save()``.
codes_register(
    "accounts",
    "Accounts",
    {
        "ACC-OUTSIDE-APPROVAL": _(
            "Accounts for outside persons or organisations are only created from a "
            "request approved by a VSS leader."
        ),
        "ACC-OUTSIDE-ADMIN": _("An outside account cannot be an administrator."),
    },
)


class User(AbstractUser):
    """A person who signs in: agency staff, an employer's user or an I-VAN operator."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("language"),
        max_length=5,
        choices=[("vi", "Tiếng Việt"), ("en", "English")],
        default="vi",
    )
    account_kind = models.CharField(
        _("kind of account"),
        max_length=10,
        choices=AccountKind.choices,
        default=AccountKind.STAFF,
    )
    outside_request = models.OneToOneField(
        "accounts.OutsideAccountRequest",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("approved request"),
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_reason = models.CharField(_("reason for the lock"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(account_kind="outside") | Q(outside_request__isnull=False),
                name="outside_account_needs_request",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.outside_guard()
        super().save(*args, **kwargs)

    def outside_guard(self) -> None:
        """Refuse an outside account that no approved request stands behind.

        The only way past is :func:`accounts.outside.outside_request_approve`, which
        creates the account from the approved request; an existing account cannot be
        turned into an outside one, nor an outside account into a superuser.
        """
        if self.account_kind != AccountKind.OUTSIDE:
            return
        request = self.outside_request
        if request is None or request.status != "approved":
            raise Refused("ACC-OUTSIDE-APPROVAL")
        if self.is_superuser or self.is_staff:
            raise Refused("ACC-OUTSIDE-ADMIN")
        if self.pk is not None:
            before = (
                type(self)
                .objects.filter(pk=self.pk)
                .values_list("account_kind", "outside_request_id")
            )
            row = before.first()
            if row is not None and row != (AccountKind.OUTSIDE, request.pk):
                raise Refused("ACC-OUTSIDE-APPROVAL")


class RoleScope(models.TextChoices):
    """How far a role's memberships reach (read by accounts.scope)."""

    EMPLOYER = "employer", _("Own employer")
    PROVIDER = "provider", _("Own I-VAN provider")
    OFFICE = "office", _("Own office")
    OFFICE_TREE = "office_tree", _("Own office and the offices under it")
    NATIONAL = "national", _("Every office")


class Role(models.Model):
    """A role shipped as data (fixture ``roles.json``): a group of permissions and its reach."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    group = models.OneToOneField(Group, models.PROTECT, related_name="role")
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    scope = models.CharField(_("reach"), max_length=12, choices=RoleScope.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self):
        return self.name_vi

    def natural_key(self):
        return (self.code,)

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Membership(models.Model):
    """A user holds a role at an office (employer and provider roles carry the office that
    manages them). Effective-dated so a transfer ends one and starts another."""

    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, models.PROTECT, related_name="memberships")
    office = models.ForeignKey(
        Office, models.PROTECT, related_name="memberships", null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "office", "valid_from"], name="membership_uniq"
            ),
        ]
        permissions = [
            ("transfer_closure", "May push closure records (quyền chuyển dữ liệu chốt sổ)"),
            ("view_audit", "May read the audit log"),
            ("approve_outside_account", "May approve outside accounts (lãnh đạo phê duyệt)"),
            ("manage_staff", "May manage staff accounts of the province"),
            ("replay_outbox", "May replay dead-lettered outbox messages"),
            ("receive_dossiers", "May receive and process dossiers"),
            ("manage_employers", "May manage assigned employers"),
            ("submit_dossiers", "May submit dossiers for an employer"),
            ("view_operations", "May view operations status"),
            ("request_data_extraction", "May request data extraction (đề nghị khai thác dữ liệu)"),
            ("approve_data_request", "May approve data extraction requests"),
            ("fulfil_data_request", "May fulfil approved data extraction requests"),
            ("view_account_reports", "May follow the provinces' quarterly account reports"),
        ]

    def __str__(self):
        return f"{self.user} · {self.role} · {self.office or '-'}"


class AuditEntry(models.Model):
    """One audited event (nhật ký). Entries form a SHA-256 chain: once sealed, each stores
    its place ``seq`` and the hash of the previous entry, so editing or deleting a sealed row
    breaks every link after it. Writers only insert; the sealer (``accounts.audit.seal``)
    chains committed entries a few seconds later, so no writer waits on another."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    actor_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    office = models.ForeignKey(
        Office, models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    data = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(_("place in the chain"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, null=True, blank=True)  # unique: Meta

    class Scope:
        office = "office"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["id"]
        # A constraint, not ``unique=True``: no LIKE twin of the unique index on PostgreSQL
        # (see declarations.Dossier).
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_uniq")]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.target_repr}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None


class AuditChainHead(models.Model):
    """The single row holding the chain's end: locked only by the sealer, never by writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"audit head #{self.last_id}"
