from django.apps import AppConfig


class StatementsConfig(AppConfig):
    """Monthly contribution statements (C12-TS, thông báo kết quả đóng BHXH, BHYT, BHTN,
    BHTNLĐ-BNN) per unit and month."""

    name = "declarations.statements"
    label = "statements"
    verbose_name = "Thông báo kết quả đóng (C12-TS)"

    def ready(self):
        from declarations.statements import navigation  # noqa: F401  (registers its pages)
