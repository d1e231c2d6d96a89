"""The reviews of a company page as a visitor reads them (issue 12, "Tests
that would catch a regression"): in which order (newest published first by
default, as the consumer code requires; the other named orders of
``reviews.selectors.ORDERS``), and the dates beside each review
(experience, publication, each published author update, "modifiée" for an
edited reply), in the French formats of the page."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from reviews.models import AdditionStatus, Invoice, Review, ReviewStatus
from reviews.selectors import ORDERS, PAGE_SIZE
from reviews.services import appeals, moderation, stats, transitions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
_numbers = count(1)


def publish(
    company, *, rating: int, submitted: datetime, published: datetime, title: str = ""
) -> Review:
    """A review of ``company`` written straight into the database, submitted
    and published at the moments given (a moderated review is published
    after it was submitted)."""
    n = next(_numbers)
    invoice = Invoice.objects.create(
        company=company,
        number=f"P-{n:04d}",
        issued_on=(submitted - timedelta(days=20)).date(),
        amount=1000,
        client_name=f"Client Numéro{n}",
        client_email=f"client{n}@example.org",
    )
    review = Review(
        company=company,
        invoice=invoice,
        rating=rating,
        rating_reliability=rating,
        rating_quality=rating,
        rating_value=rating,
        rating_communication=rating,
        title=title or f"Avis numéro {n}",
        text="Un texte assez long pour être un avis valable sur une prestation réelle.",
        experience_date=invoice.issued_on,
        author_name=invoice.client_name,
        author_email=invoice.client_email,
        declared_at=submitted,
        name_match="match",
        name_score=100.0,
        created_at=submitted,
    )
    transitions.review_move(
        review=review, to=ReviewStatus.PENDING, by="system", actor=None, reason="test", at=submitted
    )
    transitions.review_move(
        review=review, to=ReviewStatus.PUBLISHED, by="staff", actor=None, reason="ok", at=published
    )
    stats.company_review_stats_refresh(company_ids=[company.pk])
    return review


def shown_ids(client, company, **query) -> list[int]:
    """The reviews of the page in the order a visitor reads them."""
    html = client.get(company.get_absolute_url(), query).content.decode()
    return [int(pk) for pk in re.findall(r'<li class="review" id="avis-(\d+)"', html)]


# --- The order ------------------------------------------------------------------


@pytest.fixture
def five(cast):
    """Five published reviews whose order of submission, of insertion (pk)
    and of publication all differ, with ratings that tie at 5 and at 1."""
    now = datetime.now(tz=UTC).replace(microsecond=0)

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    a = publish(cast.company_a, rating=3, submitted=ago(12), published=ago(10))
    b = publish(cast.company_a, rating=5, submitted=ago(31), published=ago(30))
    # Submitted first of all, but published last: held 38 days in moderation.
    c = publish(cast.company_a, rating=1, submitted=ago(40), published=ago(2))
    d = publish(cast.company_a, rating=5, submitted=ago(6), published=ago(5))
    e = publish(cast.company_a, rating=1, submitted=ago(21), published=ago(20))
    return {"a": a.pk, "b": b.pk, "c": c.pk, "d": d.pk, "e": e.pk}


def in_order(five: dict[str, int], letters: str) -> list[int]:
    return [five[letter] for letter in letters]


def test_the_default_order_is_the_newest_publication_first(client, cast, five):
    # Not the order of submission (c, e, b, a, d) nor of insertion (e, d, c, b, a).
    assert shown_ids(client, cast.company_a) == in_order(five, "cdaeb")
    html = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert re.search(r'tri_avis=recent[^"]*#avis" aria-current="true">Les plus récents', html)


@pytest.mark.parametrize(
    ("order", "letters"),
    [
        ("recent", "cdaeb"),
        # Equal ratings: the newest publication first.
        ("best", "dbace"),
        ("worst", "ceadb"),
    ],
)
def test_each_named_order_does_what_it_says(client, cast, five, order, letters):
    assert shown_ids(client, cast.company_a, tri_avis=order) == in_order(five, letters)


def test_every_order_offered_is_pinned():
    assert set(ORDERS) == {"recent", "best", "worst"}


@pytest.mark.parametrize("order", ["", "oldest", "-rating", "rating", "RECENT", "published_at"])
def test_an_unknown_order_falls_back_to_the_newest_first(client, cast, five, order):
    assert shown_ids(client, cast.company_a, tri_avis=order) == in_order(five, "cdaeb")
    html = client.get(cast.company_a.get_absolute_url(), {"tri_avis": order}).content.decode()
    assert re.search(r'tri_avis=recent[^"]*#avis" aria-current="true">Les plus récents', html)
    assert html.count('aria-current="true"') == 1


def test_the_newest_first_runs_across_the_pages(client, cast):
    now = datetime.now(tz=UTC).replace(microsecond=0)
    # Published in an order unlike their insertion: day 2k+1 for the first
    # half, day 2k for the second.
    days = [2 * k + 1 for k in range(6)] + [2 * k for k in range(1, 7)]
    by_day = {
        day: publish(
            cast.company_a,
            rating=4,
            submitted=now - timedelta(days=day, hours=1),
            published=now - timedelta(days=day),
        ).pk
        for day in days
    }
    newest_first = [by_day[day] for day in sorted(by_day)]
    first = shown_ids(client, cast.company_a)
    second = shown_ids(client, cast.company_a, page_avis=2)
    assert (len(first), len(second)) == (PAGE_SIZE, len(days) - PAGE_SIZE)
    assert first + second == newest_first


def test_reviews_published_at_the_same_moment_show_the_last_inserted_first(client, cast):
    moment = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(days=3)
    first = publish(cast.company_a, rating=2, submitted=moment, published=moment)
    second = publish(cast.company_a, rating=2, submitted=moment, published=moment)
    assert shown_ids(client, cast.company_a) == [second.pk, first.pk]


# --- The dates beside a review -------------------------------------------------------


def block(html: str, review: Review) -> str:
    """The text of one review's item on the page, whitespace collapsed."""
    start = html.index(f'<li class="review" id="avis-{review.pk}"')
    end = html.index("</li>", start)
    text = re.sub(r"<[^>]+>", " ", html[start:end])
    return " ".join(text.split())


@pytest.fixture
def moderator(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def dated(cast, moderator, time_machine):
    """A review of a service of October 2026, published at 00:30 in Paris
    on 3 November (still 2 November in UTC), with two published updates, a
    rejected one and a held one after them, and an edited reply."""
    submitted = datetime(2026, 11, 1, 22, 30, tzinfo=UTC)
    published = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # 00:30 on 3 Nov. in Paris
    time_machine.move_to(published, tick=False)
    review = publish(
        cast.company_a,
        rating=4,
        submitted=submitted,
        published=published,
        title="Le tableau électrique",
    )
    assert review.experience_date == date(2026, 10, 12)

    def at(moment: datetime, text: str):
        time_machine.move_to(moment, tick=False)
        return appeals.review_add_update(review=review, text=text)

    first = at(datetime(2026, 11, 5, 10, 0, tzinfo=PARIS), "Première mise à jour publiée.")
    # 23:45 UTC on 8 November: 9 November in Paris.
    second = at(datetime(2026, 11, 8, 23, 45, tzinfo=UTC), "Seconde mise à jour publiée.")
    rejected = at(
        datetime(2026, 11, 10, 9, 0, tzinfo=PARIS),
        "Mise à jour refusée : les photos sont sur www.exemple.fr",
    )
    moderation.addition_moderate(addition=rejected, actor=moderator, publish=False)
    held = at(
        datetime(2026, 11, 12, 9, 0, tzinfo=PARIS),
        "Appelez-moi au 06 12 34 56 78 pour en parler.",
    )
    assert (first.status, second.status, held.status) == (
        AdditionStatus.PUBLISHED,
        AdditionStatus.PUBLISHED,
        AdditionStatus.PENDING,
    )
    time_machine.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=PARIS), tick=False)
    return review


def test_the_experience_and_publication_dates_are_shown_in_french(client, cast, dated):
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    # The month and year of the service; the day of publication in Paris.
    assert "octobre 2026, avis publié le 03/11/2026" in text
    assert "02/11/2026" not in text
    assert "01/11/2026" not in text  # the submission is not the publication


def test_each_published_update_is_dated_and_the_last_one_gives_the_update_date(client, cast, dated):
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    assert "avis publié le 03/11/2026 · mis à jour le 09/11/2026" in text
    assert re.findall(r"Mise à jour du (\d\d/\d\d/\d{4})", text) == ["05/11/2026", "09/11/2026"]
    assert text.index("Première mise à jour publiée.") < text.index("Seconde mise à jour publiée.")


def test_a_rejected_or_held_update_is_not_shown(client, cast, dated):
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    assert "Mise à jour refusée" not in text
    assert "www.exemple.fr" not in text
    assert "06 12 34 56 78" not in text
    for hidden_day in ("10/11/2026", "12/11/2026"):
        assert hidden_day not in text


def test_an_update_once_published_by_a_moderator_is_dated_when_written(
    client, cast, dated, moderator
):
    held = dated.updates.get(status=AdditionStatus.PENDING)
    moderation.addition_moderate(addition=held, actor=moderator, publish=True)
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    assert "mis à jour le 12/11/2026" in text
    assert re.findall(r"Mise à jour du (\d\d/\d\d/\d{4})", text) == [
        "05/11/2026",
        "09/11/2026",
        "12/11/2026",
    ]


def test_a_review_without_update_shows_no_update_date(client, cast, time_machine):
    moment = datetime(2026, 11, 2, 10, 0, tzinfo=PARIS)
    time_machine.move_to(moment, tick=False)
    review = publish(cast.company_a, rating=5, submitted=moment, published=moment)
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), review)
    assert "avis publié le 02/11/2026" in text
    assert "mis à jour" not in text
    assert "Mise à jour du" not in text


def test_an_edited_reply_says_so_beside_the_company_name(client, cast, dated):
    moderation.reply_save(review=dated, author=cast.owner_a, text="Merci pour votre avis.")
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    assert "Réponse de Alpha Électricité Merci pour votre avis." in text
    assert "modifiée" not in text
    moderation.reply_save(review=dated, author=cast.owner_a, text="Merci, et à bientôt.")
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    assert "Réponse de Alpha Électricité · modifiée Merci, et à bientôt." in text


def test_a_held_reply_is_not_shown(client, cast, dated):
    reply = moderation.reply_save(
        review=dated, author=cast.owner_a, text="Rappelez-nous au 04 78 12 34 56, Madame."
    )
    assert reply.status == AdditionStatus.PENDING
    text = block(client.get(cast.company_a.get_absolute_url()).content.decode(), dated)
    assert "Réponse de" not in text
    assert "04 78 12 34 56" not in text


def test_the_update_dates_cost_no_query_per_review(client, cast):
    """The updates are read in one prefetch: the page with six updated
    reviews costs the queries of the page with one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = datetime.now(tz=UTC).replace(microsecond=0)

    def updated_reviews(n: int) -> None:
        for _ in range(n):
            review = publish(
                cast.company_a,
                rating=4,
                submitted=now - timedelta(days=9),
                published=now - timedelta(days=8),
            )
            appeals.review_add_update(review=review, text="Problème résolu depuis, merci.")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(cast.company_a.get_absolute_url()).status_code == 200
        return len(captured)

    updated_reviews(1)
    one = queries()
    updated_reviews(5)
    assert queries() == one
