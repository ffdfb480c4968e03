"""The effective-dated office hierarchy, across the 2025 reorganisation."""

from datetime import date

import pytest

from accounts.models import Office
from accounts.selectors import OfficeNotFound, office_resolve, province_of

pytestmark = pytest.mark.usefixtures("reference_data")


def test_fixture_holds_the_national_office_63_old_and_34_new_provinces():
    provinces = Office.objects.filter(level="province")
    assert Office.objects.filter(level="central").count() == 1
    assert provinces.filter(valid_to=date(2025, 6, 30)).count() == 63
    assert provinces.filter(valid_from=date(2025, 7, 1), valid_to__isnull=True).count() == 34


def test_every_old_province_has_a_current_successor():
    old = Office.objects.filter(level="province", valid_to=date(2025, 6, 30))
    for province in old:
        assert province.successor is not None, province
        assert province.successor.valid_to is None


def test_old_district_code_resolves_to_its_successor_after_2025():
    assert office_resolve("002", on=date(2015, 10, 1)).name == "BHXH quận Hoàn Kiếm"
    today = office_resolve("002", on=date(2026, 1, 15))
    assert today.code == "0101"
    assert today.level == "local"
    assert province_of(today).code == "01"


def test_reused_province_code_depends_on_the_date():
    before = office_resolve("01", on=date(2015, 1, 1))
    after = office_resolve("01", on=date(2026, 1, 1))
    assert before != after
    assert before.valid_to == date(2025, 6, 30)
    assert after.valid_from == date(2025, 7, 1)


def test_merged_province_resolves_to_the_province_that_absorbed_it():
    # Hà Giang (02) merged into Tuyên Quang (08) on 01/07/2025.
    assert office_resolve("02", on=date(2026, 3, 1)).name == "BHXH tỉnh Tuyên Quang"
    assert office_resolve("02", on=date(2020, 3, 1)).name == "BHXH tỉnh Hà Giang"


def test_unknown_code_is_refused():
    with pytest.raises(OfficeNotFound):
        office_resolve("999")


def test_code_before_the_office_existed_is_refused():
    with pytest.raises(OfficeNotFound):
        office_resolve("0101", on=date(2020, 1, 1))
