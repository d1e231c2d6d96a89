"""Forms of the pro space's sessions: one session, a file of sessions, the
choice of its columns, the scan of an audited session's invoice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import AmountField, EmailAddressField, PhoneNumberField
from common.tabular.forms import ColumnsForm, TableFileField
from common.tabular.sheet import Sheet
from common.tabular.values import parse_date
from common.text import normalize
from common.validators import DOCUMENT_EXTENSIONS

from . import session_columns
from .models import SessionStatus
from .services.sessions import oldest_session_day


class FrenchDateField(forms.CharField):
    """A date as French people write it: ``03/04/2026``, ``3/4/26``,
    ``3 avril 2026``, ``2026-04-03`` (``common.tabular.values.parse_date``);
    a date in the future, or older than a session may be
    (:func:`loyalty.services.sessions.oldest_session_day`), is refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"placeholder": "JJ/MM/AAAA", "autocomplete": "off"}),
        )
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> date | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            today = timezone.localdate()
            return parse_date(text, today=today, not_before=oldest_session_day(today))
        except ValueError as error:
            message = str(error)
            raise forms.ValidationError(f"{message[:1].upper()}{message[1:]}.") from None


class SessionForm(forms.Form):
    """A session recorded without an invoice. The client is told by at
    least one of e-mail, phone or name; only a key made from it is kept."""

    client_email = EmailAddressField(label=_("Client e-mail"), required=False)
    client_phone = PhoneNumberField(label=_("Client phone"), required=False)
    client_name = forms.CharField(label=_("Client name"), required=False, max_length=150)
    performed_on = FrenchDateField(
        label=_("Date performed"), help_text=_("For example 03/04/2026 or 3 avril 2026.")
    )
    amount = AmountField(label=_("Amount incl. tax (€), optional"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=SessionStatus.choices,
        initial=SessionStatus.COMPLETED,
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("Reference, optional"),
        required=False,
        max_length=100,
        help_text=_("Your own number for this session; left blank, we give one."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fields = ("client_email", "client_phone", "client_name")
        if any(self.errors.get(name) for name in fields):
            return cleaned
        if not any((cleaned.get(name) or "").strip() for name in fields):
            raise forms.ValidationError(
                _("Give the client's e-mail, phone number or name (at least one).")
            )
        name = cleaned.get("client_name") or ""
        if (
            name.strip()
            and not normalize(name)
            and not any(
                (cleaned.get(other) or "").strip() for other in ("client_email", "client_phone")
            )
        ):
            # Only symbols or emoji: nothing to tell the client by.
            self.add_error(
                "client_name",
                _("The name must contain letters or digits, or give the e-mail or phone."),
            )
        return cleaned


class SessionImportForm(forms.Form):
    file = TableFileField(
        help_text=_(
            "CSV (UTF-8 or Windows), Excel .xlsx or Unicode text, one session per line under "
            "a header row: date, and the client's e-mail, phone or name; reference, amount "
            "and status (réalisée, annulée, absent) if you have them."
        ),
    )


class SessionColumnsForm(ColumnsForm):
    def __init__(self, *args: Any, sheet: Sheet, initial_columns: dict[str, int], **kwargs: Any):
        super().__init__(
            *args,
            scheme=session_columns.SCHEME,
            sheet=sheet,
            initial_columns=initial_columns,
            **kwargs,
        )


class SessionScanForm(forms.Form):
    """The scan of the invoice an audit asks for, and the client as written
    on it (at least one of e-mail, phone or name): only whether it matches
    the session's client is kept."""

    scan = forms.FileField(
        label=_("Scan of the invoice (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{extension}" for extension in DOCUMENT_EXTENSIONS)}
        ),
    )
    client_email = EmailAddressField(label=_("Client e-mail on the invoice"), required=False)
    client_phone = PhoneNumberField(label=_("Client phone on the invoice"), required=False)
    client_name = forms.CharField(
        label=_("Client name on the invoice"),
        required=False,
        max_length=150,
        help_text=_(
            "At least one, as written on the invoice: we only check that it is the client "
            "of the session, and keep nothing of it."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fields = ("client_email", "client_phone", "client_name")
        if not any(self.errors.get(name) for name in fields) and not any(
            (cleaned.get(name) or "").strip() for name in fields
        ):
            raise forms.ValidationError(
                _("Give the client's e-mail, phone number or name as written on the invoice.")
            )
        return cleaned
