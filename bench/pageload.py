"""The page-load benchmark: from navigation to the widget's content, per variant.

    loads = run_pageload(browser, server_url, VARIANTS, runs=7, warmup=1,
                         deadline=Deadline(200))
    loads["mpy"]["cold"][0]["content_ms"]        # 731.4

Each load is measured inside the page, relative to its navigation start: an
init script (Playwright's ``add_init_script``, so the pages stay untouched)
records when the variant's content is first visible (a MutationObserver) and
when PyScript's ``py:ready``/``mpy:ready`` fires; paint timing and resource
timing give the rest. A cold load is a fresh browser context (empty cache);
the warm load is a reload in that context. Rounds are interleaved: every
round loads each variant once, starting from a different one each round.
"""

import json
import statistics
import sys
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .budget import OutOfTime

ROW = '[data-testid="mr-row"]'  # ManageReturns' first return request
FLOOR_OUTPUT = "#python-wrote"  # what the floor page's Python writes


@dataclass(frozen=True)
class Variant:
    name: str  # its key in results.json and in the last line (<name>_ms)
    label: str
    path: str  # on the server: path, query and hash
    content: str  # CSS selector: the load ends when it is first visible


VARIANTS = (
    Variant("native", "native JS (examples/native.html)", "/examples/native.html", ROW),
    Variant("pyodide", "app on Pyodide", "/#returns", ROW),
    Variant("mpy", "app on MicroPython", "/?interpreter=micropython#returns", ROW),
    Variant("pyodide_floor", "Pyodide floor (bench page)", "/bench/pages/floor.html", FLOOR_OUTPUT),
    Variant("mpy_floor", "MicroPython floor (bench page)",
            "/bench/pages/floor.html?interpreter=micropython", FLOOR_OUTPUT),
)

# Runs in every document before its own scripts. `checkVisibility` only runs
# once the content exists, so the observer forces no layout before that.
INIT_SCRIPT = """(() => {
  if (window !== window.top) return;
  const CONTENT = %s;
  const marks = {};
  window.__bench = { marks };
  const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
  const longTasks = [];
  window.__bench.longTasks = longTasks;
  new PerformanceObserver((list) => longTasks.push(
    ...list.getEntries().map((e) => [e.startTime, e.duration]))).observe({ type: "longtask", buffered: true });
  performance.setResourceTimingBufferSize(1000);
  for (const type of ["py:ready", "mpy:ready"]) {
    document.addEventListener(type, () => mark("python_ready"), { capture: true });
  }
  const observer = new MutationObserver(() => {
    const content = document.querySelector(CONTENT);
    if (content && content.checkVisibility()) {
      mark("content");
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();"""

# Collected a frame after the content showed, so that the paint showing it
# (a floor page's only one) is in the paint timeline too.
COLLECT = """async () => {
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const own = (url) => url.startsWith(location.origin) ? url.slice(location.origin.length) : url;
  const [navigation] = performance.getEntriesByType("navigation");
  return {
    python_start: document.documentElement.dataset.pythonStart ?? null,
    marks: window.__bench.marks,
    long_tasks: window.__bench.longTasks,
    paint: Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime])),
    navigation: { end: navigation.responseEnd, bytes: navigation.transferSize },
    resources: performance.getEntriesByType("resource").map((e) => (
      { url: own(e.name), start: e.startTime, end: e.responseEnd, bytes: e.transferSize })),
  };
}"""


def _path(resource):
    return urlsplit(resource["url"]).path


def _is_interpreter(resource):
    return "/pyodide/v" in resource["url"] or "/micropython-webassembly-pyscript@" in resource["url"]


def _is_python_file(resource):
    return _path(resource).endswith(".py")


# The requests on the way to the widget's content, by what they fetch.
REQUESTS = (
    ("widget_kit", "widget-kit module", lambda r: "/@tiktokshop/widget-kit@" in r["url"]),
    ("token", "token request", lambda r: "/widget/access_token" in r["url"]),
    ("manifest", "manifest", lambda r: _path(r).endswith("/manifest.json")),
    ("remote_entry", "remote entry", lambda r: _path(r).endswith("/remote-entry.js")),
    ("widget_code", "widget code (manage-returns.js)", lambda r: _path(r).endswith("/manage-returns.js")),
    ("data", "returns data (search API)", lambda r: "/returns/search" in r["url"]),
)

# Points of a load in the order they happen, as (key, label).
MILESTONES = (
    ("html", "HTML document received"),
    ("interpreter_requested", "interpreter requested (core, config, plugins in)"),
    ("interpreter_loaded", "interpreter downloaded (.mjs, .wasm, stdlib)"),
    ("files_requested", "[files] requested (interpreter booted)"),
    ("python_ready", "Python ready (py:ready / mpy:ready)"),
    ("widget_kit_requested", "widget-kit requested (page's code ran)"),
    ("widget_kit_loaded", "widget-kit loaded"),
    ("manifest_loaded", "manifest loaded"),
    ("remote_entry_loaded", "remote entry loaded"),
    ("widget_code_loaded", "widget code loaded"),
    ("data_loaded", "returns data loaded"),
    ("content", "content visible (first row / Python's element)"),
)


def milestones(raw):
    """``MILESTONES`` of one load, ms since navigation (absent ones left out)."""
    resources = raw["resources"]
    ready = raw["marks"].get("python_ready")
    spans = request_spans(raw)
    requested = {key: start for key, (start, _) in spans.items()}
    loaded = {key: end for key, (_, end) in spans.items()}

    def first_start(match):
        return min((r["start"] for r in resources if match(r)), default=None)

    def last_end(match):
        return max((r["end"] for r in resources if match(r)), default=None)

    points = {
        "html": raw["navigation"]["end"],
        "interpreter_requested": first_start(_is_interpreter),
        "interpreter_loaded": last_end(_is_interpreter),
        # [files] are fetched before Python is ready, the script's own src after.
        "files_requested": first_start(lambda r: _is_python_file(r) and ready and r["start"] < ready),
        "python_ready": ready,
        "widget_kit_requested": requested.get("widget_kit"),
        "widget_kit_loaded": loaded.get("widget_kit"),
        "manifest_loaded": loaded.get("manifest"),
        "remote_entry_loaded": loaded.get("remote_entry"),
        "widget_code_loaded": loaded.get("widget_code"),
        "data_loaded": loaded.get("data"),
        "content": raw["marks"]["content"],
    }
    return {key: value for key, value in points.items() if value is not None}


def request_spans(raw):
    """(start, end) of each of ``REQUESTS`` in one load: its first such request."""
    spans = {}
    for key, _, match in REQUESTS:
        found = [r for r in raw["resources"] if match(r)]
        if found:
            spans[key] = (found[0]["start"], found[0]["end"])
    return spans


def load_record(raw):
    """What results.json keeps of one load."""
    content = raw["marks"]["content"]
    # Bytes to the content: the document and every response complete by then.
    transferred = raw["navigation"]["bytes"] + sum(
        r["bytes"] for r in raw["resources"] if r["end"] <= content)
    return {
        "content_ms": content,
        # The main thread's longest task (>= 50 ms) up to the content: what a
        # click on the page may have had to wait for.
        "longest_task_ms": max((duration for start, duration in raw["long_tasks"] if start < content),
                               default=0),
        "python_start": raw["python_start"],  # "snapshot", "boot", or None (not on python.mjs)
        "first_paint_ms": raw["paint"].get("first-paint"),
        "fcp_ms": raw["paint"].get("first-contentful-paint"),
        "bytes": transferred,
        "milestones": milestones(raw),
        "requests": request_spans(raw),
        "resources": [[r["url"], round(r["start"], 1), round(r["end"], 1), r["bytes"]]
                      for r in raw["resources"]],
    }


# Pages on assets/python.mjs say how Python started; "boot" is followed by
# "boot, snapshot stored" once its worker stored the snapshot.
SNAPSHOT_SETTLED = "() => document.documentElement.dataset.pythonStart !== 'boot'"
SNAPSHOT_WAIT_MS = 20_000


class LoadFailed(RuntimeError):
    pass


# A variant failing this often is broken, not unlucky: its time goes to the others.
MAX_FAILURES = 2


def measure(browser, base_url, variant, timeout_ms):
    """A cold load in a fresh browser context, then a warm reload: two records.

    Every wait in it (navigation, content, collecting) ends by ``timeout_ms``."""
    context = browser.new_context()
    try:
        context.set_default_timeout(timeout_ms)
        context.add_init_script(INIT_SCRIPT % json.dumps(variant.content))
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        cold = _load(page, lambda: page.goto(base_url + variant.path, wait_until="commit"),
                     variant, timeout_ms, errors)
        # Let what the page still fetches land in the cache before the reload,
        # and its Python snapshot (assets/python.mjs) be stored, as they are
        # for a visitor who comes back; a page that keeps at it is reloaded as it is.
        with suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=min(5_000, timeout_ms))
        with suppress(PlaywrightTimeout):
            page.wait_for_function(SNAPSHOT_SETTLED, timeout=min(SNAPSHOT_WAIT_MS, timeout_ms),
                                   polling=100)
        warm = _load(page, lambda: page.reload(wait_until="commit"), variant, timeout_ms, errors)
    finally:
        context.close()
    return cold, warm


def _load(page, navigate, variant, timeout_ms, errors):
    navigate()
    try:
        page.wait_for_function("() => window.__bench && 'content' in window.__bench.marks",
                               timeout=timeout_ms, polling=100)
    except PlaywrightTimeout as exc:
        raise LoadFailed(f"{variant.name}: {variant.content} not visible within {timeout_ms} ms "
                         f"({variant.path}); page errors: {errors or 'none'}") from exc
    return load_record(page.evaluate(COLLECT))


def _measure_retrying_a_crash(browser, base_url, variant, timeout_ms):
    """``measure``, once more if the renderer crashed (a busy machine, not the page)."""
    try:
        return measure(browser, base_url, variant, timeout_ms)
    except PlaywrightError as exc:
        if "crashed" not in str(exc):
            raise
        print(f"  {variant.name}: {exc}; measuring it again", file=sys.stderr, flush=True)
        return measure(browser, base_url, variant, timeout_ms)


def run_pageload(browser, base_url, variants, runs, warmup, deadline, page_limit_s=60,
                 loads=None):
    """{variant name: {"cold": [record, ...], "warm": [...], "failures": [text, ...]}}.

    ``runs`` of each, fewer where a load failed or ``deadline`` came first.
    ``warmup`` rounds run first and are not recorded: the browser's first
    start and the server's first compression of each file are not the page's.
    Each load (cold and warm) gets ``page_limit_s``; a variant that failed
    ``MAX_FAILURES`` times is not loaded again. ``loads``, if given, is filled
    in as it goes, so that a caller keeps what was measured whatever happens.
    """
    loads = {} if loads is None else loads
    for variant in variants:
        loads[variant.name] = {"cold": [], "warm": [], "failures": []}
    for round_index in range(-warmup, runs):
        shift = round_index % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            failures = loads[variant.name]["failures"]
            if len(failures) >= MAX_FAILURES:
                continue
            try:
                cold, warm = _measure_retrying_a_crash(browser, base_url, variant,
                                                       deadline.limit_ms(page_limit_s))
            except OutOfTime:
                for variant_loads in loads.values():
                    if len(variant_loads["cold"]) < runs:
                        variant_loads["failures"].append(
                            f"out of time after {len(variant_loads['cold'])} of {runs} runs")
                print("  page load: out of time", file=sys.stderr, flush=True)
                return loads
            except (LoadFailed, PlaywrightError) as exc:
                failures.append(str(exc).splitlines()[0])
                print(f"  page load: {variant.name} failed: {failures[-1]}", file=sys.stderr,
                      flush=True)
                continue
            if round_index >= 0:
                loads[variant.name]["cold"].append(cold)
                loads[variant.name]["warm"].append(warm)
        what = "warm-up round" if round_index < 0 else f"round {round_index + 1}/{runs}"
        print(f"  page load: {what} done", file=sys.stderr, flush=True)
    return loads


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(records):
    """Medians of a list of load records (cold or warm); None for no records."""
    if not records:
        return None
    contents = [r["content_ms"] for r in records]
    milestone_keys = [key for key, _ in MILESTONES]
    request_keys = [key for key, _, _ in REQUESTS]
    return {
        "runs": len(records),
        "content_ms": median(contents),
        "content_min_ms": min(contents),
        "content_max_ms": max(contents),
        "first_paint_ms": median(r["first_paint_ms"] for r in records),
        "fcp_ms": median(r["fcp_ms"] for r in records),
        "longest_task_ms": median(r.get("longest_task_ms") for r in records),
        "from_snapshot": sum(r.get("python_start") == "snapshot" for r in records),
        "bytes": median(r["bytes"] for r in records),
        "milestones": {
            key: median(r["milestones"].get(key) for r in records)
            for key in milestone_keys
            if any(key in r["milestones"] for r in records)
        },
        "requests": {
            key: [median(r["requests"][key][0] for r in records if key in r["requests"]),
                  median(r["requests"][key][1] for r in records if key in r["requests"])]
            for key in request_keys
            if any(key in r["requests"] for r in records)
        },
    }
