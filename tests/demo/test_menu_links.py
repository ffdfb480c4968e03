"""Every link in the menu of each demo user opens (200), on the seeded demo: no role is
shown a page it may not open, nor refused a page of its own job. The pages also write
date inputs in ISO form and SVG numbers with a dot (Vietnamese formatting leaks
nowhere into markup)."""

import re

import pytest
from django.core.management import call_command

from accounts.models import User
from core import navigation
from demo.seed import DEMO_USERS

pytestmark = pytest.mark.django_db(databases=["default", "central"])

DATE_INPUT = re.compile(r'<input[^>]*type="date"[^>]*>')
VALUE = re.compile(r'\svalue="([^"]*)"')
SVG_NUMBER = re.compile(r"<(?:rect|line|text|circle|polyline)\b[^>]*>")
COORD = re.compile(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"')


def _markup_problems(url: str, html: str) -> list[str]:
    problems = []
    for tag in DATE_INPUT.findall(html):
        value = VALUE.search(tag)
        if value and value[1] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[1]):
            problems.append(f"{url}: date input value {value[1]!r}")
    for tag in SVG_NUMBER.findall(html):
        for number in COORD.findall(tag):
            if not re.fullmatch(r"-?\d+(\.\d+)?%?", number):
                problems.append(f"{url}: SVG number {number!r}")
    return problems


def test_every_menu_link_of_every_demo_user_opens(client, settings):
    settings.ACCOUNTS_OTP_REQUIRED = False  # the second factor has its own tests
    call_command("seed_demo")
    refused, problems = [], []
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        client.force_login(user)
        links = [item["url"] for item in navigation.items_for(user)]
        assert links, spec.username
        for url in links:
            response = client.get(url)
            if response.status_code != 200:
                refused.append((spec.username, spec.role, url, response.status_code))
            elif "html" in response.get("Content-Type", ""):
                problems += _markup_problems(url, response.content.decode())
    assert refused == []
    assert problems == []
