"""The tab-response benchmark: does the shell answer a click while Python starts?

    runs = run_tab_response(browser, server_url, app_variants, loads=3, deadline=Deadline(60))
    runs["pyodide"]["clicks_ms"]      # [12.5, 2480.1, 16.0, ...]: each click, input to answered

Each load opens the app variant cold on its Returns tab and, from the moment
the tabs are on screen until Python is ready, clicks Orders and Returns &
Refunds in turn, every ``INTERVAL_S``, with real input events (Playwright's
mouse, not a script's ``click()``). A click is answered when its tab is
selected and its panel shown, at the next frame: measured in the page, from
the input event's own time stamp, so the time the click waited for a busy
main thread counts. The target: every click answered within 100 ms.
"""

import json
import sys
import time

from playwright.sync_api import Error as PlaywrightError

from .budget import OutOfTime

INTERVAL_S = 0.1
TABS = ("#tab-orders", "#tab-returns")

# The click's input time stamp, and when its tab was selected and shown (the
# frame after the shell's hashchange handler ran).
INIT_SCRIPT = """(() => {
  if (window !== window.top) return;
  const clicks = [];
  window.__tabs = { clicks, ready: false };
  for (const type of ["py:ready", "mpy:ready"]) {
    document.addEventListener(type, () => { window.__tabs.ready = true; }, { capture: true });
  }
  document.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (!tab) return;
    const click = { tab: tab.id, input: event.timeStamp, answered: null };
    clicks.push(click);
    const check = () => {
      const panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (tab.getAttribute("aria-selected") === "true" && !panel.hidden) {
        requestAnimationFrame(() => { click.answered = performance.now(); });
        return true;
      }
      return false;
    };
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.body, { subtree: true, attributes: true,
                                      attributeFilter: ["aria-selected", "hidden"] });
  }, { capture: true });
})();"""


def run_tab_response(browser, base_url, variants, loads, deadline, page_limit_s=60):
    """{variant name: {"clicks_ms": [...], "failures": [...]}} for the app variants."""
    runs = {}
    for variant in variants:
        clicks, failures = [], []
        for _ in range(loads):
            try:
                clicks += _clicks_during_start(browser, base_url + variant.path,
                                               deadline.limit_ms(page_limit_s))
            except OutOfTime as exc:
                failures.append(str(exc))
                break
            except PlaywrightError as exc:
                failures.append(str(exc).splitlines()[0])
        runs[variant.name] = {"clicks_ms": clicks, "failures": failures}
        print(f"  tab response: {variant.name} done", file=sys.stderr, flush=True)
    return runs


def _clicks_during_start(browser, url, timeout_ms):
    context = browser.new_context()
    try:
        context.set_default_timeout(timeout_ms)
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        page.goto(url, wait_until="commit")
        boxes = []
        for selector in TABS:
            page.wait_for_selector(selector, state="visible")
            box = page.locator(selector).bounding_box()
            boxes.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        ends = time.monotonic() + timeout_ms / 1000
        turn = 0
        # Python's start is what is measured: each click's wait shows in the
        # page's numbers, whatever this loop's own pace.
        while turn < 2 or (not page.evaluate("() => window.__tabs.ready")
                           and time.monotonic() < ends):
            page.mouse.click(*boxes[turn % 2])
            turn += 1
            time.sleep(INTERVAL_S)
        if turn % 2:  # back on the Returns tab, as the page started
            page.mouse.click(*boxes[1])
        page.wait_for_function("() => window.__tabs.clicks.every((c) => c.answered !== null)")
        clicks = json.loads(page.evaluate("() => JSON.stringify(window.__tabs.clicks)"))
    finally:
        context.close()
    return [click["answered"] - click["input"] for click in clicks]
