"""The tab-response benchmark: does the shell answer a click while Python starts?

    runs = run_tab_response(launch, server_url, app_variants, loads=3, deadline=Deadline(60))
    runs["pyodide"]["clicks_ms"]      # [12.5, 2480.1, 16.0, ...]: each click, input to answered
    runs["pyodide"]["worst_ms"]       # [2480.1, 95.2, 130.4]: each load's slowest click

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

# The click's input time stamp, and when the shell answered it (the frame
# after its hashchange handler changed the selected tab).
INIT_SCRIPT = """(() => {
  if (window !== window.top) return;
  const clicks = [];
  window.__tabs = { clicks };
  for (const type of ["py:ready", "mpy:ready"]) {
    document.addEventListener(type, () => window.benchPythonReady(), { capture: true });
  }
  document.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (!tab) return;
    const click = { tab: tab.id, input: event.timeStamp, answered: null };
    clicks.push(click);
    // Answered at the frame after the shell's next change of the selected tab:
    // its own, or, for clicks that queued up behind a busy main thread, the one
    // its turn came with.
    const observer = new MutationObserver(() => {
      observer.disconnect();
      requestAnimationFrame(() => { click.answered = performance.now(); });
    });
    observer.observe(document.querySelector('[role="tablist"]'), { subtree: true, attributes: true,
                                                                   attributeFilter: ["aria-selected"] });
  }, { capture: true });
})();"""


def run_tab_response(launch, base_url, variants, loads, deadline, page_limit_s=60):
    """{variant name: {"clicks_ms": [...], "worst_ms": [...], "failures": [...]}} for the
    app variants (``worst_ms``: each load's slowest click, to tell how steady they were).

    Each load gets a browser of its own (``launch()``): one that started
    Pyodide before keeps its compiled WebAssembly, and boots it faster than a
    first visit does."""
    runs = {}
    for variant in variants:
        clicks, worst, failures = [], [], []
        for _ in range(loads):
            try:
                timeout_ms = deadline.limit_ms(page_limit_s)
                browser = launch()
                try:
                    answered = _clicks_during_start(browser, base_url + variant.path, timeout_ms)
                finally:
                    browser.close()
            except OutOfTime as exc:
                failures.append(str(exc))
                break
            except PlaywrightError as exc:
                failures.append(str(exc).splitlines()[0])
                continue
            clicks += answered
            worst.append(max(answered))
        runs[variant.name] = {"clicks_ms": clicks, "worst_ms": worst, "failures": failures}
        print(f"  tab response: {variant.name} done", file=sys.stderr, flush=True)
    return runs


def _clicks_during_start(browser, url, timeout_ms):
    context = browser.new_context()
    try:
        context.set_default_timeout(timeout_ms)
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        # Told by the page rather than asked of it: asking would wait for its
        # main thread, so the clicks would never land while Python holds it.
        ready = []
        page.expose_function("benchPythonReady", lambda: ready.append(True))
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
        while turn < 2 or (not ready and time.monotonic() < ends):
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
