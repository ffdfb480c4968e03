from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Insured people (người tham gia): identity, household, employment spells, and what the
    agency issues them: the social-insurance book (sổ BHXH) and health-insurance card
    (thẻ BHYT). Built only from accepted dossiers (and the demo)."""

    name = "declarations.people"
    label = "people"
    verbose_name = "Người tham gia"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.dossiers.content import row_notes_register
        from declarations.people import (
            navigation,  # noqa: F401  (registers its pages)
            services,  # noqa: F401  (registers its refusal codes)
        )
        from declarations.people.comparison import row_notes

        # The dossier page shows each declared row beside the person's current record.
        row_notes_register(row_notes)
