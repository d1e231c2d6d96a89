"""Moderation, replies and flags."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import ModerationDecision, Review, ReviewFlag, ReviewStatus
from reviews.services import moderation
from tests.conftest import PASSWORD
from tests.factories import UserFactory

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def pending(client, invited):
    client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})
    return Review.objects.get()


@pytest.fixture
def published(client, invited):
    client.post(review_path(), REVIEW)
    return Review.objects.get()


def test_moderator_publishes_a_waiting_review(
    client, pending, moderator, django_capture_on_commit_callbacks
):
    client.login(username=moderator.username, password=PASSWORD)
    queue = client.get(reverse("reviews:moderation")).content.decode()
    assert "Nom de l&#x27;auteur différent de celui de la facture" in queue  # why it is there
    url = reverse("reviews:moderation-detail", args=[pending.pk])
    assert "Mme Sophie Martin" in client.get(url).content.decode()  # staff compare with the invoice
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "publish"})
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.PUBLISHED
    assert pending.company.__class__.objects.get(pk=pending.company_id).review_count == 1
    assert mail.outbox[-1].to == ["sophie.martin@example.org"]


def test_rejection_needs_a_listed_reason_sent_to_the_author(
    client, pending, moderator, django_capture_on_commit_callbacks
):
    client.login(username=moderator.username, password=PASSWORD)
    url = reverse("reviews:moderation-detail", args=[pending.pk])
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "reason": "name_mismatch"})
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.REJECTED
    decision = ModerationDecision.objects.get()
    assert (decision.decision, decision.reason, decision.decided_by) == (
        "reject",
        "name_mismatch",
        moderator,
    )
    assert "ne correspond pas" in mail.outbox[-1].body
    assert not Review.objects.filter(pk=pending.pk).published().exists()


def test_decisions_are_write_once(pending, moderator):
    record = moderation.review_moderate(review=pending, actor=moderator, decision="publish")
    record.note = "changed"
    with pytest.raises(ValidationError):
        record.save()
    with pytest.raises(ValidationError):  # a published review cannot be published again
        moderation.review_moderate(review=pending, actor=moderator, decision="publish")


def test_only_moderators_open_the_queue(client, pending, cast):
    for user in (cast.consumer, cast.owner_a, cast.staff):
        client.login(username=user.username, password=PASSWORD)
        assert client.get(reverse("reviews:moderation")).status_code == 403
    client.logout()
    assert client.get(reverse("reviews:moderation")).status_code == 302


def test_a_flag_never_hides_a_review(client, published, cast):
    url = reverse("reviews:flag", args=[published.pk])
    response = client.post(url, {"reason": "fake", "note": "Je ne crois pas."})
    assert response.status_code == 302
    assert ReviewFlag.objects.count() == 1
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
    assert (
        "Un tableau refait proprement"
        in client.get(published.company.get_absolute_url()).content.decode()
    )


def test_flag_needs_a_reason(client, published):
    response = client.post(reverse("reviews:flag", args=[published.pk]), {"reason": ""})
    assert response.status_code == 200
    assert not ReviewFlag.objects.exists()


def test_pro_replies_once_and_edits_are_marked(client, published, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-reply", args=[cast.company_a.pk, published.pk])
    client.post(url, {"text": "Merci beaucoup pour votre confiance !"})
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "Merci beaucoup pour votre confiance" in page
    assert "modifiée" not in page
    client.post(url, {"text": "Merci beaucoup, à bientôt pour la suite."})
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "à bientôt pour la suite" in page
    assert "modifiée" in page
    assert published.__class__.objects.get(pk=published.pk).reply.edited_at is not None


def test_another_company_cannot_reply(client, published, cast):
    client.login(username=cast.owner_b.username, password=PASSWORD)
    url = reverse("reviews:pro-reply", args=[cast.company_a.pk, published.pk])
    assert client.post(url, {"text": "Pirate reply here."}).status_code == 404
    assert not hasattr(Review.objects.get(pk=published.pk), "reply_cache")


def test_pro_flag_keeps_the_review_visible(client, published, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    url = reverse("reviews:pro-flag", args=[cast.company_a.pk, published.pk])
    client.post(url, {"reason": "wrong_company", "note": "Pas notre client."})
    flag = ReviewFlag.objects.get()
    assert flag.by_company
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
