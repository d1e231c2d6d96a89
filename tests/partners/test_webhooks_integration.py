"""The apps publish their events: a review published by its author
reaches a connected partner's receiver, signed; a review withdrawn or
touched; a company suspended or listed; an application decided; the
nightly loyalty job for the companies whose whole score changed only."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from standardwebhooks.webhooks import Webhook

from directory.models import CompanyStatus
from eligibility import services as eligibility
from loyalty import recompute
from loyalty.models import LoyaltyScore
from loyalty.recompute import scores_recompute
from partners.models import EndpointScope, EventType, WebhookEvent
from partners.services import connection_create
from partners.webhooks import endpoint_create
from reviews.models import Review, ReviewStatus
from reviews.services import transitions
from tests.factories import CompanyFactory, UserFactory, checks_pass
from tests.loyalty.test_ranking import add
from tests.reviews.conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


def events_of(type: str) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(type=type).order_by("occurred_at", "id"))


@pytest.fixture
def vetter(db):
    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


def test_a_review_published_by_its_author_reaches_the_connected_partner_signed(
    client, cast, partner, invited, receiver, django_capture_on_commit_callbacks
):
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a)
    _endpoint, secret = endpoint_create(
        partner=partner, url=receiver.url, events=[EventType.REVIEW_PUBLISHED]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_path(), REVIEW)
    assert response.status_code == 200
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    [request] = receiver.received
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "review.published"
    assert body["data"] == {
        "review": {"id": review.pk, "status": "published"},
        "company": {"id": cast.company_a.pk, "slug": "alpha-electricite"},
    }
    # Ids only: nothing of the author or the text.
    assert b"Sophie" not in request.body
    assert b"tableau" not in request.body


@pytest.fixture
def published(cast, partner, receiver, invited, client):
    """A published review of company A, whose partner listens to every
    review event."""
    client.post(review_path(), REVIEW)
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=None)
    endpoint_create(
        partner=partner,
        url=receiver.url,
        events=[EventType.REVIEW_UPDATED, EventType.REVIEW_REMOVED],
    )
    return Review.objects.get(status=ReviewStatus.PUBLISHED)


def test_a_published_review_touched_is_updated_and_removed_when_unpublished(published, cast):
    transitions.review_touch(review_id=published.pk)
    [updated] = events_of(EventType.REVIEW_UPDATED)
    assert updated.payload["review"] == {"id": published.pk, "status": "published"}
    assert updated.deliveries.count() == 1
    transitions.review_move(
        review=published, to=ReviewStatus.REJECTED, by="staff", actor=None, reason="Faux avis"
    )
    [removed] = events_of(EventType.REVIEW_REMOVED)
    assert removed.payload["review"] == {"id": published.pk, "status": "rejected"}
    assert removed.company_id == cast.company_a.pk
    # A review no longer public changes nothing the partners see.
    transitions.review_touch(review_id=published.pk)
    assert len(events_of(EventType.REVIEW_UPDATED)) == 1


def test_a_suspended_then_reinstated_company_is_told_to_public_subscribers(
    cast, partner, receiver, vetter, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint_create(
        partner=partner,
        url=receiver.url,
        events=[EventType.COMPANY_SUSPENDED, EventType.COMPANY_LISTED],
        scope=EndpointScope.PUBLIC,
    )
    with django_capture_on_commit_callbacks(execute=True):
        eligibility.company_set_status(
            company=cast.company_b, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Fraude"
        )
    with django_capture_on_commit_callbacks(execute=True):
        eligibility.company_set_status(
            company=cast.company_b, status=CompanyStatus.LISTED, actor=vetter, reason="Corrigé"
        )
    bodies = [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]
    assert [(b["type"], b["data"]["company"]) for b in bodies] == [
        (
            "company.suspended",
            {"id": cast.company_b.pk, "slug": "beta-plomberie", "status": "suspended"},
        ),
        ("company.listed", {"id": cast.company_b.pk, "slug": "beta-plomberie", "status": "listed"}),
    ]
    # The reason is for the company, not for partners.
    assert all(b"Fraude" not in r.body for r in receiver.received)


def test_an_approved_application_is_decided_for_the_partner_of_its_pending_company(
    complete_application, applicant, partner, receiver, vetter
):
    pending = CompanyFactory(siren=complete_application.siren, status=CompanyStatus.PENDING)
    connection_create(partner=partner, company_id=pending.pk, connected_by=None)
    endpoint_create(
        partner=partner,
        url=receiver.url,
        events=[EventType.APPLICATION_DECIDED, EventType.COMPANY_LISTED],
    )
    eligibility.application_submit(application=complete_application, actor=applicant)
    checks_pass(complete_application, vetter)
    company = eligibility.application_approve(application=complete_application, actor=vetter)
    assert company.pk == pending.pk
    [decided] = events_of(EventType.APPLICATION_DECIDED)
    assert decided.payload == {
        "application": {"id": complete_application.pk, "decision": "approved"},
        "company": {"id": company.pk},
    }
    assert decided.deliveries.count() == 1
    assert len(events_of(EventType.COMPANY_LISTED)) == 1


def test_a_refused_application_without_a_company_reaches_nobody(
    complete_application, applicant, partner, receiver, vetter
):
    endpoint_create(partner=partner, url=receiver.url, events=[EventType.APPLICATION_DECIDED])
    eligibility.application_submit(application=complete_application, actor=applicant)
    eligibility.application_reject(application=complete_application, actor=vetter, reason="Non")
    assert events_of(EventType.APPLICATION_DECIDED) == []


def test_loyalty_updated_only_for_companies_whose_whole_score_changed(
    electricians, partner, receiver
):
    endpoint_create(
        partner=partner,
        url=receiver.url,
        events=[EventType.LOYALTY_UPDATED],
        scope=EndpointScope.PUBLIC,
    )
    add(electricians["neutral"], 12, 12)  # 24 sessions: not scored
    add(electricians["high"], 40, 30)
    scores_recompute()
    [event] = events_of(EventType.LOYALTY_UPDATED)
    high = electricians["high"]
    whole = int(LoyaltyScore.objects.get(company=high).score + 0.5)
    assert event.company_id == high.pk
    assert event.payload == {
        "company": {"id": high.pk, "slug": high.slug},
        "loyalty": {"score": whole},
    }
    # Nothing changed: no event; a fraction of a point: none either.
    scores_recompute()
    LoyaltyScore.objects.filter(company=high).update(score=whole + 0.4)
    recompute._ranking_write()
    assert len(events_of(EventType.LOYALTY_UPDATED)) == 1
    # A whole point: one event, for that company only.
    LoyaltyScore.objects.filter(company=high).update(score=whole + 1)
    recompute._ranking_write()
    latest = events_of(EventType.LOYALTY_UPDATED)[-1]
    assert latest.payload["loyalty"] == {"score": whole + 1}
    assert WebhookEvent.objects.filter(type=EventType.LOYALTY_UPDATED).count() == 2
    assert json.dumps(latest.payload).count('"id"') == 1


def test_loyalty_events_are_not_built_when_nobody_listens(electricians):
    add(electricians["high"], 40, 30)
    scores_recompute()
    assert not WebhookEvent.objects.exists()


def test_a_check_ending_is_told_to_the_connected_partner_never_to_public_endpoints(
    complete_application, applicant, partner, receiver, vetter
):
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    eligibility.application_submit(application=complete_application, actor=applicant)
    ends = timezone.localdate() + timedelta(days=25)
    checks_pass(complete_application, vetter, valid_until=ends)
    company = eligibility.application_approve(application=complete_application, actor=vetter)
    connection_create(partner=partner, company_id=company.pk, connected_by=None)
    endpoint_create(partner=partner, url=receiver.url, events=[EventType.CHECK_EXPIRING])
    with pytest.raises(ValidationError):
        endpoint_create(
            partner=partner,
            url=receiver.url + "public",
            events=[EventType.CHECK_EXPIRING],
            scope=EndpointScope.PUBLIC,
        )
    eligibility.checks_watch()
    payloads = sorted(
        (e.payload["check"]["code"], e.payload["check"]["valid_until"])
        for e in events_of(EventType.CHECK_EXPIRING)
    )
    assert payloads == [("decennale", ends.isoformat()), ("rc_pro", ends.isoformat())]
    assert all(
        e.payload["company"] == {"id": company.pk} for e in events_of(EventType.CHECK_EXPIRING)
    )
