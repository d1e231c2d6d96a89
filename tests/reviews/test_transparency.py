"""The transparency page (« Comment nous vérifions les avis ») tells the
truth: delays from submission to decision are never negative, read in
words, labels agree in number, and the moderation figures it promises
(automatic share, p50 and p95 delays to decision by rating with the reviews
still waiting, delays by path, flags and their outcome, reviews per month
by rating) come from the real rows in a bounded number of queries; every
promise it states (reasons, invitation validity, no incentive, membership,
sanctions, maximum moderation delay, retention, contact of authors) is
there, with the figures of the settings."""

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

from reviews.models import ModerationDecision, RejectionReason, ReviewFlag, ReviewStatus
from reviews.services import moderation, retention, transitions
from reviews.transparency import (
    _publication_rows,
    delay_text,
    flag_outcomes,
    nearest_rank,
    percentile_delays,
    reviews_per_month,
    status_counts,
    transparency_figures,
)
from tests.factories import UserFactory
from tests.reviews.review_rows import make_review

pytestmark = pytest.mark.django_db

URL = "/comment-nous-verifions-les-avis/"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.get_fixed_timezone(60))
# The page's queries for an anonymous visitor, whatever the number of
# reviews: statuses, reasons, decisions by rating, waiting by rating,
# publication by path, flags, months.
QUERIES = 7


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


def cells(html: str, table_id: str) -> dict[str, list[str]]:
    """The rows of the table ``table_id``: its row header's text → the
    texts of its other cells, as a screen reader reads them (without what
    is hidden from it: "1★" is read "1 étoile")."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    table = re.sub(r'<span aria-hidden="true">.*?</span>', "", table)
    body = table.split("<tbody>", 1)[1]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        texts = [
            unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        ]
        rows[re.sub(r"\s+", " ", texts[0])] = [re.sub(r"\s+", " ", t) for t in texts[1:]]
    return rows


def page_html(client, language: str = "fr") -> str:
    with translation.override(translation.get_language()):
        response = client.get(URL if language == "fr" else f"/{language}{URL}")
    assert response.status_code == 200
    return response.content.decode()


def by_rating(figures) -> dict:
    return {row.stars: row for row in figures.delays_by_rating}


# --- Delays are never negative ------------------------------------------------


def test_back_dated_rows_never_give_a_negative_delay(client, cast):
    # The demo's fault: a review "published" 333 days before it was submitted.
    at = timezone.now()
    for _ in range(3):
        make_review(cast.company_a, rating=1, submitted=at, published=at - timedelta(days=333))
    make_review(cast.company_a, rating=1, submitted=at - timedelta(hours=5), published=at)
    one_star = by_rating(transparency_figures())[1].decided
    # The three inconsistent rows are left out, not clamped to zero.
    assert one_star.count == 1
    assert one_star.p50 == one_star.p95 == timedelta(hours=5)
    text = page_text(client)
    assert "-" not in row(text, "1 étoile")
    assert cells(page_html(client), "delay-by-rating")["1 étoile"][:3] == ["1", "5 h", "5 h"]


def test_only_inconsistent_rows_make_a_rating_empty(client, cast):
    at = timezone.now()
    make_review(cast.company_a, rating=2, submitted=at, published=at - timedelta(hours=1))
    two_stars = by_rating(transparency_figures())[2].decided
    assert (two_stars.count, two_stars.p50, two_stars.p95) == (0, None, None)
    assert cells(page_html(client), "delay-by-rating")["2 étoiles"] == ["0", "—", "—", "0", "—"]


def test_every_percentile_of_a_mixed_table_is_zero_or_more(cast):
    at = timezone.now()
    offsets = [-7980, -30, -1, 0, 1, 2, 30, 500]
    for i, hours in enumerate(offsets):
        make_review(
            cast.company_a,
            rating=1 + i % 5,
            submitted=at - timedelta(hours=max(hours, 0)),
            published=at + timedelta(hours=min(hours, 0)),
        )
    for row_ in transparency_figures().delays_by_rating:
        for delay in (row_.decided.p50, row_.decided.p95):
            assert delay is None or delay >= timedelta(0)


@pytest.mark.parametrize(
    ("percent", "size", "rank"),
    [
        (50, 1, 1),
        (95, 1, 1),
        (50, 2, 1),  # of an even count, the lower middle: never a mean
        (95, 2, 2),
        (50, 3, 2),
        (50, 10, 5),
        (95, 10, 10),
        (95, 20, 19),
        (95, 21, 20),
        (50, 21, 11),
        (95, 100, 95),
        (95, 101, 96),
    ],
)
def test_percentiles_take_the_nearest_rank(percent, size, rank):
    assert nearest_rank(percent, size) == rank


def test_the_percentiles_are_observed_delays_at_the_nearest_rank(cast):
    at = timezone.now()
    for hours in (1, 3, 10):
        make_review(cast.company_a, rating=4, submitted=at - timedelta(hours=hours), published=at)
    for hours in (2, 6):
        make_review(cast.company_a, rating=3, submitted=at - timedelta(hours=hours), published=at)
    # 21 two-star reviews, decided after 1 to 21 hours: the 95th percentile
    # is the 20th, not the longest.
    for hours in range(21, 0, -1):
        make_review(cast.company_a, rating=2, submitted=at - timedelta(hours=hours), published=at)
    figures = by_rating(transparency_figures())
    assert (figures[4].decided.count, figures[4].decided.p50, figures[4].decided.p95) == (
        3,
        timedelta(hours=3),
        timedelta(hours=10),
    )
    assert (figures[3].decided.p50, figures[3].decided.p95) == (
        timedelta(hours=2),
        timedelta(hours=6),
    )
    assert (figures[2].decided.count, figures[2].decided.p50, figures[2].decided.p95) == (
        21,
        timedelta(hours=11),
        timedelta(hours=20),
    )
    assert figures[5].decided.p50 is None


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
    assert cells(page_html(client), "delay-by-rating")["2 étoiles"][:3] == ["1", "30 h", "30 h"]


def test_percentile_delays_group_by_any_key(cast):
    at = timezone.now()
    make_review(cast.company_a, submitted=at - timedelta(days=3), published=at)
    make_review(cast.company_b, submitted=at - timedelta(days=1), published=at)
    by_company = percentile_delays(_publication_rows(), "company_id")
    assert by_company[cast.company_a.pk].delay == timedelta(days=3)
    assert by_company[cast.company_b.pk].delay == timedelta(days=1)


# --- Delay to decision, by rating: a dataset computed by hand -------------------


def decide(review, *, at: datetime, moderator, decision: str, reason: str = "", note: str = ""):
    """A moderator's decision on ``review`` at ``at``, through the service."""
    with time_machine.travel(at, tick=False):
        moderation.review_moderate(
            review=review, actor=moderator, decision=decision, reason=reason, note=note
        )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def decisions(frozen, cast, moderator):
    """Reviews of 1, 3, 4 and 5 stars decided and waiting, at NOW.

    1 star, decided: published at once after 1 h and 2 h; published by a
    moderator after 30 h; refused after 50 h and 72 h; one whose
    publication is recorded before its submission (excluded). Sorted: 1, 2,
    30, 50, 72 h: p50 = rank 3 = 30 h, p95 = rank 5 = 72 h (3 days).
    Waiting: since 9 days (beyond the 7 promised) and since 2 hours.

    3 stars: 21 published after 1 to 21 hours: p50 = rank 11 = 11 h, p95 =
    rank 20 = 20 h (not the longest). Waiting: one since 3 hours.

    4 stars: refused after 1 hour, corrected by its author 2 days ago: it
    waits since its correction (2 days), not since its submission (20 days).

    5 stars: published at once after 1, 2 and 3 minutes; after 4 minutes,
    then refused 10 days later after a flag (its first decision counts: 4
    minutes); published by a moderator after 5 h. Sorted: 1, 2, 3, 4 min,
    5 h: p50 = rank 3 = 3 minutes, p95 = rank 5 = 5 h. Nothing waits."""
    company, now = cast.company_a, frozen
    hour, minute, day = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)

    def automatic(rating: int, submitted: datetime, after: timedelta):
        return make_review(company, rating=rating, submitted=submitted, published=submitted + after)

    def waiting(rating: int, submitted: datetime):
        return make_review(company, rating=rating, submitted=submitted, status=ReviewStatus.PENDING)

    # 1 star
    automatic(1, now - 10 * day, hour)
    automatic(1, now - 12 * day, 2 * hour)
    published = waiting(1, now - 9 * day - 4 * hour)
    decide(published, at=published.created_at + 30 * hour, moderator=moderator, decision="publish")
    for days, hours in ((8, 50), (6, 72)):
        refused = waiting(1, now - days * day)
        decide(
            refused,
            at=refused.created_at + hours * hour,
            moderator=moderator,
            decision="reject",
            reason="offensive",
        )
    make_review(company, rating=1, submitted=now - day, published=now - 3 * day)
    waiting(1, now - 9 * day)
    waiting(1, now - 2 * hour)
    # 3 stars
    for hours in range(1, 22):
        automatic(3, now - 30 * day - hours * hour, hours * hour)
    waiting(3, now - 3 * hour)
    # 4 stars
    corrected = waiting(4, now - 20 * day)
    decide(
        corrected,
        at=now - 20 * day + hour,
        moderator=moderator,
        decision="reject",
        reason="personal_data",
    )
    corrected.refresh_from_db()
    with time_machine.travel(now - 2 * day, tick=False):
        transitions.review_move(
            review=corrected, to=ReviewStatus.PENDING, by="author", actor=None, reason="corrected"
        )
    # 5 stars
    for minutes in (1, 2, 3):
        automatic(5, now - 40 * day, minutes * minute)
    flagged = automatic(5, now - 40 * day, 4 * minute)
    moderation.flag_create(review=flagged, reason="fake")
    decide(
        flagged,
        at=now - 30 * day,
        moderator=moderator,
        decision="reject",
        reason="not_own_experience",
        note="Le client n'a jamais fait appel à cette entreprise.",
    )
    by_person = waiting(5, now - 50 * day)
    decide(by_person, at=by_person.created_at + 5 * hour, moderator=moderator, decision="publish")
    return now


def test_decision_delays_by_rating_are_computed_by_hand(decisions):
    figures = by_rating(transparency_figures(now=decisions))
    one, three, four, five = figures[1], figures[3], figures[4], figures[5]
    hour = timedelta(hours=1)
    # A one-star review is held longer than a five-star one here: the page
    # says so, it does not hide it.
    assert (one.decided.count, one.decided.p50, one.decided.p95) == (5, 30 * hour, 72 * hour)
    assert (three.decided.count, three.decided.p50, three.decided.p95) == (21, 11 * hour, 20 * hour)
    assert (four.decided.count, four.decided.p50, four.decided.p95) == (1, hour, hour)
    assert (five.decided.count, five.decided.p50, five.decided.p95) == (
        5,
        timedelta(minutes=3),
        5 * hour,
    )
    assert figures[2].decided.count == 0
    # Waiting, by rating.
    assert (one.pending.count, one.pending.oldest, one.pending.overdue) == (
        2,
        timedelta(days=9),
        1,
    )
    assert (three.pending.count, three.pending.oldest) == (1, 3 * hour)
    assert (four.pending.count, four.pending.oldest, four.pending.overdue) == (
        1,
        timedelta(days=2),
        0,
    )
    assert (five.pending.count, five.pending.oldest) == (0, None)


def test_the_page_shows_the_decision_delays_by_rating(client, decisions):
    table = cells(page_html(client), "delay-by-rating")
    assert table == {
        "1 étoile": ["5", "30 h", "3 j", "2", "9 j"],
        "2 étoiles": ["0", "—", "—", "0", "—"],
        "3 étoiles": ["21", "11 h", "20 h", "1", "3 h"],
        "4 étoiles": ["1", "1 h", "1 h", "1", "2 j"],
        "5 étoiles": ["5", "moins d'une heure", "5 h", "0", "—"],
    }
    english = cells(page_html(client, "en"), "delay-by-rating")
    assert english["1 star"] == ["5", "30 hours", "3 days", "2", "9 days"]
    assert english["5 stars"] == ["5", "less than an hour", "5 hours", "0", "—"]


def test_a_review_waiting_past_the_promised_delay_is_shown(client, decisions, settings):
    text = page_text(client)
    assert "1 avis attend depuis plus de 7 jours, au-delà de notre engagement." in text
    assert "1 review has been waiting longer than 7 days" in page_text(client, "en")
    settings.REVIEW_MODERATION_MAX_DAYS = 10
    text = page_text(client)
    assert "Aucun avis n'attend depuis plus de 10 jours." in text
    assert "au-delà de notre engagement" not in text


def test_a_wait_starting_in_the_future_or_a_withdrawal_is_no_wait(frozen, cast):
    # Inconsistent: waiting since tomorrow. Left out, not counted as zero.
    make_review(
        cast.company_a, rating=2, submitted=frozen + timedelta(days=1), status=ReviewStatus.PENDING
    )
    # Withdrawn by its author while it waited: neither decided nor waiting.
    withdrawn = make_review(
        cast.company_a, rating=2, submitted=frozen - timedelta(days=30), status=ReviewStatus.PENDING
    )
    transitions.review_move(
        review=withdrawn, to=ReviewStatus.WITHDRAWN, by="author", actor=None, reason="withdrawn"
    )
    make_review(
        cast.company_a, rating=2, submitted=frozen - timedelta(hours=5), status=ReviewStatus.PENDING
    )
    two_stars = by_rating(transparency_figures(now=frozen))[2]
    assert (two_stars.pending.count, two_stars.pending.oldest) == (1, timedelta(hours=5))
    assert two_stars.decided.count == 0


def test_the_page_costs_a_bounded_number_of_queries(client, cast, moderator):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(
            [q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
        )

    empty = queries()
    at = timezone.now()
    for i in range(40):
        review = make_review(
            cast.company_a if i % 2 else cast.company_b,
            rating=1 + i % 5,
            submitted=at - timedelta(hours=i + 1),
            published=at if i % 3 else None,
            status=ReviewStatus.PUBLISHED if i % 3 else ReviewStatus.PENDING,
        )
        if i % 7 == 0 and review.status == ReviewStatus.PUBLISHED:
            moderation.flag_create(review=review, reason="fake")
        if i % 9 == 0 and review.status == ReviewStatus.PENDING:
            moderation.review_moderate(
                review=review, actor=moderator, decision="reject", reason="advertising"
            )
    full = queries()
    assert full == empty == QUERIES


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


def test_the_page_answers_in_english_and_on_head(client, db):
    assert reverse("reviews:how") == URL
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
    assert "Delay to decision, by rating" in page_text(client, "en")


# --- The promises the page states, with the figures of the settings -------------


def between(html: str, start: str, end: str) -> str:
    """The text of ``html`` from ``start`` to the next ``end``, tags and
    spaces collapsed."""
    part = html.split(start, 1)[1].split(end, 1)[0]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)))


def test_every_rejection_reason_is_listed_as_the_only_grounds_to_refuse(client, db):
    for language, sentence in (
        ("fr", "Un avis n'est refusé que pour l'un de ces motifs"),
        ("en", "A review is refused only for one of these reasons"),
    ):
        html = unescape(page_html(client, language))
        listed = html.split(sentence, 1)[1].split("</ul>", 1)[0]
        items = re.findall(r"<li>(.*?)</li>", listed)
        with translation.override(language):
            assert items == [str(label) for _value, label in RejectionReason.choices]
    assert len(items) == len(RejectionReason.choices) >= 6


def test_the_invitation_validity_follows_the_setting(client, db, settings):
    sentence = (
        "Un lien d'invitation ne fonctionne qu'une seule fois, pour une seule facture, "
        "et expire au bout de {} jours."
    )
    assert sentence.format(settings.REVIEW_INVITATION_DAYS) in page_text(client)
    settings.REVIEW_INVITATION_DAYS = 45
    text = page_text(client)
    assert sentence.format(45) in text
    assert "122" not in text


def test_companies_pay_a_membership_that_never_changes_rank_or_reviews(client, db):
    assert (
        "Les entreprises paient une cotisation pour être référencées ; cette cotisation ne "
        "modifie jamais leur classement ni leurs avis." in page_text(client)
    )
    assert (
        "Companies pay a membership to be listed; the membership never changes their rank "
        "or their reviews." in page_text(client, "en")
    )


def test_authors_receive_nothing_for_a_review(client, db):
    assert "Les auteurs ne reçoivent rien en échange d'un avis." in page_text(client)
    assert "Authors receive nothing for a review." in page_text(client, "en")


def test_the_sanctions_policy_is_stated_with_the_settings(client, db, settings):
    settings.REVIEW_STRIKES_WARNING = 3
    settings.REVIEW_STRIKES_WINDOW_DAYS = 200
    html = page_html(client)
    policy = between(html, 'id="sanctions-policy-title"', "</section>")
    assert "Contrôles des pièces et sanctions" in policy
    for sanction in ("Avertissement", "Gel des avis", "Exclusion"):
        assert sanction in policy
    assert "lors de 3 contrôles sur 200 jours" in policy
    # A missed audit keeps the review published: said once, in the policy.
    assert "l'avis reste publié avec une mention datée" in policy
    text = page_text(client)
    assert text.count("n'a pas été fournie par l'entreprise") == 1
    assert "n'est pas transmise sous 15 jours, est dépublié" not in text
    assert "sous 15 jours" not in text
    settings.REVIEW_STRIKES_WARNING = 1
    assert "lors de 1 contrôle sur 200 jours" in page_text(client)


def test_the_maximum_moderation_delay_follows_the_setting(client, db, settings):
    promise = "Un avis qui attend l'examen d'une personne reçoit une décision en {} au plus."
    assert settings.REVIEW_MODERATION_MAX_DAYS == 7
    text = page_text(client)
    assert promise.format("7 jours") in text
    assert "Aucun avis n'attend depuis plus de 7 jours." in text
    assert "deux jours ouvrés" not in text
    settings.REVIEW_MODERATION_MAX_DAYS = 1
    assert promise.format("1 jour") in page_text(client)
    assert "A review waiting for a person is decided within 1 day at most." in page_text(
        client, "en"
    )


def test_retention_is_stated_as_the_nightly_job_applies_it(client, cast, settings):
    settings.REVIEW_RETENTION_DAYS = 500
    text = page_text(client)
    assert (
        "Un avis publié n'a pas de date de fin : il reste en ligne tant que l'entreprise est "
        "référencée, sauf si son auteur le retire" in text
    )
    assert "sont conservés au moins 500 jours" in text
    # What the job does: a published review is never due, however old; a
    # removed one is, once kept that long.
    at = timezone.now()
    published = make_review(cast.company_a, submitted=at - timedelta(days=3000), published=at)
    refused = make_review(
        cast.company_a, submitted=at - timedelta(days=3000), status=ReviewStatus.REJECTED
    )
    due = retention.removed_reviews_due(now=at + timedelta(days=501))
    assert list(due) == [refused]
    assert published not in retention.removed_reviews_due(now=at + timedelta(days=10000))


def test_authors_cannot_be_contacted_by_the_company_through_us(client, cast):
    text = page_text(client)
    assert (
        "Les entreprises ne peuvent pas contacter les auteurs par notre intermédiaire : nous "
        "ne leur donnons jamais l'adresse e-mail d'un auteur" in text
    )
    assert "Nous n'écrivons aux auteurs qu'au sujet de leur avis" in text
    # And the company's own pages show no author's address.
    at = timezone.now()
    review = make_review(cast.company_a, submitted=at - timedelta(hours=2), published=at)
    client.force_login(cast.owner_a)
    pro_page = client.get(reverse("reviews:pro-reviews", args=[cast.company_a.pk]))
    assert pro_page.status_code == 200
    assert review.title in pro_page.content.decode()
    assert review.author_email not in pro_page.content.decode()


def test_the_ranking_paragraph_links_to_how_the_loyalty_score_is_computed(client, db):
    from django.urls import reverse

    html = client.get(reverse("reviews:how")).content.decode()
    assert f'href="{reverse("directory:trust")}#fidelite"' in html
    assert "à terme" not in page_text(client)  # the loyalty score is in use now
