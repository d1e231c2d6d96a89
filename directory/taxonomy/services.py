"""Writes of the taxonomy: loading it, refreshing the trades' company counts."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from common.page_cache import pages_changed
from directory.companies.models import CompanyProfession
from directory.search.trades import invalidate_profession_terms
from directory.taxonomy.models import Profession, Sector
from directory.taxonomy.selectors import (
    TAXONOMY_VERSION_CACHE_KEY,
    forget_request_taxonomy_version,
)

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "professions.json"


PROFESSION_FIELDS = [
    "sector",
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "synonyms",
    "is_trust_profession",
    "eligibility_category",
    "vetting_checks",
    "optional_vetting_checks",
]


@transaction.atomic
def taxonomy_load(*, path: Path = TAXONOMY_FILE) -> tuple[int, int]:
    """Create or update sectors and professions from the taxonomy file,
    matched by slug. Returns (sectors, professions) counts. Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sector_fields = ["name_fr", "name_en", "description_fr", "description_en", "position"]
    Sector.objects.bulk_create(
        [
            Sector(slug=s["slug"], position=position, **{k: s[k] for k in sector_fields[:4]})
            for position, s in enumerate(data["sectors"])
        ],
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=sector_fields,
    )
    sectors = Sector.objects.in_bulk(field_name="slug")
    professions = [
        Profession(
            slug=p["slug"],
            sector=sectors[s["slug"]],
            name_fr=p["name_fr"],
            name_en=p["name_en"],
            description_fr=p.get("description_fr", ""),
            description_en=p.get("description_en", ""),
            synonyms=p.get("synonyms", []),
            is_trust_profession=p["trust"],
            eligibility_category=p["category"],
            vetting_checks=p.get("checks", []),
            optional_vetting_checks=p.get("optional_checks", []),
        )
        for s in data["sectors"]
        for p in s["professions"]
    ]
    Profession.objects.bulk_create(
        professions,
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=PROFESSION_FIELDS,
    )
    transaction.on_commit(taxonomy_changed)
    return len(data["sectors"]), len(professions)


def taxonomy_changed() -> None:
    """Forget what was built from the taxonomy: the search's trade terms
    and, by a new ``taxonomy_version``, every cached fragment of trade and
    sector options, and every public page kept for visitors
    (``common.page_cache``). Run after commit by ``taxonomy_load`` and by the save
    and delete signals of sectors and trades (``directory.apps``)."""
    invalidate_profession_terms()
    cache.set(TAXONOMY_VERSION_CACHE_KEY, uuid4().hex[:12], timeout=None)
    forget_request_taxonomy_version()
    pages_changed()


def profession_counts_refresh() -> int:
    """Recount the listed companies of every trade in one UPDATE.
    Returns the number of professions updated."""
    listed = (
        CompanyProfession.objects.filter(profession_id=OuterRef("pk"), is_listed=True)
        .values("profession_id")
        .annotate(total=Count("*"))
        .values("total")
    )
    return Profession.objects.update(
        listed_company_count=Coalesce(Subquery(listed, output_field=IntegerField()), Value(0))
    )
