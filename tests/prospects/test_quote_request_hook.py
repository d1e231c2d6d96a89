"""Every quote request that reaches a company makes its requester a
prospect of that company's pipeline: warm, hot when they ask for a call;
the same person again is updated, not duplicated. Sent after commit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from directory.quotes import services as quotes
from directory.quotes.links import quote_confirmation_token
from prospects import services
from prospects.models import Interaction, LostReason, Pipeline, Prospect, Source, Stage

pytestmark = pytest.mark.django_db

REQUEST = {
    "name": "Claire Client",
    "email": "Claire.Client@Gmail.com",
    "phone": "06 99 05 60 90",
    "need": "Refaire le tableau électrique d'une maison de 1975.",
    "postal_code": "69003",
    "city": "Lyon",
    "timeframe": "month",
    "budget": "1000-5000",
    "contact_preference": "email",
}


def send(company, capture, requester=None, **overrides):
    """A request sent and, from an anonymous requester, confirmed."""
    with capture(execute=True):
        quote = quotes.quote_request_create(
            company=company, requester=requester, fields={**REQUEST, **overrides}
        )
    if requester is None:
        with capture(execute=True):
            quotes.quote_request_confirm(token=quote_confirmation_token(quote))
    return quote


@time_machine.travel("2026-03-04 10:00 +01:00", tick=False)
def test_a_confirmed_request_creates_a_warm_prospect_of_that_company(
    cast, django_capture_on_commit_callbacks
):
    quote = send(cast.company_a, django_capture_on_commit_callbacks)
    prospect = Prospect.objects.get()
    assert (prospect.pipeline, prospect.company, prospect.stage) == (
        Pipeline.COMPANY,
        cast.company_a,
        Stage.WARM,
    )
    assert (prospect.name, prospect.email, prospect.email_key, prospect.phone) == (
        "Claire Client",
        "claire.client@gmail.com",
        "claireclient@gmail.com",
        "+33699056090",
    )
    assert (prospect.town, prospect.postal_code, prospect.source) == (
        "Lyon",
        "69003",
        Source.QUOTE_REQUEST,
    )
    assert prospect.owner == cast.owner_a  # the company's owner
    assert prospect.budget == Decimal(1000)  # "€1,000 to €5,000": at least 1,000
    assert prospect.next_follow_up == date(2026, 3, 4)  # to answer today
    event = prospect.events.get()
    assert (event.actor, event.from_status, event.to_status) == (None, "", "warm")
    assert (event.origin, event.origin_ref, event.reason) == ("quote_request", str(quote.pk), "")
    note = prospect.interactions.get()
    assert (note.kind, note.origin, note.origin_ref) == (
        Interaction.Kind.NOTE,
        "quote_request",
        str(quote.pk),
    )
    assert note.outcome == ""


def test_an_unconfirmed_request_creates_nothing_yet(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quotes.quote_request_create(company=cast.company_a, requester=None, fields=dict(REQUEST))
    assert not Prospect.objects.exists()


def test_asking_for_a_call_makes_a_hot_prospect(cast, django_capture_on_commit_callbacks):
    send(cast.company_a, django_capture_on_commit_callbacks, contact_preference="phone")
    assert Prospect.objects.get().stage == Stage.HOT


def test_a_logged_in_requester_makes_a_prospect_at_once(cast, django_capture_on_commit_callbacks):
    send(cast.company_b, django_capture_on_commit_callbacks, requester=cast.consumer)
    prospect = Prospect.objects.get()
    assert (prospect.company, prospect.email) == (cast.company_b, "consumer@example.fr")
    assert prospect.owner == cast.owner_b


def test_a_second_request_from_the_same_person_updates_the_prospect(
    cast, django_capture_on_commit_callbacks
):
    send(cast.company_a, django_capture_on_commit_callbacks)
    send(
        cast.company_a,
        django_capture_on_commit_callbacks,
        email="claireclient+travaux@gmail.com",
        need="Ajouter deux prises dans la cuisine.",
        contact_preference="phone",
    )
    prospect = Prospect.objects.get()
    assert prospect.stage == Stage.HOT  # warmed up by the call asked for
    assert list(prospect.events.values_list("from_status", "to_status")) == [
        ("", "warm"),
        ("warm", "hot"),
    ]
    assert prospect.interactions.count() == 2


def test_a_new_request_never_cools_a_prospect_nor_unmakes_a_client(
    cast, django_capture_on_commit_callbacks
):
    send(cast.company_a, django_capture_on_commit_callbacks, contact_preference="phone")
    prospect = Prospect.objects.get()
    send(cast.company_a, django_capture_on_commit_callbacks, need="Autre besoin.")
    prospect.refresh_from_db()
    assert prospect.stage == Stage.HOT
    services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=cast.owner_a)
    send(cast.company_a, django_capture_on_commit_callbacks, need="Encore un autre.")
    prospect.refresh_from_db()
    assert prospect.stage == Stage.CLIENT
    assert prospect.interactions.count() == 3


def test_a_lost_prospect_who_asks_again_is_warm_again(cast, django_capture_on_commit_callbacks):
    send(cast.company_a, django_capture_on_commit_callbacks)
    prospect = Prospect.objects.get()
    services.prospect_move(
        prospect=prospect, to=Stage.LOST, actor=cast.owner_a, lost_reason=LostReason.TIMING
    )
    send(cast.company_a, django_capture_on_commit_callbacks, need="Finalement, oui.")
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.lost_reason) == (Stage.WARM, "")


def test_the_same_person_to_another_company_is_that_companys_prospect(
    cast, django_capture_on_commit_callbacks
):
    send(cast.company_a, django_capture_on_commit_callbacks)
    send(cast.company_b, django_capture_on_commit_callbacks)
    assert sorted(Prospect.objects.values_list("company__slug", flat=True)) == [
        "alpha-electricite",
        "beta-plomberie",
    ]


def test_nothing_happens_before_the_request_commits(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        quotes.quote_request_create(
            company=cast.company_a, requester=cast.consumer, fields=dict(REQUEST)
        )
    assert not Prospect.objects.exists()
    for callback in callbacks:
        callback()
    assert Prospect.objects.count() == 1
