"""Writes about difficulties (vướng mắc): filing, forwarding to IT or the provider, answering.

Each function checks the actor's right through accounts.scope, writes in one transaction,
records one audit entry and, where someone must hear of it, an outbox e-mail.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit, scope
from accounts.models import Membership, Office, OfficeLevel, User
from accounts.selectors import province_of
from core.outbox.services import outbox_enqueue
from core.refusals import Refused, codes_register
from declarations.difficulties.models import (
    Difficulty,
    DifficultyAttachment,
    DifficultyCategory,
    DifficultyNote,
    DifficultyStatus,
)
from declarations.difficulties.selectors import difficulty_summary
from declarations.employers.models import Employer

FILE = "difficulties.file_difficulty"
ANSWER = "difficulties.answer_difficulty"
MAX_FILES = 6
MAX_TOTAL_BYTES = 5 * 1024 * 1024
ALLOWED_SUFFIXES = {".pdf", ".xml", ".jpg", ".jpeg", ".png", ".xlsx", ".txt"}

# Which status may follow which (trạng thái): an answered difficulty is closed.
ALLOWED = {
    DifficultyStatus.OPEN: {
        DifficultyStatus.FORWARDED_IT,
        DifficultyStatus.FORWARDED_PROVIDER,
        DifficultyStatus.ANSWERED,
    },
    DifficultyStatus.FORWARDED_IT: {DifficultyStatus.FORWARDED_PROVIDER, DifficultyStatus.ANSWERED},
    DifficultyStatus.FORWARDED_PROVIDER: {DifficultyStatus.ANSWERED},
    DifficultyStatus.ANSWERED: set(),
}


codes_register(
    "difficulties",
    "Difficulties (vướng mắc)",
    {
        "DIFF_TOO_MANY_FILES": _("At most {n} files may be attached."),
        "DIFF_FILES_TOO_LARGE": _("Attachments may total at most 5 MB."),
        "DIFF_FILE_TYPE": _("{name}: only pdf, xml, jpg, png, xlsx and txt files are accepted."),
        "DIFF_CATEGORY": _("Choose a category."),
        "DIFF_TEXT_REQUIRED": _("Give a subject and a description."),
        # {action}: one of FORBIDDEN_ACTIONS, translated on its own.
        "DIFF_FORBIDDEN": _("You may not {action}."),
        "DIFF_TRANSITION": _("A difficulty that is “{status}” cannot be moved on that way."),
        "DIFF_NO_PROVIDER": _("Choose the provider this difficulty concerns."),
        "DIFF_FORWARD_TARGET": _("Forward to IT or to a provider."),
        "DIFF_ANSWER_REQUIRED": _("Write the answer."),
    },
)
FORBIDDEN_ACTIONS = {
    "file_for": _("file for this employer"),
    "file": _("file a difficulty"),
    "forward": _("forward this difficulty"),
    "answer": _("answer this difficulty"),
}


def _check_files(files) -> None:
    if len(files) > MAX_FILES:
        raise Refused("DIFF_TOO_MANY_FILES", n=MAX_FILES)
    if sum(f.size for f in files) > MAX_TOTAL_BYTES:
        raise Refused("DIFF_FILES_TOO_LARGE")
    for f in files:
        if PurePath(f.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise Refused("DIFF_FILE_TYPE", name=f.name)


def _filing_office(actor: User, employer: Employer | None) -> Office | None:
    if employer is not None:
        return employer.managing_office
    for m in scope.memberships_of(actor):
        if m.office_id and m.office.level == OfficeLevel.LOCAL and scope.may(actor, FILE, m.office):
            return m.office
    for m in scope.memberships_of(actor):
        if m.office_id and scope.may(actor, FILE, m.office):
            return m.office
    return None


@transaction.atomic
def difficulty_file(
    *,
    actor: User,
    category: str,
    subject: str,
    description: str,
    files=(),
    employer: Employer | None = None,
) -> Difficulty:
    """File a difficulty with the office managing ``employer`` (or the staff's own office)."""
    if category not in DifficultyCategory.values:
        raise Refused("DIFF_CATEGORY")
    subject, description = (subject or "").strip(), (description or "").strip()
    if not subject or not description:
        raise Refused("DIFF_TEXT_REQUIRED")
    files = list(files)
    _check_files(files)
    if (
        employer is not None
        and not scope.scoped(
            actor, Employer.objects.filter(pk=employer.pk), permission=FILE
        ).exists()
    ):
        raise Refused("DIFF_FORBIDDEN", action=FORBIDDEN_ACTIONS["file_for"])
    office = _filing_office(actor, employer)
    if office is None or not actor.has_perm(FILE):
        raise Refused("DIFF_FORBIDDEN", action=FORBIDDEN_ACTIONS["file"])
    difficulty = Difficulty.objects.create(
        office=office,
        employer=employer,
        filed_by=actor,
        category=category,
        subject=subject[:200],
        description=description,
    )
    for f in files:
        DifficultyAttachment.objects.create(
            difficulty=difficulty, file=f, name=PurePath(f.name).name[:200], size=f.size
        )
    audit.record(
        actor,
        "difficulty.filed",
        difficulty,
        office,
        {"category": category, "employer": employer and employer.unit_code, "files": len(files)},
    )
    return difficulty


def _may_act(actor: User, difficulty: Difficulty) -> bool:
    return scope.scoped(
        actor, Difficulty.objects.filter(pk=difficulty.pk), permission=ANSWER
    ).exists()


def _move(difficulty: Difficulty, to: str) -> None:
    if to not in ALLOWED[difficulty.status]:
        raise Refused("DIFF_TRANSITION", status=difficulty.get_status_display())


def _link(difficulty: Difficulty) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("district:difficulty", args=[difficulty.pk])


def _it_staff_emails(office: Office) -> list[str]:
    province = province_of(office)
    offices = [o.pk for o in (office, province) if o is not None]
    return sorted(
        {
            m.user.email
            for m in Membership.objects.active()
            .filter(role_id__in=["it_staff"], office_id__in=offices)
            .select_related("user")
            if m.user.email
        }
    )


@transaction.atomic
def difficulty_forward(
    *, actor: User, difficulty: Difficulty, to: str, note: str = "", provider=None
) -> Difficulty:
    """Forward a difficulty to IT (``to="it"``) or to the I-VAN provider concerned."""
    difficulty = Difficulty.objects.select_for_update().get(pk=difficulty.pk)
    # Forwarding is the office's call: an office right at the difficulty's office.
    if not scope.may(actor, ANSWER, difficulty.office):
        raise Refused("DIFF_FORBIDDEN", action=FORBIDDEN_ACTIONS["forward"])
    now = timezone.now()
    if to == "it":
        _move(difficulty, DifficultyStatus.FORWARDED_IT)
        difficulty.status = DifficultyStatus.FORWARDED_IT
        kind, recipients = DifficultyNote.Kind.FORWARD_IT, _it_staff_emails(difficulty.office)
    elif to == "provider":
        _move(difficulty, DifficultyStatus.FORWARDED_PROVIDER)
        if provider is None and difficulty.employer_id:
            channel = getattr(difficulty.employer, "ivan_channel", None)
            provider = channel.provider if channel else None
        if provider is None:
            raise Refused("DIFF_NO_PROVIDER")
        difficulty.status = DifficultyStatus.FORWARDED_PROVIDER
        difficulty.provider = provider
        kind = DifficultyNote.Kind.FORWARD_PROVIDER
        recipients = sorted({m.user.email for m in provider.members.select_related("user")} - {""})
    else:
        raise Refused("DIFF_FORWARD_TARGET")
    difficulty.forwarded_at = now
    difficulty.save(update_fields=["status", "provider", "forwarded_at"])
    note_row = DifficultyNote.objects.create(
        difficulty=difficulty, kind=kind, author=actor, text=note.strip(), at=now
    )
    audit.record(
        actor,
        "difficulty.forwarded",
        difficulty,
        difficulty.office,
        {"to": to, "provider": provider.code if provider else None},
    )
    if recipients:
        outbox_enqueue(
            kind="email",
            key=f"difficulty-forwarded-{difficulty.pk}-{note_row.pk}",
            payload={
                "to": recipients,
                "subject": f"[BHXH] Vướng mắc {difficulty.number} được chuyển đến: "
                f"{difficulty.subject}",
                "body": f"{difficulty.description}\n\n{note.strip()}\n\n{_link(difficulty)}",
            },
        )
    return difficulty


@transaction.atomic
def difficulty_answer(*, actor: User, difficulty: Difficulty, answer: str) -> Difficulty:
    """Answer a difficulty (trả lời vướng mắc); the filer is told by e-mail."""
    difficulty = Difficulty.objects.select_for_update().get(pk=difficulty.pk)
    if not _may_act(actor, difficulty):
        raise Refused("DIFF_FORBIDDEN", action=FORBIDDEN_ACTIONS["answer"])
    answer = (answer or "").strip()
    if not answer:
        raise Refused("DIFF_ANSWER_REQUIRED")
    _move(difficulty, DifficultyStatus.ANSWERED)
    now = timezone.now()
    difficulty.status = DifficultyStatus.ANSWERED
    difficulty.answer, difficulty.answered_at, difficulty.answered_by = answer, now, actor
    difficulty.save(update_fields=["status", "answer", "answered_at", "answered_by"])
    DifficultyNote.objects.create(
        difficulty=difficulty, kind=DifficultyNote.Kind.ANSWER, author=actor, text=answer, at=now
    )
    audit.record(
        actor,
        "difficulty.answered",
        difficulty,
        difficulty.office,
        {"response_hours": difficulty.response_hours},
    )
    to = difficulty.filed_by.email or (difficulty.employer and difficulty.employer.contact_email)
    if to:
        outbox_enqueue(
            kind="email",
            key=f"difficulty-answered-{difficulty.pk}",
            payload={
                "to": [to],
                "subject": f"[BHXH] Trả lời vướng mắc {difficulty.number}: {difficulty.subject}",
                "body": f"{answer}\n\n— {actor}\n{_link(difficulty)}",
            },
        )
    return difficulty


def difficulty_summary_send(*, start, end) -> int:
    """E-mail each director (a holder of the summary right) the summary of the difficulties
    they may see, filed from ``start`` to ``end``; one outbox row per director and period.
    Returns how many e-mails were queued."""

    labels = dict(DifficultyCategory.choices)
    directors = {
        m.user
        for m in Membership.objects.active()
        .filter(
            role__group__permissions__codename="view_difficulty_summary",
            role__group__permissions__content_type__app_label="difficulties",
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
    }
    link = settings.SITE_URL.rstrip("/") + reverse("district:difficulty_summary")
    link += f"?start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    queued = 0
    for user in sorted(directors, key=lambda u: u.pk):
        summary = difficulty_summary(user, start=start, end=end)
        lines = [
            f"Tổng hợp vướng mắc từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}",
            f"Tổng số: {summary.total} — đã trả lời: {summary.answered} — đang chờ: {summary.open}",
        ]
        if summary.avg_response_hours is not None:
            lines.append(f"Thời gian trả lời trung bình: {summary.avg_response_hours} giờ")
        lines.append("")
        lines += [f"- {labels[c]}: {n}" for c, n in summary.by_category.items()]
        lines.append("")
        lines += [f"- {office.name}: {total}" for office, _c, total in summary.by_office]
        lines += ["", link]
        with transaction.atomic():
            outbox_enqueue(
                kind="email",
                key=f"difficulty-summary-{user.pk}-{start:%Y%m%d}-{end:%Y%m%d}",
                payload={
                    "to": [user.email],
                    "subject": f"[BHXH] Tổng hợp vướng mắc {start:%d/%m/%Y}–{end:%d/%m/%Y}",
                    "body": "\n".join(str(line) for line in lines),
                },
            )
        queued += 1
    return queued
