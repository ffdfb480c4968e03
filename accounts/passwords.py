"""Password policy beyond Django's validators: letters, digits and a symbol."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Require an upper-case letter, a lower-case letter, a digit and a symbol."""

    def validate(self, password, user=None):
        classes = [r"[a-zà-ỹ]", r"[A-ZÀ-Ỹ]", r"\d", r"[^\w\s]"]
        if not all(re.search(c, password) for c in classes):
            raise ValidationError(self.get_help_text(), code="password_character_classes")

    def get_help_text(self):
        return _(
            "Your password must contain an upper-case letter, a lower-case letter, "
            "a digit and a symbol."
        )
