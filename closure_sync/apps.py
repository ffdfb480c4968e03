from django.apps import AppConfig


class ClosureSyncConfig(AppConfig):
    """Closure records (chốt sổ) and their transfer to the national central store."""

    name = "closure_sync"
    verbose_name = "Chuyển dữ liệu chốt sổ"
