"""Forms of the difficulty pages (parsing only; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.difficulties.models import DifficultyCategory


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DifficultyForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=DifficultyCategory.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(
        label=_("Attachments (pdf, xml, jpg, png, xlsx, txt; at most 6 files, 5 MB)"),
        required=False,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))


class ForwardForm(forms.Form):
    to = forms.ChoiceField(choices=[("it", _("IT")), ("provider", _("Provider"))])
    provider = forms.IntegerField(required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
