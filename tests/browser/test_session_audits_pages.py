"""The pro's session audits page, paginated, in a real browser on a
desktop and a phone: every audit is reachable page after page, the one on
the last page can be answered, a refused scan is shown on its own audit
with the client typed kept, and the menu names the page. axe checks it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from loyalty.models import ServiceSession, SessionAudit, SessionAuditStatus, SessionSource
from loyalty.selectors import AUDITS_PER_PAGE
from tests.browser.axe import assert_accessible
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician
from tests.pdfs import minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT = AUDITS_PER_PAGE * 2 + 3


@pytest.fixture(params=list(SCREENS))
def sized(request, page: Page) -> Page:
    page.set_viewport_size(SCREENS[request.param])
    return page


@pytest.fixture
def company():
    company = owned_electrician()
    now = timezone.now()
    sessions = ServiceSession.objects.bulk_create(
        ServiceSession(
            company=company,
            performed_on=date(2026, 1, 1) + timedelta(days=n),
            source=SessionSource.CSV,
            reference=f"S-{n:03d}",
            client_key=f"{n:064x}",
        )
        for n in range(COUNT)
    )
    SessionAudit.objects.bulk_create(
        SessionAudit(
            session=session,
            status=SessionAuditStatus.OPEN,
            opened_at=now,
            # The last session recorded has the nearest deadline.
            due_at=now + timedelta(days=15, hours=COUNT - n),
        )
        for n, session in enumerate(sessions)
    )
    return company


def test_every_session_audit_is_reachable_and_the_last_one_answered(
    sized: Page, live_server, company, tmp_path
):
    page = sized
    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/")
    page.get_by_role("link", name="Contrôles des prestations").first.click()
    expect(page.get_by_role("heading", name="Contrôles des prestations")).to_be_visible()
    expect(page.get_by_text(f"{COUNT} contrôles, ceux qui attendent")).to_be_visible()
    # The nearest deadline first: the last session recorded.
    expect(page.locator("article").first).to_contain_text(f"S-{COUNT - 1:03d}")
    assert_accessible(page)
    pagination = page.get_by_role("navigation", name="Pages")
    pagination.get_by_role("link", name="Suivant").click()
    expect(pagination).to_contain_text("2 / 3")
    pagination.get_by_role("link", name="Suivant").click()
    expect(pagination).to_contain_text("3 / 3")
    last = page.locator("article", has_text="Prestation S-000 du")
    expect(last).to_be_visible()

    # A file that is not a PDF: the error is on this audit, the name kept.
    fake = tmp_path / "facture.pdf"
    fake.write_bytes(b"%PDF-1.4 pas un pdf")
    last.get_by_label("Copie numérisée de la facture").set_input_files(str(fake))
    last.get_by_label("Nom du client sur la facture").fill("Luc Petit")
    last.get_by_role("button", name="Envoyer").click()
    last = page.locator("article", has_text="Prestation S-000 du")
    scan_input = last.get_by_label("Copie numérisée de la facture")
    expect(scan_input).to_have_attribute("aria-invalid", "true")
    error = last.get_by_role("alert")
    expect(error).to_be_visible()
    described = scan_input.get_attribute("aria-describedby")
    assert described
    assert page.locator(f"#{described}").is_visible()
    expect(last.get_by_label("Nom du client sur la facture")).to_have_value("Luc Petit")
    assert page.locator("article [role=alert]").count() == 1
    assert_accessible(page)

    scan = tmp_path / "vraie.pdf"
    scan.write_bytes(minimal_pdf())
    last.get_by_label("Copie numérisée de la facture").set_input_files(str(scan))
    last.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Merci : notre équipe va comparer la facture.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("3 / 3")
    audit = SessionAudit.objects.get(session__reference="S-000")
    assert audit.status == SessionAuditStatus.SUBMITTED
    assert audit.client_matches is False  # the key of "Luc Petit" is not this session's
