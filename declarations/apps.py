from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    """The migrations of the tables from before the split into the apps of this package.

    Each table kept its name (``declarations_dossier``…); migration 0016 hands the models
    over to ``employers``, ``dossiers``, ``intake``, ``review``, ``adoption`` and
    ``difficulties``, whose first migrations take them over without touching the tables.
    """

    name = "declarations"
    verbose_name = "Hồ sơ giao dịch điện tử (lịch sử migration)"
