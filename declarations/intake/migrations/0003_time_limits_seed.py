from django.db import migrations


def seed(apps, schema_editor):
    # The procedures added since the first seed (601, 604, …): get_or_create, idempotent.
    from declarations.dossiers.calendar_seed import time_limits_seed

    time_limits_seed(apps.get_model("dossiers", "ProcedureTimeLimit"))


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_late_interest"),
        ("dossiers", "0002_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
