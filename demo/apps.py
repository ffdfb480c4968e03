from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The ``seed_demo`` and ``simulate`` commands; it sits above every app and may import any."""

    name = "demo"
    verbose_name = "Dữ liệu mẫu"
