"""Difficulties (vướng mắc) filed by employers and staff, answered or forwarded."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office
from declarations.employers.models.employers import Employer


class DifficultyCategory(models.TextChoices):
    SOFTWARE = "software", _("Software")
    SIGNATURE = "signature", _("Digital signature")
    PROCEDURE = "procedure", _("Procedure")
    OTHER = "other", _("Other")


class DifficultyStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    FORWARDED_IT = "forwarded_it", _("Forwarded to IT")
    FORWARDED_PROVIDER = "forwarded_provider", _("Forwarded to the provider")
    ANSWERED = "answered", _("Answered")


class Difficulty(models.Model):
    """A difficulty (vướng mắc) raised with an office; its status and response time."""

    office = models.ForeignKey(
        Office, models.PROTECT, related_name="difficulties", verbose_name=_("office")
    )
    employer = models.ForeignKey(
        Employer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="difficulties",
        verbose_name=_("employer"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="difficulties_filed",
        verbose_name=_("filed by"),
    )
    category = models.CharField(_("category"), max_length=12, choices=DifficultyCategory.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DifficultyStatus.choices,
        default=DifficultyStatus.OPEN,
        db_index=True,
    )
    provider = models.ForeignKey(
        "employers.Provider",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="difficulties",
        verbose_name=_("forwarded to provider"),
    )
    filed_at = models.DateTimeField(_("filed"), default=timezone.now, db_index=True)
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)

    class Scope:
        office = "office"
        employer_user = "employer__members__user"
        provider_user = "provider__members__user"

    class Meta:
        db_table = "declarations_difficulty"  # the table from before the split
        verbose_name = _("difficulty")
        verbose_name_plural = _("difficulties")
        ordering = ["-filed_at", "-id"]
        permissions = [
            ("file_difficulty", "May file a difficulty (vướng mắc)"),
            ("answer_difficulty", "May answer or forward difficulties"),
            ("view_difficulty_summary", "May view the summary of difficulties"),
        ]

    def __str__(self):
        return f"VM-{self.pk}: {self.subject}"

    @property
    def number(self) -> str:
        return f"VM-{self.pk:06d}"

    @property
    def response_hours(self) -> float | None:
        """Hours from filing to the answer (None while unanswered)."""
        if self.answered_at is None:
            return None
        return round((self.answered_at - self.filed_at).total_seconds() / 3600, 1)


def _attachment_path(instance, filename):
    return f"difficulties/{instance.difficulty_id}/{filename}"


class DifficultyAttachment(models.Model):
    """A file (screenshot, error log, form) attached to a difficulty."""

    difficulty = models.ForeignKey(Difficulty, models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        db_table = "declarations_difficultyattachment"  # the table from before the split
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.name


class DifficultyNote(models.Model):
    """One step in a difficulty's thread: a forward (with its note) or the answer."""

    class Kind(models.TextChoices):
        FORWARD_IT = "forward_it", _("Forwarded to IT")
        FORWARD_PROVIDER = "forward_provider", _("Forwarded to the provider")
        ANSWER = "answer", _("Answer")

    difficulty = models.ForeignKey(Difficulty, models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "declarations_difficultynote"  # the table from before the split
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y}"
