"""The French gazetteer: communes and arrondissements (``Place``), their
other names (``PlaceName``) and postal codes (``PostalCode``), loaded by
``manage.py load_places`` (see :mod:`directory.places.gazetteer`)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Paris, Lyon and Marseille (INSEE codes): communes divided into municipal
# arrondissements (75101–75120, 69381–69389, 13201–13216).
PLM_COMMUNES = ("75056", "69123", "13055")


class PlaceKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    MUNICIPAL_ARRONDISSEMENT = "arrondissement", _("Municipal arrondissement")


class Place(models.Model):
    """A current commune of France (overseas included) or a municipal
    arrondissement of Paris, Lyon or Marseille, from the official
    geographic code (``load_places``)."""

    insee_code = models.CharField(_("INSEE code"), max_length=5, unique=True)
    kind = models.CharField(
        _("kind"), max_length=14, choices=PlaceKind.choices, default=PlaceKind.COMMUNE
    )
    # An arrondissement belongs to its commune (Paris 15e → Paris).
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("name"), max_length=150)
    search_name = models.CharField(max_length=150, db_index=True, editable=False)
    department_code = models.CharField(_("département"), max_length=3)
    # The town hall, else a point inside the commune's outline.
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-population", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [
            models.Index(fields=["department_code", "-population"], name="place_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlaceKind.values), name="place_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=PlaceKind.COMMUNE, parent__isnull=True)
                | Q(kind=PlaceKind.MUNICIPAL_ARRONDISSEMENT, parent__isnull=False),
                name="place_arrondissement_has_commune",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The unambiguous form used by autocomplete: ``"Saint-Denis (974)"``."""
        return f"{self.name} ({self.department_code})"


class PlaceNameKind(models.TextChoices):
    OFFICIAL = "official", _("Official name")
    DELEGATED = "delegated", _("Delegated commune")
    ASSOCIATED = "associated", _("Associated commune")
    FORMER = "former", _("Former commune or locality")


class PlaceName(models.Model):
    """Every name a place answers to: its official name (with and without
    its article), its delegated and associated communes, and former
    communes or localities inside it ("Évry" → Évry-Courcouronnes)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=150)
    search_name = models.CharField(max_length=150, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PlaceNameKind.choices)
    # The population of what the name designates (a delegated commune's own
    # population): among homonyms, the most populous is the likeliest.
    population = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("place name")
        verbose_name_plural = _("place names")
        constraints = [
            models.UniqueConstraint(fields=["place", "search_name"], name="place_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=PlaceNameKind.values), name="place_name_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostalCode(models.Model):
    """One line of La Poste's table: a code serves one or several places,
    and may cross département lines (33220: Gironde and Dordogne)."""

    code = models.CharField(_("postal code"), max_length=5, db_index=True)
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        constraints = [
            models.UniqueConstraint(fields=["code", "place"], name="postal_code_place_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{5}$"), name="postal_code_five_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.code
