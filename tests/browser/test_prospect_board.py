"""The prospect board in a real browser, on a desktop and on a phone: a
card dragged with the mouse onto another column moves (htmx swaps the
board, the database follows); the keyboard moves a card with Shift + →
and its "Déplacer vers…" list, lost asks its reason in a dialog; a
refused move says why; axe finds no serious violation, nothing is wider
than the screen, and the page keeps its Content-Security-Policy (the
``page`` fixture) with htmx loaded."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import Company
from prospects import services
from prospects.models import LostReason, Pipeline, Prospect, Stage
from tests.browser.axe import assert_accessible, assert_fits_the_width
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def column(page: Page, stage: str):
    return page.locator(f'#board .board-column[data-stage="{stage}"]')


def card(page: Page, prospect: Prospect):
    return page.locator(f"#prospect-{prospect.pk}")


def drag(page: Page, source, target) -> None:
    """Drag ``source`` onto ``target`` with the mouse, in small steps as a
    hand does (Playwright's one-call ``drag_to`` starts no second drag
    once the page has swapped the first card away)."""
    # Both in view: the upper one at the top of the screen.
    upper = source if source.bounding_box()["y"] <= target.bounding_box()["y"] else target
    upper.evaluate("(element) => element.scrollIntoView({block: 'start'})")
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 12, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 30, steps=3)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=8)
    page.mouse.up()


def stage_of(prospect: Prospect) -> str:
    prospect.refresh_from_db()
    return prospect.stage


def pipeline(company: Company) -> dict[str, Prospect]:
    owner = company.memberships.get().user
    today = timezone.localdate()

    def make(name: str, stage: str, **fields) -> Prospect:
        return services.prospect_create(
            pipeline=Pipeline.COMPANY,
            company=company,
            name=name,
            stage=stage,
            actor=owner,
            owner=owner,
            force=True,
            **fields,
        )

    return {
        "suspect": make("Jean Dupont", Stage.SUSPECT, organisation="Dupont Rénovation"),
        "warm": make("Paul Martin", Stage.WARM, next_follow_up=today - timedelta(days=2)),
        "hot": make("Anne Roux", Stage.HOT, next_follow_up=today),
        "client": make("Luc Petit", Stage.CLIENT),
    }


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_board_moves_cards_by_mouse_and_keyboard(page: Page, live_server, screen):
    company = owned_electrician()
    rows = pipeline(company)
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(live_server.url + reverse("prospects:pro-prospects-board", args=[company.pk]))
    expect(page.get_by_role("heading", name="Vos prospects")).to_be_visible()
    expect(card(page, rows["warm"])).to_contain_text("En retard")
    page.wait_for_function("() => window.htmx !== undefined")
    assert_accessible(page)
    assert_fits_the_width(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/prospect-board-{screen}.png", full_page=True)

    # The mouse: Jean Dupont dragged from "Suspect" onto "Froid".
    drag(page, card(page, rows["suspect"]), column(page, "cold"))
    expect(column(page, "cold").locator(f"#prospect-{rows['suspect'].pk}")).to_be_visible()
    expect(page.locator("#board [data-board-message]")).to_have_text(
        "« Jean Dupont » est passé en « Froid »."
    )
    assert stage_of(rows["suspect"]) == Stage.COLD

    # A refused move, by the mouse: a client does not go back to hot.
    drag(page, card(page, rows["client"]), column(page, "hot"))
    expect(page.locator("#board [data-board-message]")).to_contain_text(
        "ne peut pas passer de « Client » à « Chaud »"
    )
    assert stage_of(rows["client"]) == Stage.CLIENT

    # The keyboard and the mouse refuse what the table refuses, before
    # anything is sent: a client goes neither to lost (no dialog asking
    # why) nor back to hot.
    message = page.locator("#board [data-board-message]")
    dialog = page.locator("#lost-dialog")
    card(page, rows["client"]).focus()
    page.keyboard.press("Shift+ArrowRight")
    expect(message).to_contain_text("ne peut pas passer de « Client » à « Perdu »")
    expect(message).to_have_class(re.compile("error"))
    expect(dialog).to_be_hidden()
    expect(card(page, rows["client"])).to_be_focused()
    expect(page.locator("#board-live")).to_contain_text("« Client » à « Perdu »")
    page.keyboard.press("Shift+ArrowLeft")
    expect(message).to_contain_text("ne peut pas passer de « Client » à « Chaud »")
    drag(page, card(page, rows["client"]), column(page, "lost"))
    expect(message).to_contain_text("ne peut pas passer de « Client » à « Perdu »")
    expect(dialog).to_be_hidden()
    assert stage_of(rows["client"]) == Stage.CLIENT

    # The keyboard: Paul Martin, selected, Shift + → (warm to hot); the
    # focus stays on the card in its new column.
    card(page, rows["warm"]).focus()
    page.keyboard.press("Shift+ArrowRight")
    expect(column(page, "hot").locator(f"#prospect-{rows['warm'].pk}")).to_be_visible()
    expect(card(page, rows["warm"])).to_be_focused()
    assert stage_of(rows["warm"]) == Stage.HOT
    # ↓ and ↑ go from card to card in the column (the most urgent first).
    page.keyboard.press("ArrowDown")
    expect(card(page, rows["hot"])).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(card(page, rows["warm"])).to_be_focused()

    # The keyboard again: Anne Roux's "Déplacer vers…" list, to lost; the
    # dialog asks why, and refuses to go on without a reason.
    anne = card(page, rows["hot"])
    anne.get_by_label("Déplacer vers…").select_option("lost")
    anne.get_by_role("button", name=re.compile("^Déplacer")).press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Motif")).to_be_focused()
    assert_accessible(page)
    dialog.get_by_role("button", name="Marquer comme perdu").press("Enter")
    expect(dialog.locator("[data-lost-error]")).to_have_text(
        "Indiquez pourquoi ce prospect est perdu."
    )
    dialog.get_by_label("Motif").select_option(LostReason.TIMING.value)
    dialog.get_by_label("Précision sur la perte").fill("Projet repoussé à l'an prochain")
    dialog.get_by_role("button", name="Marquer comme perdu").press("Enter")
    expect(dialog).to_be_hidden()
    expect(column(page, "lost").locator(f"#prospect-{rows['hot'].pk}")).to_be_visible()
    rows["hot"].refresh_from_db()
    assert (rows["hot"].stage, rows["hot"].lost_reason, rows["hot"].lost_note) == (
        Stage.LOST,
        LostReason.TIMING,
        "Projet repoussé à l'an prochain",
    )
    assert_accessible(page)
    assert_fits_the_width(page)


def test_without_javascript_the_card_form_still_moves(browser, live_server):
    company = owned_electrician()
    rows = pipeline(company)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(live_server.url + reverse("prospects:pro-prospects-board", args=[company.pk]))
    jean = card(page, rows["suspect"])
    jean.get_by_label("Déplacer vers…").select_option("warm")
    jean.get_by_role("button", name=re.compile("^Déplacer")).click()
    expect(page.get_by_text("« Jean Dupont » est passé en « Tiède ».")).to_be_visible()
    assert stage_of(rows["suspect"]) == Stage.WARM
    context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_platform_pipeline_pages_for_sales_staff(page: Page, live_server, screen):
    """The same screens in the staff frame: the board, a prospect's page
    (interaction recorded through its form), the creation form proposing
    a duplicate, the "à relancer" lists."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    seller = UserFactory(email="ventes@example.fr", is_staff=True)
    seller.groups.add(Group.objects.get(name="sales"))
    prospect = services.prospect_create(
        pipeline=Pipeline.PLATFORM,
        company=None,
        name="Électricité Durand",
        organisation="Durand SARL",
        town="Lyon",
        email="contact@durand.example",
        stage=Stage.WARM,
        actor=seller,
        owner=seller,
    )
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, seller.email)
    base = live_server.url + reverse("prospects:staff-prospects-board")
    page.goto(base)
    expect(page.get_by_role("heading", name="Prospection de la plateforme")).to_be_visible()
    assert_accessible(page)
    assert_fits_the_width(page)

    page.get_by_role("link", name="Électricité Durand").click()
    expect(page.get_by_role("heading", name=re.compile("Électricité Durand"))).to_be_visible()
    assert_accessible(page)
    assert_fits_the_width(page)
    form = page.locator("form", has=page.get_by_label("Résultat et notes"))
    form.get_by_label("Type").select_option("call")
    form.get_by_label("Résultat et notes").fill("Intéressé par l'annuaire")
    form.get_by_label("Prochaine relance").fill(
        (timezone.localdate() + timedelta(days=3)).isoformat()
    )
    form.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Échange enregistré.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Intéressé par l'annuaire")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/prospect-page-{screen}.png", full_page=True)
    prospect.refresh_from_db()
    assert prospect.next_follow_up == timezone.localdate() + timedelta(days=3)

    page.goto(base + "nouveau/")
    page.get_by_label("Nom").fill("Durand Électricité")
    page.get_by_label("E-mail").fill("Contact@Durand.example")
    page.get_by_role("button", name="Créer", exact=True).click()
    expect(
        page.get_by_text("Ce prospect est peut-être déjà dans le suivi commercial.")
    ).to_be_visible()
    assert_accessible(page)
    assert_fits_the_width(page)
    page.get_by_role("button", name="Créer quand même").click()
    expect(page.get_by_text("Prospect créé.")).to_be_visible()
    assert Prospect.objects.filter(pipeline=Pipeline.PLATFORM).count() == 2

    page.goto(base + "a-relancer/")
    assert_accessible(page)
    assert_fits_the_width(page)


def test_on_a_phone_the_filters_fold_and_each_column_is_capped(page: Page, live_server):
    """390 × 844: the filters fold behind "Filtres" (open when in use); a
    column of 30 shows its first cards and a link to the stage's list,
    the count stays exact; the page stays a few screens tall. On a
    desktop, the filters are open and the kanban shows its cards."""
    company = owned_electrician()
    owner = company.memberships.get().user
    for number in range(30):
        services.prospect_create(
            pipeline=Pipeline.COMPANY,
            company=company,
            name=f"Suspect {number}",
            stage=Stage.SUSPECT,
            actor=owner,
            force=True,
        )
    board = live_server.url + reverse("prospects:pro-prospects-board", args=[company.pk])
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(board)
    filters = page.locator("details.board-filters-fold")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.get_by_label("Ville")).to_be_hidden()
    suspects = column(page, "suspect")
    expect(suspects).to_contain_text("30 prospects")
    expect(suspects.locator("[data-card]:visible")).to_have_count(5)
    link = suspects.get_by_role("link", name="Voir les 30 prospects de cette étape")
    expect(link).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 844 * 6, height
    assert_accessible(page)
    assert_fits_the_width(page)
    link.click()
    expect(page.get_by_text("Suspect 29")).to_be_visible()
    # Filters in use stay open; opening "Filtres" shows them.
    page.goto(board + "?ville=Lyon")
    expect(page.locator("details.board-filters-fold")).to_have_attribute("open", "")
    page.goto(board)
    page.locator("details.board-filters-fold > summary").click()
    expect(page.get_by_label("Ville")).to_be_visible()
    # A desktop: the filters open, every card of the column (up to 50).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(board)
    expect(page.locator("details.board-filters-fold")).to_have_attribute("open", "")
    expect(column(page, "suspect").locator("[data-card]:visible")).to_have_count(30)
    expect(column(page, "suspect").locator(".board-more-phone")).to_be_hidden()
