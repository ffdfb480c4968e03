"""The C12-TS figures: the hand-made case, adjustments, interest, allocation, drill-downs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from declarations.intake.models import LateInterestRate
from declarations.statements.compute import (
    ALLOCATION_ORDER,
    Tables,
    UnitIn,
    figure_lines,
    figures_check,
    statement_compute,
)
from declarations.statements.layout import ROWS
from declarations.statements.models import RetainedShareRule
from declarations.statements.selectors import statement_live
from declarations.statements.services import month_finalise
from tests.declarations.statements.world import (
    adjustment,
    payment,
    rates_seed,
    unit,
    worker,
)

pytestmark = pytest.mark.django_db
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
TOTAL = 4


def col(figures, key):
    return dict(zip(("bhxh", "bhyt", "bhtn", "bhtnld", "total"), figures["rows"][key], strict=True))


def interest_seed(percent="0.03"):
    LateInterestRate.objects.all().delete()
    LateInterestRate.objects.create(valid_from=date(2025, 7, 1), daily_percent=percent)


@pytest.fixture
def world(reference_data):
    rates_seed()
    interest_seed()
    return unit()


def test_hand_made_case_two_workers_at_the_zone_minimum(world):
    worker(world, 5_310_000, JAN)
    worker(world, 5_310_000, JAN)
    figures = statement_live(world, JAN)
    assert col(figures, "B.3.3") == {
        "bhxh": 2_655_000,
        "bhyt": 477_900,
        "bhtn": 212_400,
        "bhtnld": 53_100,
        "total": 3_398_400,
    }
    assert col(figures, "B.1.1")["total"] == 2 and col(figures, "B.1.3")["total"] == 2
    assert col(figures, "B.2.3")["total"] == 10_620_000
    assert col(figures, "B.7")["total"] == 3_398_400  # nothing brought forward, no payment
    assert col(figures, "Đ.2")["total"] == 3_398_400
    assert figures_check(figures) == []


def test_rates_are_read_from_the_table(world):
    worker(world, 5_310_000, JAN)
    rates_seed([("bhyt", "employer", "3.0"), ("bhyt", "employee", "1.5")])
    figures = statement_live(world, JAN)
    assert col(figures, "B.3.3") == {
        "bhxh": 0,
        "bhyt": 238_950,
        "bhtn": 0,
        "bhtnld": 0,
        "total": 238_950,
    }


def test_workers_in_out_and_raises_move_the_month_figures(world):
    stays = worker(world, 6_000_000, date(2025, 6, 1), end=JAN)
    worker(world, 8_000_000, FEB)  # in
    worker(world, 5_000_000, date(2025, 6, 1), end=JAN)  # out
    from declarations.people.models import EmploymentSpell

    EmploymentSpell.objects.create(
        person=stays,
        employer=world,
        status="contributing",
        from_month=FEB,
        salary=7_000_000,
        opened_plan="DC",
    )
    figures = statement_live(world, FEB)
    assert col(figures, "A.1")["total"] == 2 and col(figures, "B.1.3")["total"] == 2
    assert col(figures, "B.1.1")["total"] == 1 and col(figures, "B.1.2")["total"] == 1
    assert col(figures, "B.2.1")["total"] == 8_000_000 + 1_000_000
    assert col(figures, "B.2.2")["total"] == 5_000_000
    a3, up, down, now = (col(figures, k)["total"] for k in ("A.3", "B.3.1", "B.3.2", "B.3.3"))
    assert a3 + up - down == now == 15_000_000 * 32 // 100
    assert figures_check(figures) == []


def test_adjustment_to_last_year_shows_in_b_4_1_1(world):
    person = worker(world, 5_000_000, date(2025, 1, 1))
    adjustment(
        world,
        person,
        plan="AD",
        start=date(2025, 11, 1),
        end=JAN,
        salary=5_000_000,
        recorded=date(2026, 3, 10),
    )
    figures = statement_live(world, MAR)
    month = {"bhxh": 1_250_000, "bhyt": 225_000, "bhtn": 100_000, "bhtnld": 25_000}
    assert col(figures, "B.4.1") == {**{k: 3 * v for k, v in month.items()}, "total": 4_800_000}
    assert col(figures, "B.4.1.1") == {**{k: 2 * v for k, v in month.items()}, "total": 3_200_000}
    (line,) = figures["lines"]["B.4.1.1"]
    assert line[:3] == [person.number, "11/2025–01/2026", "AD"]
    # An adjustment recorded in another month is not this month's.
    assert col(statement_live(world, FEB), "B.4.1")["total"] == 0
    assert figures_check(figures) == []


def test_health_insurance_only_adjustment_and_a_decrease(world):
    person = worker(world, 5_000_000, date(2025, 1, 1))
    adjustment(
        world,
        person,
        plan="TT",
        start=date(2025, 12, 1),
        end=date(2025, 12, 1),
        salary=1_000_000,
        recorded=date(2026, 3, 2),
    )
    adjustment(
        world,
        person,
        plan="SB",
        start=FEB,
        end=FEB,
        salary=1_000_000,
        recorded=date(2026, 3, 2),
        direction="decrease",
    )
    figures = statement_live(world, MAR)
    assert col(figures, "B.4.1") == {
        "bhxh": -250_000,
        "bhyt": 45_000 - 45_000,
        "bhtn": -20_000,
        "bhtnld": -5_000,
        "total": -275_000,
    }
    assert col(figures, "B.4.1.1") == {
        "bhxh": 0,
        "bhyt": 45_000,
        "bhtn": 0,
        "bhtnld": 0,
        "total": 45_000,
    }
    assert figures_check(figures) == []


def test_underpayment_carries_interest_to_the_next_month(world):
    worker(world, 5_310_000, JAN)
    worker(world, 5_310_000, JAN)
    payment(world, 3_000_000, date(2026, 1, 20), unc="UNC-0001")
    assert month_finalise(JAN) == 1
    january = statement_live(world, JAN)
    # The payment paid health, unemployment and work-accident insurance in full first.
    assert col(january, "Đ.2") == {
        "bhxh": 398_400,
        "bhyt": 0,
        "bhtn": 0,
        "bhtnld": 0,
        "total": 398_400,
    }
    february = statement_live(world, FEB)
    assert col(february, "A.5")["total"] == 398_400
    assert col(february, "B.5.1")["bhxh"] == 398_400
    assert february["rate"] == "0.0300"
    # 398,400 × 0.03 % × 28 days of February = 3,346.56
    assert col(february, "B.5.3") == {
        "bhxh": 3_347,
        "bhyt": 0,
        "bhtn": 0,
        "bhtnld": 0,
        "total": 3_347,
    }
    assert col(february, "B.7")["total"] == 398_400 + 3_347 + 3_398_400
    # Unpaid, it is still owed in March: the interest as interest, the principal as due.
    assert ["interest", "2026-02", "bhxh", 3_347] in february["carried"]["lots"]
    assert figures_check(february) == []


def test_payment_split_across_debts_in_the_documented_order(world):
    assert ALLOCATION_ORDER == ("bhyt", "bhtn", "bhtnld", "bhxh")
    tables = Tables.load()
    carried = {
        "overpaid": 0,
        "lots": [
            ["due", "2026-01", "bhyt", 100_000],
            ["due", "2025-12", "bhxh", 500_000],
            ["interest", "2026-01", "bhxh", 2_000],
        ],
    }
    unit_in = UnitIn(employer_id=world.pk, zone="I", carried=carried)
    from declarations.statements.compute import PaymentIn

    unit_in.payments = [PaymentIn("UNC-9", date(2026, 2, 5), 560_000)]
    figures = statement_compute(unit_in, FEB, tables)
    interest_feb = 500_000 * 3 * 28 // 10_000 + 100_000 * 3 * 28 // 10_000  # 4,200 + 840
    # Interest first (January's, then February's by fund order), then the oldest month.
    assert [line[1:4] + [line[4]] for line in figures["lines"]["D.1"]] == [
        ["01/2026", "interest", 2_000, 0],
        ["02/2026", "interest", 0, 840],
        ["02/2026", "interest", 4_200, 0],
    ]
    paid_to_due = 560_000 - 2_000 - interest_feb
    assert [line[1:3] + line[3:5] for line in figures["lines"]["D.2"]] == [
        ["12/2025", "due", 500_000, 0],
        ["01/2026", "due", 0, paid_to_due - 500_000],
    ]
    assert col(figures, "Đ.2") == {
        "bhxh": 0,
        "bhyt": 100_000 - (paid_to_due - 500_000),
        "bhtn": 0,
        "bhtnld": 0,
        "total": 100_000 - (paid_to_due - 500_000),
    }
    assert col(figures, "Đ.1")["total"] == 0
    assert figures_check(figures) == []


def test_overpayment_is_carried_and_spent_next_month(world):
    worker(world, 5_310_000, JAN)
    payment(world, 2_000_000, date(2026, 1, 5))
    month_finalise(JAN)
    january = statement_live(world, JAN)
    assert col(january, "Đ.1")["total"] == 2_000_000 - 1_699_200
    february = statement_live(world, FEB)
    assert col(february, "A.4")["total"] == 300_800
    assert col(february, "D.2")["total"] == 300_800


def test_share_the_unit_keeps_where_the_rule_is_in_force(world):
    worker(world, 10_000_000, JAN)
    assert col(statement_live(world, JAN), "B.6")["total"] == 0
    RetainedShareRule.objects.create(percent=Decimal("2.00"), valid_from=JAN, valid_to=JAN)
    figures = statement_live(world, JAN)
    assert col(figures, "B.6") == {
        "bhxh": 200_000,
        "bhyt": 0,
        "bhtn": 0,
        "bhtnld": 0,
        "total": 200_000,
    }
    assert col(figures, "B.7")["total"] == 3_200_000 - 200_000
    assert col(statement_live(world, FEB), "B.6")["total"] == 0  # rule ended


def test_salary_caps_from_the_tables(world):
    # 20 × 2,340,000 base salary = 46,800,000; 20 × 5,310,000 zone I minimum = 106,200,000.
    worker(world, 120_000_000, JAN)
    figures = statement_live(world, JAN)
    bases = col(figures, "B.2.3")
    assert (bases["bhxh"], bases["bhtn"], bases["total"]) == (46_800_000, 106_200_000, 120_000_000)


def test_every_figure_equals_the_sum_of_its_drill_down(world):
    RetainedShareRule.objects.create(percent=Decimal("2.00"), valid_from=JAN)
    a = worker(world, 6_000_000, date(2025, 3, 1))
    worker(world, 9_000_000, date(2025, 3, 1), end=JAN)
    worker(world, 4_500_000, FEB)
    adjustment(
        world,
        a,
        plan="AD",
        start=date(2025, 10, 1),
        end=JAN,
        salary=500_000,
        recorded=date(2026, 2, 3),
        interest=12_345,
    )
    adjustment(
        world,
        a,
        plan="GN",
        start=date(2025, 12, 1),
        end=date(2025, 12, 1),
        salary=6_000_000,
        recorded=date(2026, 2, 3),
        direction="decrease",
    )
    payment(world, 1_000_000, date(2026, 1, 10))
    payment(world, 2_500_000, date(2026, 2, 10))
    payment(world, 700_000, date(2026, 2, 25))
    payment(world, 9_999, date(2026, 2, 26), status="unmatched")
    month_finalise(JAN)
    figures = statement_live(world, FEB)
    assert figures_check(figures) == []
    checked = 0
    for row in ROWS:
        if row.kind == "rate":
            continue
        lines = figure_lines(figures, row.key)
        for i in range(5):
            assert figures["rows"][row.key][i] == sum(line[3 + i] for line in lines), row.key
            checked += 1
    assert checked == 5 * (len(ROWS) - 1)
    # What the unit had to pay, less what it paid, is what it carries (owed less overpaid).
    t = {k: col(figures, k)["total"] for k in ("B.7", "C.1", "Đ.1", "Đ.2", "Đ.3")}
    assert t["C.1"] == 3_200_000  # the unmatched transfer is nobody's yet
    assert t["B.7"] - t["C.1"] == t["Đ.2"] + t["Đ.3"] - t["Đ.1"]
    assert [line[0] for line in figures["lines"]["C.1"]] == [
        "UNC202602102500000",
        "UNC20260225700000",
    ]
