from django import forms
from django.contrib.auth.forms import AuthenticationForm


class DirectoryLoginForm(AuthenticationForm):
    """Sign in with the official e-mail address (the directory's user name)."""

    username = forms.EmailField(
        label="Thư điện tử công vụ",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
