"""Forms of the payments pages: the statement to import, the unit of a transfer, the list's
filter (unit code and month)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.name}"


class StatementForm(forms.Form):
    """The collection account's bank statement (docs/payments-import.md)."""

    office = OfficeChoiceField(label=_("Office (owner of the collection account)"), queryset=None)
    file = forms.FileField(
        label=_("Bank statement (.csv, .xlsx or camt.053 .xml)"),
        help_text=_("One line per credit transfer; the columns are described in the guide."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xml"}),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        only = list(offices[:2])
        if len(only) == 1:
            self.fields["office"].initial = only[0].pk


class MatchForm(forms.Form):
    unit_code = forms.CharField(
        label=_("Unit code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


_MONTH = re.compile(r"(\d{1,2})/(\d{4})")


class PaymentFilterForm(forms.Form):
    unit_code = forms.CharField(label=_("Unit code"), max_length=20, required=False)
    month = forms.CharField(
        label=_("Month (MM/yyyy)"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "11/2026", "inputmode": "numeric"}),
    )

    def clean_month(self) -> date | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        m = _MONTH.fullmatch(text)
        if not m or not 1 <= int(m[1]) <= 12:
            raise forms.ValidationError(_("Write the month as MM/yyyy, e.g. 11/2026."))
        return date(int(m[2]), int(m[1]), 1)
