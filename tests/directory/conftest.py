"""Fixtures shared by the directory's tests."""

from __future__ import annotations

import pytest

from tests.factories import CompanyFactory


@pytest.fixture
def lyon(taxonomy, places):
    """A listed electrician of Lyon, "Lumière Lyon" (its page:
    /entreprises/lumiere-lyon/), rated 4.2 on 3 reviews (the figures only:
    no review rows)."""
    return CompanyFactory(
        trade_name="Lumière Lyon",
        slug="lumiere-lyon",
        primary_profession=taxonomy["electricien"],
        place=places["lyon"],
        rating_average=4.2,
        review_count=3,
    )
