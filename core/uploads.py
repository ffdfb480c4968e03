"""Upload size limits: every upload stops being read at its path's limit.

A request body is refused **before it is read** when its ``Content-Length`` already says
it is too large, and **while it is read** (multipart, chunk by chunk) as soon as the file
bytes pass the limit: :class:`LimitedUploadHandler` raises ``StopUpload(connection_reset=True)``
so Django reads nothing more. Nothing of a refused upload reaches a view, so nothing is
partly written; the page answers 413 with a coded error (Vietnamese, English when chosen).

Pages declare their limit with :func:`upload_limit`::

    @login_required
    @upload_limit(64 * 1024)
    def certificate_renew(request): ...

APIs call :func:`body_refusal` / :class:`LimitedUploadHandler` from their parsers and render
the refusal their own way (the I-VAN API: ``application/problem+json``, 413).

``FILE_UPLOAD_HANDLERS`` starts with :class:`LimitedUploadHandler` too, so a form without
its own limit still stops at ``UPLOAD_MAX_BYTES``. The reverse proxy refuses bodies over
its own ceiling before they reach a worker (``deploy/nginx.conf``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from core.refusals import Problem, codes_register

codes_register(
    "uploads",
    "Uploads (every upload page)",
    {
        "UPLOAD_TOO_LARGE": _("The upload exceeds the size limit ({limit}); nothing was saved."),
        "UPLOAD_MALFORMED": _("The upload could not be read (a broken form or too many fields)."),
    },
    intro="A page that takes files answers 413 with `UPLOAD_TOO_LARGE` when the upload "
    "passes its limit (nothing is read past it, nothing is saved).",
)


def size_text(n: int) -> str:
    """1048576 → "1 MB", 65536 → "64 KB" (binary units, as file managers show them)."""
    if n >= 1024 * 1024:
        value, unit = n / (1024 * 1024), "MB"
    elif n >= 1024:
        value, unit = n / 1024, "KB"
    else:
        return f"{n} byte"
    return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"


@dataclass(frozen=True)
class UploadRefusal:
    """Why an upload was refused: a stable code, the HTTP status and the limit."""

    code: str
    status: int
    limit: int = 0

    @property
    def problem(self) -> Problem:
        return Problem(self.code, {"limit": size_text(self.limit)})

    @property
    def message(self) -> str:
        return self.problem.text()

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "location": {"field": ""}}


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts the file bytes of the request (all files
    together) and stops reading the body once they pass ``limit``.

    It stores nothing itself: chunks go on to Django's memory/temporary-file handlers.
    ``refused`` is set when it stopped the upload."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_BYTES if limit is None else limit
        self.received = 0
        self.refused = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The body's declared length is checked before the parse by body_refusal(); this
        # handler is the stream-side guard (lengths that lie, bodies of unknown length).
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.refused = True
            if self.request is not None:
                self.request.upload_refused = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def _content_length(request) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    try:
        return int(raw) if raw else None
    except ValueError:
        return -1


def body_refusal(request, max_bytes: int, *, fields_bytes: int | None = None):
    """Read the request body of a page within ``max_bytes`` of files (plus the form fields'
    own limit) and parse it; return an :class:`UploadRefusal` when it is too large or
    unreadable, else None (``request.POST`` and ``request.FILES`` are then ready).

    The declared Content-Length is checked first so an oversize body is refused unread."""
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if fields_bytes is None else fields_bytes
    length = _content_length(request)
    if length is not None and length < 0:
        return UploadRefusal("UPLOAD_MALFORMED", 400)
    if length is not None and length > max_bytes + (fields or 0):
        return UploadRefusal("UPLOAD_TOO_LARGE", 413, max_bytes)
    handler = LimitedUploadHandler(request, limit=max_bytes)
    if request.content_type == "multipart/form-data":
        # One limiter only: this path's replaces the default one (settings).
        request.upload_handlers = [
            handler,
            *(h for h in request.upload_handlers if not isinstance(h, LimitedUploadHandler)),
        ]
    try:
        request.POST  # noqa: B018  (parses the body through the handlers above)
    except RequestDataTooBig:
        return UploadRefusal("UPLOAD_TOO_LARGE", 413, max_bytes)
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        return UploadRefusal("UPLOAD_MALFORMED", 400)
    if handler.refused:
        return UploadRefusal("UPLOAD_TOO_LARGE", 413, max_bytes)
    return None


def upload_refused_response(request, refusal: UploadRefusal):
    """The page answering a refused upload: the coded error, nothing saved."""
    return render(
        request,
        "portal/upload_refused.html",
        {"errors": [refusal.as_dict()], "back": request.get_full_path()},
        status=refusal.status,
    )


def upload_limit(max_bytes: int, *, fields_bytes: int | None = None):
    """Decorate a page view that takes uploads: its body is read within ``max_bytes`` of
    files (``fields_bytes`` of other fields, default ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and a
    larger one is refused with a 413 page carrying ``UPLOAD_TOO_LARGE``.

    ``max_bytes`` may be a callable (read at request time, e.g. from settings). The body is
    read here, before the CSRF check, so a refusal never depends on where the token sits
    in the body; the view itself is still CSRF-protected. Put it inside ``login_required``
    so anonymous requests are turned away without reading their body."""

    def decorate(view):
        protected = csrf_protect(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in {"POST", "PUT", "PATCH"}:
                limit = max_bytes() if callable(max_bytes) else max_bytes
                refusal = body_refusal(request, limit, fields_bytes=fields_bytes)
                if refusal is not None:
                    return upload_refused_response(request, refusal)
            return protected(request, *args, **kwargs)

        # The CSRF middleware would parse the body before the limit is in place; the check
        # runs in ``protected`` instead, once the body is read within its limit.
        wrapper.csrf_exempt = True
        wrapper.upload_limit = max_bytes
        return wrapper

    return decorate
