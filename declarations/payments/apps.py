from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payments received (tiền đóng đã nhận): the agency's bank statements imported, each
    transfer matched to a unit, the unmatched ones queued for collection staff."""

    name = "declarations.payments"
    label = "payments"
    verbose_name = "Tiền đóng đã nhận"
