"""Forms of the signing pages (parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.employers.forms import RegistrationForm


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
