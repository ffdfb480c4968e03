"""Pages for difficulties (vướng mắc): list, file, detail with answer/forward, summary."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import audit, scope
from core import charts
from core.refusals import Refused
from core.uploads import upload_limit
from declarations.difficulties.forms import AnswerForm, DifficultyForm, ForwardForm, PeriodForm
from declarations.difficulties.models import (
    DifficultyAttachment,
    DifficultyCategory,
    DifficultyStatus,
)
from declarations.difficulties.selectors import difficulties_for, difficulty_get, difficulty_summary
from declarations.difficulties.services import (
    ANSWER,
    FILE,
    MAX_TOTAL_BYTES,
    difficulty_answer,
    difficulty_file,
    difficulty_forward,
)
from declarations.employers.models import Employer, Provider

SUMMARY = "difficulties.view_difficulty_summary"


def _may_list(user) -> bool:
    return any(user.has_perm(p) for p in (FILE, ANSWER, SUMMARY))


@login_required
def difficulty_list(request, inbox=False):
    """Every difficulty the user may see; the inbox: those awaiting the user's answer."""
    if not _may_list(request.user) or (inbox and not request.user.has_perm(ANSWER)):
        raise PermissionDenied
    status, category = request.GET.get("status", ""), request.GET.get("category", "")
    found = difficulties_for(
        request.user, status=status, category=category, permission=ANSWER if inbox else None
    )
    if inbox:
        found = found.exclude(status=DifficultyStatus.ANSWERED)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "declarations/difficulties/list.html",
        {
            "page": page,
            "status": status,
            "category": category,
            "statuses": DifficultyStatus.choices,
            "categories": DifficultyCategory.choices,
            "may_file": request.user.has_perm(FILE),
            "inbox": inbox,
        },
    )


@login_required
@upload_limit(MAX_TOTAL_BYTES)
def difficulty_new(request):
    if not request.user.has_perm(FILE):
        raise PermissionDenied
    # An employer's user files for one of its units; staff file for their own office.
    is_employer_user = any(m.role.scope == "employer" for m in scope.memberships_of(request.user))
    employers = (
        list(scope.scoped(request.user, Employer.objects.all(), permission=FILE)[:50])
        if is_employer_user
        else []
    )
    employer = employers[0] if employers else None
    wanted = request.POST.get("employer", "")
    if wanted:
        employer = next((e for e in employers if str(e.pk) == wanted), None)
        if employer is None:
            raise PermissionDenied
    form = DifficultyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            difficulty = difficulty_file(
                actor=request.user,
                employer=employer,
                category=form.cleaned_data["category"],
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                files=form.cleaned_data["files"],
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Difficulty %(number)s filed.") % {"number": difficulty.number}
            )
            return redirect("district:difficulty", difficulty.pk)
    return render(
        request,
        "declarations/difficulties/new.html",
        {"form": form, "employer": employer, "employers": employers},
    )


@login_required
def difficulty_detail(request, pk):
    difficulty = difficulty_get(request.user, pk)
    if difficulty is None:
        raise Http404
    may_answer = (
        difficulty.status != DifficultyStatus.ANSWERED
        and scope.scoped(
            request.user, type(difficulty).objects.filter(pk=pk), permission=ANSWER
        ).exists()
    )
    may_forward = may_answer and scope.may(request.user, ANSWER, difficulty.office)
    return render(
        request,
        "declarations/difficulties/detail.html",
        {
            "d": difficulty,
            "may_answer": may_answer,
            "may_forward": may_forward,
            "may_forward_it": may_forward and difficulty.status == DifficultyStatus.OPEN,
            "providers": Provider.objects.all() if may_forward else [],
            "answer_form": AnswerForm(),
        },
    )


def _act(request, pk, action):
    difficulty = difficulty_get(request.user, pk)
    if difficulty is None:
        raise Http404
    try:
        action(difficulty)
    except Refused as exc:
        messages.error(request, str(exc))
    return redirect("district:difficulty", pk)


@require_POST
@login_required
def difficulty_answer_view(request, pk):
    form = AnswerForm(request.POST)
    text = form.data.get("answer", "")

    def action(d):
        difficulty_answer(actor=request.user, difficulty=d, answer=text)
        messages.success(request, _("Answer sent to the filer."))

    return _act(request, pk, action)


@require_POST
@login_required
def difficulty_forward_view(request, pk):
    form = ForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("DIFF_FORWARD_TARGET: forward to IT or to a provider."))
        return redirect("district:difficulty", pk)
    provider = None
    if form.cleaned_data["provider"]:
        provider = Provider.objects.filter(pk=form.cleaned_data["provider"]).first()

    def action(d):
        difficulty_forward(
            actor=request.user,
            difficulty=d,
            to=form.cleaned_data["to"],
            provider=provider,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Difficulty forwarded."))

    return _act(request, pk, action)


@login_required
def attachment_download(request, pk):
    """An attachment, to those who may see its difficulty (accounts.scope); audited."""
    attachment = DifficultyAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    difficulty = difficulty_get(request.user, attachment.difficulty_id)
    if difficulty is None:
        raise Http404
    audit.record(
        request.user,
        "difficulty.attachment_downloaded",
        difficulty,
        difficulty.office,
        {"attachment": attachment.pk, "name": attachment.name},
    )
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def difficulty_summary_view(request):
    """Tổng hợp vướng mắc for the directors: counts by category and office, chart."""
    if not request.user.has_perm(SUMMARY):
        raise PermissionDenied
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start = today.replace(day=1)
    end = today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    if end < start:
        start, end = end, start
    if (end - start) > timedelta(days=3660):
        start = end - timedelta(days=3660)
    summary = difficulty_summary(request.user, start=start, end=end)
    labels = dict(DifficultyCategory.choices)
    chart = charts.bar_chart(
        [(str(labels[c]), n) for c, n in summary.by_category.items()],
        title=_("Difficulties by category"),
    )
    office_chart = charts.bar_chart(
        [(o.name, total) for o, _cats, total in summary.by_office[:15]],
        title=_("Difficulties by office"),
    )
    return render(
        request,
        "declarations/difficulties/summary.html",
        {
            "s": summary,
            "chart": chart,
            "office_chart": office_chart,
            "categories": DifficultyCategory.choices,
        },
    )
