"""The national consolidated quarterly account report (tổng hợp báo cáo tài khoản) for
central IT: per province and per business application, the accounts added, locked,
changed and the outside accounts among those added, read from the provinces' submitted
reports (their figures are frozen at submission), and the provinces overdue.

Three queries whatever the number of provinces: the provinces in force, the quarter's
reports, and the kinds of the accounts the reports name (outside or staff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import reports
from .models import AccountKind, AccountReport, Office, User
from .reports import ReportState

# A person counts as "locked" in an application when the portal locked the account in the
# quarter; every other change (rights ended, moved, account reopened) counts as "changed".
LOCK_ACTIONS = frozenset({"account.locked"})
FIGURES = ("added", "locked", "changed", "outside")
# The same words as the reports' pages (accounts/_report_state.html).
STATE_LABELS = {
    ReportState.RUNNING: _("Quarter in progress"),
    ReportState.OPEN: _("To submit"),
    ReportState.REMINDER: _("Due soon"),
    ReportState.OVERDUE: _("Overdue"),
    ReportState.SUBMITTED: _("Submitted"),
    ReportState.SUBMITTED_LATE: _("Submitted late"),
}


@dataclass
class Counts:
    added: int = 0
    locked: int = 0
    changed: int = 0
    outside: int = 0

    def add(self, other: Counts) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_list(self) -> list[int]:
        return [getattr(self, name) for name in FIGURES]


@dataclass
class Application:
    code: str
    name_vi: str
    name_en: str

    @property
    def name(self) -> str:
        """In the reader's language (Vietnamese first)."""
        english = (translation.get_language() or "").startswith("en")
        return (self.name_en if english else "") or self.name_vi


@dataclass
class ProvinceRow:
    """One province: its report's state and, when submitted, its figures per application."""

    province: Office
    state: ReportState
    submitted_at: object = None
    per_app: dict[str, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)
    # (application, counts) for every application of the report, zeros included.
    cells: list[tuple[Application, Counts]] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def overdue(self) -> bool:
        return self.state == ReportState.OVERDUE

    @property
    def late(self) -> bool:
        return self.state == ReportState.SUBMITTED_LATE

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class NationalReport:
    year: int
    quarter: int
    due: date
    on: date
    applications: list[Application]
    rows: list[ProvinceRow]
    per_app: dict[str, Counts]
    total: Counts

    @property
    def overdue(self) -> list[ProvinceRow]:
        """Provinces with no report submitted and the due date passed."""
        return [r for r in self.rows if r.overdue]

    @property
    def late(self) -> list[ProvinceRow]:
        return [r for r in self.rows if r.late]

    @property
    def submitted(self) -> list[ProvinceRow]:
        return [r for r in self.rows if r.submitted]

    @property
    def app_totals(self) -> list[tuple[Application, Counts]]:
        return [(app, self.per_app[app.code]) for app in self.applications]


def _app_counts(app: dict, outside_usernames: set[str]) -> Counts:
    counts = Counts(added=len(app.get("added", ())))
    counts.outside = sum(1 for who in app.get("added", ()) if who["username"] in outside_usernames)
    for who in app.get("changed", ()):
        if LOCK_ACTIONS.intersection(who.get("actions", ())):
            counts.locked += 1
        else:
            counts.changed += 1
    return counts


def national_report(*, year: int, quarter: int, today: date | None = None) -> NationalReport:
    """The consolidated report of the quarter, from every submitted province report."""
    today = today or timezone.localdate()
    end = reports.quarter_bounds(year, quarter)[1]
    provinces = list(reports.provinces_on(end).order_by("code"))
    submitted = {
        r.province_id: r
        for r in AccountReport.objects.filter(
            year=year, quarter=quarter, submitted_at__isnull=False
        ).only("province_id", "figures", "submitted_at")
    }
    usernames = {
        who["username"]
        for r in submitted.values()
        for app in r.figures.get("applications", ())
        for who in app.get("added", ())
    }
    outside = set(
        User.objects.filter(username__in=usernames, account_kind=AccountKind.OUTSIDE).values_list(
            "username", flat=True
        )
    )
    applications: dict[str, Application] = {}
    per_app: dict[str, Counts] = {}
    total = Counts()
    rows = []
    for province in provinces:
        report = submitted.get(province.pk)
        row = ProvinceRow(
            province=province,
            state=reports.report_state(
                year=year,
                quarter=quarter,
                submitted_at=report.submitted_at if report else None,
                today=today,
            ),
            submitted_at=report.submitted_at if report else None,
        )
        for app in report.figures.get("applications", ()) if report else ():
            applications.setdefault(
                app["code"], Application(app["code"], app["name_vi"], app["name_en"])
            )
            counts = _app_counts(app, outside)
            row.per_app[app["code"]] = counts
            row.total.add(counts)
            per_app.setdefault(app["code"], Counts()).add(counts)
        total.add(row.total)
        rows.append(row)
    ordered = sorted(applications.values(), key=lambda a: a.code)
    for row in rows:
        if row.submitted:
            row.cells = [(app, row.per_app.get(app.code, Counts())) for app in ordered]
    return NationalReport(
        year=year,
        quarter=quarter,
        due=reports.due_before(year, quarter),
        on=today,
        applications=ordered,
        rows=rows,
        per_app=per_app,
        total=total,
    )
