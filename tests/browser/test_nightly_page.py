"""The night's work in a browser, on a desktop and a phone: support staff
reach it from the header, read a failed night's step and the chart, with
nothing inaccessible and nothing wider than the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from common.models import JobRun
from common.nightly import night_of
from tests.browser.helpers import SCREENS, log_in
from tests.factories import UserFactory

from .axe import assert_accessible, assert_fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(SCREENS))
def sized_page(request, page: Page) -> Page:
    page.set_viewport_size(SCREENS[request.param])
    return page


@pytest.fixture
def agent():
    user = UserFactory(email="support@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="support"))
    return user


@pytest.fixture
def nights():
    """Yesterday's chain went through; tonight's failed at its fourth step."""
    today = night_of()
    started = timezone.now() - timedelta(hours=2)
    for night, failing in ((today - timedelta(days=1), None), (today, "loyalty-scores")):
        for index, name in enumerate(settings.NIGHTLY_STEPS):
            failed = name == failing
            JobRun.objects.create(
                name=f"nightly.{name}",
                slot=night.isoformat(),
                status="failed" if failed else "done",
                attempts=1,
                started_at=started,
                finished_at=started + timedelta(seconds=30 + 20 * index),
                rows_read=None if failed else 1000,
                rows_changed=None if failed else index,
                error="SoftTimeLimitExceeded" if failed else "",
            )
            if failed:
                break


def test_support_staff_read_the_nights(sized_page: Page, live_server, agent, nights):
    page = sized_page
    log_in(page, live_server.url, agent.email)
    page.goto(live_server.url + "/")
    menu = page.locator("details.site-menu")
    if menu.get_attribute("open") is None:  # folded behind "Menu" on a phone
        menu.locator("summary").click()
    page.locator("header").get_by_role("link", name="Nuit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les travaux de la nuit")
    expect(page.locator('tr[data-status="failed"] td').first).to_have_text("échouée")
    expect(page.locator("tr[data-step='loyalty-scores']").first).to_contain_text(
        "SoftTimeLimitExceeded"
    )
    expect(page.locator("svg rect")).to_have_count(len(settings.NIGHTLY_STEPS) + 4)
    assert_accessible(page)
    assert_fits_the_width(page)
