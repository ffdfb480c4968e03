"""Forms of registration, certificate renewal and trial credentials (parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.vn import mst

from declarations.employers.models import Employer, Provider, ResultDelivery
from declarations.employers.procedures import REGISTRY


class RegistrationForm(forms.Form):
    """Registration for e-transactions (fields of tờ khai 04/ĐK-IVAN)."""

    unit_code = forms.CharField(label=_("Unit code"), max_length=12)
    tax_code = forms.CharField(label=_("Tax code (MST)"), max_length=14)
    unit_name = forms.CharField(label=_("Unit name"), max_length=255)
    address = forms.CharField(label=_("Address"), max_length=300)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=20)
    procedures = forms.MultipleChoiceField(
        label=_("Procedures"),
        choices=[(code, f"{code} – {p.name_vi}") for code, p in sorted(REGISTRY.items())],
        widget=forms.CheckboxSelectMultiple,
    )
    provider = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Provider.objects.all(),
        required=False,
        empty_label=_("The portal itself"),
    )
    result_delivery = forms.ChoiceField(label=_("Result delivery"), choices=ResultDelivery.choices)
    postal_address = forms.CharField(label=_("Postal address"), max_length=300, required=False)
    certificate = forms.FileField(
        label=_("Certificate (PEM, DER or .cer)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pem,.der,.cer,.crt"}),
    )
    # Checked by the service (POP_MISSING when absent), so that "download the 04 to sign"
    # works before there is one.
    signed_form = forms.FileField(
        label=_("Signed 04/ĐK-IVAN (XML)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xml"}),
    )

    def clean_tax_code(self):
        value = self.cleaned_data["tax_code"]
        if not mst.is_valid(value):
            raise forms.ValidationError(_("This is not a valid tax code (MST)."))
        return mst.compact(value)

    def clean(self):
        data = super().clean()
        code, tax = data.get("unit_code"), data.get("tax_code")
        if code and tax:
            employer = Employer.objects.filter(unit_code=code.strip().upper()).first()
            if employer is None or mst.compact(employer.tax_code) != tax:
                raise forms.ValidationError(
                    _("No employer with this unit code and tax code is known to the office.")
                )
            data["employer"] = employer
        if data.get("result_delivery") == ResultDelivery.BY_POST and not data.get("postal_address"):
            self.add_error("postal_address", _("A postal address is needed for delivery by post."))
        return data


class CertificateForm(forms.Form):
    certificate = forms.FileField(label=_("New certificate (PEM, DER or .cer)"))
    signed_form = forms.FileField(
        label=_("Signed 04/ĐK-IVAN (XML)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xml"}),
    )


class TrialCredentialForm(forms.Form):
    expires_on = forms.DateField(label=_("Expires on"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
