"""axe-core in the browser tests, loaded from a local file (never a CDN).

The script is axe-core 4.14.1 (MPL-2.0, ``vendor/axe-LICENSE.txt``), kept in
``tests/browser/vendor/axe.min.js`` (``AXE_CORE_PATH`` names another
copy, to try a newer release). It is evaluated through the
DevTools protocol, which the page's Content-Security-Policy does not
govern, so the page's own policy stays strict.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Error, Page

ROOT = Path(__file__).resolve().parents[2]
AXE_CORE = Path(
    os.environ.get("AXE_CORE_PATH", str(Path(__file__).parent / "vendor" / "axe.min.js"))
)

RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => `${violation.id} (${violation.impact}): ` +
      violation.nodes.map((node) => node.target.join(" ")).join(", "));
}"""


def serious_violations(page: Page) -> list[str]:
    """The serious and critical axe violations of the page as it is now,
    one line each: rule, impact, the elements concerned.

    A test waits for the page it means (its URL or a heading) before
    calling this; should a navigation still replace the document while
    axe runs, the run is made again, once, on the page that loaded."""
    try:
        return _run_axe(page)
    except Error:
        page.wait_for_load_state("load")
        return _run_axe(page)


def _run_axe(page: Page) -> list[str]:
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_CORE.read_text(encoding="utf-8"))
    violations: list[str] = page.evaluate(RUN)
    return violations


def assert_accessible(page: Page) -> None:
    violations = serious_violations(page)
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


def assert_fits_the_width(page: Page) -> None:
    """Nothing widens the page beyond the window (no sideways scrolling)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        widest = page.evaluate(
            """() => { const width = document.documentElement.clientWidth;
              return [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > width + 1)
                .slice(0, 5)
                .map((e) => `${e.tagName.toLowerCase()}.${e.className}`); }"""
        )
        raise AssertionError(f"{page.url} is {overflow}px wider than the window: {widest}")
