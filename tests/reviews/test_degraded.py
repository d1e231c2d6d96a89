"""Reviews when Redis is down or the site is behind a proxy (issue 10,
§2 and §5)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

import common.cache
from reviews.models import Review, ReviewFlag
from reviews.services.reviews import _hash

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

UNREACHABLE = {
    "default": {"BACKEND": "common.cache.FailSafeRedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    "process": settings.CACHES["process"],
    "pages": settings.CACHES["pages"],
}


def test_writing_and_flagging_a_review_with_redis_down(invited):
    common.cache._skip_until.clear()
    visitor = Client(raise_request_exception=False)
    with override_settings(CACHES=UNREACHABLE):
        assert visitor.get(review_path()).status_code == 200
        assert visitor.post(review_path(), REVIEW).status_code == 200
        review = Review.objects.get()
        url = reverse("reviews:flag", args=[review.pk])
        assert visitor.get(url).status_code == 200
        response = visitor.post(url, {"reason": "fake", "note": "Je ne crois pas à cet avis."})
    assert response.status_code == 302
    assert ReviewFlag.objects.count() == 1


def test_behind_a_proxy_the_review_keeps_the_client_s_address(invited, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    visitor = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    visitor.post(review_path(), REVIEW)
    assert Review.objects.get().ip_hash == _hash("203.0.113.7")
