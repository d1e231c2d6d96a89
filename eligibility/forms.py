from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.forms import PhoneNumberField, SirenField
from directory.models import Profession
from directory.places.resolve import match_postal_address
from directory.taxonomy.forms import TradesField

from .models import (
    CHECK_DECISIONS,
    EXCEPTIONAL_EVENT_CHOICES,
    VERDICT_CHOICES,
    Application,
    ApplicationStatus,
    CheckState,
    Evidence,
    RefusalReason,
)
from .screening import QUESTIONS, Verdict, questions_for
from .services import trades_of

# "type: ignore[type-arg]": ModelForm takes no type argument at run time
# (django-stubs-ext's monkeypatch would make that a dependency).


class IdentityForm(forms.ModelForm):  # type: ignore[type-arg]
    # People type "732 829 320", "732.829.320" or their SIRET.
    siren = SirenField()
    phone = PhoneNumberField(label=_("phone"), required=False)

    class Meta:
        model = Application
        fields = [
            "legal_name",
            "siren",
            "manager_name",
            "address",
            "postal_code",
            "city",
            "phone",
            "year_founded",
        ]
        help_texts = {
            "manager_name": _(
                "As on the registration extract (Kbis): we check it against their identity "
                "document."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("legal_name", "siren", "postal_code", "city"):
            self.fields[name].required = True

    def notice(self) -> str:
        """What was done with the number typed (a SIRET), for the applicant."""
        return cast(SirenField, self.fields["siren"]).notice()

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())
        postal_code, city = cleaned.get("postal_code"), cleaned.get("city")
        if postal_code and city:
            match = match_postal_address(postal_code, city)
            if match.place is None:
                self.add_error("city", match.error)
            else:
                cleaned["city"] = match.place.name
        return cleaned


class ActivityForm(forms.ModelForm):  # type: ignore[type-arg]
    # Every trade, excluded ones too: the screening must see a restaurant
    # to say why it is not listed.
    professions = TradesField(
        label=_("Your trades"),
        queryset=Profession.objects.all(),
        required=False,
        help_text=_(
            "Tick each trade you practise, in any sector. Not in the list? Use the next field."
        ),
    )

    class Meta:
        model = Application
        fields = [
            "professions",
            "other_profession",
            "serves_consumers",
            "serves_businesses",
            "services_description",
        ]
        widgets = {"services_description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services_description"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())
        if not cleaned.get("professions") and not cleaned.get("other_profession"):
            self.add_error("professions", _("Choose at least one trade, or describe yours."))
        if not (cleaned.get("serves_consumers") or cleaned.get("serves_businesses")):
            raise forms.ValidationError(_("Serve households, companies, or both."))
        return cleaned


class QuestionnaireForm(forms.ModelForm):  # type: ignore[type-arg]
    """The questions of ``screening.QUESTIONS`` asked of this applicant's
    trades (``questions_for``), each required, none with a pre-selected
    answer. Answers to questions not asked are cleared on save: they were
    given for other trades and no longer count."""

    # A required yes-or-no (a NullBooleanField never says "required").
    exceptional_event = forms.TypedChoiceField(
        choices=EXCEPTIONAL_EVENT_CHOICES,
        coerce=lambda value: value == "True",
        empty_value=None,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Application
        fields = [question.field for question in QUESTIONS]
        widgets = {
            "new_clients_per_day": forms.NumberInput(attrs={"step": "0.1", "min": "0"}),
            "average_amount_eur": forms.NumberInput(attrs={"min": "0"}),
            "decision_time": forms.RadioSelect,
            "invoices_name_client": forms.RadioSelect,
        }
        help_texts = {
            "new_clients_per_day": _("Clients you did not work for before. 0.2 = one a week."),
            "average_amount_eur": _("In euros, taxes included. A rough figure is enough."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trades = trades_of(self.instance.professions.all()) if self.instance.pk else ()
        self.asked = questions_for(trades)
        for question in QUESTIONS:
            if question not in self.asked:
                del self.fields[question.field]
                continue
            field = self.fields[question.field]
            field.label = question.label
            field.required = True
            if isinstance(field, forms.ChoiceField):
                # A model field that may be blank offers "---------" as
                # a radio; an unanswered question has no answer ticked.
                choices = cast("list[tuple[Any, Any]]", field.choices)
                field.choices = [
                    (value, label) for value, label in choices if value not in ("", None)
                ]


class SubmitForm(forms.Form):
    message = forms.CharField(
        label=_("A word for the vetting team (optional)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, verdict: str = "", status: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if status == ApplicationStatus.NEEDS_INFORMATION:
            self.fields["message"].label = _("Your answer to the vetting team")
            self.fields["message"].required = True
        elif verdict == Verdict.INELIGIBLE:
            self.fields["message"].label = _(
                "Why should a person look at your application? (required)"
            )
            self.fields["message"].required = True


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, SIREN or city"), required=False, max_length=100)
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        required=False,
        choices=[("", _("All verdicts")), *VERDICT_CHOICES],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Awaiting a decision")),
            (ApplicationStatus.SUBMITTED, ApplicationStatus.SUBMITTED.label),
            (ApplicationStatus.NEEDS_INFORMATION, ApplicationStatus.NEEDS_INFORMATION.label),
            (ApplicationStatus.APPROVED, ApplicationStatus.APPROVED.label),
            (ApplicationStatus.REJECTED, ApplicationStatus.REJECTED.label),
        ],
    )
    profession = forms.ModelChoiceField(
        label=_("Trade"),
        required=False,
        queryset=Profession.objects.order_by("name_fr"),
        empty_label=_("All trades"),
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)


class DecisionForm(forms.Form):
    ACTIONS = [
        ("approve", _("Approve")),
        ("reject", _("Reject")),
        ("information", _("Ask for information")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Reason or question (sent to the applicant)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    refusal_reason = forms.ChoiceField(
        label=_("If rejected: the reason (not sent, for our statistics)"),
        required=False,
        choices=[("", _("Choose a reason")), *RefusalReason.choices],
    )

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())
        if cleaned.get("action") == "reject":
            if not cleaned.get("note", "").strip():
                self.add_error(
                    "note", _("A rejection needs a reason; it is sent to the applicant.")
                )
            if not cleaned.get("refusal_reason"):
                self.add_error("refusal_reason", _("Choose the reason of the refusal."))
        return cleaned


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        User = get_user_model()
        vetting = Q(groups__permissions__codename="vet_application") | Q(is_superuser=True)
        assignee = cast("forms.ModelChoiceField[Any]", self.fields["assignee"])
        assignee.queryset = (
            User.objects.filter(vetting, is_active=True).order_by("email").distinct()
        )
        # Replaces the method on this instance (a lambda has no type to check).
        assignee.label_from_instance = lambda user: user.email  # type: ignore[method-assign,assignment]


class CompanyDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (recorded)"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class EvidenceForm(forms.Form):
    """A document for one check; the service checks the dates the check
    needs and the file's content (``services.evidence_add``)."""

    file = forms.FileField(
        label=_("Document (PDF, JPEG or PNG, 10 MB at most)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    issued_on = forms.DateField(label=_("Date of issue"), required=False, widget=DateInput())
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())


class CheckDecisionForm(forms.Form):
    """A vetter's decision on one check (``services.check_decide``)."""

    state = forms.ChoiceField(
        label=_("Decision"),
        choices=[(state.value, state.label) for state in CheckState if state in CHECK_DECISIONS],
        widget=forms.RadioSelect,
    )
    evidence = forms.ModelChoiceField(
        label=_("Document checked"),
        queryset=Evidence.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    reference = forms.CharField(label=_("SIREN read on the extract"), required=False, max_length=40)
    valid_until = forms.DateField(
        label=_("Valid until (empty: as the catalogue says)"), required=False, widget=DateInput()
    )
    note = forms.CharField(
        label=_("Note (required for failed or not applicable)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, evidence: list[Evidence] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [document.pk for document in evidence or []]
        field = cast(forms.ModelChoiceField, self.fields["evidence"])  # type: ignore[type-arg]
        field.queryset = Evidence.objects.filter(pk__in=ids).order_by("-uploaded_at", "-pk")
        if ids:
            field.initial = ids[0]
