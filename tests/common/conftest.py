"""The cast behind every URL parameter of the site, and the reviews app's
invoice fixtures for the outbox journeys."""

from __future__ import annotations

import pytest

from directory.quotes.links import quote_confirmation_token
from directory.team import services as team_services
from directory.team.links import invitation_token as team_invitation_token
from prospects.application_links import application_link_create
from prospects.links import application_link_token
from prospects.models import Pipeline, Stage
from prospects.services import prospect_create, referrer_create
from reviews.links import invitation_token, manage_token
from reviews.models import ReviewInvitation
from reviews.services import invoices
from reviews.services import reviews as review_services
from tests.factories import QuoteRequestFactory, recent_date
from tests.reviews.conftest import invited, invoice_fields  # noqa: F401


@pytest.fixture
def site(cast, django_capture_on_commit_callbacks):
    """A row behind every parameter of the URL configuration."""
    fields = {
        "issued_on": recent_date(59).isoformat(),
        "amount": "900",
        "client_name": "Jean Dupont",
        "client_email": "jean.dupont@example.org",
    }
    with django_capture_on_commit_callbacks(execute=True):
        unused = invoices.invoice_create(
            company=cast.company_a, fields={**fields, "number": "F-1"}, actor=cast.owner_a
        )
        used = invoices.invoice_create(
            company=cast.company_a,
            fields={**fields, "number": "F-2", "client_email": "luc@example.org"},
            actor=cast.owner_a,
        )
        review = review_services.review_submit(
            invitation=ReviewInvitation.objects.get(invoice=used),
            fields={
                "rating": 5,
                "rating_reliability": 5,
                "rating_quality": 4,
                "rating_value": 4,
                "rating_communication": 5,
                "title": "Un tableau refait proprement",
                "text": "Travail soigné, chantier propre, délais tenus. Je recommande.",
                "author_name": "Jean Dupont",
            },
        )
        team_invitation = team_services.invitation_create(
            company=cast.company_a,
            email="futur@example.org",
            role="member",
            invited_by=cast.owner_a,
        )
    quote = QuoteRequestFactory(company=cast.company_a)
    # Two records of one prospect of company A (the merge page names both).
    prospect, twin = (
        prospect_create(
            pipeline=Pipeline.COMPANY,
            company=cast.company_a,
            name="Jean Dupont",
            email="jean.dupont@example.org",
            actor=cast.owner_a,
            force=True,
        )
        for _ in range(2)
    )
    referrer = referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Claire Martin"
    )
    # A platform prospect's live application link (its page and button).
    invited_company = application_link_create(
        prospect=prospect_create(
            pipeline=Pipeline.PLATFORM,
            company=None,
            name="Menuiserie Invitée",
            actor=None,
            stage=Stage.HOT,
        ),
        actor=None,
    )
    write = invitation_token(ReviewInvitation.objects.get(invoice=unused))
    return {
        "slug": cast.company_a.slug,
        "company_id": cast.company_a.pk,
        "quote_id": quote.pk,
        "review_id": review.pk,
        "appeal_id": 1,
        "application_id": 1,
        "evidence_id": 1,
        "code": "identity",
        "flag_id": 1,
        "addition_id": 1,
        "reviews:addition-decide.kind": "maj",
        "scan_id": 1,
        "step": 1,
        "reviews:write.token": write,
        "reviews:opt-out.token": write,
        "reviews:manage.token": manage_token(review),
        "reviews:request-confirm.token": "forged",
        "directory:quote-confirm.token": quote_confirmation_token(quote),
        "directory:invitation.token": team_invitation_token(team_invitation),
        "prospects:application-link.token": application_link_token(invited_company),
        "directory:profession.slug": cast.company_a.primary_profession.slug,
        "directory:sector.slug": cast.company_a.primary_profession.sector.slug,
        "token": "forged",
        "key": "forged",
        "uidb36": "1",
        "status": "suspended",
        "kind": "csv",
        "job_id": 1,
        "invoice_id": unused.pk,
        "photo_id": 1,
        "action": "delete",
        "certification_id": 1,
        "member_id": cast.member_a.pk,
        "invitation_id": team_invitation.pk,
        # The partner API and portal: ids no row has (answers are 401/404).
        "session_id": 1,
        "endpoint_id": "1",
        "delivery_id": "1",
        "connection_id": 1,
        "partner_id": 1,
        "prefix": "forged",
        "code_id": 1,
        # The prospect pipeline's screens (prospects.urls).
        "prospect_id": prospect.pk,
        "other_id": twin.pk,
        "stage": "warm",
        "referrer_id": referrer.pk,
    }
