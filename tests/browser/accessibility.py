"""axe-core accessibility checks for browser tests, run locally: the
library ships in tests/browser/axe/ (no CDN) and is evaluated in the page
through the DevTools protocol, which the page's Content-Security-Policy
does not govern (no inline script is added to the page)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page, impacts: tuple[str, ...] = BLOCKING) -> list[str]:
    """The page's axe violations of these impacts, one line each
    (rule, impact, first offending elements); [] when it passes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'])}"
        for v in results
        if v["impact"] in impacts
    ]
