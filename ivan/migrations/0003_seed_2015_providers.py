from django.db import migrations

from ivan.reference import ensure_providers_2015


def seed(apps, schema_editor):
    ensure_providers_2015(apps.get_model("ivan", "Provider"), apps.get_model("ivan", "Contract"))


class Migration(migrations.Migration):
    dependencies = [("ivan", "0002_providers_contracts_api")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
