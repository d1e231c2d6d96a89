"""Form fields shared by the apps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core import validators
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .company_numbers import (
    MAX_COMPANY_NUMBER_INPUT,
    CompanyNumber,
    format_siren,
    parse_company_number,
)
from .control_characters import ANY_CONTROL_CHARACTER
from .email_addresses import validate_email_address
from .formats import format_phone, parse_phone
from .tabular.values import parse_amount


class SirenField(forms.CharField):
    """A SIREN as people type it: "732 829 320", "732.829.320", or the
    14-digit SIRET of an establishment, whose SIREN is kept.

    Cleans to the 9 digits. Every fault gives one message (no length limit
    fires first on a formatted number); :meth:`notice` tells what was
    done with a SIRET, for the view to show.
    """

    default_error_messages = {"required": _("Enter your SIREN (9 digits).")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "SIREN")
        kwargs.setdefault(
            "help_text", _("9 digits (or your 14-digit SIRET), on your Kbis or your invoices.")
        )
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "maxlength": MAX_COMPANY_NUMBER_INPUT,
                    "placeholder": "732 829 320",
                }
            ),
        )
        super().__init__(**kwargs)
        self.number: CompanyNumber | None = None

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        self.number = parse_company_number(text) if text else None
        return self.number.siren if self.number else text

    def notice(self) -> str:
        """What the form did with the number typed, if worth saying."""
        if self.number is None or not (self.number.siret or self.number.vat):
            return ""
        message = (
            _("SIRET recognised: we keep the SIREN %(siren)s.")
            if self.number.siret
            else _("VAT number recognised: we keep the SIREN %(siren)s.")
        )
        return message % {"siren": format_siren(self.number.siren)}


class EmailAddressField(forms.EmailField):
    """An e-mail address a person gives us to write to, checked by
    :func:`common.email_addresses.validate_email_address`: one French
    message per fault (too long for the 254-character column, accents
    before the @, a domain without a dot, a control character).

    No ``maxlength`` in the page: a browser cuts a longer pasted address
    there without a word, and the form would then take another address;
    the server says it is too long instead. A control character is kept
    for the validator to refuse rather than stripped with the white space
    around the address."""

    default_validators = [validate_email_address]

    def __init__(self, **kwargs: Any) -> None:
        kwargs["max_length"] = None
        super().__init__(**kwargs)
        # validate_email_address refuses a NUL with its own message.
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, validators.ProhibitNullCharactersValidator)
        ]

    def to_python(self, value: Any) -> str:
        if isinstance(value, str) and ANY_CONTROL_CHARACTER.search(value.strip(" \t\r\n")):
            return value
        return str(super().to_python(value))


class _AnyClientFileName:
    """A model's file field in a form, without the column's limit on the
    name the client gave the file: that name is not stored
    (``common.files.stored_file_name`` gives a short random one), so a
    scanner's 105-character file name is no error (trial, finding 6)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["max_length"] = None
        super().__init__(**kwargs)


class UploadFileField(_AnyClientFileName, forms.FileField):
    """A document (an invoice scan, a proof): :class:`_AnyClientFileName`."""


class UploadImageField(_AnyClientFileName, forms.ImageField):
    """An image (a logo): :class:`_AnyClientFileName`."""


class PhoneNumberField(forms.CharField):
    """A phone number as people type it ("06 99 05 60 90", "+33 6 99…",
    "06.99.05.60.90"), cleaned to E.164 ("+33699056090") by
    :func:`common.formats.parse_phone`; numbers without a country code are
    French. The bound value shown back is the national format.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"type": "tel", "autocomplete": "tel", "placeholder": "06 12 34 56 78"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("+"):
            return format_phone(value)
        return value

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        return parse_phone(text)


class AmountField(forms.CharField):
    """An amount in euros as people write it: ``1 234,56``, ``45 €``,
    ``1.234,56``, ``45.5`` (``common.tabular.values.parse_amount``, the
    file imports' reader): cleans to a ``Decimal`` with two decimals, more
    than 0 and below the columns' limit; each fault has its own message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)  # the text checked (required, length)
        if not text:
            return None
        try:
            return parse_amount(text)
        except ValueError as error:
            message = str(error)
            raise forms.ValidationError(f"{message[:1].upper()}{message[1:]}.") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return formats.number_format(value, decimal_pos=2)
        return value
