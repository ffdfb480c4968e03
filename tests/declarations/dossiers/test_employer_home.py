"""The employer's home page shows their own recent dossiers, the latest notices, the
supplement requests waiting for them and the dates ahead; nobody else's, and no one else
gets the panel."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from declarations.dossiers.models import Notice
from tests.declarations.review_world import World, dossier_make

pytestmark = pytest.mark.usefixtures("reference_data")


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def test_the_employer_sees_dossiers_notices_supplements_and_deadlines(client):
    world = World()
    mine = dossier_make(world.unit_a, deadline=date(2031, 3, 5))
    asked = dossier_make(world.unit_a, status="supplement_requested")
    Notice.objects.create(
        dossier=asked, kind="supplement", number="BS-1", data={"reasons": ["BS01"], "note": ""}
    )
    Notice.objects.create(dossier=mine, kind="receipt", number="TN-1", data={})
    theirs = dossier_make(world.unit_b)
    Notice.objects.create(dossier=theirs, kind="receipt", number="TN-2", data={})
    sandbox = dossier_make(world.unit_a, sandbox=True)
    body = _home(client, world.employer_a)
    panel = body.split('data-testid="employer-home"')[1]
    assert mine.transaction_code in panel and asked.transaction_code in panel
    assert theirs.transaction_code not in panel and sandbox.transaction_code not in panel
    supplements = panel.split('data-testid="home-supplements"')[1].split("</section>")[0]
    assert asked.transaction_code in supplements
    assert "Thiếu tờ khai TK1-TS" in supplements and "bo-sung=" in supplements
    notices = panel.split('data-testid="home-notices"')[1].split("</section>")[0]
    assert "TN-1" not in notices and mine.transaction_code in notices  # its receipt
    assert theirs.transaction_code not in notices
    dates = panel.split('data-testid="home-deadlines"')[1].split("</section>")[0]
    assert "05/03/2031" in dates  # the office answers the open dossier by then
    today = timezone.localdate()
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert month_end.strftime("%d/%m/%Y") in dates


def test_the_panel_costs_the_same_few_queries_for_many_dossiers(client):
    world = World()
    for i in range(3):
        asked = dossier_make(world.unit_a, status="supplement_requested")
        Notice.objects.create(dossier=asked, kind="supplement", number=f"A-{i}", data={})
    client.force_login(world.employer_a)
    client.get(reverse("home"))  # the session and the user's roles, read once
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(20):
        Notice.objects.create(
            dossier=dossier_make(world.unit_a, status="supplement_requested"),
            kind="supplement",
            number=f"BS-{Notice.objects.count()}",
            data={"reasons": ["BS02"]},
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def test_staff_get_no_employer_panel(client):
    world = World()
    dossier_make(world.unit_a)
    assert 'data-testid="employer-home"' not in _home(client, world.officer_a)
