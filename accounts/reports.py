"""Quarterly account reports (báo cáo tài khoản hằng quý).

Each province reports, per business application, the accounts added and the accounts
locked or changed in the quarter, computed from the audit log; its first report also lists
every existing account. Due before the 10th of the first month of the next quarter: a
reminder goes out before, the report is flagged overdue after; submission to central IT is
recorded and freezes the figures.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox.services import outbox_enqueue

from . import audit, connectors, scope
from .models import (
    AccountKind,
    AccountReport,
    ApplicationGrant,
    AuditEntry,
    BusinessApplication,
    Membership,
    Office,
    OfficeLevel,
    RoleScope,
    User,
)

MANAGE_STAFF = "accounts.manage_staff"
VIEW_REPORTS = "accounts.view_account_reports"
ADDED_ACTIONS = frozenset({"application.granted"})
CHANGED_ACTIONS = frozenset(
    {"account.locked", "account.reactivated", "application.ended", "rights.transferred"}
)


# --- quarters and due dates -------------------------------------------------------------------
def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of the quarter."""
    start = date(year, 3 * quarter - 2, 1)
    nxt = next_quarter(year, quarter)
    return start, date(nxt[0], 3 * nxt[1] - 2, 1) - timedelta(days=1)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def previous_quarter(day: date) -> tuple[int, int]:
    """The last quarter that has ended on ``day``."""
    year, quarter = quarter_of(day)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def due_before(year: int, quarter: int) -> date:
    """The report must reach central IT before this day: the 10th of the first month of
    the next quarter."""
    ny, nq = next_quarter(year, quarter)
    return date(ny, 3 * nq - 2, settings.ACCOUNT_REPORT_DUE_DAY)


class ReportState(enum.StrEnum):
    RUNNING = "running"  # the quarter has not ended
    OPEN = "open"  # ended, due date not near
    REMINDER = "reminder"  # within the reminder window before the due date
    OVERDUE = "overdue"  # the due date has come, not submitted
    SUBMITTED = "submitted"
    SUBMITTED_LATE = "submitted_late"


def report_state(*, year: int, quarter: int, submitted_at=None, today: date | None = None):
    """Where a province's report stands on ``today``."""
    today = today or timezone.localdate()
    due = due_before(year, quarter)
    if submitted_at is not None:
        on = timezone.localtime(submitted_at).date()
        return ReportState.SUBMITTED if on < due else ReportState.SUBMITTED_LATE
    if today <= quarter_bounds(year, quarter)[1]:
        return ReportState.RUNNING
    if today >= due:
        return ReportState.OVERDUE
    if today >= due - timedelta(days=settings.ACCOUNT_REPORT_REMINDER_DAYS):
        return ReportState.REMINDER
    return ReportState.OPEN


# --- figures --------------------------------------------------------------------------------
def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _is_first(province: Office, year: int, quarter: int) -> bool:
    earlier = AccountReport.objects.filter(province=province, submitted_at__isnull=False).filter(
        Q(year__lt=year) | Q(year=year, quarter__lt=quarter)
    )
    return not earlier.exists()


def report_compute(*, province: Office, year: int, quarter: int) -> dict:
    """The report's figures, from the audit log of the quarter and the province's offices."""
    start, end = quarter_bounds(year, quarter)
    ids = scope.offices_under(province)
    entries = (
        AuditEntry.objects.filter(
            at__gte=_local_midnight(start), at__lt=_local_midnight(end + timedelta(days=1))
        )
        .filter(action__in=ADDED_ACTIONS | CHANGED_ACTIONS)
        .filter(Q(office_id__in=ids) | Q(data__to_office__in=sorted(ids)))
        .order_by("id")
        # A quarter holds thousands of entries: three columns, no model instances.
        .values_list("action", "target_repr", "data")
    )
    per_app: dict[str, dict] = {}
    for action, target_repr, data in entries:
        apps = data.get("applications") or [data.get("application")]
        who = {"username": data.get("username", ""), "name": target_repr}
        for code in filter(None, apps):
            bucket = per_app.setdefault(code, {"added": {}, "changed": {}})
            if action in ADDED_ACTIONS:
                bucket["added"].setdefault(who["username"], who)
            else:
                row = bucket["changed"].setdefault(who["username"], {**who, "actions": []})
                if action not in row["actions"]:
                    row["actions"].append(action)
    applications = []
    for app in BusinessApplication.objects.all():
        bucket = per_app.get(app.code, {"added": {}, "changed": {}})
        applications.append(
            {
                "code": app.code,
                "name_vi": app.name_vi,
                "name_en": app.name_en,
                "added": sorted(bucket["added"].values(), key=lambda r: r["username"]),
                "changed": sorted(bucket["changed"].values(), key=lambda r: r["username"]),
            }
        )
    first = _is_first(province, year, quarter)
    figures = {
        "province": {"code": province.code, "name": province.name},
        "year": year,
        "quarter": quarter,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "first": first,
        "applications": applications,
        "totals": {
            "added": sum(len(a["added"]) for a in applications),
            "changed": sum(len(a["changed"]) for a in applications),
        },
        "existing": _existing_accounts(ids, end) if first else [],
        # Each application's account of each person locked or changed, as its connector
        # confirmed it (frozen with the rest when the report is submitted).
        "connectors": connectors.report_rows(office_ids=ids, start=start, end=end),
    }
    return figures


def _existing_accounts(office_ids: set[int], on: date) -> list[dict]:
    """Every agency account at the province's offices on ``on`` (first report): whoever
    holds a role there or rights in an application there, with those applications (none
    for an account that only holds a role). Employers' and I-VAN providers' users are not
    the agency's accounts."""
    rows: dict[int, dict] = {}
    kinds = [AccountKind.STAFF, AccountKind.OUTSIDE]

    def row_for(user, office) -> dict:
        return rows.setdefault(
            user.pk,
            {
                "username": user.username,
                "name": str(user),
                "office": office.code,
                "kind": user.account_kind,
                "active": user.is_active,
                "applications": [],
            },
        )

    memberships = (
        Membership.objects.active(on)
        .filter(office_id__in=office_ids, user__account_kind__in=kinds)
        .exclude(role__scope__in=[RoleScope.EMPLOYER, RoleScope.PROVIDER])
        .select_related("user", "office")
        .order_by("valid_from", "id")
    )
    for membership in memberships:
        row_for(membership.user, membership.office)
    grants = (
        ApplicationGrant.objects.active(on)
        .filter(office_id__in=office_ids, user__account_kind__in=kinds)
        .select_related("user", "office")
        .order_by("user__username", "application_id")
    )
    for grant in grants:
        row = row_for(grant.user, grant.office)
        if grant.application_id not in row["applications"]:
            row["applications"].append(grant.application_id)
    return sorted(rows.values(), key=lambda r: r["username"])


def provinces_on(day: date):
    return Office.objects.filter(level=OfficeLevel.PROVINCE, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


@transaction.atomic
def report_get(*, province: Office, year: int, quarter: int) -> AccountReport:
    """The province's report for the quarter, figures refreshed until it is submitted."""
    if province.level != OfficeLevel.PROVINCE:
        raise ValidationError(_("Reports are made per province."), code="ACC-REPORT-PROVINCE")
    if quarter not in (1, 2, 3, 4):
        raise ValidationError(_("There is no such quarter."), code="ACC-REPORT-QUARTER")
    report, _created = AccountReport.objects.select_for_update().get_or_create(
        province=province, year=year, quarter=quarter
    )
    if report.submitted_at is None:
        report.figures = report_compute(province=province, year=year, quarter=quarter)
        report.is_first = report.figures["first"]
        report.computed_at = timezone.now()
        report.save(update_fields=["figures", "is_first", "computed_at"])
    return report


@transaction.atomic
def report_submit(*, actor: User, report: AccountReport) -> AccountReport:
    """Submit the report to central IT (gửi báo cáo): figures frozen, submission recorded."""
    report = AccountReport.objects.select_for_update().get(pk=report.pk)
    if not scope.may(actor, MANAGE_STAFF, report.province):
        raise ValidationError(_("This province is not yours."), code="ACC-REPORT-SCOPE")
    if report.submitted_at is not None:
        raise ValidationError(_("This report was already submitted."), code="ACC-REPORT-DONE")
    if timezone.localdate() <= quarter_bounds(report.year, report.quarter)[1]:
        raise ValidationError(_("The quarter has not ended yet."), code="ACC-REPORT-EARLY")
    report = report_get(province=report.province, year=report.year, quarter=report.quarter)
    report = AccountReport.objects.select_for_update().get(pk=report.pk)
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.save(update_fields=["submitted_at", "submitted_by"])
    state = report_state(year=report.year, quarter=report.quarter, submitted_at=report.submitted_at)
    audit.record(
        actor,
        "report.submitted",
        report,
        report.province,
        {
            "year": report.year,
            "quarter": report.quarter,
            "totals": report.figures.get("totals", {}),
            "late": state == ReportState.SUBMITTED_LATE,
        },
    )
    emails = _emails_with(VIEW_REPORTS)
    if emails:
        outbox_enqueue(
            kind="email",
            key=f"account-report-submitted-{report.pk}",
            payload={
                "to": emails,
                "subject": _("Quarterly account report submitted: %(report)s")
                % {"report": str(report)},
                "body": _("%(province)s submitted its account report for Q%(q)s/%(y)s.")
                % {"province": report.province.name, "q": report.quarter, "y": report.year},
            },
        )
    return report


def _emails_with(permission: str, office: Office | None = None) -> list[str]:
    codename = permission.partition(".")[2]
    memberships = Membership.objects.active().filter(
        role__group__permissions__codename=codename, user__is_active=True
    )
    if office is not None:
        memberships = memberships.filter(office=office)
    return sorted(set(memberships.exclude(user__email="").values_list("user__email", flat=True)))


def reports_remind(*, today: date | None = None) -> dict:
    """The daily beat job: remind provinces before the due date, flag them after it."""
    today = today or timezone.localdate()
    year, quarter = previous_quarter(today)
    state = report_state(year=year, quarter=quarter, today=today)
    done = {"reminded": 0, "overdue": 0}
    if state not in (ReportState.REMINDER, ReportState.OVERDUE):
        return done
    end = quarter_bounds(year, quarter)[1]
    for province in provinces_on(end):
        with transaction.atomic():
            report, _created = AccountReport.objects.select_for_update().get_or_create(
                province=province, year=year, quarter=quarter
            )
            if report.submitted_at is not None:
                continue
            if state == ReportState.REMINDER and report.reminder_sent_at is None:
                report.reminder_sent_at = timezone.now()
                report.save(update_fields=["reminder_sent_at"])
                audit.record(
                    None, "report.reminded", report, province, {"due": due_before(year, quarter)}
                )
                emails = _emails_with(MANAGE_STAFF, province)
                if emails:
                    outbox_enqueue(
                        kind="email",
                        key=f"account-report-reminder-{report.pk}",
                        payload={
                            "to": emails,
                            "subject": _("Reminder: quarterly account report due"),
                            "body": _("The account report for Q%(q)s/%(y)s is due before %(due)s.")
                            % {
                                "q": quarter,
                                "y": year,
                                "due": due_before(year, quarter).strftime("%d/%m/%Y"),
                            },
                        },
                    )
                done["reminded"] += 1
            elif state == ReportState.OVERDUE and report.overdue_flagged_at is None:
                report.overdue_flagged_at = timezone.now()
                report.save(update_fields=["overdue_flagged_at"])
                audit.record(
                    None, "report.overdue", report, province, {"due": due_before(year, quarter)}
                )
                done["overdue"] += 1
    if done["overdue"]:
        emails = _emails_with(VIEW_REPORTS)
        if emails:
            outbox_enqueue(
                kind="email",
                key=f"account-report-overdue-{year}-{quarter}-{today.isoformat()}",
                payload={
                    "to": emails,
                    "subject": _("Quarterly account reports overdue"),
                    "body": _("%(n)s provinces have not submitted their report for Q%(q)s/%(y)s.")
                    % {"n": done["overdue"], "q": quarter, "y": year},
                },
            )
    return done


def provinces_not_submitted(*, year: int, quarter: int) -> list[dict]:
    """The central page: provinces without a submitted report for the quarter."""
    end = quarter_bounds(year, quarter)[1]
    reports = {r.province_id: r for r in AccountReport.objects.filter(year=year, quarter=quarter)}
    rows = []
    for province in provinces_on(end).order_by("code"):
        report = reports.get(province.pk)
        if report is not None and report.submitted_at is not None:
            continue
        rows.append(
            {
                "province": province,
                "report": report,
                "state": report_state(year=year, quarter=quarter),
                "reminded": bool(report and report.reminder_sent_at),
            }
        )
    return rows
