from __future__ import annotations

from datetime import date

import pytest
import time_machine

from prospects import services
from prospects.models import Interaction, Pipeline, Prospect, Stage


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


@pytest.fixture
def jean(make, cast):
    """Jean Dupont, in company A's pipeline since 2 March 2026, with
    everything: contact, a referrer (Marie Curie), a call, and a second
    record of him merged in, with its own note and move (``twin_pk``: its
    number)."""
    referrer = services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Marie Curie"
    )
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        prospect = make(
            name="Jean Dupont",
            email="Jean.Dupont@example.fr",
            phone="0699056090",
            siren="732829320",
            town="Lyon",
            postal_code="69003",
            referrer=referrer,
            stage=Stage.WARM,
        )
        services.interaction_add(
            prospect=prospect,
            kind=Interaction.Kind.CALL,
            author=cast.owner_a,
            outcome="Veut un devis pour sa cuisine",
            next_follow_up=date(2026, 3, 9),
        )
        twin = make(name="J. Dupont", phone="0611223344")
        services.interaction_add(
            prospect=twin,
            kind=Interaction.Kind.NOTE,
            author=cast.owner_a,
            outcome="Vu au salon de l'habitat",
            next_follow_up=None,
        )
        services.prospect_move(prospect=twin, to=Stage.COLD, actor=cast.owner_a)
        services.prospects_merge(keep=prospect, other=twin, actor=cast.owner_a)
    prospect.refresh_from_db()
    prospect.twin_pk = twin.pk
    return prospect
