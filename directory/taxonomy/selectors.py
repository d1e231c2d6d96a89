"""Reads of the taxonomy for public pages."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import Profession, Sector

POPULAR_TRADES = 12


def sectors_with_trades():
    return Sector.objects.prefetch_related(
        Prefetch("professions", queryset=Profession.objects.public().order_by("name_fr"))
    )


def public_trades():
    return Profession.objects.public().only("slug", "name_fr", "name_en").order_by("name_fr")
