"""Procedure rules of 600 and 600a over the D02-LT rows: every error, with its place."""

from __future__ import annotations

import pytest

from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.procedures import REGISTRY, procedure_get
from declarations.intake.envelope import d02lt_build
from declarations.intake.models import BaseSalary, RegionalMinimumWage
from declarations.intake.pipeline import intake_submit
from declarations.intake.procedures.d02lt import d02lt_rules_check
from declarations.intake.rates import MoneyTables
from tests.declarations.conftest import worker


def check(rows, employer, procedure="600"):
    root = parse_untrusted(d02lt_build(rows), limit=10**7)
    return d02lt_rules_check(
        procedure=procedure_get(procedure), forms={"D02-LT": [root]}, employer=employer, period=None
    )


def codes(rows, employer, procedure="600"):
    errors, _ = check(rows, employer, procedure)
    return [(e.code, e.location.row, e.location.field) for e in errors]


def test_registry_holds_600_and_600a():
    assert {"600", "600a"} <= set(REGISTRY)
    assert procedure_get("600").form("D02-TS").code == "D02-LT"


def test_valid_rows_pass(employer):
    assert codes([worker(1), worker(2)], employer) == []


@pytest.mark.parametrize(
    ("override", "code", "field"),
    [
        ({"MasoBHXH": "12345"}, "ROW_BHXH_FORMAT", "MasoBHXH"),
        ({"MasoBHXH": "12345678AB"}, "ROW_BHXH_FORMAT", "MasoBHXH"),
        ({"CMND": "0790950"}, "ROW_CCCD_FORMAT", "CMND"),
        ({"NgaySinh": "31/02/1990"}, "ROW_DATE_FORMAT", "NgaySinh"),
        ({"GioiTinh": "X"}, "ROW_GENDER", "GioiTinh"),
        ({"TuThang": "13/2026"}, "ROW_MONTH_FORMAT", "TuThang"),
        ({"DenThang": "2026-12"}, "ROW_MONTH_FORMAT", "DenThang"),
        ({"TuThang": "10/2026", "DenThang": "09/2026"}, "ROW_MONTH_ORDER", "DenThang"),
        ({"PA": "XX"}, "ROW_PLAN_CODE", "PA"),
        ({"TienLuong": "6tr"}, "ROW_AMOUNT_FORMAT", "TienLuong"),
        ({"TienLuong": "4000000"}, "ROW_SALARY_BELOW_MINIMUM", "TienLuong"),
        ({"TienLuong": "46800001"}, "ROW_SALARY_ABOVE_CAP", "TienLuong"),
        ({"TyleDong": "30"}, "ROW_RATE_MISMATCH", "TyleDong"),
        ({"TyleDong": "ba mươi"}, "ROW_RATE_FORMAT", "TyleDong"),
        ({"HoTen": ""}, "ROW_REQUIRED", "HoTen"),
    ],
)
def test_each_row_rule(override, code, field, employer):
    assert (code, 1, field) in codes([worker(1, **override)], employer)


def test_600a_takes_decreases_only_and_600_takes_both_codings(employer):
    assert codes([worker(1, PA="GH", TyleDong="")], employer, "600a") == []
    assert ("ROW_PLAN_CODE", 1, "PA") in codes([worker(1, PA="TM")], employer, "600a")
    # The official 600 files increase, decrease and adjustment alike; a decrease row
    # declares no new salary, so no salary or rate check applies to it.
    assert codes([worker(1, PA="GH", TyleDong="", TienLuong="")], employer, "600") == []


def test_same_worker_twice(employer):
    found = codes([worker(1), worker(2), worker(1, HoTen="Trùng")], employer)
    assert ("ROW_DUPLICATE_WORKER", 3, "MasoBHXH") in found


def test_every_error_of_the_list_is_reported_together(employer):
    rows = [
        worker(1, MasoBHXH="1"),
        worker(2, CMND="2", TienLuong="100"),
        worker(3, PA="XX", TyleDong="1"),
    ]
    found = {(c, r) for c, r, _ in codes(rows, employer)}
    assert {
        ("ROW_BHXH_FORMAT", 1),
        ("ROW_CCCD_FORMAT", 2),
        ("ROW_SALARY_BELOW_MINIMUM", 2),
        ("ROW_PLAN_CODE", 3),
        ("ROW_RATE_MISMATCH", 3),
    } <= found


def test_minimum_wage_follows_the_zone_and_the_month(employer):
    """4,500,000 is above zone I's 2022 minimum but below its 2024 one (4,960,000)."""
    ok = worker(1, TienLuong="4700000", TuThang="05/2024", TyleDong="32")
    low = worker(2, TienLuong="4700000", TuThang="08/2024", TyleDong="32")
    found = codes([ok, low], employer)
    assert ("ROW_SALARY_BELOW_MINIMUM", 2, "TienLuong") in found
    assert not any(r == 1 for _, r, _ in found)
    employer.wage_zone = "IV"
    assert codes([low], employer) == []


def test_cap_follows_the_base_salary_table(employer):
    """20 × 1,800,000 = 36,000,000 until 06/2024, 20 × 2,340,000 = 46,800,000 after."""
    row = worker(1, TienLuong="40000000", TuThang="05/2024")
    assert ("ROW_SALARY_ABOVE_CAP", 1, "TienLuong") in codes([row], employer)
    row = worker(1, TienLuong="40000000", TuThang="08/2024")
    assert codes([row], employer) == []


def test_tables_are_data(employer):
    BaseSalary.objects.create(valid_from="2026-09-01", amount=1_000_000)
    assert ("ROW_SALARY_ABOVE_CAP", 1, "TienLuong") in codes(
        [worker(1, TienLuong="21000000")], employer
    )


def test_missing_table_is_reported(employer):
    RegionalMinimumWage.objects.all().delete()
    assert ("TABLE_MISSING", None, None) in codes([worker(1)], employer)


def test_rate_table_sums_to_32_percent(db):
    tables = MoneyTables.load()
    from datetime import date

    assert tables.total_rate(date(2026, 10, 1)) == 32


def test_errors_carry_form_row_field_and_line_through_intake(signed):
    result = intake_submit(data=signed([worker(1), worker(2, MasoBHXH="99")]), channel="cli")
    error = result.errors[0].as_dict("vi")
    assert error["code"] == "ROW_BHXH_FORMAT"
    assert error["location"]["form"] == "D02-LT"
    assert error["location"]["row"] == 2
    assert error["location"]["field"] == "MasoBHXH"
    assert error["location"]["line"] >= 1
    assert "10 chữ số" in error["message"]
    assert "10 digits" in result.errors[0].text("en")


def test_a_list_without_rows(employer):
    assert codes([], employer) == [("FORM_NO_ROWS", None, None)]
