"""One access matrix per role for the payments pages: only collection officers import
statements, work the queue and list payments."""

import pytest

from tests.declarations.adoption.test_district_access import make

pytestmark = pytest.mark.usefixtures("reference_data")

PAGES = ["/quan-ly/thu-tien/sao-ke/", "/quan-ly/thu-tien/chua-doi-chieu/", "/quan-ly/thu-tien/"]
MATRIX = {
    #                     import queue list
    "employer_user": (403, 403, 403),
    "ivan_client": (403, 403, 403),
    "receiving_officer": (403, 403, 403),
    "collection_officer": (200, 200, 200),
    "closure_operator": (403, 403, 403),
    "it_staff": (403, 403, 403),
    "provincial_admin": (403, 403, 403),
    "central_leader": (403, 403, 403),
    "central_it": (403, 403, 403),
}


@pytest.mark.parametrize("role", MATRIX)
def test_access_matrix(client, role):
    client.force_login(make(role))
    got = tuple(client.get(page).status_code for page in PAGES)
    assert got == MATRIX[role]
