"""The transparency page in a real browser, on a desktop and a phone: its
figures read in words and never negative, the delays to decision by rating
(p50, p95, reviews waiting) fit the screen, the chart has a name and a table
behind it that a keyboard opens, nothing overflows the screen, and axe
reports no serious or critical violation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from reviews.models import ReviewStatus
from reviews.services import moderation
from tests.browser.axe import assert_accessible
from tests.factories import CompanyFactory, UserFactory
from tests.gazetteer_sample import SAMPLE
from tests.reviews.review_rows import make_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL = "/comment-nous-verifions-les-avis/"
SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def figures():
    """Reviews of every kind: back-dated rows (publication before
    submission), automatic publications, a moderated one, waiting ones (one
    for longer than the promised 7 days), flags of each outcome."""
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    company = CompanyFactory(
        trade_name="Lumière Martin",
        slug="lumiere-martin",
        primary_profession=Profession.objects.get(slug="electricien"),
    )
    moderator = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    now = timezone.now()
    for rating in (1, 1, 2):
        make_review(company, rating=rating, submitted=now, published=now - timedelta(days=333))
    for days, rating in ((3, 1), (40, 2), (70, 3), (100, 4), (130, 5), (200, 5), (300, 4)):
        submitted = now - timedelta(days=days)
        make_review(
            company, rating=rating, submitted=submitted, published=submitted + timedelta(minutes=2)
        )
    waiting = make_review(
        company, rating=2, submitted=now - timedelta(hours=52), status=ReviewStatus.PENDING
    )
    moderation.review_moderate(review=waiting, actor=moderator, decision="publish")
    make_review(company, rating=3, submitted=now - timedelta(hours=3), status=ReviewStatus.PENDING)
    make_review(company, rating=1, submitted=now - timedelta(days=9), status=ReviewStatus.PENDING)
    kept, removed = (
        make_review(company, rating=5, submitted=now - timedelta(days=9), published=now)
        for _ in range(2)
    )
    moderation.flag_dismiss(
        flag=moderation.flag_create(review=kept, reason="fake"), actor=moderator
    )
    moderation.flag_create(review=removed, reason="offensive")
    moderation.review_moderate(
        review=removed,
        actor=moderator,
        decision="reject",
        reason="offensive",
        note="Insulte envers l'artisan, signalée par un lecteur.",
    )
    moderation.flag_create(review=kept, reason="other")
    return company


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
def test_the_transparency_page_reads_true_on_every_screen(page: Page, live_server, figures, screen):
    page.set_viewport_size(screen)
    page.goto(live_server.url + URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment nous vérifions les avis")

    # Delays in words, never negative; back-dated rows are left out.
    by_rating = page.locator("#delay-by-rating")
    expect(by_rating.get_by_role("row", name=re.compile("^1 étoile")).locator("td")).to_have_text(
        ["1", "moins d'une heure", "moins d'une heure", "1", "9 j"]
    )
    expect(by_rating.get_by_role("row", name=re.compile("^2 étoiles")).locator("td")).to_have_text(
        ["2", "moins d'une heure", "2 j", "0", "—"]
    )
    expect(by_rating.get_by_role("row", name=re.compile("^3 étoiles"))).to_contain_text("3 h")
    for header in ("Avis décidés", "Délai médian", "Délai à 95 %", "En attente"):
        expect(by_rating.get_by_role("columnheader", name=header)).to_be_visible()
    # No minus sign, no decimal hours ("-7980,6"), whatever the row.
    expect(by_rating.locator("tbody")).not_to_contain_text("-")
    expect(by_rating.locator("tbody")).not_to_contain_text(",")
    # The review waiting past the promise is said, not hidden.
    expect(page.locator("#overdue")).to_have_text(
        "1 avis attend depuis plus de 7 jours, au-delà de notre engagement."
    )
    # The whole table fits the screen: no column hidden past its edge.
    by_rating.scroll_into_view_if_needed()
    frame = page.locator(".table-scroll:has(#delay-by-rating)")
    table_box, frame_box = by_rating.bounding_box(), frame.bounding_box()
    assert table_box is not None
    assert frame_box is not None
    assert frame_box["x"] >= 0
    assert frame_box["x"] + frame_box["width"] <= screen["width"]
    assert table_box["width"] <= frame_box["width"] + 1
    scrolled = frame.evaluate("frame => frame.scrollWidth - frame.clientWidth")
    assert scrolled <= 0, f"the table scrolls by {scrolled} px"
    by_path = page.locator("#delay-by-path")
    expect(by_path.get_by_role("row", name=re.compile("Après examen"))).to_contain_text("2 j")

    # The promises, with the settings' figures.
    expect(page.locator("#max-moderation-delay")).to_contain_text("en 7 jours au plus")
    expect(page.get_by_role("heading", name="Contrôles des pièces et sanctions")).to_be_visible()

    # Labels agree with their numbers.
    facts = page.locator(".transparency-figures dl.facts").first
    expect(facts).to_contain_text("Avis reçus")
    expect(facts).to_contain_text("Publiés")
    expect(facts).to_contain_text("Refusé")
    expect(page.locator("#flags")).to_contain_text("Retenu : avis retiré")
    expect(page.locator("#flags")).to_contain_text("Écarté : avis maintenu")
    expect(page.locator("#flags")).to_contain_text("En cours d'examen")

    # The chart: an image with a name, and its figures behind a summary a
    # keyboard opens.
    chart = page.get_by_role("img", name="Avis reçus par mois, selon la note")
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] <= screen["width"]
    assert box["height"] > 100
    expect(page.locator(".month-chart rect")).not_to_have_count(0)
    table = page.locator("#month-table")
    expect(table).to_be_hidden()
    summary = page.locator("summary", has_text="Les chiffres du graphique")
    summary.focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(13)  # a header and twelve months

    # Every number is inside its card, none pushed out by a long label.
    card = page.locator(".transparency-figures").bounding_box()
    assert card is not None
    for number in page.locator(".transparency-figures dd").all():
        box = number.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= card["x"] + card["width"], number.text_content()

    # Nothing wider than the screen.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    # In English too, whose headers are longer, the delays table fits.
    page.goto(live_server.url + "/en" + URL)
    expect(page.locator("#delay-by-rating").get_by_role("columnheader")).to_have_count(6)
    scrolled = page.locator(".table-scroll:has(#delay-by-rating)").evaluate(
        "frame => frame.scrollWidth - frame.clientWidth"
    )
    assert scrolled <= 0, f"the English table scrolls by {scrolled} px"


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
def test_axe_finds_no_serious_violation(page: Page, live_server, figures, screen):
    page.set_viewport_size(screen)
    page.goto(live_server.url + URL)
    page.locator("summary", has_text="Les chiffres du graphique").click()
    expect(page.locator("#month-table")).to_be_visible()
    assert_accessible(page)
