"""Reads of the taxonomy for public pages."""

from __future__ import annotations

from uuid import uuid4

from django.core.cache import cache
from django.db.models import Prefetch

from .models import Profession, Sector

POPULAR_TRADES = 12


def sectors_with_trades():
    return Sector.objects.prefetch_related(
        Prefetch("professions", queryset=Profession.objects.public().order_by("name_fr"))
    )


def public_trades():
    return Profession.objects.public().only("slug", "name_fr", "name_en").order_by("name_fr")


# The cache key of the taxonomy's version (see taxonomy_version).
TAXONOMY_VERSION_CACHE_KEY = "taxonomy:version"


def taxonomy_version() -> str:
    """A short token that changes whenever the taxonomy (sectors, trades,
    their names) changes: part of the key of every template fragment built
    from it (the trade suggestions, the filter selects, the sector menu;
    ``{% cache … taxonomy_version LANGUAGE_CODE %}``), so a change shows at
    once on every worker without deleting fragments one by one.

    Kept in the cache with no expiry; when it is lost (cache flushed, Redis
    down: the per-process fallback), a new one is drawn, which costs one
    rebuild of each fragment. ``directory.taxonomy.services.taxonomy_changed``
    draws a new one."""
    version: str | None = cache.get(TAXONOMY_VERSION_CACHE_KEY)
    if version is None:
        cache.add(TAXONOMY_VERSION_CACHE_KEY, uuid4().hex[:12], timeout=None)
        version = cache.get(TAXONOMY_VERSION_CACHE_KEY) or "unversioned"
    return version
