"""What authors can do after publishing, appeals, and sanctions."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews import links
from reviews.models import Appeal, Review, ReviewStatus, Sanction
from reviews.services import appeals, invoices, moderation
from tests.conftest import PASSWORD
from tests.factories import UserFactory, recent_date

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def published(client, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), REVIEW)
    return Review.objects.get()


def manage_path() -> str:
    return re.search(r"/avis/gerer/\S+/", mail.outbox[-1].body).group(0)


def test_author_gets_a_private_link_to_update(client, published):
    path = manage_path()
    client.post(path, {"action": "update", "text": "Problème résolu depuis, merci."})
    page = client.get(published.company.get_absolute_url()).content.decode()
    assert "Problème résolu depuis" in page
    assert "Mise à jour du" in page
    published.refresh_from_db()
    assert published.text == REVIEW["text"]  # the original stays


def test_author_withdraws_the_review(client, published):
    client.post(manage_path(), {"action": "withdraw"})
    published.refresh_from_db()
    assert published.status == ReviewStatus.WITHDRAWN
    published.company.refresh_from_db()
    assert published.company.review_count == 0
    assert Review.objects.filter(pk=published.pk).exists()


def test_forged_manage_link_is_refused(client, published):
    assert client.get(reverse("reviews:manage", args=["forged"])).status_code == 400


def test_author_appeals_a_rejection_and_staff_reverse_it(client, invited, moderator):
    client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})
    review = Review.objects.get()
    moderation.review_moderate(
        review=review, actor=moderator, decision="reject", reason="name_mismatch"
    )
    token = links.manage_token(review)
    client.post(
        reverse("reviews:manage", args=[token]),
        {"action": "appeal", "text": "J'ai réglé la facture au nom de ma compagne."},
    )
    appeal = Appeal.objects.get()
    assert appeal.by == "author"
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=True, note="Couple vérifié.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED
    assert review.decisions.count() == 2


def test_appeals_close_after_six_months(invited, client, moderator):
    client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})
    review = Review.objects.get()
    with time_machine.travel("2026-11-01", tick=False):
        moderation.review_moderate(
            review=review, actor=moderator, decision="reject", reason="name_mismatch"
        )
    with time_machine.travel("2027-06-01", tick=False), pytest.raises(ValidationError):
        appeals.appeal_create(
            review=review, by="author", text="Trop tard mais je tente quand même."
        )


def test_company_appeals_a_publication_review_stays_visible(client, cast, published, moderator):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    client.post(
        reverse("reviews:pro-appeal", args=[cast.company_a.pk, published.pk]),
        {"text": "Ce client n'a jamais été facturé pour ce chantier."},
    )
    appeal = Appeal.objects.get()
    assert appeal.by == "company"
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=False, note="Facture vérifiée.")
    appeal.refresh_from_db()
    assert appeal.status == "dismissed"
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED


def test_sanction_warns_publicly_and_freezes_reviews(
    client, cast, published, moderator, django_capture_on_commit_callbacks
):
    client.login(username=moderator.username, password=PASSWORD)
    client.post(
        reverse("reviews:sanction", args=[cast.company_a.pk]),
        {"reason": "Faux avis détectés lors d'un contrôle.", "review": published.pk},
    )
    assert Sanction.objects.filter(company=cast.company_a, lifted_at__isnull=True).exists()
    client.logout()
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "Faux avis détectés" in page
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-NEW",
                "issued_on": recent_date(51).isoformat(),
                "amount": "1000",
                "client_name": "Luc Petit",
                "client_email": "luc@example.org",
            },
            actor=None,
        )
    response = client.post(review_path(), {**REVIEW, "author_name": "Luc Petit"})
    assert "ne peut pas recevoir de nouveaux avis" in response.content.decode()
    assert Review.objects.count() == 1


def test_only_moderators_sanction(client, cast, published):
    client.login(username=cast.owner_b.username, password=PASSWORD)
    response = client.post(reverse("reviews:sanction", args=[cast.company_a.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert not Sanction.objects.exists()
