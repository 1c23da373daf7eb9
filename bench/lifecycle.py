"""The lifecycle benchmark: mount and unmount ManageReturns many times in one page.

    runs = run_lifecycle(playwright, server_url, cycles=200)
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

from testsupport.browser import launch_args

# gc() for the page, and performance.memory without its coarse buckets.
GC_FLAGS = ("--js-flags=--expose-gc", "--enable-precise-memory-info")
INTERPRETERS = ("native", "pyodide", "micropython")


class LifecycleFailed(RuntimeError):
    pass


def page_url(base_url, interpreter, cycles):
    if interpreter == "native":
        return f"{base_url}/bench/pages/lifecycle-native.html?cycles={cycles}"
    query = "&interpreter=micropython" if interpreter == "micropython" else ""
    return f"{base_url}/bench/pages/lifecycle.html?cycles={cycles}{query}"


def run_lifecycle(playwright, base_url, cycles, interpreters=INTERPRETERS, timeout_ms=600_000):
    """{interpreter: {"result": what the page wrote, "summary": summarize(result)}}."""
    options = launch_args(playwright)
    options = {**options, "args": [*options.get("args", []), *GC_FLAGS]}
    browser = playwright.chromium.launch(**options)
    runs = {}
    try:
        for interpreter in interpreters:
            page = browser.new_page()
            page.goto(page_url(base_url, interpreter, cycles))
            page.wait_for_selector("body:not([data-state=running])", state="attached",
                                   timeout=timeout_ms)
            result = json.loads(page.text_content("#result"))
            if page.get_attribute("body", "data-state") != "done":
                raise LifecycleFailed(f"lifecycle page on {interpreter}: {result.get('error')}")
            page.close()
            runs[interpreter] = {"result": result, "summary": summarize(result)}
            print(f"  lifecycle: {interpreter} done", file=sys.stderr, flush=True)
    finally:
        browser.close()
    return runs


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
