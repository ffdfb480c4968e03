"""Insured people and what the agency issued them.

Rows are appended, never rewritten: a new identity is a new :class:`PersonIdentity`, new
terms a new :class:`EmploymentSpell`. The one change a spell takes after it is written is its
end (``to_month``, ``closed_plan``, ``closed_by``), set once when a later dossier closes it;
a card's state moves forward (active → to return → returned, or replaced), each move kept as
a :class:`DocumentEvent`.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.dossiers.models import Dossier
from declarations.employers.models import Employer
from declarations.people.plans import SPELL_STATUS_LABELS

# The dossier a row came from: no index (nobody looks rows up by it) and no database
# constraint. Dossiers are never deleted (the ORM still refuses, PROTECT) and are to be
# partitioned by month, which rules out foreign keys to them; with them, a 1,000-row
# acceptance checked the same dossier 5,000 times at COMMIT.
PROVENANCE = {"db_index": False, "db_constraint": False}

# The person and the unit a registry row is about: no database constraint either. People and
# units are never deleted (the ORM refuses, PROTECT), the rows are appended in batches of up
# to thousands, and the constraints' checks at COMMIT were a fifth of a 1,000-row acceptance
# (benchmarks/README.md, issue 20). ``selectors.registry_orphans`` checks them instead, every
# night (``people.tasks.registry_integrity_check``) and on demand (``manage.py people_check``).
REGISTRY = {"db_index": False, "db_constraint": False}


class Person(models.Model):
    """Người tham gia: one per social-insurance number (mã số BHXH), also their book number."""

    number = models.CharField(_("social-insurance number"), max_length=10)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )

    class Scope:
        office = "spells__employer__managing_office"
        employer_user = "spells__employer__members__user"

    class Meta:
        verbose_name = _("insured person")
        verbose_name_plural = _("insured people")
        constraints = [models.UniqueConstraint(fields=["number"], name="person_number_uniq")]
        permissions = [("record_card_return", "May record a returned health-insurance card")]

    def __str__(self):
        return self.number


class PersonIdentity(models.Model):
    """A person's identity as one dossier declared it (TK1-TS or D02-LT); the latest counts."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="identities", **REGISTRY)
    dossier = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.CharField(_("date of birth"), max_length=10, blank=True)  # as declared
    sex = models.CharField(_("sex"), max_length=1, blank=True)  # 1 male, 0 female (D02-LT)
    citizen_id = models.CharField(_("citizen ID"), max_length=20, blank=True)
    nationality = models.CharField(_("nationality"), max_length=60, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=60, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=300, blank=True)
    contact_address = models.CharField(_("address for results"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.CharField(_("e-mail"), max_length=200, blank=True)
    household_code = models.CharField(_("household code"), max_length=20, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-id"], name="identity_person_idx"),
            # A new worker without a number is matched to a known person by citizen ID.
            models.Index(
                fields=["citizen_id"], name="identity_citizen_idx", condition=~Q(citizen_id="")
            ),
        ]

    def __str__(self):
        return self.full_name


class HouseholdMember(models.Model):
    """A member of the person's household as TK1-TS declares it (phụ lục thành viên hộ)."""

    identity = models.ForeignKey(PersonIdentity, models.CASCADE, related_name="household")
    full_name = models.CharField(_("full name"), max_length=200)
    number = models.CharField(_("social-insurance number"), max_length=10, blank=True)
    birth_date = models.CharField(_("date of birth"), max_length=10, blank=True)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    relation = models.CharField(_("relation to the head"), max_length=60, blank=True)
    citizen_id = models.CharField(_("citizen ID"), max_length=20, blank=True)

    def __str__(self):
        return self.full_name


class EmploymentSpell(models.Model):
    """A stretch of months with one unit on one set of terms (quá trình tham gia).

    ``to_month`` is the last month covered, inclusive; empty while open. A paused spell
    (maternity, sickness, unpaid leave) keeps the unit and the terms it paused with.
    """

    person = models.ForeignKey(Person, models.PROTECT, related_name="spells", **REGISTRY)
    employer = models.ForeignKey(Employer, models.PROTECT, related_name="+", **REGISTRY)
    status = models.CharField(_("status"), max_length=12, choices=list(SPELL_STATUS_LABELS.items()))
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"), null=True, blank=True)
    job = models.CharField(_("job"), max_length=200, blank=True)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    salary = models.BigIntegerField(_("salary"), default=0)
    coefficient = models.DecimalField(
        _("salary coefficient"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    allowances = models.JSONField(_("allowances"), default=dict, blank=True)
    rate = models.DecimalField(_("contribution rate"), max_digits=5, decimal_places=2, null=True)
    opened_plan = models.CharField(_("opened by plan"), max_length=2)
    opened_by = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    closed_plan = models.CharField(_("closed by plan"), max_length=2, blank=True)
    closed_by = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["from_month", "id"]
        indexes = [
            # A person's timeline.
            models.Index(fields=["person", "from_month"], name="spell_person_idx"),
            # A unit's workforce: its open spells.
            models.Index(
                fields=["employer", "person"],
                name="spell_employer_open_idx",
                condition=Q(to_month__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.person_id} {self.from_month:%m/%Y}–{self.to_month or ''}"

    @property
    def wage(self) -> int:
        return self.salary + sum(int(v) for v in (self.allowances or {}).values())


class ContributionAdjustment(models.Model):
    """An amount declared for past months without new terms (AD, SB, TT, TU, GN)."""

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="adjustments", db_constraint=False
    )
    employer = models.ForeignKey(Employer, models.PROTECT, related_name="+", **REGISTRY)
    plan = models.CharField(max_length=2)
    direction = models.CharField(max_length=8)
    from_month = models.DateField()
    to_month = models.DateField(null=True, blank=True)
    salary = models.BigIntegerField(default=0)
    rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    # A back-payment (601) knows what it owes: contributions and the late interest.
    amount_due = models.BigIntegerField(default=0)
    interest = models.BigIntegerField(default=0)
    dossier = models.ForeignKey(Dossier, models.PROTECT, related_name="+", **PROVENANCE)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.plan} {self.person_id} {self.from_month:%m/%Y}"


class InsuranceBook(models.Model):
    """Sổ BHXH: one per person, its number the person's social-insurance number."""

    person = models.OneToOneField(Person, models.PROTECT, related_name="book", db_constraint=False)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    employer = models.ForeignKey(Employer, models.PROTECT, related_name="+", **REGISTRY)
    copies = models.PositiveSmallIntegerField(_("issues"), default=1)  # re-issues add one

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return self.person.number


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    TO_RETURN = "to_return", _("To be returned")
    RETURNED = "returned", _("Returned")
    ENDED = "ended", _("Ended")
    REPLACED = "replaced", _("Replaced")


class HealthCard(models.Model):
    """Thẻ BHYT: number = object code + benefit level + province + social-insurance number.

    ``valid_to`` is the validity printed on the card (empty: while contributing);
    ``covered_to`` the last day the person is covered once a decrease ended it.
    """

    person = models.ForeignKey(Person, models.PROTECT, related_name="cards", **REGISTRY)
    employer = models.ForeignKey(Employer, models.PROTECT, related_name="+", **REGISTRY)
    number = models.CharField(_("card number"), max_length=15)
    object_code = models.CharField(_("beneficiary group"), max_length=2)
    benefit_level = models.CharField(_("benefit level"), max_length=1)
    province_code = models.CharField(_("province"), max_length=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    covered_to = models.DateField(_("covered to"), null=True, blank=True)
    hospital = models.CharField(_("first-contact hospital"), max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    return_asked_by = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    returned_at = models.DateTimeField(null=True, blank=True)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-id"], name="card_person_idx"),
            models.Index(
                fields=["employer"],
                name="card_to_return_idx",
                condition=Q(status="to_return"),
            ),
        ]

    def __str__(self):
        return self.number


class DocumentEvent(models.Model):
    """What happened to a book or card: issued, re-issued, asked back, returned, replaced."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="document_events")
    book = models.ForeignKey(
        InsuranceBook, models.CASCADE, null=True, blank=True, related_name="events"
    )
    card = models.ForeignKey(
        HealthCard, models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=16)
    at = models.DateTimeField(default=timezone.now)
    dossier = models.ForeignKey(
        Dossier, models.PROTECT, null=True, blank=True, related_name="+", **PROVENANCE
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} {self.at:%d/%m/%Y}"


class NumberSeries(models.Model):
    """The last social-insurance number handed out in a province (2 digits + 8)."""

    province_code = models.CharField(max_length=2, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.province_code}: {self.last}"
