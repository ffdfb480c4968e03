from django.apps import AppConfig

from accounts import hooks


class ReviewConfig(AppConfig):
    """Review by the office (xử lý hồ sơ): queue, decisions, post dispatch, reports."""

    name = "declarations.review"
    label = "review"
    verbose_name = "Xử lý hồ sơ"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.dossiers import sections, supplements
        from declarations.review import navigation  # noqa: F401  (registers its pages)
        from declarations.review.services import claims_hand_back, supplement_arrived
        from declarations.review.views import supplements_section

        # A locked person's claimed dossiers go back to the office queue.
        hooks.register_work_handback("declarations.claims", claims_hand_back)
        # A supplement's arrival moves its original on through the one transition function;
        # the dossier page shows the supplements and what they changed.
        supplements.arrival_handler_set(supplement_arrived)
        sections.section_register(supplements_section)
