from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PartitionsConfig(AppConfig):
    """Monthly partitions (phân vùng theo tháng): next months created ahead, old ones
    detached."""

    name = "core.partitions"
    label = "partitions"
    verbose_name = "Partitions"

    def ready(self):
        from . import tasks  # noqa: F401  (the beat tasks, by name)
        from .services import partitions_after_migrate

        # A fresh database (and every test database) has next months' partitions at once,
        # not only after the first beat run.
        post_migrate.connect(partitions_after_migrate, dispatch_uid="partitions_after_migrate")
