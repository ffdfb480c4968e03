from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payments received (tiền đóng đã nhận): the agency's bank statements imported, each
    transfer matched to a unit, the unmatched ones queued for collection staff."""

    name = "declarations.payments"
    label = "payments"
    verbose_name = "Tiền đóng đã nhận"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.payments import (
            codes,  # noqa: F401  (registers its refusal codes)
            navigation,  # noqa: F401  (registers its pages)
        )
