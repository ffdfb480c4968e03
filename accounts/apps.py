from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, offices (cơ quan BHXH), roles, scoping and the audit log (nhật ký)."""

    name = "accounts"
    verbose_name = "Tài khoản và cơ quan"

    def ready(self):
        from . import signals  # noqa: F401  (login audit receivers)
