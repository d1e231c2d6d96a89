"""The transparency page (« Comment nous vérifions les avis ») tells the
truth: delays from submission to publication are never negative, read in
words, labels agree in number, and the moderation figures it promises
(automatic share, delays by rating and by path, flags and their outcome,
reviews per month by rating) come from the real rows in a bounded number
of queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reviews.models import ModerationDecision, ReviewFlag, ReviewStatus
from reviews.services import moderation
from reviews.transparency import (
    _delay_rows,
    delay_text,
    flag_outcomes,
    median_delays,
    reviews_per_month,
    status_counts,
    transparency_figures,
)
from tests.factories import UserFactory
from tests.reviews.review_rows import make_review

pytestmark = pytest.mark.django_db

URL = "/comment-nous-verifions-les-avis/"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.get_fixed_timezone(60))


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


def page_text(client, language: str = "fr") -> str:
    # The middleware activates the page's language in this thread; the
    # override puts the previous one back for the tests that follow.
    with translation.override(translation.get_language()):
        response = client.get(URL if language == "fr" else f"/{language}{URL}")
    assert response.status_code == 200
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


TABLE_HEADINGS = ("Délai médian de publication", "Median delay to publication")


def row(text: str, label: str) -> str:
    """About the 60 characters after ``label`` in the figures' section
    (after the first heading of the delays)."""
    start = min(text.find(h) for h in TABLE_HEADINGS if h in text)
    return text[start:].split(label, 1)[1][:60]


# --- Delays are never negative ------------------------------------------------


def test_back_dated_rows_never_give_a_negative_delay(client, cast):
    # The demo's fault: a review "published" 333 days before it was submitted.
    at = timezone.now()
    for _ in range(3):
        make_review(cast.company_a, rating=1, submitted=at, published=at - timedelta(days=333))
    make_review(cast.company_a, rating=1, submitted=at - timedelta(hours=5), published=at)
    figures = transparency_figures()
    one_star = dict(figures.median_by_rating)[1]
    # The three inconsistent rows are left out, not clamped to zero.
    assert one_star.count == 1
    assert one_star.delay == timedelta(hours=5)
    text = page_text(client)
    assert "-" not in row(text, "1 étoile")
    assert "5 h" in row(text, "1 étoile")


def test_only_inconsistent_rows_make_a_rating_empty(client, cast):
    at = timezone.now()
    make_review(cast.company_a, rating=2, submitted=at, published=at - timedelta(hours=1))
    figures = transparency_figures()
    assert dict(figures.median_by_rating)[2].count == 0
    assert dict(figures.median_by_rating)[2].delay is None
    assert row(page_text(client), "2 étoiles").split()[:2] == ["0", "—"]


def test_every_median_of_a_mixed_table_is_zero_or_more(cast):
    at = timezone.now()
    offsets = [-7980, -30, -1, 0, 1, 2, 30, 500]
    for i, hours in enumerate(offsets):
        make_review(
            cast.company_a,
            rating=1 + i % 5,
            submitted=at - timedelta(hours=max(hours, 0)),
            published=at + timedelta(hours=min(hours, 0)),
        )
    for _stars, median in transparency_figures().median_by_rating:
        assert median.delay is None or median.delay >= timedelta(0)


def test_the_median_is_the_middle_row_or_the_mean_of_the_two(cast):
    at = timezone.now()
    for hours in (1, 3, 10):
        make_review(cast.company_a, rating=4, submitted=at - timedelta(hours=hours), published=at)
    for hours in (2, 6):
        make_review(cast.company_a, rating=3, submitted=at - timedelta(hours=hours), published=at)
    figures = dict(transparency_figures().median_by_rating)
    assert figures[4].delay == timedelta(hours=3)
    assert figures[4].count == 3
    assert figures[3].delay == timedelta(hours=4)
    assert figures[5].delay is None


def test_a_real_submission_then_moderation_measures_the_wait(client, cast, moderator):
    submitted = timezone.now() - timedelta(hours=30)
    review = make_review(cast.company_a, rating=2, submitted=submitted, status=ReviewStatus.PENDING)
    moderation.review_moderate(review=review, actor=moderator, decision="publish")
    figures = transparency_figures()
    assert figures.median_by_person.count == 1
    assert timedelta(hours=29) < figures.median_by_person.delay < timedelta(hours=31)
    assert figures.median_automatic.count == 0
    assert figures.statuses.published_automatically == 0
    assert "30 h" in row(page_text(client), "Après examen par une personne")


def test_median_delays_groups_by_any_key(cast):
    at = timezone.now()
    make_review(cast.company_a, submitted=at - timedelta(days=3), published=at)
    make_review(cast.company_b, submitted=at - timedelta(days=1), published=at)
    by_company = median_delays(_delay_rows(), "company_id")
    assert by_company[cast.company_a.pk].delay == timedelta(days=3)
    assert by_company[cast.company_b.pk].delay == timedelta(days=1)


# --- Delays in words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "french", "english"),
    [
        (timedelta(0), "moins d'une heure", "less than an hour"),
        (timedelta(minutes=59), "moins d'une heure", "less than an hour"),
        (timedelta(minutes=61), "1 h", "1 hour"),
        (timedelta(hours=5, minutes=10), "5 h", "5 hours"),
        (timedelta(hours=47), "47 h", "47 hours"),
        (timedelta(hours=48), "2 j", "2 days"),
        (timedelta(days=12, hours=2), "12 j", "12 days"),
        (timedelta(days=400), "400 j", "400 days"),
    ],
)
def test_delays_read_in_words(delay, french, english):
    with translation.override("fr"):
        assert delay_text(delay) == french
    with translation.override("en"):
        assert delay_text(delay) == english


def test_a_negative_delay_is_refused_loudly():
    with pytest.raises(ValueError, match="negative"):
        delay_text(timedelta(seconds=-1))


def test_the_page_shows_words_not_raw_hours(client, cast):
    at = timezone.now()
    make_review(cast.company_a, rating=5, submitted=at - timedelta(minutes=3), published=at)
    make_review(cast.company_a, rating=4, submitted=at - timedelta(days=3), published=at)
    text = page_text(client)
    assert "moins d'une heure" in row(text, "5 étoiles")
    assert "3 j" in row(text, "4 étoiles")
    assert "(heures)" not in text
    assert "0,1" not in text
    english = page_text(client, "en")
    assert "less than an hour" in row(english, "5 stars")
    assert "3 days" in row(english, "4 stars")


# --- Labels agree in number ---------------------------------------------------


def test_labels_agree_with_their_count(client, cast):
    at = timezone.now()
    for _ in range(2):
        make_review(cast.company_a, submitted=at - timedelta(hours=1), published=at)
    make_review(cast.company_a, submitted=at, status=ReviewStatus.REJECTED)
    text = page_text(client)
    assert "Avis reçus 3" in text
    assert "Publiés 2" in text
    assert "Refusé 1" in text
    assert "Retiré par son auteur 0" in text
    english = page_text(client, "en")
    assert "Reviews received 3" in english
    assert "Published reviews 2" in english
    assert "Rejected review 1" in english


def test_one_review_reads_in_the_singular(client, cast):
    at = timezone.now()
    make_review(cast.company_a, submitted=at - timedelta(hours=1), published=at)
    text = page_text(client)
    assert "Avis reçu 1" in text
    assert "Publié 1" in text
    assert "des 1 avis publiés" not in text
    assert "100 % des avis publiés (1 avis) ont passé" in text


# --- The automatic share ------------------------------------------------------


def test_share_published_without_a_person(client, cast, moderator):
    at = timezone.now()
    for _ in range(3):
        make_review(cast.company_a, submitted=at - timedelta(minutes=5), published=at)
    waiting = make_review(cast.company_a, submitted=at, status=ReviewStatus.PENDING)
    moderation.review_moderate(review=waiting, actor=moderator, decision="publish")
    counts = status_counts()
    assert (counts.published, counts.published_automatically) == (4, 3)
    assert counts.automatic_percent == 75
    assert "75 % des 4 avis publiés" in page_text(client)


def test_no_share_before_the_first_publication(client, db):
    assert status_counts().automatic_percent is None
    assert "Aucun avis n'a encore été publié." in page_text(client)


# --- Flags and their outcome ----------------------------------------------------


def test_flags_are_counted_by_outcome(client, cast, moderator):
    at = timezone.now()
    kept, removed, open_ = (
        make_review(cast.company_a, submitted=at - timedelta(days=2), published=at)
        for _ in range(3)
    )
    dismissed = moderation.flag_create(review=kept, reason="fake")
    moderation.flag_dismiss(flag=dismissed, actor=moderator)
    moderation.flag_create(review=removed, reason="offensive")
    moderation.flag_create(review=removed, reason="personal_data", by_company=True)
    moderation.review_moderate(
        review=removed,
        actor=moderator,
        decision="reject",
        reason="offensive",
        note="Insulte envers l'artisan, signalée deux fois.",
    )
    moderation.flag_create(review=open_, reason="other")
    outcomes = flag_outcomes()
    assert (outcomes.received, outcomes.upheld, outcomes.dismissed, outcomes.pending) == (
        4,
        2,
        1,
        1,
    )
    text = page_text(client)
    assert "Signalements reçus 4" in text
    assert "Retenus : avis retirés 2" in text
    assert "Écarté : avis maintenu 1" in text
    assert "En cours d'examen 1" in text


def test_a_flag_dismissed_before_a_later_rejection_stays_dismissed(cast, moderator):
    at = timezone.now()
    review = make_review(cast.company_a, submitted=at - timedelta(days=2), published=at)
    flag = moderation.flag_create(review=review, reason="fake")
    moderation.flag_dismiss(flag=flag, actor=moderator)
    # Weeks later, another reason: the earlier flag's outcome does not change.
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        moderation.review_moderate(
            review=review,
            actor=moderator,
            decision="reject",
            reason="advertising",
            note="Lien vers un concurrent ajouté au texte.",
        )
    outcomes = flag_outcomes()
    assert (outcomes.upheld, outcomes.dismissed) == (0, 1)
    assert ReviewFlag.objects.get().resolved_at is not None


def test_rejections_are_counted_by_reason(client, cast, moderator):
    at = timezone.now()
    for reason in ("offensive", "offensive", "advertising"):
        review = make_review(cast.company_a, submitted=at, status=ReviewStatus.PENDING)
        moderation.review_moderate(review=review, actor=moderator, decision="reject", reason=reason)
    with translation.override("en"):
        figures = dict(transparency_figures().rejected_by_reason)
    assert figures["Insulting, defamatory or discriminatory content"] == 2
    assert figures["Advertising or promotion"] == 1
    assert figures["Duplicate of another review"] == 0
    assert ModerationDecision.objects.count() == 3
    assert "Publicité ou promotion : 1" in page_text(client)


# --- Reviews per month, by rating -----------------------------------------------


def test_reviews_are_counted_per_month_and_rating(cast):
    with time_machine.travel(NOW, tick=False):
        now = timezone.now()
        make_review(cast.company_a, rating=5, submitted=now - timedelta(days=1), published=now)
        make_review(cast.company_a, rating=5, submitted=now - timedelta(days=2), published=now)
        make_review(
            cast.company_a,
            rating=1,
            submitted=now - timedelta(days=1),
            status=ReviewStatus.REJECTED,
        )
        october = datetime(2026, 10, 15, 9, tzinfo=NOW.tzinfo)
        make_review(cast.company_a, rating=3, submitted=october, published=october)
        # Thirteen months ago: outside the chart.
        make_review(cast.company_a, rating=2, submitted=now - timedelta(days=400), published=now)
        months = reviews_per_month()
    assert len(months) == 12
    assert months[0].first.isoformat() == "2025-12-01"
    assert months[-1].first.isoformat() == "2026-11-01"
    assert months[-1].by_rating == {5: 2, 1: 1}
    assert months[-2].by_rating == {3: 1}
    assert sum(month.total for month in months) == 4
    assert all(month.total == 0 for month in months[:-2])


def test_the_first_hour_of_a_month_in_paris_belongs_to_that_month(cast):
    # 1 November 00:30 in Paris is still 31 October in UTC.
    submitted = datetime(2026, 10, 31, 23, 30, tzinfo=timezone.get_fixed_timezone(0))
    make_review(cast.company_a, rating=4, submitted=submitted, published=submitted)
    months = reviews_per_month(now=NOW)
    assert months[-1].by_rating == {4: 1}
    assert months[-2].by_rating == {}


def test_the_chart_draws_every_month_and_rating(client, cast):
    with time_machine.travel(NOW, tick=False):
        now = timezone.now()
        for rating in (1, 3, 5, 5):
            make_review(
                cast.company_a, rating=rating, submitted=now - timedelta(hours=2), published=now
            )
        response = client.get(URL)
    html = response.content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "<desc" in svg
    # One bar label per month, one rectangle per non-empty (month, rating).
    assert svg.count('class="chart-label"') == 12
    assert re.findall(r'class="chart-r(\d)"', svg) == ["1", "3", "5"]
    # Coordinates are written with a point, whatever the language.
    assert not re.search(r'(?:x|y|width|height)="\d+,\d', svg)
    table = html.split('id="month-table"', 1)[1].split("</table>", 1)[0]
    assert "novembre 2026" in table
    assert "décembre 2025" in table
    november = unescape(re.sub(r"<[^>]+>", " ", table.split("novembre 2026", 1)[1]))
    assert november.split()[:6] == ["1", "0", "1", "0", "2", "4"]


# --- The page as a whole --------------------------------------------------------


def test_the_page_costs_a_bounded_number_of_queries(client, cast, moderator):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(
            [q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
        )

    empty = queries()
    at = timezone.now()
    for i in range(30):
        review = make_review(
            cast.company_a if i % 2 else cast.company_b,
            rating=1 + i % 5,
            submitted=at - timedelta(hours=i),
            published=at,
        )
        if i % 7 == 0:
            moderation.flag_create(review=review, reason="fake")
    full = queries()
    assert full == empty
    assert full <= 8


def test_the_page_answers_in_english_and_on_head(client, db):
    assert reverse("reviews:how") == URL
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
    assert "Median delay to publication, by rating" in page_text(client, "en")
