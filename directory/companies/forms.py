"""Forms of the company profile in the pro space."""

from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from common.forms import EmailAddressField, PhoneNumberField, UploadFileField, UploadImageField
from common.validators import IMAGE_EXTENSIONS, validate_image
from directory.companies.models import Certification, CertificationKind, Company
from directory.places.resolve import match_postal_address
from directory.taxonomy.forms import TradesField
from directory.taxonomy.models import Profession


class CompanyProfileForm(forms.ModelForm):
    """What a pro edits on its public page. Legal name and SIREN are
    vetted data, shown but not editable."""

    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    # Stored in E.164, shown "06 99 05 60 90" (common.formats).
    phone = PhoneNumberField(label=_("phone"), required=False)
    other_professions = TradesField(
        label=_("Other trades"),
        required=False,
        queryset=Profession.objects.public(),
        help_text=_("Tick every other trade you practise, in any sector."),
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
        field_classes = {"email": EmailAddressField, "logo": UploadImageField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        primary = self.fields["primary_profession"]
        primary.queryset = Profession.objects.public()
        # A prompt, not an answer: the field is required.
        primary.empty_label = _("Choose your main trade")
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
        field_classes = {"proof": UploadFileField}
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
