"""One access matrix per role for the adoption and difficulty pages."""

from datetime import date

import pytest

from accounts.selectors import office_resolve
from tests.factories import (
    EmployerFactory,
    ProviderFactory,
    UserFactory,
    employer_user,
    grant,
    provider_user,
)

pytestmark = pytest.mark.usefixtures("reference_data")

PAGES = [
    "/quan-ly/ty-le-dien-tu/",
    "/quan-ly/phan-cong/",
    "/quan-ly/phien-ban/",
    "/quan-ly/vuong-mac/",
    "/quan-ly/vuong-mac/can-tra-loi/",
    "/quan-ly/vuong-mac/gui/",
    "/quan-ly/vuong-mac/tong-hop/",
]
MATRIX = {
    #                    adoption assign release list inbox  new  summary
    "employer_user": (403, 403, 403, 200, 403, 200, 403),
    "ivan_client": (403, 403, 403, 200, 200, 403, 403),
    "receiving_officer": (403, 403, 403, 200, 200, 200, 403),
    "collection_officer": (200, 403, 200, 200, 200, 200, 403),
    "closure_operator": (403, 403, 403, 200, 403, 200, 403),
    "it_staff": (200, 403, 200, 200, 200, 200, 403),
    "provincial_admin": (200, 200, 200, 200, 200, 403, 200),
    "central_leader": (200, 403, 200, 200, 403, 403, 200),
    "central_it": (200, 403, 200, 200, 200, 403, 200),
}
OFFICE = {
    "receiving_officer": "7501",
    "collection_officer": "7501",
    "closure_operator": "7501",
    "it_staff": "75",
    "provincial_admin": "75",
    "central_leader": "00",
    "central_it": "00",
}


def make(role):
    if role == "employer_user":
        return employer_user(EmployerFactory(managing_office=office_resolve("7501")))
    if role == "ivan_client":
        return provider_user(ProviderFactory())
    user = UserFactory()
    grant(user, role, office_resolve(OFFICE[role]), valid_from=date(2015, 1, 1))
    return user


@pytest.mark.parametrize("role", list(MATRIX))
def test_access_matrix(client, role):
    client.force_login(make(role))
    got = tuple(client.get(url).status_code for url in PAGES)
    assert got == MATRIX[role]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response.url


def test_hostile_parameters_never_give_a_500(client):
    client.force_login(make("central_leader"))
    for url in (
        "/quan-ly/ty-le-dien-tu/?office=abc&months=xyz",
        "/quan-ly/ty-le-dien-tu/xlsx?office=%27;--",
        "/quan-ly/phien-ban/?release=1%20OR%201=1",
        "/quan-ly/vuong-mac/?status=%3Cscript%3E&category=x&page=-1",
        "/quan-ly/vuong-mac/tong-hop/?start=31/02/2026&end=nope",
    ):
        assert client.get(url).status_code in (200, 403, 404), url


def test_pages_are_vietnamese_first_and_english_on_request(client, settings):
    client.force_login(make("central_leader"))
    vi = client.get("/quan-ly/ty-le-dien-tu/").content.decode()
    assert "Tỷ lệ giao dịch điện tử" in vi and "Bảng xếp hạng" in vi
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get("/quan-ly/ty-le-dien-tu/").content.decode()
    assert "E-transaction adoption" in en and "Leaderboard" in en


def test_refusal_messages_carry_a_code_in_the_chosen_language(client, settings):
    client.force_login(make("provincial_admin"))
    office = office_resolve("7501")
    url = "/quan-ly/ty-le-dien-tu/chi-tieu"
    response = client.post(
        url, {"office": office.pk, "share": "abc", "due_on": "2026-12-31"}, follow=True
    )
    assert "TARGET_INVALID: kiểm tra tỷ lệ và ngày." in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        url, {"office": office.pk, "share": "abc", "due_on": "2026-12-31"}, follow=True
    )
    assert "TARGET_INVALID: check the share and the date." in response.content.decode()
