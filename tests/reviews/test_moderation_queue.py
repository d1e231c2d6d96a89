"""The moderation queue at volume: reasons in words, filters, paging,
excerpts, and a number of queries that does not grow with the queue."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reviews.models import Invoice, ModerationCheck, Review, ReviewStatus
from reviews.selectors import MODERATION_PAGE_SIZE
from tests.conftest import PASSWORD
from tests.factories import UserFactory, recent_date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french_between_requests():
    """A request to /en/ leaves English active in the thread (LocaleMiddleware
    does not reset it), which would make reverse() give /en/ URLs to the
    next test: each test starts in French and leaves the language as found."""
    with translation.override("fr"):
        yield


QUEUE = "/equipe/avis/"

FRENCH_LABELS = {
    "linked_domain": "Adresse de l'auteur au domaine de l'entreprise",
    "name_mismatch": "Nom de l'auteur différent de celui de la facture",
    "contact_details": "Coordonnées dans le texte",
    "duplicate_text": "Texte identique à un autre avis",
    "personal_data": "Nom de famille complet du client dans le texte",
    "linked_phone": "Téléphone de l'auteur identique à celui de l'entreprise",
    "linked_name_town": "Auteur au nom d'un membre, habitant la ville de l'entreprise",
}
ENGLISH_LABELS = {
    "linked_domain": "Author's address at the company's own domain",
    "name_mismatch": "Author's name differs from the invoice",
    "contact_details": "Contact details in the text",
    "duplicate_text": "Same text as another review",
    "personal_data": "The client's full surname in the text",
    "linked_phone": "Author's phone is the company's",
    "linked_name_town": "Author has a member's surname and lives in the company's town",
}


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def staff_client(client, moderator):
    client.login(username=moderator.username, password=PASSWORD)
    return client


def pending_review(
    company,
    *,
    reasons=("name_mismatch",),
    rating=3,
    days_old=0,
    title="Un avis à relire",
    text="Travail correct mais le nom ne correspond pas à la facture, à vérifier.",
    author_name="Paul Bernard",
    client_name="Mme Sophie Martin",
) -> Review:
    number = Invoice.objects.count() + 1
    invoice = Invoice.objects.create(
        company=company,
        number=f"F-{number:04d}",
        issued_on=recent_date(59),
        amount=Decimal("1250.00"),
        client_name=client_name,
        client_email=f"client{number}@example.org",
    )
    # Submitted days_old days ago: created_at is written once (auto_now_add).
    with time_machine.travel(timezone.now() - timedelta(days=days_old, hours=1 if days_old else 0)):
        review = Review.objects.create(
            company=company,
            invoice=invoice,
            rating=rating,
            rating_reliability=rating,
            rating_quality=rating,
            rating_value=rating,
            rating_communication=rating,
            title=title,
            text=text,
            experience_date=invoice.issued_on,
            author_name=author_name,
            author_email=invoice.client_email,
            declared_at=timezone.now(),
            name_match="mismatch",
            name_score=33.0,
            status=ReviewStatus.PENDING,
            moderation_reasons=list(reasons),
        )
    return review


def visible_text(html: str) -> str:
    """The page's text as read, without tags nor attribute values."""
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


def listed_titles(html: str) -> list[str]:
    if "<ol" not in html:
        return []
    return re.findall(r'<a href="/(?:en/)?equipe/avis/\d+/">([^<]+)</a>', html.split("<ol")[1])


def test_the_table_of_labels_covers_every_check():
    assert set(FRENCH_LABELS) == set(ModerationCheck.values) == set(ENGLISH_LABELS)


def test_every_reason_is_shown_in_french_words_not_as_a_code(staff_client, cast):
    for code in FRENCH_LABELS:
        pending_review(cast.company_a, reasons=[code], title=f"Avis {code[:4]}")
    text = visible_text(staff_client.get(QUEUE).content.decode())
    for code, label in FRENCH_LABELS.items():
        assert label in text
        assert code not in text


def test_every_reason_is_shown_in_english_words_on_the_english_site(staff_client, cast):
    for code in ENGLISH_LABELS:
        pending_review(cast.company_a, reasons=[code])
    text = visible_text(staff_client.get("/en" + QUEUE).content.decode())
    for code, label in ENGLISH_LABELS.items():
        assert label in text
        assert code not in text


def test_the_filter_offers_the_reasons_in_words(staff_client, cast):
    html = staff_client.get(QUEUE).content.decode()
    for code, label in FRENCH_LABELS.items():
        assert f'<option value="{code}">{html_module.escape(label)}</option>' in html


def test_the_queue_counts_what_waits(staff_client, cast):
    for _ in range(3):
        pending_review(cast.company_a)
    pending_review(cast.company_a, rating=5)
    Review.objects.filter(rating=5).update(status=ReviewStatus.PUBLISHED)  # not waiting
    text = visible_text(staff_client.get(QUEUE).content.decode())
    assert "3 avis en attente" in text
    text = visible_text(staff_client.get(QUEUE, {"rating": "3"}).content.decode())
    assert "3 avis correspondent à ces filtres, sur 3 en attente" in text


def test_filter_by_reason(staff_client, cast):
    pending_review(cast.company_a, reasons=["name_mismatch"], title="Le nom diffère")
    pending_review(cast.company_a, reasons=["contact_details"], title="Un numéro dedans")
    pending_review(
        cast.company_a, reasons=["contact_details", "name_mismatch"], title="Les deux à la fois"
    )
    html = staff_client.get(QUEUE, {"reason": "contact_details"}).content.decode()
    assert listed_titles(html) == ["Un numéro dedans", "Les deux à la fois"]
    html = staff_client.get(QUEUE, {"reason": "duplicate_text"}).content.decode()
    assert listed_titles(html) == []
    assert "Aucun avis en attente ne correspond à ces filtres." in html


def test_filter_by_rating_and_age_together(staff_client, cast):
    pending_review(cast.company_a, rating=1, days_old=10, title="Une étoile, ancien")
    pending_review(cast.company_a, rating=1, title="Une étoile, récent")
    pending_review(cast.company_a, rating=5, days_old=10, title="Cinq étoiles, ancien")
    html = staff_client.get(QUEUE, {"rating": "1"}).content.decode()
    assert listed_titles(html) == ["Une étoile, ancien", "Une étoile, récent"]
    html = staff_client.get(QUEUE, {"age": "7"}).content.decode()
    assert listed_titles(html) == ["Une étoile, ancien", "Cinq étoiles, ancien"]
    html = staff_client.get(QUEUE, {"rating": "1", "age": "7"}).content.decode()
    assert listed_titles(html) == ["Une étoile, ancien"]
    html = staff_client.get(QUEUE, {"age": "1"}).content.decode()
    assert "Une étoile, récent" not in listed_titles(html)


@pytest.mark.parametrize(
    "params",
    [
        {"reason": "xss<script>"},
        {"reason": "name_mismatch'--"},
        {"rating": "9"},
        {"rating": "abc"},
        {"rating": "0"},
        {"age": "-1"},
        {"age": "99999999999999999999"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999"},
        {"page": "1.5"},
    ],
)
def test_bad_filter_values_never_fail_the_page(staff_client, cast, params):
    pending_review(cast.company_a, title="Toujours là")
    response = staff_client.get(QUEUE, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert listed_titles(html) == ["Toujours là"]  # shown unfiltered
    if "page" not in params:
        assert 'class="errorlist"' in html
        assert "<script>" not in html


def test_the_queue_is_paged_oldest_first_and_pages_keep_the_filters(staff_client, cast):
    for index in range(MODERATION_PAGE_SIZE + 5):
        pending_review(cast.company_a, days_old=100 - index, title=f"Avis numéro {index:02d}")
    first = staff_client.get(QUEUE, {"rating": "3"}).content.decode()
    assert len(listed_titles(first)) == MODERATION_PAGE_SIZE
    assert listed_titles(first)[0] == "Avis numéro 00"
    assert "1 / 2" in first
    assert 'href="?rating=3&amp;page=2"' in first
    second = staff_client.get(QUEUE, {"rating": "3", "page": "2"}).content.decode()
    assert listed_titles(second) == [f"Avis numéro {i:02d}" for i in range(25, 30)]


def test_each_review_shows_an_escaped_and_shortened_excerpt(staff_client, cast):
    text = "Début <script>alert('x')</script> & <b>gras</b> " + "très long texte " * 40
    pending_review(cast.company_a, title="<i>Titre</i>", text=text)
    html = staff_client.get(QUEUE).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" in html
    assert "&lt;i&gt;Titre&lt;/i&gt;" in html
    excerpt = re.search(r'<p class="moderation-excerpt">(.*?)</p>', html, re.S).group(1)
    assert excerpt.endswith("…")
    assert len(excerpt) < len(text)


def test_the_number_of_queries_does_not_grow_with_the_queue(staff_client, cast, taxonomy):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(QUEUE, {"reason": "name_mismatch"}).status_code == 200
        return len(
            [q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
        )

    pending_review(cast.company_a)
    few = count()
    for index in range(40):
        pending_review(cast.company_a if index % 2 else cast.company_b)
    assert count() == few
    assert few <= 14  # 12, and the held updates and replies (one query each)


def test_people_without_the_moderation_right_cannot_see_the_queue(client, cast):
    assert client.get(QUEUE).status_code == 302  # to the log-in
    client.login(username=cast.consumer.username, password=PASSWORD)
    assert client.get(QUEUE).status_code == 403


def test_the_detail_explains_the_name_comparison_in_french(staff_client, cast):
    review = pending_review(
        cast.company_a, author_name="Paul Martin", client_name="Mme Sophie Martin"
    )
    html = staff_client.get(reverse("reviews:moderation-detail", args=[review.pk])).content
    text = visible_text(html.decode())
    assert "Nous avons comparé le nom donné par l'auteur avec le nom du client sur la facture" in (
        text
    )
    assert "Paul Martin" in text
    assert "Mme Sophie Martin" in text
    assert "Probablement pas la même personne" in text
    assert re.search(r"score \d+/100", text)
    assert "mots différents : paul / sophie" in text
    assert "attend votre décision" in text
    assert "1\u202f250,00\xa0€" in text  # "1 250,00 €"
    assert "different words" not in text
    assert "mismatch" not in text


def test_the_detail_explains_a_probable_match(staff_client, cast):
    review = pending_review(
        cast.company_a,
        reasons=["contact_details"],
        author_name="S. Martin",
        client_name="Sophie Martin",
    )
    html = staff_client.get(reverse("reviews:moderation-detail", args=[review.pk])).content
    text = visible_text(html.decode())
    assert "Probablement la même personne" in text
    assert "initiales au lieu de mots entiers" in text
    assert "Coordonnées dans le texte" in text


def test_the_detail_speaks_english_on_the_english_site(staff_client, cast):
    review = pending_review(cast.company_a, author_name="Paul Martin")
    html = staff_client.get("/en" + reverse("reviews:moderation-detail", args=[review.pk]))
    text = visible_text(html.content.decode())
    assert "We compared the name the author gave" in text
    assert "Probably not the same person" in text
    assert "different words: paul / sophie" in text


def test_a_review_back_without_a_failed_check_says_so(staff_client, cast):
    # A published review rejected after a flag, then sent back by an upheld appeal.
    pending_review(cast.company_a, reasons=[])
    assert "Aucun contrôle automatique en échec" in staff_client.get(QUEUE).content.decode()
