from __future__ import annotations

import pytest

from prospects import services
from prospects.models import Pipeline, Prospect, Stage


@pytest.fixture
def make(cast):
    """Create a prospect in company A's pipeline (by its owner unless
    told), duplicates allowed unless ``force=False``."""

    def make(**fields) -> Prospect:
        fields.setdefault("pipeline", Pipeline.COMPANY)
        fields.setdefault(
            "company", cast.company_a if fields["pipeline"] == Pipeline.COMPANY else None
        )
        fields.setdefault("actor", cast.owner_a)
        fields.setdefault("name", "Jean Dupont")
        fields.setdefault("force", True)
        return services.prospect_create(**fields)

    return make


@pytest.fixture
def seller(db):
    """A member of the staff group ``sales``: the platform's pipeline."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(email="sales@example.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="sales"))
    return user


@pytest.fixture
def sales_user(cast, seller):
    """``seller``, beside the cast of companies and users."""
    return seller


@pytest.fixture
def sales(client, sales_user):
    """A client logged in as ``sales_user``."""
    client.force_login(sales_user)
    return client


@pytest.fixture
def hot_prospect(make, taxonomy, seller):
    """A hot prospect of the platform's pipeline, owned by ``seller``, with
    all that an application link offers: company name, SIREN, trade,
    town, phone, and an e-mail to send the link to."""
    return make(
        pipeline=Pipeline.PLATFORM,
        actor=seller,
        owner=seller,
        name="Marie Curie",
        organisation="Cuisines du Rhône",
        siren="732 829 320",
        profession=taxonomy["cuisiniste"],
        town="Lyon",
        postal_code="69002",
        email="contact@cuisines-rhone.fr",
        phone="06 99 05 60 90",
        stage=Stage.HOT,
    )


# A person's browser, as it introduces itself.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def open_link(client):
    """Open an application link as a person does, in ``client``'s browser:
    its page, then its button. Returns the button's answer."""

    def open_link(link: str):
        assert client.get(link, headers={"User-Agent": BROWSER}).status_code == 200
        return client.post(link, headers={"User-Agent": BROWSER})

    return open_link
