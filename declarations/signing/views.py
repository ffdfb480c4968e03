"""The signing page and its JSON steps (session-authenticated, CSRF-protected).

Pages: prepare from the compose page (``signing_compose``) or from an unsigned file
(``signing_upload``), then ``signing_page``, whose script talks to the local signer and to
the steps: ``signing_start``, ``signing_round``, ``signing_remote`` (poll), and the trial
credential's ``signing_trial`` (a plain form)."""

from __future__ import annotations

import base64
import binascii
import inspect
import json

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.refusals import Refused
from core.uploads import upload_limit
from declarations.dossiers.selectors import dossier_by_code
from declarations.employers import views as employer_views
from declarations.employers.forms import UnitDataForm
from declarations.employers.models import EStatus
from declarations.employers.procedures import procedure_get
from declarations.employers.selectors import employer_or_403
from declarations.intake import views as intake_views
from declarations.intake.compose import (
    compose_envelope,
    compose_lists_check,
    people_posted,
    rows_posted,
)
from declarations.signing import layout, services
from declarations.signing.forms import (
    ChannelChangeForm,
    ChannelStopForm,
    TokenRegistrationForm,
    UnsignedUploadForm,
)
from declarations.signing.models import Kind, SigningSession, State
from declarations.signing.selectors import channel_of, remote_accounts_of, signing_methods
from declarations.signing.texts import page_texts

# The registration page's fields (its files are not sent on this path).
REGISTRATION_BODY_BYTES = 256 * 1024

# HTTP status of each refusal of a step (the rest: 400).
STATUS = {
    "signing.session_unknown": 404,
    "signing.session_expired": 410,
    "signing.session_used": 409,
    "signing.session_state": 409,
    "CHANNEL_FORBIDDEN": 403,
}


def _refusal(refusal: Refused) -> JsonResponse:
    first = refusal.errors[0]
    return JsonResponse(
        {
            "code": first.code,
            "message": first.text(),
            "errors": [p.as_dict() for p in refusal.errors],
        },
        status=STATUS.get(first.code, 400),
    )


def _step(request, step: services.Step) -> JsonResponse:
    """The next thing the page does, as JSON (see the module's docstring for the shapes)."""
    session = step.session
    if step.errors:
        first = step.errors[0]
        return JsonResponse(
            {
                "code": first.code,
                "message": first.text(),
                "errors": [p.as_dict() for p in step.errors],
            },
            status=400,
        )
    if step.registration_id is not None:
        return JsonResponse(
            {"done": True, "redirect": reverse("declarations:signing_page", args=[session.pk])}
        )
    if step.channel_form:
        messages.success(request, _channel_done(step.channel_form))
        return JsonResponse({"done": True, "redirect": reverse("declarations:signing_channel")})
    if step.renewed:
        messages.success(request, _("The new certificate is registered."))
        return JsonResponse({"done": True, "redirect": reverse("declarations:certificates")})
    if step.dossier_id is not None:
        if step.transaction_code:
            messages.success(
                request,
                _("Dossier received: transaction code %(code)s") % {"code": step.transaction_code},
            )
        for warning in step.warnings:
            messages.warning(request, warning.text())
        return JsonResponse(
            {
                "done": True,
                "transaction_code": step.transaction_code,
                "redirect": reverse("declarations:dossier", args=[step.dossier_id]),
            }
        )
    return JsonResponse(
        {
            "session": str(session.pk),
            "round": session.round,
            "pending": step.pending,
            "digests": [] if step.pending else step.digests,
            "summary": _summary(session),
            "expires_at": session.expires_at.isoformat(),
        }
    )


def _summary(session: SigningSession) -> str:
    """What the signer shows the user about what they sign."""
    return services.session_summary(session)


def _channel_done(form: str) -> str:
    if form.startswith("05"):
        return _("The 05/SD-IVAN is signed and recorded: the unit's e-transaction data changed.")
    return _("The 06/NG-IVAN is signed and recorded: the unit no longer transacts electronically.")


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    return body if isinstance(body, dict) else {}


def _owner(request):
    """Who the session must belong to: the signed-in user, or this browser (a registration
    on the public page)."""
    if request.user.is_authenticated:
        return request.user
    return services.Browser.of(request.session.session_key or "-")


# --- preparing ------------------------------------------------------------------------------------
def _original(request):
    code = (request.GET.get("bo-sung") or request.POST.get("bo-sung") or "").strip()[:32]
    if not code:
        return None
    original = dossier_by_code(user=request.user, transaction_code=code)
    if original is None:
        raise Http404
    return original


@login_required
@upload_limit(lambda: settings.INTAKE_MAX_BYTES)
def signing_upload(request):
    """Sign an unsigned dossier file in the portal (``?bo-sung=<code>``: as a supplement)."""
    employer = employer_or_403(request.user)
    original = _original(request)
    form = UnsignedUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            session = services.signing_prepare(
                user=request.user,
                employer=employer,
                data=form.cleaned_data["file"].read(),
                supplement_of=original.transaction_code if original else "",
            )
        except Refused as refusal:
            errors = [p.as_dict() for p in refusal.errors]
        else:
            return redirect("declarations:signing_page", pk=session.pk)
    return render(
        request,
        "signing/upload.html",
        {"form": form, "errors": errors, "employer": employer, "original": original},
        status=400 if errors else 200,
    )


@login_required
@require_POST
@upload_limit(lambda: settings.IMPORT_XLSX_MAX_BYTES)
def signing_compose(request):
    """The compose page's "sign in the portal": the composed lists checked as for a
    download, then kept to sign; with errors, the compose page shows them."""
    employer = employer_or_403(request.user)
    procedure = procedure_get(request.POST.get("procedure", "600"))
    if procedure is None or not procedure.form("D02-LT"):
        procedure = procedure_get("600")
    period = request.POST.get("period", "").strip()[:20]
    rows, people = rows_posted(request.POST), people_posted(request.POST)
    found, _summary = compose_lists_check(
        procedure=procedure, employer=employer, period=period, rows=rows, people=people
    )
    if found:
        post = request.POST.copy()
        post["action"] = "check"
        request.POST = post
        # The compose page's own view renders the lists with their errors; unwrapped, since
        # the body was already read under this view's upload guard.
        return inspect.unwrap(intake_views.compose)(request)
    data = compose_envelope(
        employer=employer, procedure=procedure, period=period, rows=rows, people=people
    )
    session = services.signing_prepare(user=request.user, employer=employer, data=data)
    return redirect("declarations:signing_page", pk=session.pk)


@login_required
@require_POST
def signing_unit_data(request):
    """The unit-data page's "sign in the portal": its 604 envelope (TK3-TS) kept to sign;
    with errors, that page shows them."""
    employer = employer_or_403(request.user)
    procedure = procedure_get(employer_views.UNIT_DATA_PROCEDURE)
    if procedure is None or procedure.envelope_draft is None:
        raise Http404
    form = UnitDataForm(request.POST, employer=employer)
    if not form.is_valid():
        return employer_views.unit_data(request)
    data = procedure.envelope_draft(employer=employer, fields=form.tk3_fields())
    session = services.signing_prepare(user=request.user, employer=employer, data=data)
    return redirect("declarations:signing_page", pk=session.pk)


@login_required
@require_POST
def signing_renewal(request):
    """The certificates page's "renew with the USB token": a session to sign the 04/ĐK-IVAN
    with the new certificate on the token (the proof of possession), then register it."""
    employer = employer_or_403(request.user)
    session = services.signing_prepare_renewal(user=request.user, employer=employer)
    return redirect("declarations:signing_page", pk=session.pk)


@require_POST
@upload_limit(lambda: REGISTRATION_BODY_BYTES)
def signing_registration(request):
    """The registration page's "sign the 04 with the USB token": the fields checked as the
    page checks them (its own page shows the errors), then a session of this browser to
    sign the 04 with the certificate on the token and submit the registration."""
    form = TokenRegistrationForm(request.POST)
    if not form.is_valid():
        # The registration page's own view shows the errors (unwrapped: the body was read
        # under this view's upload guard).
        return inspect.unwrap(employer_views.register)(request)
    owner = _owner(request)
    if not request.user.is_authenticated and not request.session.session_key:
        request.session.save()  # a key to bind the session to this browser
        owner = _owner(request)
    session = services.signing_prepare_registration(
        owner=owner, employer=form.cleaned_data["employer"], fields=form.payload()
    )
    return redirect("declarations:signing_page", pk=session.pk)


@login_required
def signing_channel(request):
    """The unit's e-transaction registration: change it (05/SD-IVAN) or stop it
    (06/NG-IVAN); each form is signed in the portal with a method the unit registered."""
    employer = employer_or_403(request.user)
    change = ChannelChangeForm(employer=employer, prefix="sd")
    stop = ChannelStopForm(prefix="ng")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "change":
            change = ChannelChangeForm(request.POST, employer=employer, prefix="sd")
            if change.is_valid():
                session = services.signing_prepare_channel(
                    user=request.user,
                    employer=employer,
                    kind=Kind.CHANGE,
                    changes=change.cleaned_data["changes"],
                )
                return redirect("declarations:signing_page", pk=session.pk)
        elif action == "stop":
            stop = ChannelStopForm(request.POST, prefix="ng")
            if stop.is_valid():
                session = services.signing_prepare_channel(
                    user=request.user,
                    employer=employer,
                    kind=Kind.STOP,
                    reason=stop.cleaned_data["reason"],
                )
                return redirect("declarations:signing_page", pk=session.pk)
        status = 400
    return render(
        request,
        "signing/channel.html",
        {
            "employer": employer,
            "channel": channel_of(employer),
            "change": change,
            "stop": stop,
            "transacting": employer.e_status in (EStatus.ACTIVE, EStatus.TRIAL),
        },
        status=status,
    )


@login_required
def remote_accounts(request):
    """The unit's accounts at remote signing services, as the signing page offers them."""
    employer = employer_or_403(request.user)
    return render(
        request,
        "signing/remote_accounts.html",
        {"employer": employer, "accounts": remote_accounts_of(request.user, employer)},
    )


# --- the page -------------------------------------------------------------------------------------
def signing_page(request, pk):
    """The signing page (:func:`_signing_page`), whose script calls the local signer: its
    address joins the CSP's connect-src, as the setting says at this request."""
    allow_signer = csp_update({"connect-src": [settings.SIGNING_LOCAL_SIGNER_URL]})
    return allow_signer(_signing_page)(request, pk)


def _signing_page(request, pk):
    """Choose a method and sign: the script asks the local signer for its certificates,
    starts the session, relays each round's digests and posts the values back. A
    registration's session (public page) belongs to the browser; every other to the user."""
    try:
        session = services.session_get(user=_owner(request), session_id=pk)
    except Refused:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404 from None
    if session.state == State.DONE and session.dossier_id:
        return redirect("declarations:dossier", pk=session.dossier_id)
    if session.state == State.DONE and session.registration_id:
        return render(
            request, "declarations/registered.html", {"registration": session.registration}
        )
    single = session.kind in services.SINGLE_FORM
    employer = session.employer if single else employer_or_403(request.user)
    if single:
        # The 04 is signed with the certificate being registered, on the token.
        methods = signing_methods(employer, supplement=True)
        methods.remote, document = [], None
    elif session.kind in services.CHANNEL_FORMS:
        methods, document = signing_methods(employer), None
    else:
        methods = signing_methods(employer, supplement=bool(session.supplement_of))
        document = layout.document_read(bytes(session.document))
    config = {
        "signer": settings.SIGNING_LOCAL_SIGNER_URL,
        "start": reverse("declarations:signing_start", args=[session.pk]),
        "round": reverse("declarations:signing_round", args=[session.pk]),
        "remote": reverse("declarations:signing_remote", args=[session.pk]),
        "registered": [base64.b64encode(bytes(c.der)).decode() for c in methods.certificates],
        "summary": _summary(session),
        "kind": session.kind,
        "renewal": single,
        "one_form": session.kind in services.ONE_FORM,
        "poll_ms": 2000,
        "text": page_texts(),
    }
    return render(
        request,
        "signing/sign.html",
        {
            "employer": employer,
            "signing": session,
            "document": document,
            "renewal": single,
            "channel_form": services.CHANNEL_FORMS.get(session.kind, ""),
            "methods": methods,
            "expires": timezone.localtime(session.expires_at),
            "config": config,
        },
    )


@require_POST
def signing_start(request, pk):
    """``{"method": "token", "certificate_der": "<base64>"}`` or ``{"method": "remote",
    "remote_id": <id>}`` → round 1's digests (or ``pending`` for a remote approval)."""
    body = _json_body(request)
    try:
        der = base64.b64decode(str(body.get("certificate_der") or ""), validate=True)
    except (binascii.Error, ValueError):
        der = b""
    remote_id = body.get("remote_id")
    try:
        step = services.signing_start(
            user=_owner(request),
            session_id=pk,
            method=str(body.get("method") or ""),
            certificate_der=der,
            remote_id=remote_id if isinstance(remote_id, int) else None,
        )
    except Refused as refusal:
        return _refusal(refusal)
    return _step(request, step)


@require_POST
def signing_round(request, pk):
    """``{"round": 1|2, "signatures": [{"id", "value"}]}`` (the local signer's answer) →
    the next round's digests, or ``{"done": true, "redirect": <the receipt's page>}``."""
    body = _json_body(request)
    round_no = body.get("round")
    try:
        step = services.signing_round(
            user=_owner(request),
            session_id=pk,
            round_no=round_no if isinstance(round_no, int) else 0,
            signatures=body.get("signatures") or [],
        )
    except Refused as refusal:
        return _refusal(refusal)
    return _step(request, step)


@require_POST
def signing_remote(request, pk):
    """Poll the remote approval: ``{"pending": true}``, the next round asked, or done."""
    try:
        step = services.signing_remote_poll(user=_owner(request), session_id=pk)
    except Refused as refusal:
        return _refusal(refusal)
    return _step(request, step)


@login_required
@require_POST
def signing_trial(request, pk):
    """Send the prepared dossier with the trial credential (a plain form post)."""
    employer_or_403(request.user)
    try:
        step = services.signing_trial(
            user=request.user, session_id=pk, secret=request.POST.get("trial_secret", "").strip()
        )
    except Refused as refusal:
        for problem in refusal.errors:
            messages.error(request, problem.text())
        return redirect("declarations:signing_page", pk=pk)
    if step.errors:
        for problem in step.errors:
            messages.error(request, problem.text())
        return redirect("declarations:signing_page", pk=pk)
    if step.channel_form:
        messages.success(request, _channel_done(step.channel_form))
        return redirect("declarations:signing_channel")
    messages.success(
        request,
        _("Dossier received: transaction code %(code)s") % {"code": step.transaction_code},
    )
    return redirect("declarations:dossier", pk=step.dossier_id)
