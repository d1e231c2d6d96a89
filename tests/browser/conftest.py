"""Browser tests: Playwright driving the system Chromium, headless.

Without /usr/bin/chromium they are skipped with a reason, except in CI
(``CI=true``) where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_orm_beside_playwright():
    # Playwright's sync API runs an event loop in the main thread; Django
    # then refuses ORM calls from test code unless told it is safe. Only
    # for this directory, for as long as Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Every page a browser test opens is watched for Content-Security-Policy
# violations: the browser's own console report ("Refused to …") and the
# ``securitypolicyviolation`` event, forwarded to Python. Playwright's init
# script and binding run outside the page's policy. Any violation fails
# the test that caused it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile}:${event.lineNumber} on ${location.pathname}`
  );
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    return []


@pytest.fixture
def page(page, csp_violations):
    page.expose_function("__cspViolation", lambda text: csp_violations.append(text))
    page.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda message: (
            csp_violations.append(f"{message.text} on {page.url}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert csp_violations == [], "\n".join(csp_violations)
