"""Recording a session without an invoice in a real browser, on a desktop
and on a phone (issue 13, § 1): the pro reaches the page from the pro
space's menu, fills the form with a French date, sees the session's
reference and the session in the list; a form with no client says so
beside the form; axe finds no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from loyalty.models import ServiceSession, SessionSource
from tests.browser.axe import assert_accessible
from tests.browser.helpers import SCREENS, log_in, owned_electrician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company():
    return owned_electrician("Nounou Sereine", "nounou-sereine")


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_pro_records_a_session_with_a_french_date(page: Page, live_server, company, screen):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/")
    page.get_by_role("navigation", name="Espace pro").get_by_role(
        "link", name="Prestations réalisées"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/espace-pro/{company.pk}/prestations/")
    expect(page.get_by_text("Aucune prestation pour l'instant.")).to_be_visible()
    assert_accessible(page)

    # No client: refused, the form says why.
    page.get_by_label("Date de la prestation").fill("3 avril 2026")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("au moins l'un des trois")
    assert_accessible(page)

    page.get_by_label("Nom du client").fill("Famille Martin")
    page.get_by_label("Date de la prestation").fill("3 avril 2026")
    page.get_by_label("Montant TTC (€), facultatif").fill("45,50")
    page.get_by_label("Annulée").check()
    page.get_by_role("button", name="Enregistrer").click()

    session = ServiceSession.objects.get()
    assert session.source == SessionSource.FORM
    assert str(session.performed_on) == "2026-04-03"
    assert session.status == "cancelled"
    expect(page.get_by_text(f"Prestation {session.reference} enregistrée.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=session.reference)
    expect(row).to_contain_text("03/04/2026")
    expect(row).to_contain_text("Annulée")
    expect(row).to_contain_text(re.compile(r"45,50\s€"))
    expect(page.get_by_text("Famille Martin")).to_have_count(0)  # no client data shown
    assert_accessible(page)

    # A long reference without a space and an amount as people write it:
    # recorded, and the page stays as wide as the screen.
    page.get_by_label("Nom du client").fill("Famille Petit")
    page.get_by_label("Date de la prestation").fill("04/04/2026")
    page.get_by_label("Montant TTC (€), facultatif").fill("1 234,56 €")
    page.get_by_label("Référence, facultative").fill("R" * 100)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(f"Prestation {'R' * 100} enregistrée.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="R" * 100)).to_contain_text(
        re.compile(r"1\s234,56\s€")
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    table = page.locator(".sessions-scroll")
    assert table.evaluate("e => e.scrollWidth - e.clientWidth") < SCREENS[screen]["width"]
