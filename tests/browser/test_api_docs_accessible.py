"""/api/docs/ (Swagger UI) and /api/docs/redoc/ on a desktop and a phone:
no serious or critical axe violation, no CSP violation (ReDoc's footer
logo included: it is served by the site), nothing fetched elsewhere, and
the partner guide linked from both."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.helpers import SCREENS
from tests.browser.test_api_docs import offline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_swagger_ui_is_accessible_and_offline(page: Page, live_server, screen):
    page.set_viewport_size(SCREENS[screen])
    elsewhere = offline(page, live_server.url)
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    # An operation opened, as a partner reads it.
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("link", name="Guide du partenaire")).to_be_visible()
    assert elsewhere == []


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_redoc_is_accessible_offline_and_breaks_no_csp(page: Page, live_server, screen):
    page.set_viewport_size(SCREENS[screen])
    elsewhere = offline(page, live_server.url)
    logos: list[str] = []
    page.on("request", lambda r: logos.append(r.url) if "logo" in r.url else None)
    page.goto(live_server.url + "/api/docs/redoc/")
    expect(page.locator("#redoc-container h1").first).to_contain_text("API partenaires")
    page.wait_for_timeout(500)
    assert_accessible(page)
    expect(page.get_by_role("link", name="Guide du partenaire")).to_be_visible()
    assert elsewhere == []
    assert all(url.startswith(live_server.url) for url in logos), logos
    # The page fixture fails the test on any CSP violation or console error.
