from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Hash-then-sign: the portal builds each SignedInfo, the employer's signer (token or
    remote) signs only its digest, the portal assembles and runs the one intake."""

    name = "declarations.signing"
    label = "signing"
    verbose_name = "Ký số trên cổng"

    def ready(self):
        # Imported for their refusal codes: the catalogue is complete once Django is set up.
        from declarations.signing import csc_client, errors  # noqa: F401
