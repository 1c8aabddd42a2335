"""WCAG checks for the browser tests: axe-core (vendored from npm in tests/assets/axe, so the check
runs offline) injected through Selenium, which is not subject to the page's Content Security Policy.

``assert_accessible(dash_duo)`` runs the WCAG 2.0/2.1 A and AA rules on the current page and fails
with one readable line per violating element (rule, impact, selector, axe's summary)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = (Path(__file__).resolve().parent / "assets" / "axe" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))))
   .catch(e => done([{id: 'axe-error', impact: 'critical', nodes: [{target: '', summary: String(e)}]}]));
"""


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """The axe violations of the page in ``driver`` (WCAG 2.1 A and AA rules)."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE_JS)
    driver.set_script_timeout(60)
    return driver.execute_async_script(_RUN, WCAG_TAGS)


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        for n in v["nodes"]:
            summary = " ".join((n["summary"] or "").split())[:300]
            lines.append(f"{v['id']} ({v['impact']}) at {n['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(dash_duo: Any, where: str = "") -> None:
    """Zero axe violations on the page now shown (``where`` names it in the failure message)."""
    violations = axe_violations(dash_duo.driver)
    assert not violations, f"axe violations on {where or dash_duo.driver.current_url}:\n{describe(violations)}"
