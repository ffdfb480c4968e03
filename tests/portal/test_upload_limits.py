"""Uploads stop being read at their path's limit; uploaded files are served only through
scoped, audited views; pages carry a Content-Security-Policy without inline scripts.

The 200 MB bodies are produced chunk by chunk (never held in the test process) and go
through the Django test client, so the server side runs in this process: its RSS, sampled
all through the request, must not grow by 10 MB, and the body must not be read past the
limit (plus one read chunk)."""

from __future__ import annotations

import importlib
import re
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path

import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import AuditEntry
from accounts.selectors import office_resolve
from declarations.difficulties.models import Difficulty
from declarations.difficulties.services import difficulty_file
from declarations.employers.selectors import employer_of
from ivan.api.parsers import BoundedMultiPartParser
from tests.factories import EmployerFactory, UserFactory, employer_user, grant
from tests.ivan.conftest import issue_client  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
BIG = 200 * MB
CHUNK = 64 * 1024
BOUNDARY = "----bhxh-upload-limit-test"


class StreamedBody:
    """A request body of ``size`` bytes made on demand: ``head``, filler, ``tail``. Counts
    what the server read from it."""

    def __init__(self, head: bytes, size: int, tail: bytes = b""):
        self.head, self.tail = head, tail
        self.filler = size - len(head) - len(tail)
        self.size = size
        self.consumed = 0
        self._block = b"A" * CHUNK

    def _piece(self, pos: int, n: int) -> bytes:
        out = []
        while n > 0 and pos < self.size:
            if pos < len(self.head):
                part = self.head[pos : pos + n]
            elif pos < len(self.head) + self.filler:
                left = len(self.head) + self.filler - pos
                part = self._block[: min(n, left, CHUNK)]
            else:
                start = pos - len(self.head) - self.filler
                part = self.tail[start : start + n]
            out.append(part)
            pos += len(part)
            n -= len(part)
        return b"".join(out)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self.consumed
        data = self._piece(self.consumed, min(size, 4 * CHUNK))
        self.consumed += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else CHUNK)


class RssPeak:
    """The process's resident set size before and at its highest during a block."""

    def __enter__(self):
        self.process = psutil.Process()
        self.before = self.process.memory_info().rss
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(0.002)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth(self) -> int:
        return self.peak - self.before


def multipart(fields: dict[str, str], file_field: str, filename: str, size: int) -> StreamedBody:
    head = b""
    for name, value in fields.items():
        head += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return StreamedBody(head, size, f"\r\n--{BOUNDARY}--\r\n".encode())


def post_streamed(client: Client, path: str, body: StreamedBody, content_type: str, **extra):
    return client.generic(
        "POST",
        path,
        **{
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(body.size),
            "wsgi.input": body,
            **extra,
        },
    )


# --- the upload paths: who posts, where, which field, its limit --------------------------------
def _employer_member():
    return employer_user(EmployerFactory(managing_office=office_resolve("0101")))


def _staff(role, code):
    user = UserFactory()
    grant(user, role, office_resolve(code), valid_from=date(2015, 1, 1))
    return user


PAGES = {
    # name: (user maker, url name, fields before the file, file field, limit)
    "register": (None, "declarations:register", {}, "certificate", 64 * 1024 + 128 * 1024),
    "upload": (_employer_member, "declarations:upload", {}, "file", 7 * MB),
    "compose-xlsx": (
        _employer_member,
        "declarations:compose",
        {"action": "import", "procedure": "600"},
        "xlsx",
        4 * MB,
    ),
    "certificate": (_employer_member, "declarations:certificates", {}, "certificate", 192 * 1024),
    "difficulty": (
        _employer_member,
        "district:difficulty_new",
        {"category": "software", "subject": "x", "description": "x"},
        "files",
        5 * MB,
    ),
    "data-request-letter": (
        lambda: _staff("provincial_admin", "01"),
        "accounts:data_request_new",
        {"letter_number": "1/BHXH"},
        "letter_file",
        10 * MB,
    ),
    "data-request-export": (
        lambda: _staff("central_it", "00"),
        ("accounts:data_request_fulfil", [1]),
        {},
        "export_file",
        50 * MB,
    ),
    "central-credentials": (
        lambda: _staff("central_it", "00"),
        "central:credentials",
        {},
        "credential_file",
        16 * 1024,
    ),
}


def _page_url(name) -> str:
    url = PAGES[name][1]
    return reverse(url[0], args=url[1]) if isinstance(url, tuple) else reverse(url)


@pytest.fixture
def page_client(reference_data, client):
    def make(name):
        maker = PAGES[name][0]
        if maker is not None:
            client.force_login(maker())
        return client

    return make


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("how", ["declared", "streamed"])
def test_a_200_mb_upload_to_each_page_is_refused_without_being_read(
    page_client, settings, name, how
):
    """``declared``: the Content-Length says 200 MB, nothing is read. ``streamed``: the
    form-field allowance is raised so only the stream-side handler can stop it."""
    _maker, _url, fields, file_field, limit = PAGES[name]
    client = page_client(name)
    if how == "streamed":
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * BIG
    # A first refusal warms up the page's code and templates (not part of the growth).
    post_streamed(
        client,
        _page_url(name),
        multipart(fields, file_field, "big.bin", BIG),
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    body = multipart(fields, file_field, "big.bin", BIG)
    with RssPeak() as rss:
        response = post_streamed(
            client, _page_url(name), body, f"multipart/form-data; boundary={BOUNDARY}"
        )
    assert response.status_code == 413
    assert [e["code"] for e in response.context["errors"]] == ["UPLOAD_TOO_LARGE"]
    assert 'data-code="UPLOAD_TOO_LARGE"' in response.content.decode()
    assert "vượt quá dung lượng" in response.content.decode()  # Vietnamese first
    if how == "declared":
        assert body.consumed == 0
    else:
        assert limit < body.consumed <= limit + len(body.head) + 8 * CHUNK
    assert rss.growth < 10 * MB, f"RSS grew by {rss.growth / MB:.1f} MB"
    print(f"{name}/{how}: RSS growth {rss.growth / MB:.2f} MB, read {body.consumed} bytes")


def test_the_refusal_is_in_english_when_the_user_chose_it(page_client):
    client = page_client("upload")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = post_streamed(
        client,
        _page_url("upload"),
        multipart({}, "file", "big.xml", BIG),
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 413
    assert "exceeds the size limit (7 MB)" in response.content.decode()


def test_nothing_is_written_when_an_attachment_upload_is_refused(page_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * BIG
    client = page_client("difficulty")
    response = post_streamed(
        client,
        _page_url("difficulty"),
        multipart(PAGES["difficulty"][2], "files", "big.pdf", 6 * MB),
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 413
    assert not Difficulty.objects.exists()


@pytest.mark.parametrize(
    "name, upload, expected",
    [
        ("upload", SimpleUploadedFile("d.xml", b"<Hoso/>"), 400),
        ("compose-xlsx", SimpleUploadedFile("rows.xlsx", b"not a workbook"), 200),
        ("certificate", SimpleUploadedFile("c.cer", b"not a certificate"), 400),
        ("difficulty", SimpleUploadedFile("loi.pdf", b"%PDF-1.4 " + b"x" * 300_000), 302),
    ],
)
def test_normal_size_uploads_still_reach_the_page(page_client, name, upload, expected):
    _maker, _url, fields, file_field, _limit = PAGES[name]
    client = page_client(name)
    response = client.post(_page_url(name), {**fields, file_field: upload})
    assert response.status_code == expected
    if response.status_code != 302:
        assert b"UPLOAD_TOO_LARGE" not in response.content


# --- the I-VAN API ------------------------------------------------------------------------------
@pytest.fixture
def bearer(issue_client):  # noqa: F811
    issued = issue_client("VNPT", ["dossiers:submit", "dossiers:read"])
    token = AccessToken.objects.create(
        application=issued.client.application,
        token=uuid.uuid4().hex,
        expires=timezone.now() + timedelta(hours=1),
        scope="dossiers:submit dossiers:read",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}


API = "/api/ivan/v1/dossiers"


@pytest.mark.parametrize(
    "kind, how",
    [("xml", "declared"), ("multipart", "declared"), ("multipart", "streamed")],
)
def test_a_200_mb_dossier_to_the_api_is_refused_with_a_problem_413(bearer, monkeypatch, kind, how):
    if how == "streamed":
        monkeypatch.setattr(BoundedMultiPartParser, "FIELDS_ALLOWANCE", 2 * BIG)

    def make():
        if kind == "xml":
            return StreamedBody(b'<?xml version="1.0"?><Hoso>', BIG, b"</Hoso>"), "application/xml"
        return multipart({}, "file", "hoso.xml", BIG), f"multipart/form-data; boundary={BOUNDARY}"

    client = Client()
    post_streamed(client, API, *make(), **bearer)  # warm-up
    body, content_type = make()
    with RssPeak() as rss:
        response = post_streamed(client, API, body, content_type, **bearer)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "IVAN_PAYLOAD_TOO_LARGE"
    if how == "declared":
        assert body.consumed == 0
    else:
        assert 7 * MB < body.consumed <= 7 * MB + len(body.head) + 8 * CHUNK
    assert rss.growth < 10 * MB, f"RSS grew by {rss.growth / MB:.1f} MB"
    print(f"api {kind}/{how}: RSS growth {rss.growth / MB:.2f} MB, read {body.consumed} bytes")


def test_a_200_mb_json_body_to_the_api_is_refused_unread(bearer):
    body = StreamedBody(b'{"unit_code": "', BIG, b'"}')
    response = post_streamed(Client(), "/api/ivan/v1/employers", body, "application/json", **bearer)
    assert response.status_code == 413
    assert response.json()["code"] == "IVAN_PAYLOAD_TOO_LARGE"
    assert body.consumed == 0


# --- uploaded files: never under /media/, only through scoped, audited views ------------------
def test_media_is_not_routed_in_any_settings(settings):
    import portal.urls

    try:
        settings.DEBUG = True  # what the dev settings run with
        importlib.reload(portal.urls)
        with pytest.raises(Resolver404):
            resolve(f"/{settings.MEDIA_URL}difficulties/x.pdf")
    finally:
        settings.DEBUG = False
        importlib.reload(portal.urls)
    for module in ("base", "dev", "test", "production"):
        text = (ROOT / "portal" / "settings" / f"{module}.py").read_text()
        assert not re.search(r"\bstatic\(|views\.static|\bserve\b", text), module


def test_media_is_not_served_anonymously(client, reference_data):
    member = _employer_member()
    difficulty = difficulty_file(
        actor=member,
        employer=employer_of(member),
        category="software",
        subject="x",
        description="x",
        files=[SimpleUploadedFile("loi.pdf", b"%PDF-1.4 secret")],
    )
    stored = difficulty.attachments.get().file.name
    response = client.get(f"/media/{stored}")
    assert response.status_code == 404
    assert b"secret" not in response.content


def test_an_attachment_is_refused_to_another_employer_and_audited_when_given(
    client, reference_data
):
    member = _employer_member()
    difficulty = difficulty_file(
        actor=member,
        employer=employer_of(member),
        category="software",
        subject="x",
        description="x",
        files=[SimpleUploadedFile("loi.pdf", b"%PDF-1.4 ours")],
    )
    attachment = difficulty.attachments.get()
    url = reverse("district:difficulty_attachment", args=[attachment.pk])

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(_employer_member())  # another employer's user
    assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="difficulty.attachment_downloaded").exists()

    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 ours"
    entry = AuditEntry.objects.get(action="difficulty.attachment_downloaded")
    assert entry.actor == member and entry.data["attachment"] == attachment.pk


# --- Content-Security-Policy ---------------------------------------------------------------------
def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/tai-khoan/dang-nhap/", "/giao-dich/dang-ky/"])
def test_pages_carry_a_csp_without_inline_scripts(client, reference_data, path):
    response = client.get(path)
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]


def test_the_swagger_page_loads_its_script_from_the_site(client, reference_data):
    page = client.get("/api/ivan/v1/docs")
    assert page.status_code == 200
    assert _policy(page)["script-src"] == ["'self'"]
    html = page.content.decode()
    assert re.search(r"<script>\s*\S", html) is None
    script = client.get("/api/ivan/v1/docs?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("*/*/templates")]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=\s*[\"']", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from folder.rglob("*.html")


def test_no_template_has_inline_scripts_handlers_or_styles():
    offenders = []
    for template in _templates():
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE, re.compile("javascript:", re.I)):
            for match in pattern.finditer(text):
                if 'type="application/json"' in match.group(0):
                    continue
                offenders.append(f"{template.relative_to(ROOT)}: {match.group(0)[:60]}")
    assert offenders == []
    assert len(list(_templates())) > 50
