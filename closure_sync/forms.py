"""Forms of the closure pages. Errors carry a stable code and a translated message."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClosureKind
from .services import Period

_PERIOD_LINE = re.compile(
    r"^\s*(\d{1,2})/(\d{4})\s*[-–]\s*(\d{1,2})/(\d{4})\s+([\d.]+)\s+([\d.,]+)\s*$"
)


def periods_parse(text: str) -> list[Period]:
    """Lines "MM/YYYY-MM/YYYY salary rate" → periods; ValidationError names the line."""
    periods = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _PERIOD_LINE.match(line)
        try:
            if not m:
                raise ValueError
            start = date(int(m[2]), int(m[1]), 1)
            end = date(int(m[4]), int(m[3]), 1)
            salary = Decimal(m[5].replace(".", ""))
            rate = Decimal(m[6].replace(",", "."))
        except (ValueError, InvalidOperation):
            raise forms.ValidationError(
                _(
                    "Line %(n)s: write MM/YYYY-MM/YYYY salary rate, e.g. 01/2020-12/2020 5.000.000 8"
                ),
                code="closure.period_format",
                params={"n": n},
            ) from None
        periods.append(Period(start, end, salary, rate))
    if not periods:
        raise forms.ValidationError(_("Enter at least one period."), code="closure.periods_empty")
    return periods


def periods_render(periods) -> str:
    """Stored periods as the lines :func:`periods_parse` reads: a correction starts from
    what the closure holds, not from an empty box."""
    return "\n".join(
        f"{p.from_month:%m/%Y}-{p.to_month:%m/%Y} {p.salary:,.0f} {p.rate.normalize():f}".replace(
            ",", "."
        )
        for p in periods
    )


def date_widget() -> forms.DateInput:
    """``<input type=date>``: its value must be ISO (YYYY-MM-DD) whatever the language's
    date format, or the browser shows the field empty and refuses to submit it."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def office_field_set(form: forms.Form, offices) -> None:
    """The offices the user may choose; the only one is chosen already."""
    form.fields["office"].queryset = offices
    only = list(offices[:2])
    if len(only) == 1:
        form.fields["office"].initial = only[0].pk


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.name}"


class ClosureDraftForm(forms.Form):
    office = OfficeChoiceField(label=_("Managing office"), queryset=None)
    book_number = forms.CharField(label=_("Book number"), max_length=20)
    si_number = forms.CharField(label=_("Social-insurance number"), max_length=20, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=date_widget())
    unit_code = forms.CharField(label=_("Unit code"), max_length=20)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClosureKind.choices)
    periods = forms.CharField(
        label=_("Periods"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "01/2020-12/2020 5.000.000 8"}),
        help_text=_("One line per period: MM/YYYY-MM/YYYY salary rate(%)."),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        office_field_set(self, offices)

    def clean_periods(self):
        return periods_parse(self.cleaned_data["periods"])


class CorrectionForm(forms.Form):
    periods = ClosureDraftForm.base_fields["periods"]

    def clean_periods(self):
        return periods_parse(self.cleaned_data["periods"])


class ManualPushForm(forms.Form):
    """Confirmation date from / to (required), unit code and book number (optional)."""

    office = OfficeChoiceField(label=_("Office"), queryset=None)
    confirmed_from = forms.DateField(label=_("Confirmation date from"), widget=date_widget())
    confirmed_to = forms.DateField(label=_("Confirmation date to"), widget=date_widget())
    unit_code = forms.CharField(
        label=_("Unit code"), max_length=20, required=False, help_text=_("Empty: all units.")
    )
    book_number = forms.CharField(
        label=_("Book number"),
        max_length=20,
        required=False,
        help_text=_("Empty: the whole unit."),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        office_field_set(self, offices)

    def clean(self):
        data = super().clean()
        start, end = data.get("confirmed_from"), data.get("confirmed_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The date range is reversed."), code="closure.push_range")
        return data

    def filters(self) -> dict:
        d = self.cleaned_data
        return {
            "confirmed_from": d["confirmed_from"].isoformat(),
            "confirmed_to": d["confirmed_to"].isoformat(),
            "unit_code": d.get("unit_code", "").strip(),
            "book_number": d.get("book_number", "").strip(),
        }


class BackfillForm(forms.Form):
    office = OfficeChoiceField(label=_("Office"), queryset=None)
    since = forms.DateField(label=_("Since"), initial=date(2008, 1, 1), widget=date_widget())

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        office_field_set(self, offices)


class LookupForm(forms.Form):
    book_number = forms.CharField(label=_("Book number"), max_length=20, required=False)
    si_number = forms.CharField(label=_("Social-insurance number"), max_length=20, required=False)
    unit_code = forms.CharField(label=_("Unit code"), max_length=20, required=False)
    confirmed_on = forms.DateField(
        label=_("Confirmation date"), required=False, widget=date_widget()
    )

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("book_number", "si_number", "unit_code", "confirmed_on")):
            raise forms.ValidationError(
                _("Enter at least one search criterion."), code="closure.lookup_empty"
            )
        return data


class ReceiveForm(forms.Form):
    office = OfficeChoiceField(label=_("Receiving office"), queryset=None)
    book_number = forms.CharField(label=_("Book number"), max_length=20)
    from_month = forms.CharField(
        label=_("From month"), widget=forms.TextInput(attrs={"type": "month"})
    )
    to_month = forms.CharField(label=_("To month"), widget=forms.TextInput(attrs={"type": "month"}))
    unit_code = forms.CharField(label=_("Unit code"), max_length=20, required=False)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        office_field_set(self, offices)

    def _month(self, name):
        raw = self.cleaned_data[name]
        try:
            year, month = raw.split("-")
            return date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a month as YYYY-MM."), code="closure.month_format"
            ) from None

    def clean_from_month(self):
        return self._month("from_month")

    def clean_to_month(self):
        return self._month("to_month")


class CredentialUploadForm(forms.Form):
    credential_file = forms.FileField(label=_("New credential file (INI)"))


class ImportForm(forms.Form):
    """The collection system's export to import (docs/closure-import.md)."""

    office = OfficeChoiceField(label=_("Office"), queryset=None)
    file = forms.FileField(
        label=_("Export file (.xlsx or .csv)"),
        help_text=_("One line per contribution period; the columns are described in the guide."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        office_field_set(self, offices)
