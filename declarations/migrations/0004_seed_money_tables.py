"""Seed the effective-dated money tables from the domain facts (shared/domain.md)."""

from django.db import migrations


def seed(apps, schema_editor):
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed(
        apps.get_model("declarations", "ContributionRate"),
        apps.get_model("declarations", "BaseSalary"),
        apps.get_model("declarations", "RegionalMinimumWage"),
    )


class Migration(migrations.Migration):
    dependencies = [("declarations", "0003_dossiers_certificates_rates")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
