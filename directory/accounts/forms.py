"""Forms of the consumer account, and allauth's forms with the site's
checks of an e-mail address (``ACCOUNT_FORMS`` in config/settings)."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.account.fields import EmailField as AllauthEmailField
from allauth.core import context as allauth_context
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.forms import EmailAddressField
from common.middleware import fields_stripped_of_control_characters

CONTROL_CHARACTERS_MESSAGE = _("Remove the invisible control characters from the e-mail address.")


class AccountEmailField(EmailAddressField, AllauthEmailField):
    """allauth's e-mail field (its widget, lower case) with the site's
    checks (``common.forms.EmailAddressField``): an address longer than the
    254-character column is refused, not cut by allauth to an address
    nobody typed."""


def refuse_stripped_field(request: HttpRequest | None, name: str) -> None:
    """A form field that held a control character, removed before any
    form saw it (``common.middleware.ControlCharactersMiddleware``), is
    refused: "jean\\x00@exemple.fr" must not become another account's
    address."""
    if request is not None and name in fields_stripped_of_control_characters(request):
        raise forms.ValidationError(CONTROL_CHARACTERS_MESSAGE, code="email_control_characters")


class SignupForm(allauth_forms.SignupForm):
    email = AccountEmailField()

    def clean_email(self) -> str:
        refuse_stripped_field(allauth_context.request, "email")
        return str(super().clean_email())


class AddEmailForm(allauth_forms.AddEmailForm):
    email = AccountEmailField(required=True)

    def clean_email(self) -> str:
        refuse_stripped_field(allauth_context.request, "email")
        return str(super().clean_email())


class LoginForm(allauth_forms.LoginForm):
    def clean_login(self) -> str:
        refuse_stripped_field(self.request, "login")
        return str(super().clean_login())


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    email = AccountEmailField(required=True)

    def clean_email(self) -> Any:
        refuse_stripped_field(allauth_context.request, "email")
        return super().clean_email()


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password, to confirm"), widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("Wrong password."))
        return ""
