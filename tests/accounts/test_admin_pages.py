"""The administrator's pages as a new user meets them: the first quarterly report lists the
accounts that exist, employers' users are never agency staff, an office renumbered in 2025
is offered once, and long lists are paged (total shown), never cut."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from accounts import lifecycle, reports
from accounts.models import ApplicationGrant, PersonnelDecision, User
from accounts.selectors import office_resolve
from tests.factories import UserFactory, grant

from .timeutil import vn

pytestmark = pytest.mark.django_db


def test_first_report_lists_every_account_holding_a_role_not_an_employer_s(people):
    clerk = UserFactory(username="chi.role")  # a role at a local office, no application rights
    grant(clerk, "collection_officer", office_resolve("0102"), valid_from=date(2029, 1, 1))
    unit_user = UserFactory(username="donvi.abc")  # kind left at the default, as the demo did
    grant(unit_user, "employer_user", office_resolve("0101"), valid_from=date(2029, 1, 1))
    with time_machine.travel(vn(date(2030, 4, 3), 9), tick=False):
        report = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
    existing = {r["username"]: r for r in report.figures["existing"]}
    assert existing["chi.role"]["office"] == "0102" and existing["chi.role"]["applications"] == []
    assert "donvi.abc" not in existing


def test_an_employer_user_is_not_listed_as_staff_nor_offered_a_decision(people, client):
    unit_user = UserFactory(username="donvi.xyz")
    grant(unit_user, "employer_user", office_resolve("0101"))
    client.force_login(people.hn_admin)
    staff = {u.username for u in client.get(reverse("accounts:staff")).context["page"]}
    assert "tiepnhan" in staff and "donvi.xyz" not in staff
    form = client.get(reverse("accounts:decision_new")).context["form"]
    offered = {u.username for u in form.fields["user"].queryset}
    assert "tiepnhan" in offered and "donvi.xyz" not in offered
    assert client.get(reverse("accounts:staff_detail", args=[unit_user.pk])).status_code == 404


def test_an_office_renumbered_in_2025_is_offered_once(people, client):
    client.force_login(people.hn_admin)
    for name in ("accounts:staff_new", "accounts:outside_new"):
        form = client.get(reverse(name)).context["form"]
        labels = [str(o) for o in form.fields["office"].queryset]
        assert labels.count("01 – BHXH thành phố Hà Nội") == 1, name
    detail = client.get(reverse("accounts:staff_detail", args=[people.officer.pk]))
    labels = [str(o) for o in detail.context["form"].fields["office"].queryset]
    assert labels.count("01 – BHXH thành phố Hà Nội") == 1


def test_the_staff_list_is_paged_with_its_total_not_cut(people, client):
    role_office = office_resolve("0101")
    for i in range(320):
        user = User.objects.create(username=f"cb{i:03d}", full_name=f"Cán bộ {i}")
        ApplicationGrant.objects.create(user=user, application_id="lookup", office=role_office)
    client.force_login(people.hn_admin)
    first = client.get(reverse("accounts:staff"))
    assert first.context["page"].paginator.count == 322  # and the admin, the officer
    body = first.content.decode()
    assert "Tổng số: 322" in body and "page=7" in body  # the last page's link
    last = client.get(reverse("accounts:staff"), {"page": 7})
    assert [u.username for u in last.context["page"]][-3:] == ["cb319", "qt_hanoi", "tiepnhan"]
    searched = client.get(reverse("accounts:staff"), {"q": "cb31", "page": 1})
    assert searched.context["page"].paginator.count == 10
    assert "q=cb31" in searched.content.decode()  # the page links keep the search


def test_decisions_and_dormant_accounts_are_paged(people, client):
    office = office_resolve("0101")
    users = []
    for i in range(260):
        user = User.objects.create(username=f"nv{i:03d}", date_joined=vn(date(2020, 1, 1), 9))
        ApplicationGrant.objects.create(user=user, application_id="lookup", office=office)
        users.append(user)
    PersonnelDecision.objects.bulk_create(
        PersonnelDecision(
            user=u,
            number=f"{i}/QĐ",
            signed_on=date(2030, 1, 1),
            kind="maternity",
            effective_on=date(2030, 1, 2),
            office=office,
        )
        for i, u in enumerate(users)
    )
    client.force_login(people.hn_admin)
    decisions = client.get(reverse("accounts:decisions"))
    assert decisions.context["page"].paginator.count == 260
    assert len(client.get(reverse("accounts:decisions"), {"page": 6}).context["page"]) == 10
    dormant = client.get(reverse("accounts:dormant"))
    expected = lifecycle.dormant_accounts(people.hn_admin).count()
    assert expected > 250 and dormant.context["page"].paginator.count == expected
