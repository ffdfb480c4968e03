"""Vietnamese first with an English switch; one JSON log line per event."""

import json
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_vietnamese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert '<html lang="vi">' in response.content.decode()
    assert "Đăng nhập" in response.content.decode()


def test_language_switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_log_lines_are_json_with_the_request_id(client, capsys):
    from portal.logconfig import json_logging

    config = json_logging("INFO")
    handler = logging.StreamHandler()
    handler.setFormatter(
        config["formatters"]["json"]["()"](
            **{k: v for k, v in config["formatters"]["json"].items() if k != "()"}
        )
    )
    logger = logging.getLogger("django_structlog")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get(reverse("accounts:login"))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    events = {line["event"]: line for line in lines}
    assert "request_started" in events and "request_finished" in events
    request_id = events["request_started"]["request_id"]
    assert len(request_id) >= 32
    assert events["request_finished"]["request_id"] == request_id
    assert events["request_finished"]["code"] == 200
