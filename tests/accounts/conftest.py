"""People and applications the accounts tests share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command

from accounts.models import BusinessApplication, User
from accounts.selectors import office_resolve
from tests.factories import UserFactory, grant


def _load_applications():
    if not BusinessApplication.objects.exists():
        call_command("loaddata", "applications", verbosity=0)
    return {a.code: a for a in BusinessApplication.objects.all()}


@pytest.fixture
def applications(reference_data):
    return _load_applications()


@pytest.fixture
def applications_tx(reference_data_tx):
    return _load_applications()


@dataclass
class People:
    hn_admin: User
    th_admin: User
    leader: User
    central_it: User
    officer: User  # receiving officer at 0101 (Hà Nội) with rights in "receiving"


def _people():
    from accounts.lifecycle import application_grant

    o = office_resolve
    hn_admin = UserFactory(username="qt_hanoi", email="qt_hanoi@bhxh.gov.vn")
    grant(hn_admin, "provincial_admin", o("01"))
    th_admin = UserFactory(username="qt_thanhhoa", email="qt_thanhhoa@bhxh.gov.vn")
    grant(th_admin, "provincial_admin", o("38"))
    leader = UserFactory(username="lanhdao", email="lanhdao@bhxh.gov.vn")
    grant(leader, "central_leader", o("00"))
    central_it = UserFactory(username="cntt_tw", email="cntt@bhxh.gov.vn")
    grant(central_it, "central_it", o("00"))
    officer = UserFactory(username="tiepnhan", email="tiepnhan@bhxh.gov.vn")
    grant(officer, "receiving_officer", o("0101"))
    from accounts.models import BusinessApplication as App

    application_grant(
        actor=None, user=officer, application=App.objects.get(pk="receiving"), office=o("0101")
    )
    return People(hn_admin, th_admin, leader, central_it, officer)


@pytest.fixture
def people(applications):
    return _people()


@pytest.fixture
def people_tx(applications_tx):
    """The same people, committed (for browser tests against the live server)."""
    return _people()
