"""axe-core (pinned in package-lock.json) run over a page: its violations, one line each.

    assert violations(page) == []
"""

from devserver.settings import PROJECT_ROOT

AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
RULE_SETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated by the test's own channel: the page's Content-Security-Policy,
        # which allows no inline script, stays as it is.
        page.evaluate(AXE_SCRIPT.read_text())
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
        return result.violations.map((v) =>
            `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    }""", RULE_SETS)
    return found
