from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import AmountField, EmailAddressField, PhoneNumberField, UploadFileField
from common.tabular.forms import ColumnsForm, TableFileField

from . import invoice_columns
from .models import (
    INVOICE_NUMBER_TAKEN,
    PUBLISHED_REJECTION_NEEDS_NOTE,
    REJECTION_NOTE_MIN,
    Appeal,
    InvitationPolicy,
    Invoice,
    ModerationCheck,
    ModerationDecision,
    RejectionReason,
    Reply,
    Review,
    ReviewFlag,
    ReviewRequest,
    ReviewSettings,
    ReviewStatus,
    ReviewUpdate,
)
from .services.invoices import invoice_number_registered

# What each number of stars means, read out by screen readers and shown as
# the chosen value: 1 is the worst. The same five for every criterion.
RATING_LABELS = {
    1: _("1 — very disappointed"),
    2: _("2 — disappointed"),
    3: _("3 — fair"),
    4: _("4 — satisfied"),
    5: _("5 — excellent"),
}
STARS = list(RATING_LABELS.items())
# The overall rating and the four sub-ratings of Review.
RATING_FIELDS = (
    "rating",
    "rating_reliability",
    "rating_quality",
    "rating_value",
    "rating_communication",
)


AMOUNT_REQUIRED = _(
    "Give the amount: your invitation rule invites the clients of invoices above an amount."
)


class InvoiceForm(forms.ModelForm):
    # As people write it ("1 234,56", "45 €"), like the file import.
    amount = AmountField(label=Invoice._meta.get_field("amount").verbose_name, required=False)

    class Meta:
        model = Invoice
        fields = [
            "number",
            "issued_on",
            "amount",
            "client_name",
            "client_company",
            "client_email",
            "client_phone",
            "scan",
        ]
        # Stored in E.164 ("+33699056090"): one spelling per number.
        field_classes = {
            "client_phone": PhoneNumberField,
            "client_email": EmailAddressField,
            "scan": UploadFileField,
        }
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "scan": forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png"}
            ),
        }

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        # Optional (minimisation) unless the invitation rule compares amounts.
        rule = ReviewSettings.objects.filter(company=company).first()
        self.needs_amount = rule is not None and rule.needs_amount
        self.fields["amount"].required = self.needs_amount
        self.fields["amount"].error_messages["required"] = AMOUNT_REQUIRED
        if not self.needs_amount:
            self.fields["amount"].help_text = _(
                "Optional: your invitation rule invites every client whatever the amount."
            )

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on > timezone.localdate():
            raise forms.ValidationError(_("The invoice date cannot be in the future."))
        return issued_on

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if invoice_number_registered(company=self.company, number=number):
            raise forms.ValidationError(INVOICE_NUMBER_TAKEN)
        return number


class InvoiceImportForm(forms.Form):
    file = TableFileField(
        help_text=_(
            "CSV (UTF-8 or Windows), Excel .xlsx or Unicode text, one invoice per line under "
            "a header row: invoice number, date, amount incl. tax, client name and e-mail; "
            "client company and phone if you have them."
        ),
    )


class InvoiceColumnsForm(ColumnsForm):
    """Which column of the pro's invoice file holds which field; the amount
    is required when the invitation rule compares amounts."""

    def __init__(self, *args, sheet, initial_columns: dict[str, int], needs_amount=False, **kwargs):
        super().__init__(
            *args,
            scheme=invoice_columns.SCHEME,
            sheet=sheet,
            initial_columns=initial_columns,
            also_required=("amount",) if needs_amount else (),
            **kwargs,
        )


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["policy", "min_amount"]
        widgets = {"policy": forms.RadioSelect}

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("policy") == InvitationPolicy.MIN_AMOUNT
            and cleaned.get("min_amount") is None
        ):
            self.add_error("min_amount", _("Give the amount from which clients are invited."))
        return cleaned


class ReviewForm(forms.ModelForm):
    """The invited client's review: a star rating per criterion (overall
    and the four sub-ratings), title, text, name and the declaration.

    Each rating is a group of native radio inputs 1 → 5 (keyboard arrows,
    no script needed), each labelled with its meaning (``RATING_LABELS``);
    templates/reviews/star_rating.html draws them as stars."""

    declaration = forms.BooleanField(
        label=_("I certify that this review describes my own experience with this company."),
        required=True,
        error_messages={"required": _("Tick this box to certify the review is your own.")},
    )

    class Meta:
        model = Review
        fields = [
            *RATING_FIELDS,
            "title",
            "text",
            "author_name",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "text": _("50 to 5,000 characters. Plain text: no links, e-mails or phone numbers."),
            "author_name": _(
                "We compare it with the name on the invoice; "
                "only your first name and initial are shown."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RATING_FIELDS:
            label = self.fields[name].label
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=STARS,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "star-input"}),
                error_messages={
                    "required": _("Choose a rating for “%(criterion)s”: from 1 to 5 stars.")
                    % {"criterion": label},
                    "invalid_choice": _("A rating is a whole number of stars from 1 to 5."),
                },
            )

    @property
    def rating_fields(self) -> list:
        """The bound star-rating fields, overall first."""
        return [self[name] for name in RATING_FIELDS]

    @property
    def text_fields(self) -> list:
        """Title and text: the contact-details warning goes under them."""
        return [self["title"], self["text"]]

    @property
    def other_fields(self) -> list:
        """The fields after the text: name (first submission) and declaration."""
        return [
            self[name]
            for name in self.fields
            if name not in RATING_FIELDS and name not in ("title", "text")
        ]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("declaration")
        return data


class ReviewResubmitForm(ReviewForm):
    """The author corrects a review refused for a fixable reason: ratings,
    title and text; the name stays the one compared with the invoice."""

    class Meta(ReviewForm.Meta):
        fields = [*RATING_FIELDS, "title", "text"]


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ModerationDecision.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(
        label=_("Reason of a rejection"),
        required=False,
        choices=[("", "—"), *RejectionReason.choices],
    )
    note = forms.CharField(
        label=_("Note to the author (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, review: Review | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        if review is not None and review.status == ReviewStatus.PUBLISHED:
            self.fields["note"].label = _(
                "Note justifying the rejection (required to take down a published review)"
            )
            self.fields["note"].help_text = _(
                "What you found and the evidence you saw; kept with the decision."
            )

    def clean(self):
        cleaned = super().clean()
        rejecting = cleaned.get("decision") == ModerationDecision.Decision.REJECT
        if rejecting and not cleaned.get("reason"):
            self.add_error("reason", _("Choose the reason of the rejection in the list."))
        if (
            rejecting
            and self.review is not None
            and self.review.status == ReviewStatus.PUBLISHED
            and len(cleaned.get("note", "").strip()) < REJECTION_NOTE_MIN
        ):
            self.add_error("note", PUBLISHED_REJECTION_NEEDS_NOTE)
        return cleaned


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Reply
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class FlagForm(forms.ModelForm):
    class Meta:
        model = ReviewFlag
        fields = ["reason", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class ScanForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["scan"]
        field_classes = {"scan": UploadFileField}
        widgets = {
            "scan": forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png"}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan"].required = True


class UpdateForm(forms.ModelForm):
    class Meta:
        model = ReviewUpdate
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class AppealForm(forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ReviewRequestForm(forms.ModelForm):
    class Meta:
        model = ReviewRequest
        fields = ["invoice_number", "name", "email"]
        field_classes = {"email": EmailAddressField}


class ManageLinkForm(forms.Form):
    """The address a review was written from, to receive a fresh link."""

    email = EmailAddressField(
        label=_("The e-mail address you wrote the review from"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ModerationQueueFilterForm(forms.Form):
    """The moderation queue's filters (GET). Every field is optional; a
    value outside its list is an error shown above the queue, which is
    then shown unfiltered."""

    AGES = [
        ("", _("Any age")),
        ("1", _("Waiting more than a day")),
        ("3", _("Waiting more than 3 days")),
        ("7", _("Waiting more than a week")),
    ]

    reason = forms.ChoiceField(
        label=_("Why it is here"),
        required=False,
        choices=[("", _("Every reason")), *ModerationCheck.choices],
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Every rating")), *[(n, f"{n}/5") for n in range(1, 6)]],
    )
    age = forms.TypedChoiceField(
        label=_("Waiting"), required=False, coerce=int, empty_value=None, choices=AGES
    )
