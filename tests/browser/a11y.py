"""axe-core in Chromium: the WCAG 2.1 AA audit shared by the accessibility tests.

axe-core (``vendor/axe.min.js``, 4.14.1 from the npm registry, MPL-2.0: see
``vendor/LICENSE``) is injected as a script tag, which the site's strict CSP
refuses; the audit's browser contexts are made with ``bypass_csp=True`` for that
alone (the other browser tests keep the CSP on and watch the console for it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def axe_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context in which axe-core can be injected (CSP bypassed)."""
    return browser.new_context(bypass_csp=True, **options)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE)
    return page.evaluate(_RUN, WCAG21_AA)


def describe(state: str, violations: list[dict[str, Any]]) -> list[str]:
    """One readable line per failing node, naming the page state."""
    return [
        f"{state}: {v['id']} ({v['impact']}) {v['help']} -> {node}"
        for v in violations
        for node in v["nodes"]
    ]
