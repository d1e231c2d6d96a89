"""Realistic, reproducible demo companies.

For a seed, company number *i* is always the same company (same SIREN,
name, trade and town), whatever else is generated and in whatever order:
every company draws from its own ``random.Random(f"{seed}:{i}")``, and the
pools of French names and streets come from Faker with the same seed. That
makes ``seed_demo`` idempotent and lets the benchmark generate a million
rows without Faker's per-call cost.

The demo looks like a directory: companies are where people live (a
commune is drawn in proportion to its population, see ``place_weight``)
and everyday trades are far more frequent than rare ones
(``trade_weight``), so that with the 2,000 companies of ``make run``
"électricien" near Lyon, "plombier" near Paris or "nounou" near Lyon 3e
list several companies.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.text import slugify
from faker import Faker
from stdnum import luhn

from common.formats import parse_phone
from directory.places.models import PLM_COMMUNES, Place, PostalCode
from directory.taxonomy.models import EligibilityCategory, Profession

POOL_SIZE = 2000
# The seed of the Faker pools and of every company's draw: the same seed
# gives the same companies, company by company.
DEFAULT_SEED = 2026
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
# How common each trade is, as a relative weight: roughly the order of
# magnitude of French establishments in the trade (INSEE's SIRENE counts by
# activity, rounded to tiers). Everyday trades are far more common than
# rare specialities: a town has many electricians and nannies and few
# antenna installers. Trades not listed are rare (``_RARE_TRADE_WEIGHT``).
_EVERYDAY_TRADES = frozenset(
    {
        "electricien",
        "plombier",
        "assistante-maternelle",
        "garde-enfants",
        "peintre-batiment",
        "macon",
        "menuisier",
        "menage-domicile",
        "salon-coiffure",
        "installateur-chauffage",
        "aide-domicile-seniors",
        "infirmier-domicile",
        "kinesitherapeute",
        "entreprise-renovation",
    }
)
_COMMON_TRADES = frozenset(
    {
        "couvreur",
        "carreleur",
        "plaquiste",
        "cuisiniste",
        "serrurier",
        "paysagiste",
        "jardinier",
        "demenageur",
        "soutien-scolaire",
        "avocat",
        "expert-comptable",
        "agent-immobilier",
        "architecte",
        "chirurgien-dentiste",
        "osteopathe",
        "traiteur",
        "photographe-mariage",
        "prestataire-informatique",
        "nettoyage-bureaux",
        "climaticien",
        "homme-toutes-mains",
        "restaurant",
        "boulangerie",
    }
)
_EVERYDAY_TRADE_WEIGHT = 50
_COMMON_TRADE_WEIGHT = 12
_RARE_TRADE_WEIGHT = 2
# Companies are drawn in proportion to population ** _PLACE_EXPONENT.
# Above 1, cities get a little more than their share: small service
# companies settle where the customers are densest and travel out to the
# villages around (which their intervention radius covers). With 2,000
# demo companies this is what lets "électricien" near Lyon or "nounou"
# near Lyon 3e list several real matches.
_PLACE_EXPONENT = 1.5
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


def trade_weight(slug: str) -> int:
    """Relative frequency of a trade among demo companies (see the tiers above)."""
    if slug in _EVERYDAY_TRADES:
        return _EVERYDAY_TRADE_WEIGHT
    if slug in _COMMON_TRADES:
        return _COMMON_TRADE_WEIGHT
    return _RARE_TRADE_WEIGHT


def place_weight(population: int, city_population: int | None = None) -> float:
    """Relative chance of a place (its inhabitants) to be a demo company's
    town. An arrondissement of Paris, Lyon or Marseille weighs its share of
    its city's weight (``city_population``, the whole commune's): the city
    is one market, whatever its division."""
    city = float(city_population or population)
    return float(population) * city ** (_PLACE_EXPONENT - 1)


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

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self.seed = seed
        faker = Faker("fr_FR")
        faker.seed_instance(seed)
        self.surnames = [faker.last_name() for _ in range(POOL_SIZE)]
        self.first_names = [faker.first_name() for _ in range(POOL_SIZE)]
        self.streets = [faker.street_address() for _ in range(POOL_SIZE)]
        self.phones = [_valid_phone(faker) for _ in range(POOL_SIZE)]

    @cached_property
    def trades(self) -> list[tuple[Profession, int]]:
        """Public trades with their demo weight (see ``trade_weight``)."""
        professions = Profession.objects.exclude(
            eligibility_category=EligibilityCategory.EXCLUDED
        ).select_related("sector")
        return [(p, trade_weight(p.slug)) for p in professions.order_by("slug")]

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
            .annotate(city_population=F("parent__population"))
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
        # Companies follow population (see _PLACE_EXPONENT).
        return list(
            itertools.accumulate(place_weight(p.population, p.city_population) for p in self.places)
        )

    def _pick(self, rng: random.Random, items: list, cumulative: list):
        return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]

    def company(self, index: int) -> DemoCompany:
        if not self.trades or not self.places:
            raise LookupError("Load professions and places before generating demo companies.")
        rng = random.Random(f"{self.seed}:{index}")
        profession = self._pick(rng, self._trade_list, self._trade_weights)
        place = self._pick(rng, self.places, self._place_weights)
        # Other trades of the same sector, the common ones more often (an
        # assistante maternelle also offers "garde d'enfants").
        same_sector = [p for p in self._trades_by_sector[profession.sector_id] if p != profession]
        others: list[Profession] = []
        for _ in range(min(len(same_sector), rng.choice((0, 0, 1, 2)))):
            weights = list(itertools.accumulate(trade_weight(p.slug) for p in same_sector))
            others.append(same_sector.pop(bisect.bisect(weights, rng.random() * weights[-1])))
        surname = rng.choice(self.surnames)
        first_name = rng.choice(self.first_names)
        trade = profession.name_fr
        trade_name = rng.choice(_NAME_PATTERNS).format(
            trade=trade,
            surname=surname,
            first_name=first_name,
            # "Plomberie Lyon 3e", not "Plomberie Lyon 3e Arrondissement".
            city=place.name.removesuffix(" Arrondissement"),
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
