from django.apps import AppConfig


class IdpConfig(AppConfig):
    """The directory's login page, claims and management commands."""

    name = "idp"
    verbose_name = "Hệ thống đăng nhập một lần (thử nghiệm)"
