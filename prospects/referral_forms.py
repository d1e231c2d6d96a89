"""Forms of the referrers' pages and of the digest setting: they check
what was typed; the services clean and store it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import EmailAddressField, PhoneNumberField


class ReferrerForm(forms.Form):
    """A referrer's details (seed 004: a client or anyone else)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = EmailAddressField(label=_("E-mail"), required=False)
    phone = PhoneNumberField(label=_("Phone"), required=False)
    is_client = forms.BooleanField(label=_("This person is a client"), required=False)
    thanks_opt_in = forms.BooleanField(
        label=_("Thank them by e-mail when someone they recommended becomes a client"),
        help_text=_("Only if they agreed to it. Needs an e-mail address."),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("thanks_opt_in") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("Give an e-mail address to send the thanks to."))
        return cleaned


class DigestForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Send me the follow-up digest every morning at 8:00"), required=False
    )
