"""The lifecycle benchmark: mount and unmount ManageReturns many times in one page.

    runs = run_lifecycle(playwright, server_url, cycles=200, deadline=Deadline(120))
    runs["micropython"]["summary"]["heap_growth_pct"]     # 7.4

bench/pages/lifecycle.html does the cycles itself (its lifecycle.py says how)
and writes what it counted; this module opens it on each interpreter in a
Chromium that lets the page force a garbage collection and read the JS heap
exactly, and sums the result up. "native" is the control: the same cycles in
lifecycle-native.html, widget-kit driven from JS, which tells what widget-kit
and the widget cost by themselves from what the Python library adds.
"""

import json
import statistics
import sys

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from testsupport.browser import launch_args

from .budget import OutOfTime

# gc() for the page, and performance.memory without its coarse buckets.
GC_FLAGS = ("--js-flags=--expose-gc", "--enable-precise-memory-info")
INTERPRETERS = ("native", "pyodide", "micropython")


def page_url(base_url, interpreter, cycles):
    if interpreter == "native":
        return f"{base_url}/bench/pages/lifecycle-native.html?cycles={cycles}"
    query = "&interpreter=micropython" if interpreter == "micropython" else ""
    return f"{base_url}/bench/pages/lifecycle.html?cycles={cycles}{query}"


# Resolves once the page finished a cycle after `done` cycles, or stopped running.
PROGRESS = """(done) => document.body.dataset.state !== "running"
  || Number(document.body.dataset.cyclesDone || 0) > done"""


def run_lifecycle(playwright, base_url, cycles, deadline, interpreters=INTERPRETERS,
                  page_limit_s=60, cycle_limit_s=15, runs=None):
    """{interpreter: {"result": what the page wrote, "summary": summarize(result),
    "error": why it did not finish, or None}}.

    The page gets ``page_limit_s`` to start and finish its first cycle, then
    ``cycle_limit_s`` for each next one, all within ``deadline``. A page that
    fails or stalls is reported with what it measured until then (its last
    checkpoint). ``runs``, if given, is filled in as it goes.
    """
    runs = {} if runs is None else runs
    options = launch_args(playwright)
    options = {**options, "args": [*options.get("args", []), *GC_FLAGS]}
    browser = playwright.chromium.launch(**options)
    try:
        for interpreter in interpreters:
            page = browser.new_page()
            try:
                result, error = _cycles(page, page_url(base_url, interpreter, cycles), deadline,
                                        page_limit_s, cycle_limit_s)
            finally:
                page.close()
            usable = result and len(result.get("checkpoints", ())) >= 2
            runs[interpreter] = {"result": result, "error": error,
                                 "summary": summarize(result) if usable else None}
            print(f"  lifecycle: {interpreter} {'failed: ' + error if error else 'done'}",
                  file=sys.stderr, flush=True)
    finally:
        browser.close()
    return runs


def _cycles(page, url, deadline, page_limit_s, cycle_limit_s):
    """(the page's result, None) or (its result so far or None, why it stopped)."""
    done, limit_s, error = 0, page_limit_s, None
    try:
        page.goto(url, timeout=deadline.limit_ms(page_limit_s))
        while page.get_attribute("body", "data-state") == "running":
            page.wait_for_function(PROGRESS, arg=done, polling=100,
                                   timeout=deadline.limit_ms(limit_s))
            done = int(page.get_attribute("body", "data-cycles-done") or 0)
            limit_s = cycle_limit_s
    except PlaywrightTimeout:
        error = (f"no cycle finished within {limit_s} s after cycle {done}" if limit_s == cycle_limit_s
                 else f"the page did not finish a cycle within {page_limit_s} s of loading")
    except OutOfTime as exc:
        error = str(exc)
    except PlaywrightError as exc:  # the renderer crashed, the page went away
        error = str(exc).splitlines()[0]
    try:
        text = page.text_content("#result", timeout=5_000) or ""
    except PlaywrightError:
        text = ""
    result = json.loads(text) if text.strip() else None
    if error is None and page.get_attribute("body", "data-state") != "done":
        error = (result or {}).get("error", "the page failed")
    return (None if result and "error" in result else result), error


def summarize(result):
    """Per-cycle times and how the page's counts moved, from the page's result."""
    times = result["cycle_ms"]
    checkpoints = result["checkpoints"]
    start, end = checkpoints[0], checkpoints[-1]
    middle = checkpoints[len(checkpoints) // 2]
    tenth = max(1, len(times) // 10)
    summary = {
        "cycles": result["cycles"],
        "cycle_median_ms": statistics.median(times) if times else None,
        "cycle_p95_ms": _percentile(times, 95),
        "first_tenth_median_ms": statistics.median(times[:tenth]) if times else None,
        "last_tenth_median_ms": statistics.median(times[-tenth:]) if times else None,
        "dom_nodes": [start["dom_nodes"], end["dom_nodes"]],
        "live_proxies": [start["live_proxies"], end["live_proxies"]],
        "js_heap": [start["js_heap"], end["js_heap"]],
        "heap_growth_pct": None,
        "late_growth_bytes_per_cycle": None,
    }
    if start["js_heap"] and end["js_heap"] is not None:
        summary["heap_growth_pct"] = 100 * (end["js_heap"] - start["js_heap"]) / start["js_heap"]
        # Growth that levels off (code the JIT compiles while the cycles warm
        # up) is not a leak; growth that goes on in the second half is.
        late_cycles = end["cycle"] - middle["cycle"]
        if late_cycles:
            summary["late_growth_bytes_per_cycle"] = (end["js_heap"] - middle["js_heap"]) / late_cycles
    return summary


def _percentile(values, percent):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]
