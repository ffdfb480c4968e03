"""The working-day calendar of the review time limits (thời hạn giải quyết).

Public holidays (ngày nghỉ lễ, Tết) and make-up working days (ngày làm bù) are data,
seeded from the ``holidays`` package's Vietnam calendar and editable in the admin; the time
limit of each procedure, in working days, is data with an effective date.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day (weekend worked)")


class CalendarSource(models.TextChoices):
    SEEDED = "seeded", _("Seeded from the Vietnam holiday calendar")
    MANUAL = "manual", _("Entered by an administrator")


class PublicHoliday(models.Model):
    """A day the offices do not work (a holiday), or a weekend day they do (làm bù)."""

    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CalendarDayKind.choices, default=CalendarDayKind.HOLIDAY
    )
    source = models.CharField(
        _("source"), max_length=10, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )

    class Meta:
        db_table = "declarations_publicholiday"  # the table from before the split
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.name}"


class ProcedureTimeLimit(models.Model):
    """How many working days the office has to settle a procedure (effective-dated).

    ``case`` distinguishes variants of one procedure, e.g. a book re-issue needing another
    province's verification (45 days instead of 10). Zero means the same working day.
    """

    procedure_code = models.CharField(_("procedure code (mã thủ tục)"), max_length=10)
    case = models.SlugField(_("case"), max_length=40, blank=True, default="")
    label = models.CharField(_("label"), max_length=200)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        db_table = "declarations_proceduretimelimit"  # the table from before the split
        verbose_name = _("procedure time limit")
        verbose_name_plural = _("procedure time limits")
        ordering = ["procedure_code", "case", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_code", "case", "valid_from"], name="time_limit_uniq"
            )
        ]

    def __str__(self):
        case = f" ({self.case})" if self.case else ""
        return f"{self.procedure_code}{case}: {self.working_days}"
