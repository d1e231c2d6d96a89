"""The author's manage link lives about 18 months, not forever, and an
expired one gets a fresh link by e-mail to the review's author address,
without revealing anything to whoever holds it (issue 10)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from reviews.models import Review

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

SENT = "un nouveau lien part vers elle"


@pytest.fixture
def published(client, invited, django_capture_on_commit_callbacks):
    """A review written now; its manage link, from the receipt."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), REVIEW)
    review = Review.objects.get()
    return review, manage_path()


def manage_path() -> str:
    return re.search(r"/avis/gerer/\S+/", mail.outbox[-1].body).group(0)


def text(response) -> str:
    return html.unescape(response.content.decode())


def later(days: int):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


def test_the_link_works_for_18_months_then_expires_with_a_way_out(client, published):
    _review, path = published
    with later(540):
        assert client.get(path).status_code == 200
    with later(560):
        response = client.get(path)
    assert response.status_code == 400
    assert "expiré" in text(response)
    assert 'name="email"' in text(response)
    assert "nouveau-lien" in text(response)


@override_settings(REVIEW_MANAGE_LINK_DAYS=1)
def test_the_life_of_the_link_is_a_setting(client, published):
    _review, path = published
    with later(2):
        assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "typed",
    ["sophie.martin@example.org", "Sophie.Martin@EXAMPLE.org", " sophie.martin@example.org "],
)
def test_the_author_gets_a_fresh_link_that_works(
    client, published, django_capture_on_commit_callbacks, typed
):
    review, path = published
    with later(600):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path + "nouveau-lien/", {"email": typed})
        assert SENT in text(response)
        assert mail.outbox[-1].to == [review.author_email]
        assert "nouveau lien" in mail.outbox[-1].subject
        fresh = manage_path()
        assert fresh != path
        assert client.get(fresh).status_code == 200
    with later(600 + 540):
        assert client.get(fresh).status_code == 200


@pytest.mark.parametrize(
    ("how", "typed"),
    [
        ("wrong address", "quelquun@example.org"),
        ("forged link", "sophie.martin@example.org"),
        ("revoked link", "sophie.martin@example.org"),
    ],
)
def test_nothing_is_sent_or_revealed_otherwise(
    client, published, django_capture_on_commit_callbacks, how, typed
):
    review, path = published
    if how == "forged link":
        path = path[:-4] + "abc/"
    if how == "revoked link":
        Review.objects.filter(pk=review.pk).update(manage_nonce="changed")
    sent_before = len(mail.outbox)
    with later(600), django_capture_on_commit_callbacks(execute=True):
        response = client.post(path + "nouveau-lien/", {"email": typed})
    assert response.status_code == 200
    assert SENT in text(response)
    assert len(mail.outbox) == sent_before


def test_asking_again_and_again_is_limited(client, published, django_capture_on_commit_callbacks):
    review, path = published
    sent_before = len(mail.outbox)
    answers = []
    with later(600):
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                answers.append(client.post(path + "nouveau-lien/", {"email": review.author_email}))
    assert [response.status_code for response in answers] == [200, 200, 200, 400, 400]
    assert "Trop de demandes" in text(answers[-1])
    assert len(mail.outbox) == sent_before + 3


def test_get_on_the_renewal_address_is_refused(client, published):
    _review, path = published
    assert client.get(path + "nouveau-lien/").status_code == 405
