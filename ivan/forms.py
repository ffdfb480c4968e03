"""Forms of central IT's API client pages."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ivan.selectors import providers_under_contract


class ClientCreateForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=None, empty_label=None, to_field_name="code"
    )
    sandbox = forms.TypedChoiceField(
        label=_("Kind"),
        choices=[("0", _("Live")), ("1", _("Sandbox (never reaches an office queue)"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    label = forms.CharField(label=_("Label of the first secret"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_under_contract()
        self.fields["scopes"].choices = [
            (code, f"{code} — {text}") for code, text in settings.IVAN_SCOPES.items()
        ]


class SecretRotateForm(forms.Form):
    old_expires_at = forms.DateTimeField(
        label=_("The live secret keeps working until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("Empty: until you revoke it."),
    )
    label = forms.CharField(label=_("Label of the new secret"), max_length=60, required=False)
