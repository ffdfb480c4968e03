"""Forms of the adoption pages (parsing only; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TargetForm(forms.Form):
    share = forms.DecimalField(label=_("Target share (%)"), min_value=0, max_value=100)
    due_on = forms.DateField(label=_("Due on"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    officer = forms.IntegerField(label=_("Collection officer"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AssignForm(forms.Form):
    officer = forms.IntegerField(label=_("Collection officer"))
    employers = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Employers"))

    def __init__(self, *args, employer_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employers"].choices = [(pk, pk) for pk in employer_ids]


class DeploymentForm(forms.Form):
    province = forms.IntegerField(label=_("Province"))
    deployed_on = forms.DateField(label=_("Deployed on"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])


class ReleaseResultForm(forms.Form):
    province = forms.IntegerField(label=_("Province"))
    outcome = forms.CharField(label=_("Result"), max_length=20)
    text = forms.CharField(label=_("Report"), max_length=5000, widget=forms.Textarea)
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False)
