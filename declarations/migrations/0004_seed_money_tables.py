"""Seed the effective-dated money tables from the domain facts (shared/domain.md)."""

from datetime import date

from django.db import migrations

RATES = [
    # fund, party, percent — in force from 01/01/2016 (Law on Social Insurance 2014)
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


def seed(apps, schema_editor):
    rate = apps.get_model("declarations", "ContributionRate")
    base = apps.get_model("declarations", "BaseSalary")
    minimum = apps.get_model("declarations", "RegionalMinimumWage")
    for fund, party, percent in RATES:
        rate.objects.get_or_create(
            fund=fund, party=party, valid_from=date(2016, 1, 1), defaults={"percent": percent}
        )
    for valid_from, amount in BASE:
        base.objects.get_or_create(valid_from=valid_from, defaults={"amount": amount})
    for valid_from, amounts in MINIMUM:
        for zone, amount in zip(("I", "II", "III", "IV"), amounts, strict=True):
            minimum.objects.get_or_create(zone=zone, valid_from=valid_from, defaults={"amount": amount})


class Migration(migrations.Migration):
    dependencies = [("declarations", "0003_dossiers_certificates_rates")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
