"""Forms of registration, certificate renewal, trial credentials and the unit's own data
(parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.vn import mst

from declarations.employers.models import Employer, Provider, ResultDelivery
from declarations.employers.procedures import REGISTRY
from declarations.employers.unit_data import BY_TAG, NOTE_TAG, UNIT_FIELDS, unit_data_check


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


class UnitDataForm(forms.Form):
    """Thay đổi thông tin đơn vị (TK3-TS, procedure 604): the unit's data, pre-filled, checked
    as intake will check the signed form (:func:`unit_data_check`)."""

    name = forms.CharField(
        label=_("Unit name"),
        max_length=255,
        widget=forms.TextInput({"autocomplete": "organization"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    tax_code = forms.CharField(
        label=_("Tax code (MST)"),
        max_length=14,
        help_text=_("The same company only: a branch keeps the 10 digits of its head office."),
    )
    bank_account = forms.CharField(
        label=_("Bank account"),
        max_length=30,
        required=False,
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=200, required=False)
    contact_person = forms.CharField(
        label=_("Contact person"),
        max_length=100,
        required=False,
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel"}),
    )
    # Not an EmailField: the one check of intake (TK3_EMAIL_FORMAT) answers here too.
    contact_email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    result_delivery = forms.ChoiceField(label=_("Result delivery"), choices=ResultDelivery.choices)
    postal_address = forms.CharField(
        label=_("Address for results by post"), max_length=300, required=False
    )
    note = forms.CharField(
        label=_("What changes, and why"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Optional; when empty, the changed fields are listed."),
    )

    def __init__(self, *args, employer, **kwargs):
        self.employer = employer
        initial = {f.attr: getattr(employer, f.attr) or "" for f in UNIT_FIELDS}
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        # Only what the user changed is declared: a value the unit holds as it is (written
        # before these checks existed) does not stop another change.
        declared = {
            f.tag: data.get(f.attr) or "" for f in UNIT_FIELDS if f.attr in self.changed_data
        }
        problems, changes = unit_data_check(employer=self.employer, declared=declared)
        for problem in problems:
            if problem.code == "TK3_NO_CHANGE" and self.errors:
                continue  # the change may be in a field refused above
            field = BY_TAG.get(problem.location.field)
            self.add_error(
                field.attr if field else None,
                forms.ValidationError(problem.message, code=problem.code),
            )
        data["changes"] = changes
        return data

    def tk3_fields(self) -> dict[str, str]:
        """The cells of the TK3-TS: the changed values only, and what changes."""
        changes = self.cleaned_data["changes"]
        cells = {f.tag: changes[f.attr] for f in UNIT_FIELDS if f.attr in changes}
        note = self.cleaned_data.get("note") or "Thay đổi: " + "; ".join(
            f.label_vi for f in UNIT_FIELDS if f.attr in changes
        )
        return {**cells, NOTE_TAG: note}
