"""Request parsers of the I-VAN API, each bounded: a body declared larger than its limit is
refused (413, ``IVAN_PAYLOAD_TOO_LARGE``) unread, and a body of unknown length is read at
most one byte past the limit (multipart: stopped mid-stream by
:class:`core.uploads.LimitedUploadHandler`).

JSON and form bodies need no parser of their own: DRF reads them through ``request.body``,
which Django refuses past ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before reading (the exception
handler answers that 413 too)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.parsers import BaseParser, MultiPartParser

from core.uploads import LimitedUploadHandler
from ivan.api.errors import ApiProblem


def payload_too_large() -> ApiProblem:
    return ApiProblem("IVAN_PAYLOAD_TOO_LARGE", 413)


def declared_length(parser_context) -> int:
    request = (parser_context or {}).get("request")
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        return 0


def bounded_read(stream, parser_context, limit: int) -> bytes:
    """The whole body, or a 413 refusal without reading more than ``limit`` + 1 bytes."""
    if declared_length(parser_context) > limit:
        raise payload_too_large()
    if stream is None:
        return b""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise payload_too_large()
    return data


class BoundedMultiPartParser(MultiPartParser):
    """Files of one request up to :meth:`file_limit` (plus room for the other fields)."""

    FIELDS_ALLOWANCE = 64 * 1024

    def file_limit(self) -> int:
        return settings.UPLOAD_MAX_BYTES

    def parse(self, stream, media_type=None, parser_context=None):
        limit = self.file_limit()
        if declared_length(parser_context) > limit + self.FIELDS_ALLOWANCE:
            raise payload_too_large()
        django_request = parser_context["request"]._request
        handler = LimitedUploadHandler(django_request, limit=limit)
        django_request.upload_handlers = [
            handler,
            *(h for h in django_request.upload_handlers if not isinstance(h, LimitedUploadHandler)),
        ]
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:
            raise payload_too_large() from None
        if handler.refused:
            raise payload_too_large()
        return parsed


class EnvelopeMultiPartParser(BoundedMultiPartParser):
    """The signed envelope as the ``file`` field: at most ``INTAKE_MAX_BYTES``."""

    def file_limit(self) -> int:
        return settings.INTAKE_MAX_BYTES


class XmlBodyParser(BaseParser):
    """The envelope as raw bytes (it is verified byte for byte, so it is never re-encoded),
    at most ``INTAKE_MAX_BYTES``."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return bounded_read(stream, parser_context, settings.INTAKE_MAX_BYTES)


class TextXmlBodyParser(XmlBodyParser):
    media_type = "text/xml"
