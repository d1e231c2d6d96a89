"""What the browser tests share: the two screen sizes, a pro with its
company, and logging in through the real form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from directory.models import Company, MembershipRole, Profession
from directory.taxonomy.services import taxonomy_load
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory


def log_in(page: Page, base: str, email: str) -> None:
    """Log ``email`` in through the log-in page (the suite's PASSWORD) and
    wait until the site has taken the visitor elsewhere."""
    page.goto(base + "/compte/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/compte/login/"))


# The two sizes every main journey is tried at.
SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
PRO_EMAIL = "pro@example.fr"


def owned_electrician(trade_name: str = "Lumière Martin", slug: str = "lumiere-martin") -> Company:
    """The trades loaded and a company of electricians whose owner logs in
    as :data:`PRO_EMAIL` (the suite's PASSWORD)."""
    taxonomy_load()
    company = CompanyFactory(
        trade_name=trade_name,
        slug=slug,
        primary_profession=Profession.objects.get(slug="electricien"),
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email=PRO_EMAIL)
    return company
