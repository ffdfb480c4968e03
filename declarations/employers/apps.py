from django.apps import AppConfig

from core import navigation as core_navigation


class EmployersConfig(AppConfig):
    """Employers (đơn vị), registration (04/ĐK-IVAN), certificates, trial credentials, the
    licensed CAs and their PKI, the I-VAN providers and each employer's channel."""

    name = "declarations.employers"
    label = "employers"
    verbose_name = "Đơn vị và chứng thư số"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.employers import (
            channel_forms,  # noqa: F401  (registers its refusal codes)
            navigation,  # noqa: F401  (registers its pages)
            unit_data,  # noqa: F401  (registers its refusal codes)
        )
        from declarations.employers.banners import trust_banner

        # IT staff see stale or missing CRLs of the licensed CAs on their home page.
        core_navigation.register_banner(trust_banner)
