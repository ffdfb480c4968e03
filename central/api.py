"""The central store's HTTP API (/central/api/v1/), authenticated by signed requests."""

from __future__ import annotations

from datetime import date
from functools import wraps

import orjson
import structlog
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import checkpoints, services
from .auth import AuthFailure, request_authenticate

log = structlog.get_logger(__name__)


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def signed(view):
    """Refuse any request not signed with an accepted key (401 with a stable code)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            request.central_key = request_authenticate(request)
        except AuthFailure as exc:
            log.warning("central_auth_refused", code=exc.code, path=request.path)
            return _error(exc.code, exc.message, 401)
        return view(request, *args, **kwargs)

    return wrapper


@signed
@require_POST
def closures_batch(request):
    """Upsert a batch: ``{"records": [...]}`` → ``{"results": [...]}`` in the same order."""
    try:
        body = orjson.loads(request.body)
        records = body["records"]
        if not isinstance(records, list):
            raise TypeError
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return _error("central.batch.malformed", 'body must be {"records": [...]}', 400)
    if len(records) > settings.CENTRAL_MAX_BATCH:
        return _error("central.batch.too_large", "too many records in one batch", 413)
    results = services.closures_upsert(records=records, key_id=request.central_key.key_id)
    return HttpResponse(orjson.dumps({"results": results}), content_type="application/json")


def _date_param(request, name):
    raw = request.GET.get(name, "")
    if not raw:
        return None
    return date.fromisoformat(raw)


@signed
@require_GET
def closures_search(request):
    try:
        offices = request.GET.get("offices")
        result = services.closures_search(
            book_number=request.GET.get("book_number", "").strip(),
            si_number=request.GET.get("si_number", "").strip(),
            unit_code=request.GET.get("unit_code", "").strip(),
            confirmed_from=_date_param(request, "confirmed_from"),
            confirmed_to=_date_param(request, "confirmed_to"),
            office_codes=offices.split(",") if offices is not None else None,
            page=int(request.GET.get("page", "1")),
            page_size=int(request.GET.get("page_size", "20")),
        )
    except ValueError:
        return _error("central.search.malformed", "malformed search parameters", 400)
    return JsonResponse(result)


@signed
@require_GET
def closures_fetch(request):
    book_number = request.GET.get("book_number", "").strip()
    if not book_number:
        return _error("central.fetch.book_required", "book_number is required", 400)
    return JsonResponse({"results": services.closures_fetch(book_number=book_number)})


@signed
@require_http_methods(["GET", "POST"])
def audit_checkpoints(request):
    """POST: keep a portal's signed audit checkpoint (write-once; 201 new, 200 already
    there, 409 another hash at that place). GET ``?source=&after=``: list them in order."""
    if request.method == "GET":
        source = request.GET.get("source", "").strip()
        try:
            after = int(request.GET.get("after", "0"))
        except ValueError:
            return _error("central.checkpoint.malformed", "after must be an integer", 400)
        if not source:
            return _error("central.checkpoint.malformed", "source is required", 400)
        return JsonResponse(checkpoints.checkpoints_list(source=source, after=after))
    try:
        data = orjson.loads(request.body)
        stored, created = checkpoints.checkpoint_store(data=data, key_id=request.central_key.key_id)
    except orjson.JSONDecodeError:
        return _error("central.checkpoint.malformed", "body is not JSON", 400)
    except checkpoints.CheckpointInvalid as exc:
        return _error("central.checkpoint.malformed", str(exc), 400)
    except checkpoints.CheckpointConflict as exc:
        log.error(
            "central_checkpoint_conflict",
            source=exc.stored["source"],
            seq=exc.stored["seq"],
            key_id=request.central_key.key_id,
        )
        return JsonResponse(
            {
                "code": "central.checkpoint.conflict",
                "message": "another checkpoint is stored at this place",
                "stored": exc.stored,
            },
            status=409,
        )
    return JsonResponse({"checkpoint": stored, "created": created}, status=201 if created else 200)
