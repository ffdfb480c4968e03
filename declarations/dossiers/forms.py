"""Forms of incidents and paper dossiers (parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.employers.procedures import REGISTRY


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("network", _("Network")), ("software", _("Software"))]
    )
    started_at = forms.DateTimeField(
        label=_("Start"), input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"]
    )
    ended_at = forms.DateTimeField(
        label=_("End"), required=False, input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"]
    )
    scope = forms.CharField(label=_("Scope"), max_length=300)
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea)


class PaperDossierForm(forms.Form):
    unit_code = forms.CharField(label=_("Unit code"), max_length=12)
    procedure_code = forms.ChoiceField(
        label=_("Procedure"), choices=[(c, c) for c in sorted(REGISTRY)]
    )
    period = forms.RegexField(label=_("Period (MM/yyyy)"), regex=r"^(0[1-9]|1[0-2])/\d{4}$")
