"""accounts.scope: what each role may see and act on, and every refusal."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import scope
from accounts.selectors import office_resolve
from declarations.employers.models import Employer
from tests.factories import (
    EmployerFactory,
    ProviderFactory,
    UserFactory,
    carry,
    employer_user,
    grant,
    provider_user,
)

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def world():
    """Employers in Hà Nội (two local offices, one pre-2025 district), HCMC and Thanh Hóa."""
    o = office_resolve
    emp = {
        "hn_badinh": EmployerFactory(unit_code="HN0001A", managing_office=o("0101")),
        "hn_dongda": EmployerFactory(unit_code="HN0002A", managing_office=o("0102")),
        "hn_old_district": EmployerFactory(
            unit_code="HN0003A", managing_office=o("002", on=date(2015, 1, 1))
        ),
        "hcm": EmployerFactory(unit_code="HCM001A", managing_office=o("7901")),
        "th": EmployerFactory(unit_code="TH0001A", managing_office=o("3801")),
    }
    vnpt, ts24 = ProviderFactory(code="VNPT"), ProviderFactory(code="TS24")
    carry(emp["hcm"], vnpt)
    carry(emp["th"], ts24)
    return emp, vnpt, ts24


def visible(user):
    return set(scope.scoped(user, Employer.objects.all()).values_list("unit_code", flat=True))


ALL = {"HN0001A", "HN0002A", "HN0003A", "HCM001A", "TH0001A"}


@pytest.mark.parametrize(
    ("role", "office_code", "expected"),
    [
        ("receiving_officer", "0101", {"HN0001A", "HN0003A"}),
        ("collection_officer", "0102", {"HN0002A"}),
        ("closure_operator", "7901", {"HCM001A"}),
        ("it_staff", "01", {"HN0001A", "HN0002A", "HN0003A"}),
        ("provincial_admin", "38", {"TH0001A"}),
        ("central_leader", "00", ALL),
        ("central_it", "00", ALL),
    ],
)
def test_staff_roles_see_their_offices_only(world, role, office_code, expected):
    user = UserFactory()
    grant(user, role, office_resolve(office_code))
    assert visible(user) == expected


def test_employer_user_sees_only_its_own_unit(world):
    emp, _, _ = world
    user = employer_user(emp["hn_badinh"])
    assert visible(user) == {"HN0001A"}


def test_ivan_client_sees_only_employers_its_provider_carries(world):
    _, vnpt, ts24 = world
    assert visible(provider_user(vnpt)) == {"HCM001A"}
    assert visible(provider_user(ts24)) == {"TH0001A"}


def test_user_without_role_sees_nothing(world):
    assert visible(UserFactory()) == set()


def test_inactive_user_sees_nothing(world):
    user = UserFactory(is_active=False)
    grant(user, "central_it", office_resolve("00"))
    assert visible(user) == set()


def test_ended_membership_gives_nothing(world):
    user = UserFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    grant(
        user,
        "receiving_officer",
        office_resolve("0101"),
        valid_from=date(2024, 1, 1),
        valid_to=yesterday,
    )
    assert visible(user) == set()


def test_future_membership_gives_nothing_yet(world):
    user = UserFactory()
    grant(
        user,
        "receiving_officer",
        office_resolve("0101"),
        valid_from=timezone.localdate() + timedelta(days=1),
    )
    assert visible(user) == set()


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()


def test_action_needs_the_permission_at_that_office(world):
    operator, receiver = UserFactory(), UserFactory()
    grant(operator, "closure_operator", office_resolve("0101"))
    grant(receiver, "receiving_officer", office_resolve("0101"))
    assert scope.may(operator, "accounts.transfer_closure", office_resolve("0101"))
    assert not scope.may(operator, "accounts.transfer_closure", office_resolve("7901"))
    assert not scope.may(receiver, "accounts.transfer_closure", office_resolve("0101"))
    assert not scope.may(operator, "accounts.transfer_closure", None)


def test_scoped_with_permission_narrows_to_offices_holding_it(world):
    user = UserFactory()
    grant(user, "closure_operator", office_resolve("0101"))
    grant(user, "receiving_officer", office_resolve("7901"))
    transfer = scope.scoped(user, Employer.objects.all(), permission="accounts.transfer_closure")
    assert set(transfer.values_list("unit_code", flat=True)) == {"HN0001A", "HN0003A"}


def test_provincial_admin_office_list_includes_merged_predecessors(world):
    user = UserFactory()
    grant(user, "provincial_admin", office_resolve("08"))  # Tuyên Quang absorbed Hà Giang
    codes = set(scope.offices_for(user).values_list("code", flat=True))
    assert {"08", "02"} <= codes
    assert "01" not in codes


def test_model_without_scope_cannot_be_listed():
    from accounts.models import Office

    with pytest.raises(TypeError):
        scope.scoped(UserFactory(), Office.objects.all())


def test_may_reach_answers_as_scoped_and_asks_once_per_request(world, django_assert_num_queries):
    emp, _vnpt, _ts24 = world
    user = employer_user(emp["hn_badinh"])
    fresh = type(user).objects.get(pk=user.pk)  # a request's user object: nothing cached
    submit = "accounts.submit_dossiers"
    assert scope.may_reach(fresh, emp["hn_badinh"], permission=submit)
    assert not scope.may_reach(fresh, emp["hn_dongda"], permission=submit)
    with django_assert_num_queries(0):  # remembered on the user object
        assert scope.may_reach(fresh, emp["hn_badinh"], permission=submit)
        assert not scope.may_reach(fresh, emp["hn_dongda"], permission=submit)
    stranger = UserFactory()
    assert not scope.may_reach(stranger, emp["hn_badinh"], permission=submit)


def test_what_scoped_found_is_reached_without_a_query(world, django_assert_num_queries):
    from declarations.employers.selectors import employer_of

    emp, _vnpt, _ts24 = world
    made = employer_user(emp["hcm"])
    user = type(made).objects.get(pk=made.pk)
    assert employer_of(user) == emp["hcm"]
    with django_assert_num_queries(0):
        assert scope.may_reach(user, emp["hcm"], permission="accounts.submit_dossiers")


def test_a_membership_holds_its_role_permissions_from_one_query(world, django_assert_num_queries):
    emp, _vnpt, _ts24 = world
    made = employer_user(emp["hn_badinh"])
    user = type(made).objects.get(pk=made.pk)
    with django_assert_num_queries(2):  # memberships, then every role's permissions
        memberships = scope.memberships_of(user)
    assert "accounts.submit_dossiers" in memberships[0].permission_codes
    assert "accounts.receive_dossiers" not in memberships[0].permission_codes
