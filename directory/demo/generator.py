"""Realistic, reproducible demo companies.

Company number *i* is always the same company (same SIREN, name, trade and
town), whatever else is generated and in whatever order: every company
draws from its own ``random.Random(i)``, and the pools of French names and
streets come from Faker with a fixed seed. That makes ``seed_demo``
idempotent and lets the benchmark generate a million rows without Faker's
per-call cost.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from faker import Faker
from stdnum import luhn

from common.formats import parse_phone
from directory.places.models import PLM_COMMUNES, Place, PostalCode
from directory.taxonomy.models import EligibilityCategory, Profession

POOL_SIZE = 2000
# A bijection of 0 … 10⁸−1 (the step is coprime with 10⁸): distinct SIRENs
# that do not look sequential.
_SIREN_STEP = 7_654_321
_SIREN_OFFSET = 31_415_926

# How far pros of each sector travel, in km.
_RADIUS_BY_SECTOR = {
    "habitat": (20, 30, 40, 50),
    "maison-services": (10, 15, 20, 25),
    "professions-liberales": (20, 30, 50, 100),
    "sante-esthetique": (15, 20, 30, 50),
    "enfance-famille": (5, 10, 15, 20),
    "evenementiel": (50, 80, 100, 150),
    "services-entreprises": (30, 50, 100, 200),
}
# Share of trades per sector in the demo, roughly the weight of each
# sector among small French service companies.
_SECTOR_WEIGHT = {
    "habitat": 8,
    "maison-services": 4,
    "professions-liberales": 3,
    "sante-esthetique": 3,
    "enfance-famille": 2,
    "evenementiel": 2,
    "services-entreprises": 3,
}
# Everyday trades are far more common than rare specialities: a town has
# many plumbers and few antenna installers.
_COMMON_TRADES = frozenset(
    {
        "electricien",
        "plombier",
        "installateur-chauffage",
        "peintre-batiment",
        "couvreur",
        "macon",
        "menuisier",
        "cuisiniste",
        "entreprise-renovation",
        "serrurier",
        "paysagiste",
        "menage-domicile",
        "demenageur",
        "garde-enfants",
        "soutien-scolaire",
        "aide-domicile-seniors",
        "avocat",
        "expert-comptable",
        "agent-immobilier",
        "architecte",
        "chirurgien-dentiste",
        "osteopathe",
        "kinesitherapeute",
        "traiteur",
        "photographe-mariage",
        "prestataire-informatique",
        "nettoyage-bureaux",
    }
)
_COMMON_TRADE_FACTOR = 5
_LEGAL_FORMS = ("SARL", "SAS", "SASU", "EURL", "EI")
_NAME_PATTERNS = (
    "{trade} {surname}",
    "{surname} {trade}",
    "{trade} {surname} & Fils",
    "{trade} {city}",
    "Atelier {surname}",
    "{first_name} {surname} – {trade}",
    "{surname} et Associés",
    "{trade} du {area}",
)
_AREAS = (
    "Centre",
    "Val",
    "Plateau",
    "Bocage",
    "Littoral",
    "Pays",
    "Vallon",
    "Vieux Port",
    "Coteau",
)
_DESCRIPTIONS = (
    "{trade} installé à {city} depuis {year}, {name} intervient dans un rayon de {radius} km. "
    "Devis gratuit et détaillé, suivi par un interlocuteur unique du premier rendez-vous "
    "à la fin de la prestation.",
    "Chez {name}, nous mettons notre expérience de {trade_lower} au service des {audience} "
    "de {city} et des environs. Nous nous engageons sur les délais annoncés et sur un "
    "chantier propre.",
    "Entreprise familiale fondée en {year}, {name} accompagne ses clients de {city} avec "
    "sérieux et transparence : visite préalable, devis clair, facture au nom du client.",
)


@dataclass(frozen=True)
class DemoCompany:
    siren: str
    legal_name: str
    trade_name: str
    slug: str
    description: str
    profession_ids: tuple[int, ...]  # the primary trade first
    address: str
    postal_code: str
    city: str
    place_id: int
    latitude: float
    longitude: float
    intervention_radius_km: int
    serves_consumers: bool
    serves_businesses: bool
    phone: str
    email: str
    website: str
    year_founded: int
    status: str


def siren_for(index: int) -> str:
    base = f"{(_SIREN_OFFSET + index * _SIREN_STEP) % 10**8:08d}"
    return base + luhn.calc_check_digit(base)


def _valid_phone(faker: Faker) -> str:
    """A number that dials, in E.164 as the site stores them (Faker's
    French numbers include a few that do not exist)."""
    while True:
        try:
            return parse_phone(faker.phone_number())
        except ValidationError:
            continue


class DemoGenerator:
    """Call :meth:`company` with an index; needs professions and places loaded."""

    def __init__(self, seed: int = 2026) -> None:
        faker = Faker("fr_FR")
        faker.seed_instance(seed)
        self.surnames = [faker.last_name() for _ in range(POOL_SIZE)]
        self.first_names = [faker.first_name() for _ in range(POOL_SIZE)]
        self.streets = [faker.street_address() for _ in range(POOL_SIZE)]
        self.phones = [_valid_phone(faker) for _ in range(POOL_SIZE)]

    @cached_property
    def trades(self) -> list[tuple[Profession, int]]:
        """Public trades with their demo weight."""
        professions = Profession.objects.exclude(
            eligibility_category=EligibilityCategory.EXCLUDED
        ).select_related("sector")
        return [(p, _SECTOR_WEIGHT.get(p.sector.slug, 1)) for p in professions.order_by("slug")]

    @cached_property
    def _trade_list(self) -> list[Profession]:
        return [profession for profession, _weight in self.trades]

    @cached_property
    def _trade_weights(self) -> list[int]:
        return list(itertools.accumulate(weight for _p, weight in self.trades))

    @cached_property
    def _trades_by_sector(self) -> dict[int, list[Profession]]:
        by_sector: dict[int, list[Profession]] = {}
        for profession, _weight in self.trades:
            by_sector.setdefault(profession.sector_id, []).append(profession)
        return by_sector

    @cached_property
    def places(self) -> list[Place]:
        # Communes of 1,000 inhabitants or more (about 10,000 rows), read
        # once per command run. Paris, Lyon and Marseille are drawn through
        # their arrondissements, which then carry their population.
        return list(
            Place.objects.filter(population__gte=1000, postal_codes__isnull=False)
            .distinct()
            .exclude(insee_code__in=PLM_COMMUNES)
            .only("id", "name", "department_code", "latitude", "longitude", "population")
            .order_by("insee_code")
        )

    @cached_property
    def postal_codes(self) -> dict[int, list[str]]:
        """La Poste's codes of each place, in order."""
        codes: dict[int, list[str]] = {}
        for place_id, code in PostalCode.objects.order_by("code").values_list("place_id", "code"):
            codes.setdefault(place_id, []).append(code)
        return codes

    @cached_property
    def _place_weights(self) -> list[float]:
        # Companies follow population.
        return list(itertools.accumulate(p.population for p in self.places))

    def _pick(self, rng: random.Random, items: list, cumulative: list):
        return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]

    def company(self, index: int) -> DemoCompany:
        if not self.trades or not self.places:
            raise LookupError("Load professions and places before generating demo companies.")
        rng = random.Random(index)
        profession = self._pick(rng, self._trade_list, self._trade_weights)
        place = self._pick(rng, self.places, self._place_weights)
        same_sector = [p for p in self._trades_by_sector[profession.sector_id] if p != profession]
        others = rng.sample(same_sector, k=min(len(same_sector), rng.choice((0, 0, 1, 2))))
        surname = rng.choice(self.surnames)
        first_name = rng.choice(self.first_names)
        trade = profession.name_fr
        trade_name = rng.choice(_NAME_PATTERNS).format(
            trade=trade,
            surname=surname,
            first_name=first_name,
            city=place.name,
            area=rng.choice(_AREAS),
        )
        legal_form = rng.choice(_LEGAL_FORMS)
        legal_name = (
            f"EI {first_name} {surname.upper()}"
            if legal_form == "EI"
            else f"{legal_form} {trade_name.upper()}"
        )
        siren = siren_for(index)
        sector = profession.sector.slug
        businesses = sector == "services-entreprises" or rng.random() < 0.25
        consumers = sector != "services-entreprises" or rng.random() < 0.2
        year = rng.randrange(1975, 2025)
        radius = rng.choice(_RADIUS_BY_SECTOR.get(sector, (20, 30, 50)))
        slug = f"{slugify(trade_name)[:150]}-{slugify(place.name)[:40]}-{siren}"
        description = rng.choice(_DESCRIPTIONS).format(
            trade=trade,
            trade_lower=trade.lower(),
            name=trade_name,
            city=place.name,
            year=year,
            radius=radius,
            audience="entreprises" if not consumers else "particuliers",
        )
        domain = slugify(trade_name)[:40] or f"entreprise-{siren}"
        # About one company in fifty awaits vetting, one in a hundred is
        # suspended: the demo shows that neither is ever public.
        status = "pending" if index % 50 == 49 else "suspended" if index % 100 == 98 else "listed"
        return DemoCompany(
            siren=siren,
            legal_name=legal_name[:200],
            trade_name=trade_name[:200],
            slug=slug,
            description=description,
            profession_ids=(profession.pk, *(p.pk for p in others)),
            address=rng.choice(self.streets),
            postal_code=rng.choice(self.postal_codes[place.pk]),
            city=place.name,
            place_id=place.pk,
            # Somewhere in town, within a couple of kilometres of its centre.
            latitude=round(place.latitude + rng.uniform(-0.015, 0.015), 6),
            longitude=round(place.longitude + rng.uniform(-0.02, 0.02), 6),
            intervention_radius_km=radius,
            serves_consumers=consumers,
            serves_businesses=businesses,
            phone=rng.choice(self.phones),
            email=f"contact@{domain}.fr",
            website=f"https://www.{domain}.fr",
            year_founded=year,
            status=status,
        )
