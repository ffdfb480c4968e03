from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The login form with labelled, autocomplete-aware fields."""

    username = forms.CharField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(forms.Form):
    """Quên mật khẩu: the e-mail address of the account."""

    email = forms.EmailField(
        label=_("E-mail address of your account"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


# --- lifecycle, outside accounts, reports, data requests, audit -----------------------------------
from django.utils import timezone  # noqa: E402

from .data_requests import BREAKDOWNS, INDICATORS  # noqa: E402
from .models import (  # noqa: E402
    AccountKind,
    BusinessApplication,
    DecisionKind,
    Office,
    Role,
    User,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _offices_today():
    today = timezone.localdate()
    return Office.objects.filter(valid_from__lte=today).exclude(valid_to__lt=today)


class DecisionForm(forms.Form):
    """Record a personnel decision (quyết định nhân sự)."""

    user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())
    number = forms.CharField(label=_("Decision number"), max_length=60)
    signed_on = forms.DateField(label=_("Decision date"), widget=DATE_WIDGET)
    kind = forms.ChoiceField(label=_("Kind"), choices=DecisionKind.choices)
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET)
    new_office = forms.ModelChoiceField(
        label=_("New office (transfers)"), queryset=Office.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users if users is not None else User.objects.none()
        self.fields["user"].label_from_instance = lambda u: f"{u} ({u.username})"
        self.fields["new_office"].queryset = _offices_today()


class StaffAccountForm(forms.Form):
    """Create an agency staff account; outside accounts are refused here."""

    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    account_kind = forms.ChoiceField(
        label=_("Kind of account"),
        choices=[
            (AccountKind.STAFF, AccountKind.STAFF.label),
            (AccountKind.OUTSIDE, AccountKind.OUTSIDE.label),
        ],
    )
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all(), required=False)
    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"),
        queryset=BusinessApplication.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices if offices is not None else Office.objects.none()


class OutsideRequestForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Requesting office"), queryset=Office.objects.none())
    full_name = forms.CharField(label=_("Person"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    application = forms.ModelChoiceField(
        label=_("Application"), queryset=BusinessApplication.objects.all()
    )
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))
    valid_until = forms.DateField(label=_("Until"), widget=DATE_WIDGET)

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices if offices is not None else Office.objects.none()


class DecisionNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DataRequestForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Requesting office"), queryset=Office.objects.none())
    letter_number = forms.CharField(label=_("Official letter number"), max_length=60)
    letter_date = forms.DateField(label=_("Official letter date"), widget=DATE_WIDGET)
    letter_file = forms.FileField(label=_("Official letter (PDF or image)"))
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    recipient = forms.CharField(label=_("Recipient"), max_length=200)

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices if offices is not None else Office.objects.none()


class IndicatorForm(forms.Form):
    """One row of the data-request form (chỉ tiêu)."""

    indicator = forms.ChoiceField(label=_("Indicator"), choices=list(INDICATORS.items()))
    period_from = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    period_to = forms.DateField(label=_("To"), widget=DATE_WIDGET)
    breakdown = forms.ChoiceField(label=_("Breakdown"), choices=list(BREAKDOWNS.items()))
    filters = forms.CharField(label=_("Filters"), max_length=200, required=False)


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=3, min_num=1, validate_min=True)


class FulfilForm(forms.Form):
    export_file = forms.FileField(label=_("Export file"))


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    office = forms.CharField(label=_("Office code"), required=False)
    application = forms.ModelChoiceField(
        label=_("Application"), queryset=BusinessApplication.objects.all(), required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class GrantForm(forms.Form):
    """Give an account rights in one business application at an office in reach."""

    application = forms.ModelChoiceField(
        label=_("Application"), queryset=BusinessApplication.objects.all()
    )
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())
    valid_to = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices if offices is not None else Office.objects.none()


class LockForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
