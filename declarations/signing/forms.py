"""Forms of the signing pages (parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.refusals import err
from declarations.employers.channel_forms import CHANGE_FORM, TK3_TAGS
from declarations.employers.forms import RegistrationForm
from declarations.employers.models import ResultDelivery
from declarations.employers.unit_data import BY_TAG, unit_data_check


class UnsignedUploadForm(forms.Form):
    file = forms.FileField(label=_("Dossier to sign (XML, unsigned)"))


class TokenRegistrationForm(RegistrationForm):
    """The registration's fields; the certificate comes from the token on the next page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["certificate"]
        del self.fields["signed_form"]

    def payload(self) -> dict:
        """The 04's fields as the session keeps them (the provider by its id)."""
        data = self.cleaned_data
        return {
            "unit_name": data["unit_name"],
            "address": data["address"],
            "tax_code": data["tax_code"],
            "email": data["email"],
            "phone": data["phone"],
            "procedures": ",".join(data["procedures"]),
            "provider": data["provider"].pk if data["provider"] else None,
            "result_delivery": data["result_delivery"],
            "postal_address": data["postal_address"],
        }


class ChannelChangeForm(forms.Form):
    """05/SD-IVAN: the unit's e-transaction contact, address and result delivery, pre-filled;
    checked as the unit-data page checks the same fields (:func:`unit_data_check`); only
    what the user changed goes into the form."""

    FIELDS = ("address", "contact_email", "contact_phone", "result_delivery", "postal_address")

    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    contact_email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel"}),
    )
    result_delivery = forms.ChoiceField(label=_("Result delivery"), choices=ResultDelivery.choices)
    postal_address = forms.CharField(
        label=_("Address for results by post"), max_length=300, required=False
    )

    def __init__(self, *args, employer, **kwargs):
        self.employer = employer
        initial = {name: getattr(employer, name) or "" for name in self.FIELDS}
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        declared = {
            TK3_TAGS[name]: data.get(name) or ""
            for name in self.FIELDS
            if name in self.changed_data
        }
        problems, changes = unit_data_check(
            employer=self.employer, declared=declared, form=CHANGE_FORM
        )
        for problem in problems:
            if problem.code == "TK3_NO_CHANGE":
                if not self.errors:
                    self.add_error(
                        None,
                        forms.ValidationError(
                            err("CHANNEL_NO_CHANGE").message, code="CHANNEL_NO_CHANGE"
                        ),
                    )
                continue
            field = BY_TAG.get(problem.location.field)
            self.add_error(
                field.attr if field and field.attr in self.FIELDS else None,
                forms.ValidationError(problem.message, code=problem.code),
            )
        data["changes"] = changes
        return data


class ChannelStopForm(forms.Form):
    """06/NG-IVAN: why the unit stops."""

    reason = forms.CharField(
        label=_("Reason for stopping"),
        max_length=300,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the unit will no longer send dossiers electronically."),
        required=True,
    )
