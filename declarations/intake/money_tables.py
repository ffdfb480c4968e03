"""The money tables as the domain facts give them (shared/domain.md), and their seeding.

Used by the data migration, the demo and tests that start from an emptied database."""

from __future__ import annotations

from datetime import date

from declarations.intake.models import (
    BaseSalary,
    ContributionRate,
    LateInterestRate,
    RegionalMinimumWage,
)

RATES_FROM = date(2016, 1, 1)  # Law on Social Insurance 2014
RATES = [
    ("bhxh_retirement", "employer", "14.0"),
    ("bhxh_sickness_maternity", "employer", "3.0"),
    ("bhxh_work_accident", "employer", "0.5"),
    ("bhyt", "employer", "3.0"),
    ("bhtn", "employer", "1.0"),
    ("bhxh_retirement", "employee", "8.0"),
    ("bhyt", "employee", "1.5"),
    ("bhtn", "employee", "1.0"),
]
BASE = [(date(2019, 7, 1), 1_490_000), (date(2023, 7, 1), 1_800_000), (date(2024, 7, 1), 2_340_000)]
MINIMUM = [
    # Decree 38/2022 (before the 2024 figures of domain.md), then domain.md's two tables.
    (date(2022, 7, 1), (4_680_000, 4_160_000, 3_640_000, 3_250_000)),
    (date(2024, 7, 1), (4_960_000, 4_410_000, 3_860_000, 3_450_000)),
    (date(2026, 1, 1), (5_310_000, 4_730_000, 4_140_000, 3_700_000)),
]

# Law on Social Insurance 2024, art. 40: 0.03 % a day of the amount paid late. Earlier rates
# (twice the fund's average investment return of the year before) are added as data.
LATE_INTEREST = [(date(2025, 7, 1), "0.03", "Luật BHXH 2024, Điều 40")]


def money_tables_seed(
    rate_model=None, base_model=None, minimum_model=None, interest_model=None
) -> None:
    """Create the rows that are missing (idempotent). A migration passes its historical
    models; the late-interest table is seeded only where one is given or none are."""
    if rate_model is None:
        rate_model, base_model, minimum_model = ContributionRate, BaseSalary, RegionalMinimumWage
        interest_model = LateInterestRate
    for fund, party, percent in RATES:
        rate_model.objects.get_or_create(
            fund=fund, party=party, valid_from=RATES_FROM, defaults={"percent": percent}
        )
    for valid_from, amount in BASE:
        base_model.objects.get_or_create(valid_from=valid_from, defaults={"amount": amount})
    for valid_from, amounts in MINIMUM:
        for zone, amount in zip(("I", "II", "III", "IV"), amounts, strict=True):
            minimum_model.objects.get_or_create(
                zone=zone, valid_from=valid_from, defaults={"amount": amount}
            )
    for valid_from, percent, source in LATE_INTEREST if interest_model else ():
        interest_model.objects.get_or_create(
            valid_from=valid_from, defaults={"daily_percent": percent, "source": source}
        )
