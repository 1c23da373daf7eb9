"""The lifecycle benchmark's Python (lifecycle.html): what mounting costs over time.

    /bench/pages/lifecycle.html?cycles=200                          # on Pyodide
    /bench/pages/lifecycle.html?cycles=200&interpreter=micropython  # on MicroPython

One WidgetKit for the sandbox (lifecycle.toml). Warm-up cycles load what a
page loads once (widget-kit, the widget's code, a token) and let the JS engine
compile what it will keep compiled; then ``cycles`` more cycles run, and the page's counts are taken before them, after them and at
every tenth of them (so that growth that levels off can be told from a leak).
A cycle mounts ManageReturns, waits until it lists the return requests (its
first ``[data-testid="mr-row"]``) and unmounts it.

The result is JSON in ``#result`` once ``<body data-state>`` is "done"::

    {"interpreter": "pyodide", "cycles": 200,
     "cycle_ms": [41.2, ...],        # each cycle, from mount to unmounted
     "checkpoints": [                # the first before the cycles, the last after
         {"cycle": 0, "dom_nodes": 12, "live_proxies": 2, "js_heap": 14178135},
         {"cycle": 20, ...}, ..., {"cycle": 200, ...}]}

Progress, for a driver that gives each cycle a time limit: ``<body
data-cycles-done>`` counts every finished cycle (warm-up ones included), and
``#result`` holds the result so far (the cycles up to the last checkpoint)
while ``data-state`` is still "running".

``live_proxies`` are the FFI proxies the library holds (``kit.page.live_proxies``);
``js_heap`` is the JS heap in use after a forced garbage collection, in bytes,
when Chromium runs with ``--js-flags=--expose-gc --enable-precise-memory-info``
(bench/run.py launches it so), else null. A failure sets data-state "failed"
and writes ``{"error": "..."}``.
"""

import asyncio
import gc
import json
import sys

import js
from pyscript import config, document
from pyscript.ffi import is_none
from tiktokshop_widgets import MANAGE_RETURNS, WidgetConfig, WidgetKit

CONTAINER = "#widget"
ROW = '[data-testid="mr-row"]'
DEFAULT_CYCLES = 200
WARM_UP_CYCLES = 10
cycles_done = []  # every cycle's time, warm-up ones included: the page's progress

# Resolves once `selector` matches inside `root`: a MutationObserver, because
# polling from Python would add its own interval to every cycle.
appeared = js.Function("root", "selector", """return new Promise((resolve) => {
  if (root.querySelector(selector)) return resolve();
  const observer = new MutationObserver(() => {
    if (root.querySelector(selector)) { observer.disconnect(); resolve(); }
  });
  observer.observe(root, { childList: true, subtree: true });
});""")

# The JS heap in use after a full collection; -1 when Chromium exposes no gc().
js_heap_after_gc = js.Function("""if (typeof gc !== "function" || !performance.memory) return -1;
gc();
return performance.memory.usedJSHeapSize;""")


def cycles_requested():
    value = js.URLSearchParams.new(js.location.search).get("cycles")
    return DEFAULT_CYCLES if value is None or is_none(value) else int(value)


async def one_cycle(kit, container):
    started = js.performance.now()
    await kit.mount(MANAGE_RETURNS, CONTAINER)
    await appeared(container, ROW)
    await kit.unmount(CONTAINER)
    # The browser's resource-timing buffer (up to 250 entries a page) is not the
    # widget's memory: empty it so that it does not count as the cycles' growth.
    js.performance.clearResourceTimings()
    took = js.performance.now() - started
    cycles_done.append(took)
    document.body.dataset.cyclesDone = str(len(cycles_done))
    return took


def write_result(result):
    document.getElementById("result").textContent = json.dumps(result)


async def counts(kit, cycle):
    """The page's counts after ``cycle`` cycles, once their garbage is collected."""
    heap = -1
    for _ in range(2):
        # Unmounting lets go of JS objects whose finalizers (Pyodide's proxies
        # among them) run in later tasks: collect, let them run, collect again.
        await asyncio.sleep(0.05)
        gc.collect()
        heap = js_heap_after_gc()
    return {
        "cycle": cycle,
        "dom_nodes": document.getElementsByTagName("*").length,
        "live_proxies": kit.page.live_proxies,
        "js_heap": None if heap < 0 else heap,
    }


async def run(cycles):
    kit = WidgetKit(WidgetConfig.from_dict(config["tiktok_widgets"]))
    container = document.querySelector(CONTAINER)
    for _ in range(WARM_UP_CYCLES):  # what a page loads once is not the cycles' cost
        await one_cycle(kit, container)
    every = max(1, cycles // 10)
    checkpoints = [await counts(kit, 0)]
    cycle_ms = []
    interpreter = "micropython" if sys.implementation.name == "micropython" else "pyodide"
    for cycle in range(1, cycles + 1):
        cycle_ms.append(await one_cycle(kit, container))
        if cycle % every == 0 or cycle == cycles:
            checkpoints.append(await counts(kit, cycle))
            write_result({"interpreter": interpreter, "cycles": cycle, "cycle_ms": cycle_ms,
                          "checkpoints": checkpoints})
    return {
        "interpreter": interpreter,
        "cycles": cycles,
        "cycle_ms": cycle_ms,
        "checkpoints": checkpoints,
    }


try:
    result, state = await run(cycles_requested()), "done"  # noqa: F704 (PyScript's top-level await)
except Exception as error:
    result, state = {"error": type(error).__name__ + ": " + str(error)}, "failed"
write_result(result)
document.body.dataset.state = state
