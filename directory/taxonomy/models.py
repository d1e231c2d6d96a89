"""Sectors and trades (professions): the taxonomy loaded from
``directory/data/professions.json`` by ``manage.py load_professions``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.text import normalize


class Bilingual(models.Model):
    """A row named in French and English; ``name`` follows the active language."""

    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_fr

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr

    @property
    def description(self) -> str:
        if (get_language() or "fr").startswith("en"):
            return self.description_en or self.description_fr
        return self.description_fr


class Sector(Bilingual):
    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name_fr"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def get_absolute_url(self) -> str:
        return reverse("directory:sector", args=[self.slug])


class EligibilityCategory(models.TextChoices):
    INCLUDED = "included", _("Included")
    EXCLUDED = "excluded", _("Excluded (not suited to the platform)")
    EXCEPTION = "exception", _("Exception (exceptional event)")


class ProfessionQuerySet(models.QuerySet):
    def public(self) -> ProfessionQuerySet:
        """Trades the directory shows (excluded trades only feed eligibility)."""
        return self.exclude(eligibility_category=EligibilityCategory.EXCLUDED)

    def popular(self) -> ProfessionQuerySet:
        return self.public().filter(listed_company_count__gt=0).order_by("-listed_company_count")


class Profession(Bilingual):
    """A trade (métier). Synonyms are what people type: "nounou", "chauffagiste"."""

    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="professions", verbose_name=_("sector")
    )
    slug = models.SlugField(unique=True)
    synonyms = models.JSONField(_("synonyms and keywords"), default=list, blank=True)
    is_trust_profession = models.BooleanField(
        _("trust profession"),
        default=False,
        help_text=_("The client entrusts a person with their home, children or health."),
    )
    eligibility_category = models.CharField(
        _("eligibility category"),
        max_length=10,
        choices=EligibilityCategory.choices,
        default=EligibilityCategory.INCLUDED,
    )
    # The vetting checks this trade asks for beyond those every company
    # passes (codes of eligibility/data/checks.json, issue 17): required
    # ones block an approval, optional ones are offered. Data, loaded from
    # directory/data/professions.json ("checks", "optional_checks").
    vetting_checks = models.JSONField(_("required vetting checks"), default=list, blank=True)
    optional_vetting_checks = models.JSONField(
        _("optional vetting checks"), default=list, blank=True
    )
    # Denormalised by directory.taxonomy.tasks.refresh_profession_counts: the home
    # page must not count a million companies on every visit.
    listed_company_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ProfessionQuerySet.as_manager()

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("profession")
        verbose_name_plural = _("professions")
        constraints = [
            models.CheckConstraint(
                condition=Q(eligibility_category__in=EligibilityCategory.values),
                name="profession_eligibility_category_valid",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("directory:profession", args=[self.slug])

    def search_terms(self) -> list[str]:
        """Normalised names and synonyms that designate this trade."""
        terms = [self.name_fr, self.name_en, *self.synonyms]
        return list(dict.fromkeys(t for t in map(normalize, terms) if t))
