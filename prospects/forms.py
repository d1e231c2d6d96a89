"""Forms of the pipeline screens: the board's filters, a prospect's
details, an interaction, a move between stages, a merge. They check what
was typed; the rules (transitions, duplicates, lost reasons) are the
services'."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.forms import AmountField, EmailAddressField, PhoneNumberField, SirenField
from common.types import User
from directory.models import Company, Profession

from .board import BoardFilters, has_score, pipeline_professions, pipeline_workers
from .fit import FIT_CHOICES
from .models import OPEN_STAGES, Interaction, LostReason, Pipeline, Stage

# A follow-up or an interaction date further than this is a typing slip.
MAX_DAYS_AHEAD = 3 * 366
MAX_DAYS_BACK = 10 * 366

# The person who works a prospect ("responsable", not a company's owner).
OWNER_LABEL = pgettext_lazy("prospect", "Owner")

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FollowUpDateField(forms.DateField):
    """The next follow-up date, the same rule in every form that sets one
    (a prospect created or edited, an interaction): today or later, and
    at most ``MAX_DAYS_AHEAD`` days away (three years: further is a typing
    slip, "2062" for "2026"); empty is "no next step". A date already
    stored (``keep``) is accepted as it is, so that editing an overdue
    prospect's other details does not force a new date."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Next follow-up"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", DATE_WIDGET)
        super().__init__(**kwargs)
        self.keep: date | None = None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None or value == self.keep:
            return
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(
                _("The next follow-up cannot be in the past: choose today or a later day."),
                code="past",
            )
        if value > today + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(
                _("This date is more than three years away."), code="too_far"
            )


def _owner_field(
    pipeline: str, company: Company | None, **kwargs: Any
) -> forms.ModelChoiceField[User]:
    field: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=pipeline_workers(pipeline, company), required=False, **kwargs
    )
    field.label_from_instance = _person  # type: ignore[method-assign,assignment]
    return field


def _person(user: User) -> str:
    return user.get_full_name() or user.email


class BoardFilterForm(forms.Form):
    """The board's filters, read from the query string (French names:
    they show in the address bar). Invalid values are reported and the
    filter they belong to is ignored."""

    responsable = forms.ModelChoiceField(
        label=OWNER_LABEL, queryset=Profession.objects.none(), required=False
    )
    metier = forms.ModelChoiceField(
        label=_("Trade"),
        queryset=Profession.objects.none(),
        required=False,
        empty_label=_("All trades"),
    )
    ville = forms.CharField(label=_("Town"), required=False, max_length=150)
    en_retard = forms.BooleanField(label=_("Overdue follow-up only"), required=False)

    def __init__(self, *args: Any, pipeline: str, company: Company | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsable"] = _owner_field(
            pipeline, company, label=OWNER_LABEL, empty_label=_("Everyone")
        )
        metier = cast("forms.ModelChoiceField[Profession]", self.fields["metier"])
        metier.queryset = pipeline_professions(pipeline, company)
        if pipeline == Pipeline.PLATFORM:
            self.fields["eligibilite"] = forms.ChoiceField(
                label=_("Fit"),
                required=False,
                choices=[("", _("Any fit")), *FIT_CHOICES],
            )
        if has_score():
            self.fields["score_min"] = forms.IntegerField(
                label=_("Minimum score"), required=False, min_value=0, max_value=100
            )

    def filters(self) -> BoardFilters:
        """The valid filters (an invalid one is left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return BoardFilters(
            owner=data.get("responsable"),
            profession=data.get("metier"),
            town=data.get("ville") or "",
            overdue=bool(data.get("en_retard")),
            min_score=data.get("score_min"),
            fit=data.get("eligibilite") or "",
        )

    def is_filtered(self) -> bool:
        self.is_valid()
        return any(getattr(self, "cleaned_data", {}).values())


class ProspectForm(forms.Form):
    """A prospect's details, typed by hand (create and edit)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    siren = SirenField(required=False, help_text=_("9 digits, or the 14-digit SIRET."))
    profession = forms.ModelChoiceField(
        label=_("Trade"),
        queryset=Profession.objects.order_by("name_fr"),
        required=False,
        empty_label=_("Not known"),
    )
    town = forms.CharField(label=_("Town"), max_length=150, required=False)
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("A postal code has 5 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5}),
    )
    email = EmailAddressField(label=_("E-mail"), required=False)
    phone = PhoneNumberField(label=_("Phone"), required=False)
    owner = forms.ModelChoiceField(label=OWNER_LABEL, queryset=Profession.objects.none())
    budget = AmountField(label=_("Budget (€)"), required=False)
    next_follow_up = FollowUpDateField()

    def __init__(
        self,
        *args: Any,
        pipeline: str,
        company: Company | None,
        creating: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(
            pipeline, company, label=OWNER_LABEL, empty_label=_("Nobody")
        )
        if creating:
            self.fields["stage"] = forms.ChoiceField(
                label=_("Stage"),
                choices=[(stage.value, stage.label) for stage in (*OPEN_STAGES, Stage.CLIENT)],
                initial=Stage.SUSPECT,
            )
        else:
            # The date stored stays valid when it passed (an overdue prospect).
            follow_up = cast(FollowUpDateField, self.fields["next_follow_up"])
            follow_up.keep = self.initial.get("next_follow_up")


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Interaction.Kind.choices)
    happened_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    outcome = forms.CharField(
        label=_("Outcome and notes"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_follow_up = FollowUpDateField(help_text=_("Leave empty if there is no next step."))

    # The form's one-time token (``services.interaction_add``): a new one
    # each time the form is shown empty, sent back as it was.
    submission = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,32}$", required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"happened_on": timezone.localdate(), "submission": secrets.token_urlsafe(16)},
        )
        super().__init__(*args, **kwargs)

    def clean_happened_on(self) -> date:
        day: date = self.cleaned_data["happened_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("An interaction cannot be in the future."))
        if day < today - timedelta(days=MAX_DAYS_BACK):
            raise forms.ValidationError(_("This date is more than ten years back."))
        return day


class MoveForm(forms.Form):
    """A move to another stage; lost needs its reason."""

    to = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    lost_reason = forms.ChoiceField(
        label=_("Why is it lost?"),
        required=False,
        choices=[("", _("Choose a reason")), *LostReason.choices],
    )
    lost_note = forms.CharField(
        label=_("Lost note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Comment (kept in the history)"), required=False, max_length=300
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to") == Stage.LOST and not data.get("lost_reason"):
            self.add_error("lost_reason", _("Say why this prospect is lost."))
        if data.get("to") != Stage.LOST:
            data["lost_reason"], data["lost_note"] = "", ""
        return data


class MergeForm(forms.Form):
    """Which of two records of one prospect is kept."""

    keep = forms.TypedChoiceField(label=_("Record to keep"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = cast("forms.TypedChoiceField", self.fields["keep"])
        keep.choices = choices
        keep.initial = choices[0][0]


class ErasureForm(forms.Form):
    """The confirmation of an erasure of personal data on request."""

    confirm = forms.BooleanField(
        label=_("I confirm: this prospect asked for their personal data to be erased"),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )
