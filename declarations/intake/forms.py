"""Forms of sending a dossier (parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Signed dossier (XML)"))
