"""The monthly statement (C12-TS) as stored at month end, and the retained-share rule.

A draft is never stored: it is computed live from the spells, adjustments and payments
(``compute.py``). At month end the beat job stores a :class:`Statement` per unit, its figures
frozen, and issues it as an agency-signed notice; the next month's brought-forward section
reads the debts this snapshot carried forward."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.employers.models import Employer


class FiguresEncoder(DjangoJSONEncoder):
    """JSON with its letters as they are: the rows Đ.1–Đ.3 escaped as ``\\u0110`` cost a
    regular-expression pass per backslash when the batch inserts the snapshots
    (benchmarks/statements.py)."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class RetainedShareRule(models.Model):
    """The share of the salary fund a unit keeps to pay sickness and maternity benefits
    itself (số tiền 2 % để lại đơn vị), in force from ``valid_from`` to ``valid_to``: data,
    not code. The kept amount is ``percent`` of the unit's social-insurance salary fund of
    the month and lowers what the unit transfers (docs/statements.md)."""

    percent = models.DecimalField(_("percent of the salary fund"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.percent}% {self.valid_from}–{self.valid_to or ''}"


class Statement(models.Model):
    """Thông báo kết quả đóng (C12-TS) of one unit for one month, final (stored at month
    end). ``figures`` is what ``compute.statement_compute`` returned, drill-down included."""

    employer = models.ForeignKey(Employer, models.PROTECT, related_name="+", db_constraint=False)
    month = models.DateField(_("month"))  # the first day of the month
    figures = models.JSONField(_("figures"), encoder=FiguresEncoder)
    final = models.BooleanField(_("final"), default=True)
    computed_at = models.DateTimeField(default=timezone.now)
    # The agency-signed notice (dossiers' IssuedDocument), once issued.
    document_id = models.BigIntegerField(null=True, blank=True)
    document_number = models.CharField(_("notice number"), max_length=40, blank=True)

    class Scope:
        office = "employer__managing_office"
        employer_user = "employer__members__user"

    class Meta:
        ordering = ["-month", "employer_id"]
        permissions = [
            ("view_statement_summary", "May see office and province statement summaries"),
        ]
        indexes = [models.Index(fields=["month"], name="statement_month_idx")]
        constraints = [
            # Finalising twice stores one statement.
            models.UniqueConstraint(fields=["employer", "month"], name="statement_once")
        ]

    def __str__(self):
        return f"C12-TS {self.employer_id} {self.month:%m/%Y}"
