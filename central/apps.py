from django.apps import AppConfig


class CentralConfig(AppConfig):
    """The central store's side: its own database (alias ``central``) and HTTP API."""

    name = "central"
    verbose_name = "Kho dữ liệu trung ương"
