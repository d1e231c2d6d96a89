"""What the browser tests share: logging in through the real form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def log_in(page: Page, base: str, email: str) -> None:
    """Log ``email`` in through the log-in page (the suite's PASSWORD) and
    wait until the site has taken the visitor elsewhere."""
    page.goto(base + "/compte/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/compte/login/"))
