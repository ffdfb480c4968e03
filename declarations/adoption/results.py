"""Provinces' reports of their release deployment (báo cáo kết quả triển khai … trước
ngày …): who reported, on time or late, who is overdue, and the daily reminders to those
who have not reported.

Reads (``release_results``) take three queries whatever the number of provinces; writes
check the actor's right at the province (accounts.scope), write in one transaction with
their audit entry, and send e-mail only through the outbox.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import audit, scope
from accounts.models import Membership, Office, OfficeLevel, User
from core.outbox.services import outbox_enqueue
from core.refusals import Refused, codes_register
from declarations.adoption.models import PortalRelease, ReleaseResult, ReleaseResultReminder

DEPLOY = "adoption.record_deployment"
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_SUFFIXES = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".docx", ".zip"})

codes_register(
    "adoption_results",
    "Release deployment results",
    {
        "RESULT_NOT_PROVINCE": _("Deployment results are reported per province."),
        "RESULT_FORBIDDEN": _("You may not report results for this province."),
        "RESULT_NOT_RELEASED": _("This release has not been released yet."),
        "RESULT_OUTCOME": _("Choose the result of the deployment."),
        "RESULT_TEXT": _("Describe the result of the deployment."),
        "RESULT_FILE_TYPE": _("The attachment must be one of: {allowed}."),
        "RESULT_FILE_SIZE": _("The attachment exceeds {limit}."),
    },
)


# --- reads ------------------------------------------------------------------------------------
class ResultState(enum.StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"  # not reported, the due day has passed
    PENDING = "pending"  # not reported, still time


def result_state(*, due: date, submitted_at=None, today: date) -> ResultState:
    """Reported by the end of the due day is on time; nothing after it is overdue."""
    if submitted_at is not None:
        on = timezone.localtime(submitted_at).date()
        return ResultState.ON_TIME if on <= due else ResultState.LATE
    return ResultState.OVERDUE if today > due else ResultState.PENDING


@dataclass
class ResultRow:
    province: Office
    result: ReleaseResult | None
    state: ResultState
    reminded_on: date | None = None


@dataclass
class ResultsReport:
    release: PortalRelease
    due: date
    rows: list[ResultRow]

    def _with(self, *states) -> list[ResultRow]:
        return [r for r in self.rows if r.state in states]

    @property
    def submitted(self) -> list[ResultRow]:
        return self._with(ResultState.ON_TIME, ResultState.LATE)

    @property
    def on_time(self) -> list[ResultRow]:
        return self._with(ResultState.ON_TIME)

    @property
    def late(self) -> list[ResultRow]:
        return self._with(ResultState.LATE)

    @property
    def overdue(self) -> list[ResultRow]:
        return self._with(ResultState.OVERDUE)

    @property
    def pending(self) -> list[ResultRow]:
        return self._with(ResultState.PENDING)


def provinces_for_release(release: PortalRelease):
    """Provinces in force on the release's results due day."""
    due = release.results_due
    return Office.objects.filter(level=OfficeLevel.PROVINCE, valid_from__lte=due).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=due)
    )


def release_results(
    *, release: PortalRelease, office_ids: set[int] | None, today: date | None = None
) -> ResultsReport:
    """Every province (those in ``office_ids``; None: all) with its result and state."""
    today = today or timezone.localdate()
    provinces = provinces_for_release(release)
    if office_ids is not None:
        provinces = provinces.filter(pk__in=office_ids)
    provinces = list(provinces.order_by("code"))
    ids = [p.pk for p in provinces]
    results = {
        r.province_id: r
        for r in ReleaseResult.objects.filter(release=release, province_id__in=ids).select_related(
            "submitted_by"
        )
    }
    reminded = dict(
        ReleaseResultReminder.objects.filter(release=release, province_id__in=ids)
        .values("province_id")
        .annotate(last=Max("day"))
        .values_list("province_id", "last")
    )
    due = release.results_due
    rows = []
    for province in provinces:
        result = results.get(province.pk)
        rows.append(
            ResultRow(
                province=province,
                result=result,
                state=result_state(
                    due=due, submitted_at=result.submitted_at if result else None, today=today
                ),
                reminded_on=reminded.get(province.pk),
            )
        )
    return ResultsReport(release=release, due=due, rows=rows)


# --- writes -----------------------------------------------------------------------------------
def _attachment_check(attachment) -> None:
    if attachment is None:
        return
    if PurePath(attachment.name).suffix.lower() not in ATTACHMENT_SUFFIXES:
        raise Refused("RESULT_FILE_TYPE", allowed=", ".join(sorted(ATTACHMENT_SUFFIXES)))
    if attachment.size > MAX_ATTACHMENT_BYTES:
        raise Refused("RESULT_FILE_SIZE", limit="5 MB")


@transaction.atomic
def release_result_submit(
    *,
    actor: User,
    release: PortalRelease,
    province: Office,
    outcome: str,
    text: str,
    attachment=None,
) -> ReleaseResult:
    """The province reports (or corrects) its deployment result for ``release``."""
    if province.level != OfficeLevel.PROVINCE:
        raise Refused("RESULT_NOT_PROVINCE")
    if not scope.may(actor, DEPLOY, province):
        raise Refused("RESULT_FORBIDDEN")
    now = timezone.now()
    if release.released_on > timezone.localdate():
        raise Refused("RESULT_NOT_RELEASED")
    if outcome not in ReleaseResult.Outcome.values:
        raise Refused("RESULT_OUTCOME")
    text = (text or "").strip()
    if not text:
        raise Refused("RESULT_TEXT")
    _attachment_check(attachment)
    result = (
        ReleaseResult.objects.select_for_update().filter(release=release, province=province).first()
    )
    revised = result is not None
    if result is None:
        result = ReleaseResult(release=release, province=province, submitted_at=now)
    else:
        result.revised_at = now
    result.outcome, result.text, result.submitted_by = outcome, text, actor
    if attachment is not None:
        result.attachment.save(attachment.name, attachment, save=False)
    result.save()
    state = result_state(
        due=release.results_due, submitted_at=result.submitted_at, today=timezone.localdate()
    )
    audit.record(
        actor,
        "release.result_submitted",
        result,
        province,
        {
            "release": release.version,
            "outcome": outcome,
            "late": state == ResultState.LATE,
            "revised": revised,
            "attachment": bool(result.attachment),
        },
    )
    return result


def _province_emails(province: Office) -> list[str]:
    """Those who may report for the province: holders of the deployment right there."""
    app_label, _dot, codename = DEPLOY.partition(".")
    memberships = Membership.objects.active().filter(
        office=province,
        user__is_active=True,
        role__group__permissions__codename=codename,
        role__group__permissions__content_type__app_label=app_label,
    )
    return sorted(set(memberships.exclude(user__email="").values_list("user__email", flat=True)))


def releases_to_remind(today: date) -> list[PortalRelease]:
    """Releases whose results are due within the reminder window, or overdue by less than
    the follow-up period."""
    before = timedelta(days=settings.RELEASE_RESULT_REMINDER_DAYS)
    after = timedelta(days=settings.RELEASE_RESULT_FOLLOW_UP_DAYS)
    return [
        release
        for release in PortalRelease.objects.filter(released_on__lte=today)
        .filter(
            Q(report_by__gte=today - after)
            | Q(report_by__isnull=True, deploy_by__gte=today - after)
        )
        .order_by("released_on", "pk")
        if release.results_due - before <= today
    ]


def release_results_remind(*, today: date | None = None) -> int:
    """The daily job: remind every province that has not reported its result, once a day
    (the reminder row for the day is the lock; running again the same day sends nothing)."""
    today = today or timezone.localdate()
    sent = 0
    for release in releases_to_remind(today):
        report = release_results(release=release, office_ids=None, today=today)
        for row in report.pending + report.overdue:
            with transaction.atomic():
                reminder, created = ReleaseResultReminder.objects.get_or_create(
                    release=release, province=row.province, day=today
                )
                if not created:
                    continue
                emails = _province_emails(row.province)
                reminder.recipients = len(emails)
                reminder.save(update_fields=["recipients"])
                if emails:
                    outbox_enqueue(
                        kind="email",
                        key=f"release-result-reminder-{release.pk}-{row.province.pk}-{today}",
                        payload=_reminder_mail(release, row, emails),
                    )
                audit.record(
                    None,
                    "release.result_reminded",
                    release,
                    row.province,
                    {
                        "release": release.version,
                        "due": release.results_due,
                        "overdue": row.state == ResultState.OVERDUE,
                        "recipients": len(emails),
                    },
                )
                sent += 1
    return sent


def _reminder_mail(release: PortalRelease, row: ResultRow, emails: list[str]) -> dict:
    due = release.results_due.strftime("%d/%m/%Y")
    if row.state == ResultState.OVERDUE:
        subject = gettext("Overdue: deployment result of release %(v)s") % {"v": release.version}
    else:
        subject = gettext("Reminder: deployment result of release %(v)s") % {"v": release.version}
    body = gettext(
        "%(province)s: please report the result of deploying release %(v)s by %(due)s "
        "on the portal (Release deployment results)."
    ) % {"province": row.province.name, "v": release.version, "due": due}
    return {"to": emails, "subject": subject, "body": body}
