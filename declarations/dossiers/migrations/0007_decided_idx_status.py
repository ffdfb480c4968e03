"""The decisions' index carries the state too, so the office dashboard's weekly table and
its decided states are counted from the index alone (an index-only scan), without reading
the window's dossier rows (declarations.review.dashboard.dashboard_figures)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0006_partition_monthly"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="dossier", name="dossier_decided_idx"),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("decided_at__isnull", False), ("sandbox", False)),
                fields=["office", "decided_at"],
                include=("on_time", "status"),
                name="dossier_decided_idx",
            ),
        ),
    ]
