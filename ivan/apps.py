from django.apps import AppConfig


class IvanConfig(AppConfig):
    """Contracted I-VAN providers and the API through which they submit dossiers."""

    name = "ivan"
    verbose_name = "Nhà cung cấp I-VAN"
