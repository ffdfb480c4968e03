from django.db import migrations


def seed(apps, schema_editor):
    from declarations.dossiers.calendar_seed import holidays_seed, time_limits_seed

    holidays_seed(apps.get_model("declarations", "PublicHoliday"))
    time_limits_seed(apps.get_model("declarations", "ProcedureTimeLimit"))


class Migration(migrations.Migration):
    dependencies = [("declarations", "0003_review_calendar_adoption_difficulties")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
