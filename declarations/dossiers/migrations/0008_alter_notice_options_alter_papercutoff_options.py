"""Names the notices and the paper cut-offs in the admin (in Vietnamese there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0007_decided_idx_status"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="notice",
            options={
                "ordering": ["-issued_at"],
                "verbose_name": "notice",
                "verbose_name_plural": "notices",
            },
        ),
        migrations.AlterModelOptions(
            name="papercutoff",
            options={
                "ordering": ["starts_on"],
                "verbose_name": "paper cut-off",
                "verbose_name_plural": "paper cut-offs",
            },
        ),
    ]
