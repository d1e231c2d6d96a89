"""From an invoice to a published review, and every way it can fail."""

from __future__ import annotations

import html

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from directory.search.query import SearchQuery
from directory.search.service import search_companies
from reviews.models import Review, ReviewInvitation, ReviewStatus
from reviews.services import invitations, invoices, reviews
from tests.factories import MembershipFactory, recent_date

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


def test_invitation_is_neutral_and_tells_what_will_be_public(invited):
    message = mail.outbox[-1]
    assert message.to == ["sophie.martin@example.org"]
    assert "Alpha Électricité" in message.body
    assert "F-2026-001" in message.body
    assert "prénom" in message.body  # which identity data appears
    assert "/desinscription/" in message.body  # opt-out in every e-mail
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert ReviewInvitation.objects.get().sent_at is not None


def test_matching_review_is_published_at_once_with_its_label(client, invited, invoice_fields):
    response = client.post(review_path(), REVIEW)
    assert response.status_code == 200
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    assert review.name_match == "match"
    assert review.experience_date.isoformat() == invoice_fields["issued_on"]
    page = client.get(invited.company.get_absolute_url()).content.decode()
    assert "Un tableau refait proprement" in page
    assert "Avis lié à une facture" in page
    assert "facture contrôlée" not in page  # only after a passed audit
    assert "Sophie M." in page
    assert "Sophie Martin" not in page  # never the full name
    assert "sophie.martin@example.org" not in page
    invited.company.refresh_from_db()
    assert (invited.company.review_count, invited.company.rating_average) == (1, 5.0)


@pytest.mark.parametrize("rating", ["1", "5"])
def test_negative_and_positive_reviews_take_the_same_path(client, invited, rating):
    client.post(review_path(), {**REVIEW, "rating": rating})
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    assert review.moderation_reasons == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"author_name": "Paul Bernard"}, "name_mismatch"),
        ({"text": REVIEW["text"] + " Appelez-moi au 06 12 34 56 78."}, "contact_details"),
        ({"text": REVIEW["text"] + " Voir www.exemple.fr pour les photos."}, "contact_details"),
    ],
)
def test_failed_checks_send_the_review_to_moderation(client, invited, overrides, reason):
    client.post(review_path(), {**REVIEW, **overrides})
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    assert reason in review.moderation_reasons
    assert (
        "Un tableau refait" not in client.get(invited.company.get_absolute_url()).content.decode()
    )


def test_duplicate_text_goes_to_moderation(
    client, cast, invited, django_capture_on_commit_callbacks
):
    client.post(review_path(), REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-2026-002",
                "issued_on": recent_date(56).isoformat(),
                "amount": "900",
                "client_name": "Luc Petit",
                "client_email": "luc@example.org",
            },
            actor=cast.owner_a,
        )
    client.post(review_path(), {**REVIEW, "author_name": "Luc Petit"})
    assert Review.objects.get(invoice__number="F-2026-002").moderation_reasons == ["duplicate_text"]


def test_a_link_works_once(client, invited):
    path = review_path()
    client.post(path, REVIEW)
    response = client.post(path, {**REVIEW, "title": "Deuxième avis"})
    assert response.status_code == 400
    assert Review.objects.count() == 1


def test_expired_link_is_refused(client, cast, invoice_fields, django_capture_on_commit_callbacks):
    with (
        time_machine.travel("2026-01-05 10:00 +0100", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invoices.invoice_create(
            company=cast.company_a,
            fields=invoice_fields | {"issued_on": "2026-01-02"},
            actor=None,
        )
    with time_machine.travel("2026-06-01 10:00 +0200", tick=False):
        response = client.get(review_path())
    assert response.status_code == 400
    assert "expiré" in response.content.decode()


@pytest.mark.parametrize("token", ["forged", "eyJpIjoxLCJuIjoieCJ9:1abcde:forgedsignature"])
def test_forged_link_is_refused(client, invited, token):
    response = client.get(reverse("reviews:write", args=[token]))
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_reviewer_linked_to_the_company_is_refused(
    client, cast, django_capture_on_commit_callbacks
):
    MembershipFactory(company=cast.company_a, user__email="cousin@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-9",
                "issued_on": recent_date(59).isoformat(),
                "amount": "1000",
                "client_name": "Jean Cousin",
                "client_email": "cousin@example.org",
            },
            actor=None,
        )
    response = client.post(review_path(), {**REVIEW, "author_name": "Jean Cousin"})
    assert "liées à l'entreprise" in html.unescape(response.content.decode())
    assert not Review.objects.exists()


def test_company_email_domain_alone_is_no_link(cast):
    """Changed by issue 10: the company's e-mail is typed by the pro, not
    verified; only members' verified domains count, for moderation."""
    cast.company_a.email = "contact@alpha-elec.fr"
    cast.company_a.save()
    assert not reviews.is_linked_to_company(cast.company_a, "stagiaire@alpha-elec.fr")
    assert not reviews.shares_company_domain(cast.company_a, "stagiaire@alpha-elec.fr")
    assert not reviews.shares_company_domain(cast.company_a, "someone@gmail.com")


def test_opt_out_stops_reminders(client, invited):
    path = review_path().rstrip("/") + "/desinscription/"
    assert client.get(path).status_code == 200
    client.post(path)
    invitation = ReviewInvitation.objects.get()
    assert invitation.opted_out_at is not None
    assert client.get(review_path()).status_code == 400
    invitation.sent_at = invitation.sent_at.replace(year=2025)
    invitation.save()
    assert invitations.invitations_remind() == 0


def test_one_reminder_only(invited, django_capture_on_commit_callbacks):
    invitation = ReviewInvitation.objects.get()
    later = invitation.sent_at + __import__("datetime").timedelta(days=11)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invitations_remind(now=later) == 1
    assert len(mail.outbox) == sent + 1
    assert "Rappel" in mail.outbox[-1].subject
    assert invitations.invitations_remind(now=later) == 0


def test_review_text_is_write_once(client, invited):
    from django.core.exceptions import ValidationError

    client.post(review_path(), REVIEW)
    review = Review.objects.get()
    review.text = "Texte modifié par quelqu'un d'autre que l'auteur, ce qui est interdit."
    with pytest.raises(ValidationError):
        review.save()


def test_bad_review_input_changes_nothing(client, invited):
    path = review_path()
    for overrides in (
        {"rating": "6"},
        {"text": "trop court"},
        {"declaration": ""},
        {"title": ""},
    ):
        response = client.post(path, {**REVIEW, **overrides})
        assert response.status_code == 200
    assert not Review.objects.exists()
    assert ReviewInvitation.objects.get().used_at is None


def test_rating_feeds_search_ranking(client, cast, invited, places):
    client.post(review_path(), REVIEW)
    result = search_companies(SearchQuery(text="électricien", place="Lyon"))
    company = next(c for c in result.page.object_list if c.pk == cast.company_a.pk)
    link = cast.company_a.trade_links.get(is_primary=True)
    assert link.trust_score > 0.5  # one 5-star review, shrunk towards neutral
    assert company.relevance > 0


def test_transparency_page_counts(client, invited):
    client.post(review_path(), REVIEW)
    page = client.get(reverse("reviews:how")).content.decode()
    assert "Comment nous vérifions les avis" in page
    assert "Avis reçus" in page
