"""The public quote request form and the pro space's reply and status forms."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from common.forms import EmailAddressField, PhoneNumberField
from common.referral import clean_referral_code
from common.validators import validate_person_name
from directory.companies.models import Company
from directory.places.resolve import match_postal_address
from directory.quotes.models import (
    QUOTE_NEED_MAX_LENGTH,
    ContactPreference,
    QuoteBudget,
    QuoteReply,
    QuoteRequest,
    QuoteStatus,
    QuoteTimeframe,
)

QUOTE_NEED_MIN_LENGTH = 30

# Required questions answered by one click among a few options: radio
# buttons, none ticked in advance (no "---------" that looks like an answer).
# The contact options say "by": "E-mail" and "Phone" are also field labels.
RADIO_CHOICES = {
    "timeframe": QuoteTimeframe.choices,
    "budget": QuoteBudget.choices,
    "contact_preference": [
        (ContactPreference.EMAIL, _("By e-mail")),
        (ContactPreference.PHONE, _("By phone")),
    ],
}


# What to do, rather than "This field is required" nine times.
REQUIRED_MESSAGES = {
    "need": _("Describe your need."),
    "postal_code": _("Enter the postal code of the place."),
    "city": _("Enter the town of the place."),
    "timeframe": _("Choose when the work should be done."),
    "budget": _("Choose a budget, or “I don't know yet”."),
    "name": _("Enter your name."),
    "email": _("Enter your e-mail address."),
    "email_confirmation": _("Type your e-mail address again."),
    "contact_preference": _("Choose how you wish to be contacted."),
}


class QuoteRequestForm(forms.ModelForm):
    """The public quote request. Anonymous visitors give and confirm an
    e-mail (the two fields one after the other); a honeypot field catches naive
    bots. The phone, cleaned to E.164, is required when the requester
    chooses to be called (checked here; ``static/js/quote.js`` marks the
    field required in the browser as soon as "phone" is ticked)."""

    email_confirmation = EmailAddressField(
        label=_("Confirm your e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone"),
        required=False,
        help_text=_("Required if you wish to be called."),
    )
    # Hidden from people (CSS and aria-hidden), filled by naive bots.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # The referral code of the link the requester came by (``?parrain=``),
    # carried through the form; anything that is not a code is dropped,
    # never an error.
    parrain = forms.CharField(required=False, widget=forms.HiddenInput, strip=True)

    class Meta:
        model = QuoteRequest
        fields = [
            "need",
            "profession",
            "postal_code",
            "city",
            "timeframe",
            "budget",
            "name",
            "email",
            "contact_preference",
            "phone",
        ]
        field_classes = {"email": EmailAddressField}
        widgets = {
            "need": forms.Textarea(
                attrs={
                    "rows": 6,
                    "minlength": QUOTE_NEED_MIN_LENGTH,
                    "maxlength": QUOTE_NEED_MAX_LENGTH,
                }
            ),
            "postal_code": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "postal-code"}
            ),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "timeframe": forms.RadioSelect,
            "budget": forms.RadioSelect,
            "contact_preference": forms.RadioSelect,
        }
        help_texts = {
            "need": _(
                "Describe the work or service, the place, any constraint (30 to 3,000 characters)."
            ),
        }

    def __init__(self, *args, company: Company, user=None, referral_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["parrain"].initial = clean_referral_code(referral_code)
        self.user = user if user is not None and user.is_authenticated else None
        self.fields["profession"].queryset = company.professions.all()
        self.fields["profession"].initial = company.primary_profession_id
        self.fields["profession"].empty_label = None
        if self.user is not None:
            # A logged-in requester is known by the account's e-mail.
            del self.fields["email"], self.fields["email_confirmation"]
            self.fields["name"].initial = self.user.get_full_name()
        else:
            self.fields["email_confirmation"].required = True
        self.fields["name"].validators.append(validate_person_name)
        self.fields["postal_code"].validators.append(
            RegexValidator(r"^\d{5}$", _("Enter a five-digit postal code."))
        )
        for name, choices in RADIO_CHOICES.items():
            self.fields[name].choices = choices
        for name, message in REQUIRED_MESSAGES.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message
        # The order people fill it in: the two e-mail fields together,
        # then how to be contacted, then the phone that a call needs.
        order = ["need", "profession", "postal_code", "city", "timeframe", "budget", "name"]
        order += [
            "email",
            "email_confirmation",
            "contact_preference",
            "phone",
            "website",
            "parrain",
        ]
        self.order_fields(order)
        if self.data.get(self.add_prefix("contact_preference")) == ContactPreference.PHONE:
            self.fields["phone"].widget.attrs["required"] = True

    def error_summary(self) -> list[tuple[str, str, str]]:
        """Every error, in the order of the form: ``(anchor, label,
        message)``, the anchor being the id of the field's input (of its
        first option for radio buttons), empty for errors of the whole
        form. For the summary at the top of the page."""
        summary: list[tuple[str, str, str]] = [("", "", str(e)) for e in self.non_field_errors()]
        for field in self:
            anchor = field.auto_id + ("_0" if field.name in RADIO_CHOICES else "")
            summary += [(anchor, str(field.label), str(error)) for error in field.errors]
        return summary

    def clean_need(self) -> str:
        need = self.cleaned_data["need"].strip()
        if len(need) < QUOTE_NEED_MIN_LENGTH:
            raise forms.ValidationError(
                _("Describe your need in at least %(min)s characters."),
                params={"min": QUOTE_NEED_MIN_LENGTH},
            )
        return need

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(_("This field must stay empty."))
        return ""

    def clean(self):
        cleaned = super().clean()
        email, confirmation = cleaned.get("email"), cleaned.get("email_confirmation")
        if self.user is None and email and confirmation and email.lower() != confirmation.lower():
            self.add_error("email_confirmation", _("The two e-mail addresses differ."))
        if (
            cleaned.get("contact_preference") == ContactPreference.PHONE
            and not cleaned.get("phone")
            and "phone" not in self.errors  # a number was typed, but not a valid one
        ):
            self.add_error("phone", _("Give a phone number to be called back."))
        postal_code, city = cleaned.get("postal_code"), cleaned.get("city")
        if postal_code and city:
            # The same check as a company's or an applicant's address
            # (La Poste's table); the town is kept as the requester wrote it.
            match = match_postal_address(postal_code, city)
            if match.place is None:
                self.add_error("city", match.error)
        return cleaned

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("email_confirmation", None)
        data.pop("website", None)
        data["referral_code"] = clean_referral_code(data.pop("parrain", ""))
        return data


class QuoteReplyForm(forms.ModelForm):
    class Meta:
        model = QuoteReply
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


class QuoteStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(QuoteStatus.CLOSED, _("Close")), (QuoteStatus.READ, _("Reopen"))]
    )
