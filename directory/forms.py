from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from common.validators import IMAGE_EXTENSIONS, validate_image

from .models import (
    QUOTE_NEED_MAX_LENGTH,
    Certification,
    CertificationKind,
    Company,
    ContactPreference,
    MembershipRole,
    Profession,
    QuoteReply,
    QuoteRequest,
    QuoteStatus,
    Sector,
)
from .places import match_postal_address
from .search import MAX_QUERY_LENGTH, SearchQuery

QUOTE_NEED_MIN_LENGTH = 30


class SearchForm(forms.Form):
    """The public search, read from the query string."""

    q = forms.CharField(
        label=_("Trade, speciality or company"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("e.g. electrician, nanny, roofer"),
                "list": "trade-suggestions",
                "autocomplete": "off",
            }
        ),
    )
    ou = forms.CharField(
        label=_("City or postal code"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("e.g. Lyon, 69003"),
                "list": "place-suggestions",
                "autocomplete": "off",
            }
        ),
    )
    rayon = forms.TypedChoiceField(
        label=_("Within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Their service area"))]
        + [(km, _("%(km)s km") % {"km": km}) for km in settings.DIRECTORY_SEARCH_RADIUS_CHOICES_KM],
    )
    metier = forms.ModelChoiceField(
        label=_("Trade"),
        required=False,
        queryset=Profession.objects.public(),
        to_field_name="slug",
        empty_label=_("All trades"),
    )
    secteur = forms.ModelChoiceField(
        label=_("Sector"),
        required=False,
        queryset=Sector.objects.all(),
        to_field_name="slug",
        empty_label=_("All sectors"),
    )
    clientele = forms.ChoiceField(
        label=_("Clients"),
        required=False,
        choices=[
            ("", _("Households and companies")),
            ("b2c", _("Households")),
            ("b2b", _("Companies")),
        ],
    )
    tri = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Relevance")), ("distance", _("Distance")), ("name", _("Name"))],
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            raise forms.ValidationError(_("Coordinates need both a latitude and a longitude."))
        return cleaned

    def to_query(self, page: str | int = 1) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data["q"],
            place=data["ou"],
            latitude=data["lat"],
            longitude=data["lng"],
            radius_km=data["rayon"],
            profession=data["metier"],
            sector=data["secteur"],
            audience=data["clientele"],
            sort=data["tri"] or "relevance",
            page=page,
        )


class QuoteRequestForm(forms.ModelForm):
    """The public quote request. Anonymous visitors give and confirm an
    e-mail; a honeypot field catches naive bots."""

    email_confirmation = forms.EmailField(label=_("Confirm your e-mail"), required=False)
    # Hidden from people (CSS and aria-hidden), filled by naive bots.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = QuoteRequest
        fields = [
            "need",
            "profession",
            "postal_code",
            "city",
            "timeframe",
            "budget",
            "contact_preference",
            "name",
            "email",
            "phone",
        ]
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
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }
        help_texts = {
            "need": _(
                "Describe the work or service, the place, any constraint (30 to 3,000 characters)."
            ),
        }

    def __init__(self, *args, company: Company, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
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
        self.fields["postal_code"].validators.append(
            RegexValidator(r"^\d{5}$", _("Enter a five-digit postal code."))
        )

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
        if cleaned.get("contact_preference") == ContactPreference.PHONE and not cleaned.get(
            "phone"
        ):
            self.add_error("phone", _("Give a phone number to be called back."))
        return cleaned

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("email_confirmation", None)
        data.pop("website", None)
        return data


class CompanyProfileForm(forms.ModelForm):
    """What a pro edits on its public page. Legal name and SIREN are
    vetted data, shown but not editable."""

    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    other_professions = forms.ModelMultipleChoiceField(
        label=_("Other trades"),
        required=False,
        queryset=Profession.objects.public(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to select several."),
    )

    class Meta:
        model = Company
        fields = [
            "trade_name",
            "description",
            "primary_profession",
            "address",
            "postal_code",
            "city",
            "intervention_radius_km",
            "serves_consumers",
            "serves_businesses",
            "phone",
            "email",
            "website",
            "year_founded",
            "logo",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_profession"].queryset = Profession.objects.public()
        self.fields["other_professions"].initial = list(
            self.instance.trade_links.filter(is_primary=False).values_list(
                "profession_id", flat=True
            )
        )
        self.place = None

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("serves_consumers") or cleaned.get("serves_businesses")):
            raise forms.ValidationError(_("Serve households, companies, or both."))
        postal_code, city = cleaned.get("postal_code"), cleaned.get("city")
        if postal_code and city:
            match = match_postal_address(postal_code, city)
            if match.place is None:
                self.add_error("city", match.error)
            else:
                self.place = match.place
        return cleaned

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "logo"}

    @property
    def logo_change(self):
        """None (unchanged), False (cleared) or the uploaded file."""
        if "logo" not in self.changed_data:
            return None
        return self.cleaned_data["logo"] or False


class PhotoForm(forms.Form):
    image = forms.ImageField(
        label=_("Photo"),
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image],
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["kind", "label", "expires_on", "proof"]
        widgets = {
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "proof": forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png"}
            ),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == CertificationKind.OTHER and not cleaned.get("label"):
            self.add_error("label", _("Name the label or certification."))
        return cleaned


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person to invite"))
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER
    )


class QuoteReplyForm(forms.ModelForm):
    class Meta:
        model = QuoteReply
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


class QuoteStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(QuoteStatus.CLOSED, _("Close")), (QuoteStatus.READ, _("Reopen"))]
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password, to confirm"), widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("Wrong password."))
        return ""
