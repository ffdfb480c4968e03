"""The demo as a provincial admin meets it: employers' and providers' users are not agency
staff, and the quarterly report of the quarter just ended lists the existing accounts."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import reports
from accounts.models import User
from accounts.selectors import office_resolve

pytestmark = pytest.mark.django_db


def test_demo_accounts_have_their_kinds_and_appear_in_the_first_report(client, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    kinds = dict(User.objects.values_list("username", "account_kind"))
    assert kinds["donvi_tzh490l"] == "employer" and kinds["ivan_vnpt"] == "provider"
    assert kinds["tiepnhan_badinh"] == "staff"
    year, quarter = reports.previous_quarter(timezone.localdate())
    report = reports.report_get(province=office_resolve("01"), year=year, quarter=quarter)
    listed = {r["username"] for r in report.figures["existing"]}
    assert {"tiepnhan_badinh", "thu_badinh", "chotso_badinh", "quantri_hanoi"} <= listed
    assert "donvi_tzh490l" not in listed
    client.force_login(User.objects.get(username="quantri_hanoi"))
    staff = {u.username for u in client.get(reverse("accounts:staff")).context["page"]}
    assert "tiepnhan_badinh" in staff and "donvi_tzh490l" not in staff
