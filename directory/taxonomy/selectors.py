"""Reads of the taxonomy for public pages."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
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
    memo = _REQUEST_MEMO.get()
    if memo is not None and "version" in memo:
        return memo["version"]
    version: str | None = cache.get(TAXONOMY_VERSION_CACHE_KEY)
    if version is None:
        cache.add(TAXONOMY_VERSION_CACHE_KEY, uuid4().hex[:12], timeout=None)
        version = cache.get(TAXONOMY_VERSION_CACHE_KEY) or "unversioned"
    if memo is not None:
        memo["version"] = version
    return version


# Within a request (directory.taxonomy.middleware), the version is read from the
# cache once: the search, its cards and the page's fragments all ask for it
# (a Redis round trip each). Outside a request (a task, a shell) it is
# read each time. None: not in a request.
_REQUEST_MEMO: ContextVar[dict[str, str] | None] = ContextVar("taxonomy_memo", default=None)


def forget_request_taxonomy_version() -> None:
    """Read the version again in this request (it was just changed)."""
    memo = _REQUEST_MEMO.get()
    if memo is not None:
        memo.clear()


# This process's copy of every trade, with the taxonomy_version it was read
# under (see all_trades).
_TRADES: dict[str, tuple[str, dict[int, Profession]]] = {}


def all_trades(needed: Iterable[int] = ()) -> dict[int, Profession]:
    """Every trade, by id, from this process's copy of the taxonomy, read
    again when ``taxonomy_version`` changes, or when one of the ``needed``
    ids is not in it (a trade added in a transaction whose commit has not
    drawn the new version yet).

    A few hundred rows read once per change instead of a query (or a join)
    per search page: the search's matched trades and its cards' primary
    trades come from here (issue 16). The objects are shared by every
    request of the process: read them, never change them. They are not
    for counts: ``listed_company_count`` is recounted by an UPDATE that
    draws no new version."""
    version = taxonomy_version()
    known = _TRADES.get("trades")
    if known is None or known[0] != version or not set(needed) <= known[1].keys():
        known = (version, Profession.objects.in_bulk())
        _TRADES["trades"] = known
    return known[1]
