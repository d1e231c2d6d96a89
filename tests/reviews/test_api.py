"""The reviews' endpoints of the partner API: published reviews only,
exactly what the company page shows (never the author's e-mail or full
name), cursor pagination stable across inserts, and the feed's order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone, translation

from reviews.models import ReviewStatus
from reviews.services import stats, transitions
from reviews.services.moderation import reply_save
from tests.factories import make_partner_key as make_key

from .review_rows import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(cast):
    """Company A with three published reviews (one replied to), one in
    moderation and one rejected; company B with one published."""
    now = timezone.now()
    company = cast.company_a
    published = [
        make_review(company, rating=5 - n, submitted=now - timedelta(days=10 - n)) for n in range(3)
    ]
    hidden = [
        make_review(company, submitted=now - timedelta(days=3), status=ReviewStatus.PENDING),
        make_review(company, submitted=now - timedelta(days=2), status=ReviewStatus.REJECTED),
    ]
    other = make_review(cast.company_b, submitted=now - timedelta(days=4))
    reply_save(review=published[0], author=cast.owner_a, text="Merci pour votre confiance !")
    stats.company_review_stats_refresh()
    return published, hidden, other


def ids(body) -> list[int]:
    return [review["id"] for review in body["results"]]


def test_a_companys_published_reviews_as_its_page_shows_them(api, cast, reviewed):
    published, _hidden, _other = reviewed
    body = api.client.get(f"/api/v1/companies/{cast.company_a.slug}/reviews").json()
    assert ids(body) == [r.pk for r in reversed(published)]  # newest first
    first = body["results"][-1]
    assert first["rating"] == 5
    assert first["criteria"] == {"reliability": 5, "quality": 5, "value": 5, "communication": 5}
    assert first["author"] == published[0].display_name
    assert first["reply"] == {"text": "Merci pour votre confiance !", "edited": False}
    assert first["invoice_verified"] is True
    assert first["company"] == cast.company_a.slug
    assert body["results"][0]["reply"] is None


def test_no_private_data_in_any_review_response(api, cast, reviewed):
    published, hidden, other = reviewed
    responses = [
        api.client.get(f"/api/v1/companies/{cast.company_a.slug}/reviews"),
        api.client.get("/api/v1/reviews"),
        api.client.get(f"/api/v1/companies/{cast.company_a.slug}"),
    ]
    for review in [*published, *hidden, other]:
        for response in responses:
            text = response.content.decode()
            assert review.author_email not in text
            # "Client 3." is shown (first name and initial), never the name whole.
            assert f'"{review.author_name}"' not in text
            assert review.invoice.number not in text


def test_the_feed_holds_published_reviews_only_in_change_order(api, reviewed):
    published, hidden, other = reviewed
    body = api.client.get("/api/v1/reviews").json()
    # The reply moved the first review to the end.
    assert ids(body) == [published[1].pk, published[2].pk, other.pk, published[0].pk]
    assert not {r.pk for r in hidden} & set(ids(body))


def test_the_feed_starts_from_updated_since(api, reviewed):
    published, _hidden, other = reviewed
    since = other.updated_at.isoformat()
    body = api.client.get("/api/v1/reviews", {"updated_since": since}).json()
    assert ids(body) == [other.pk, published[0].pk]
    response = api.client.get("/api/v1/reviews", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "updated_since"


def test_the_cursor_is_stable_across_inserts(api, cast, reviewed):
    published, _hidden, other = reviewed
    first = api.client.get("/api/v1/reviews", {"limit": 2}).json()
    assert ids(first) == [published[1].pk, published[2].pk]
    # A review published meanwhile goes to the end, not onto the next page.
    late = make_review(cast.company_b, submitted=timezone.now())
    second = api.client.get(first["next"]).json()
    assert ids(second) == [other.pk, published[0].pk]
    third = api.client.get(second["next"]).json()
    assert ids(third) == [late.pk]
    assert third["next"] is None


def test_a_review_that_leaves_publication_leaves_the_feed(api, reviewed):
    published, _hidden, _other = reviewed
    transitions.review_move(
        review=published[1], to=ReviewStatus.REJECTED, by="staff", actor=None, reason="test"
    )
    assert published[1].pk not in ids(api.client.get("/api/v1/reviews").json())


@pytest.mark.parametrize("params", [{"cursor": "garbage"}, {"limit": 0}, {"limit": 51}])
def test_bad_cursors_and_sizes_are_400_problems(api, reviewed, params):
    response = api.client.get("/api/v1/reviews", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_review_endpoints_need_the_reviews_scope(partner, cast, reviewed):
    from rest_framework.test import APIClient

    _key, secret = make_key(partner, "directory:read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/reviews").status_code == 403
    assert client.get(f"/api/v1/companies/{cast.company_a.slug}/reviews").status_code == 403
    assert client.get(f"/api/v1/companies/{cast.company_a.slug}").status_code == 200


def test_the_company_profile_has_the_rating_details(api, cast, reviewed):
    body = api.client.get(f"/api/v1/companies/{cast.company_a.slug}").json()
    assert body["rating"]["count"] == 3
    assert body["reviews"]["distribution"][0] == {"stars": 5, "count": 1}
    assert [c["criterion"] for c in body["reviews"]["criteria"]] == [
        "reliability", "quality", "value", "communication"
    ]  # fmt: skip


def test_an_unknown_companys_reviews_are_a_404_problem(api, reviewed):
    response = api.client.get("/api/v1/companies/nobody/reviews")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.postgres
def test_a_deep_feed_page_reads_the_feed_index_from_its_cursor(api, reviewed):
    """Page 1,000 costs what page 1 costs: the page after a cursor is an
    index range scan of published reviews in (updated_at, id) order, not a
    sort of every published review."""
    from django.db import connection

    from reviews.models import Review
    from reviews.selectors import public_review_rows

    published, _hidden, _other = reviewed
    rows = (
        public_review_rows(Review.objects.published())
        .select_related("company")
        .filter(updated_at__gt=published[1].updated_at)
        .order_by("updated_at", "id")[:51]
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "review_published_feed_idx" in plan, plan
    assert "Sort" not in plan.split("review_published_feed_idx")[0], plan


def test_a_feed_page_costs_the_same_queries_whatever_its_size(api, cast, reviewed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(api.client.get("/api/v1/reviews", {"limit": limit}).json()["results"])
        return len(captured)

    api.client.get("/api/v1/reviews")  # the key's first use is written once
    small = queries(1)
    for n in range(6):
        make_review(cast.company_b, submitted=timezone.now() - timedelta(hours=n))
    assert queries(10) == small


def test_a_company_s_reviews_page_costs_the_same_queries_whatever_its_size(api, cast, reviewed):
    """Only the columns the output reads are loaded (REVIEW_OUTPUT_COLUMNS):
    none may be read later, one query per review."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = f"/api/v1/companies/{cast.company_b.slug}/reviews"

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(api.client.get(path, {"limit": limit}).json()["results"])
        return len(captured)

    make_review(cast.company_b, submitted=timezone.now() - timedelta(days=1))
    api.client.get(path)  # the key's first use is written once
    small = queries(1)
    for n in range(6):
        make_review(cast.company_b, submitted=timezone.now() - timedelta(hours=n))
    assert queries(10) == small


def test_the_direct_representation_is_drf_s_own(api, cast, reviewed):
    """ReviewOutput builds its output directly (the feed's cost); it must
    stay what DRF's generic walk over the declared fields gives: replies
    (published, edited, held), updates (published, held), audits (passed,
    missed), in both languages."""
    from rest_framework import serializers

    from reviews.api import ReviewOutput, review_rows_for_output
    from reviews.models import AdditionStatus, Audit, Review, ReviewUpdate
    from reviews.selectors import public_review_rows

    published, _hidden, other = reviewed
    now = timezone.now()
    reply = published[0].reply
    reply.edited_at = now
    reply.save()
    reply_save(review=published[1], author=cast.owner_a, text="Merci, à bientôt chez vous !")
    published[1].reply.status = AdditionStatus.PENDING
    published[1].reply.save()
    ReviewUpdate.objects.create(review=published[2], text="Trois mois après : impeccable.")
    ReviewUpdate.objects.create(
        review=published[2], text="Encore en attente de relecture.", status=AdditionStatus.PENDING
    )
    for review, outcome in ((published[0], "passed"), (other, "missed")):
        Audit.objects.create(
            review=review, reason="sample", status=outcome, opened_at=now, due_at=now,
            decided_at=now - timedelta(days=1),
        )  # fmt: skip
    rows = list(
        review_rows_for_output(public_review_rows(Review.objects.published()), F("company__slug"))
    )
    assert len(rows) == 4
    for language in ("fr", "en"):
        with translation.override(language):
            for review in rows:
                serializer = ReviewOutput()
                generic = serializers.Serializer.to_representation(serializer, review)
                assert serializer.to_representation(review) == dict(generic)
    outputs = {r.pk: ReviewOutput(r).data for r in rows}
    assert outputs[published[0].pk]["reply"]["edited"] is True
    assert outputs[published[0].pk]["invoice_checked_on"] is not None
    assert outputs[published[1].pk]["reply"] is None
    assert [u["text"] for u in outputs[published[2].pk]["updates"]] == [
        "Trois mois après : impeccable."
    ]
    assert outputs[other.pk]["invoice_missing_since"] is not None


def test_a_reviewed_company_s_profile_costs_two_queries(
    api, cast, reviewed, django_assert_num_queries
):
    """The key, and the company whose row carries its trades, its valid
    certifications and, in a subquery, the distribution and the criteria
    of its published reviews (``review_figures_subquery``): the figures
    the company page reads in its own query."""
    from reviews.selectors import criteria_average_values, review_distribution, review_figures

    url = f"/api/v1/companies/{cast.company_a.slug}"
    api.client.get(url)  # the key's first use is written once
    with django_assert_num_queries(2):
        body = api.client.get(url).json()
    assert body["reviews"]["distribution"][0] == {"stars": 5, "count": 1}
    distribution, criteria = review_figures(cast.company_a)
    assert (distribution, criteria) == (
        review_distribution(cast.company_a),
        criteria_average_values(cast.company_a),
    )
    assert body["reviews"] == {
        "distribution": [{"stars": stars, "count": count} for stars, count, _ in distribution],
        "criteria": [
            {"criterion": name.removeprefix("rating_"), "average": average}
            for name, average in criteria
        ],
    }


def _cursor(**parts: str) -> str:
    from base64 import b64encode
    from urllib.parse import urlencode

    return b64encode(urlencode(parts).encode()).decode()


# Cursors nobody signed: each decodes, but its position is no date the
# feed's order can take (or none at all).
FORGED_POSITIONS = [
    "2026",
    "';DROP TABLE reviews_review;--",
    "9999-99-99",
    "2026-02-30T10:00:00Z",
    "0000-01-01",
    "nan",
    "",
    "\x00",
    "x" * 500,
]


@pytest.mark.parametrize("position", FORGED_POSITIONS)
@pytest.mark.parametrize("url", ["/api/v1/reviews", "/api/v1/companies/{slug}/reviews"])
def test_a_forged_cursor_position_is_a_400_problem_not_a_500(api, cast, reviewed, url, position):
    cursor = _cursor(p=position) if position else _cursor(o="3")
    response = api.client.get(url.format(slug=cast.company_a.slug), {"cursor": cursor})
    assert response.status_code in (200, 400), response.content
    if position:
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"


def test_a_forged_cursor_with_a_real_date_reads_the_page_after_it(api, reviewed):
    response = api.client.get("/api/v1/reviews", {"cursor": _cursor(p="2000-01-01T00:00:00Z")})
    assert response.status_code == 200
