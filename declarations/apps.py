from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    """Employers, e-transaction registration, intake of signed dossiers, review, notices."""

    name = "declarations"
    verbose_name = "Hồ sơ giao dịch điện tử"
