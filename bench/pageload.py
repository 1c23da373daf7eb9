"""The page-load benchmark: from navigation to the widget's content, per variant.

    loads = run_pageload(browser, server_url, VARIANTS, runs=7, warmup=1,
                         deadline=Deadline(200))
    loads["mpy"]["cold"][0]["content_ms"]        # 731.4
    loads["mpy"]["cold"][0]["waterfall"]["token"]  # [1086.2, 1101.0]: sent, answered
    net = run_pageload(browser, server_url, VARIANTS[:3], runs=3, warmup=0,
                       deadline=Deadline(60), network=REAL_NETWORK)

Each load is measured inside the page, relative to its navigation start: an
init script (Playwright's ``add_init_script``, so the pages stay untouched)
records when the variant's content is first visible (a MutationObserver),
when PyScript's ``py:ready``/``mpy:ready`` fires and when the page called
``fetch`` for what; paint timing and resource timing give the rest, from
which ``waterfall`` lays out the first row's critical path. A cold load is a
fresh browser context (empty cache); the warm load is a reload in that
context. Rounds are interleaved: every round loads each variant once,
starting from a different one each round. With a ``Network``, Chromium
emulates it for both loads (DevTools' ``Network.emulateNetworkConditions``).
"""

import json
import statistics
import sys
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH, SELLER_PATH, TOKEN_PATH

from .budget import OutOfTime

ROW = '[data-testid="mr-row"]'  # ManageReturns' first return request
FLOOR_OUTPUT = "#python-wrote"  # what the floor page's Python writes
STDLIB_ZIP = "python_stdlib.zip"


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
# `fetch` is wrapped to note when each request was asked for (resource timing
# says when it was sent): a request the page preloaded is sent before anyone
# asks for it, and who asked when is what puts it on the first row's path.
INIT_SCRIPT = """(() => {
  if (window !== window.top) return;
  const CONTENT = %s;
  const marks = {};
  const fetches = [];
  window.__bench = { marks, fetches };
  const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
  const pageFetch = window.fetch;
  window.fetch = function (resource, options) {
    const url = resource instanceof Request ? resource.url : String(resource);
    fetches.push([new URL(url, location.href).href, performance.now()]);
    return pageFetch.apply(this, arguments);
  };
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
# (a floor page's only one) is in the paint timeline too; and again once the
# page's network is quiet (``late``), for what it started after the content.
COLLECT = """async (late) => {
  if (!late) await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const own = (url) => url.startsWith(location.origin) ? url.slice(location.origin.length) : url;
  const [navigation] = performance.getEntriesByType("navigation");
  return {
    python_start: document.documentElement.dataset.pythonStart ?? null,
    marks: window.__bench.marks,
    long_tasks: window.__bench.longTasks,
    fetches: window.__bench.fetches.map(([url, at]) => [own(url), at]),
    paint: Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime])),
    navigation: { end: navigation.responseEnd, bytes: navigation.transferSize },
    resources: performance.getEntriesByType("resource").map((e) => (
      { url: own(e.name), start: e.startTime, end: e.responseEnd, bytes: e.transferSize })),
  };
}"""


def _path(url):
    return urlsplit(url).path


def _is_interpreter(url):
    # Pyodide's and MicroPython's own files, and the compiled stdlib beside python.mjs.
    return ("/pyodide/v" in url or "/micropython-webassembly-pyscript@" in url
            or _path(url).endswith("/" + STDLIB_ZIP))


# The requests on the first row's path, by what they fetch (``url`` is the
# page's own path for its own origin, else the full URL).
REQUESTS = {
    "who_am_i": lambda url: _path(url).endswith(SELLER_PATH),
    "widget_kit": lambda url: "/@tiktokshop/widget-kit@" in url,
    "token": lambda url: TOKEN_PATH in url,
    "manifest": lambda url: _path(url).endswith("/manifest.json"),
    "widget_code": lambda url: _path(url).endswith(("/remote-entry.js", "/manage-returns.js")),
    "search": lambda url: "/returns/search" in url,
    "summary": lambda url: RETURNS_SUMMARY_PATH in url,
}

# The critical path to the first row, in the order its steps depend on each
# other: (key, label). Each step of a load is a (start, end) span in ms since
# navigation; a step's time "on the path" is how much later it ends than every
# step before it, so a step done in the shadow of another (a preloaded
# request, say) is on it for 0 ms.
WATERFALL = (
    ("html", "HTML document"),
    ("interpreter_files", "interpreter files (.mjs, .wasm, stdlib)"),
    ("interpreter_start", "interpreter start (to py:ready)"),
    ("app_imports", "the app's imports (to its first request)"),
    ("who_am_i", "who-am-I (GET " + SELLER_PATH + ")"),
    ("widget_kit_init", "widget-kit in and init (to its first request)"),
    ("token", "token (GET " + TOKEN_PATH + ")"),
    ("widget_entry", "widget entry (manifest, remote entry, code)"),
    ("first_search", "the widget's first search"),
    ("first_row", "first row visible"),
)


def waterfall(raw):
    """{step: (start, end)} of one load, for the ``WATERFALL`` steps it went through.

    Requests are the first of their kind, from resource timing (sent) and the
    page's ``fetch`` calls (asked for); a request asked for after it was sent
    (a preload) is on the path from when it was asked."""
    content = raw["marks"]["content"]
    ready = raw["marks"].get("python_ready")
    sent = {key: None for key in REQUESTS}
    for resource in raw["resources"]:
        for key, match in REQUESTS.items():
            if sent[key] is None and match(resource["url"]):
                sent[key] = (resource["start"], resource["end"])
    asked = {key: min((at for url, at in raw["fetches"] if match(url)), default=None)
             for key, match in REQUESTS.items()}
    steps = {"html": (0.0, raw["navigation"]["end"])}
    interpreter = [r for r in raw["resources"] if _is_interpreter(r["url"])]
    if interpreter:
        files_end = max(r["end"] for r in interpreter)
        steps["interpreter_files"] = (min(r["start"] for r in interpreter), files_end)
        if ready is not None:
            steps["interpreter_start"] = (files_end, ready)
    # PyScript fetches the script's own src after py:ready: the app's Python, not a request of it.
    first_after_ready = min((at for url, at in raw["fetches"]
                             if ready is not None and at >= ready and not _path(url).endswith(".py")),
                            default=None)
    if ready is not None and first_after_ready is not None and first_after_ready < content:
        steps["app_imports"] = (ready, first_after_ready)
    if sent["who_am_i"]:
        steps["who_am_i"] = sent["who_am_i"]
    # widget-kit's init is followed at once by its first request (the manifest,
    # by preloadWidget) or the page's first token request, whichever comes first.
    init = min((at for at in (asked["manifest"], asked["token"]) if at is not None), default=None)
    if sent["widget_kit"] and init is not None:
        steps["widget_kit_init"] = (sent["widget_kit"][0], init)
    if sent["token"]:
        steps["token"] = sent["token"]
    entry = [span for span in (sent["manifest"], *_all_spans(raw, "widget_code")) if span]
    if entry:
        steps["widget_entry"] = (min(s for s, _ in entry), max(e for _, e in entry))
    if sent["search"]:
        steps["first_search"] = sent["search"]
        steps["first_row"] = (sent["search"][1], content)
    else:
        steps["first_row"] = (max(end for _, end in steps.values()), content)
    return steps


def _all_spans(raw, key):
    return [(r["start"], r["end"]) for r in raw["resources"] if REQUESTS[key](r["url"])]


def on_path(steps):
    """{step: ms it adds to the first row's path}: how much later than every
    step before it (in ``WATERFALL`` order) it ends."""
    latest, added = 0.0, {}
    for key, _ in WATERFALL:
        if key in steps:
            added[key] = max(0.0, steps[key][1] - latest)
            latest = max(latest, steps[key][1])
    return added


def after_first_row(raw):
    """[(path, ms after the first row it was asked for)] of the requests the page
    asked for (or sent) after the content showed, and the summary's whenever it
    was asked for (negative: before). Asked for, from the page's ``fetch`` calls:
    one still under way when the page is looked at has no resource timing yet."""
    content = raw["marks"]["content"]
    first = {}
    for url, at in [*raw["fetches"], *((r["url"], r["start"]) for r in raw["resources"])]:
        path = _path(url)
        first[path] = min(at, first.get(path, at))
    return [(path, round(at - content, 1)) for path, at in first.items()
            if at > content or path.endswith(RETURNS_SUMMARY_PATH)]


def load_record(raw, late=None):
    """What results.json keeps of one load (``late``: collected again once its
    network was quiet, for what it sent after the content)."""
    content = raw["marks"]["content"]
    # Bytes to the content: the document and every response complete by then.
    transferred = raw["navigation"]["bytes"] + sum(
        r["bytes"] for r in raw["resources"] if r["end"] <= content)
    steps = waterfall(raw)
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
        "waterfall": {key: [round(start, 1), round(end, 1)] for key, (start, end) in steps.items()},
        # More than one: the page's preload of it went unused.
        "who_am_i_requests": sum(REQUESTS["who_am_i"](r["url"]) for r in raw["resources"]),
        "after_first_row": after_first_row(late or raw),
        "resources": [[r["url"], round(r["start"], 1), round(r["end"], 1), r["bytes"]]
                      for r in (late or raw)["resources"]],
    }


# Pages on assets/python.mjs say how Python started; "boot" is followed by
# "boot, snapshot stored" once its worker stored the snapshot.
SNAPSHOT_SETTLED = "() => document.documentElement.dataset.pythonStart !== 'boot'"
SNAPSHOT_WAIT_MS = 20_000


class LoadFailed(RuntimeError):
    pass


# A variant failing this often is broken, not unlucky: its time goes to the others.
MAX_FAILURES = 2


@dataclass(frozen=True)
class Network:
    """A network Chromium emulates for the page (DevTools' Network.emulateNetworkConditions)."""
    name: str
    label: str
    latency_ms: float  # added to each request's round trip
    down_mbit: float
    up_mbit: float

    def conditions(self):
        return {"offline": False, "latency": self.latency_ms,
                "downloadThroughput": self.down_mbit * 1_000_000 / 8,
                "uploadThroughput": self.up_mbit * 1_000_000 / 8}


# The "real network": a good home connection's round trip and bandwidth.
REAL_NETWORK = Network("net", "40 ms round trip, 20 Mbit/s down, 5 up", 40, 20, 5)


def measure(browser, base_url, variant, timeout_ms, network=None, warm=True):
    """A cold load in a fresh browser context, then a warm reload: two records
    (the second None if not ``warm``).

    Every wait in it (navigation, content, collecting) ends by ``timeout_ms``.
    ``network``: a ``Network`` to emulate (both loads), else localhost as it is."""
    context = browser.new_context()
    try:
        context.set_default_timeout(timeout_ms)
        context.add_init_script(INIT_SCRIPT % json.dumps(variant.content))
        page = context.new_page()
        if network is not None:
            devtools = context.new_cdp_session(page)
            devtools.send("Network.enable")
            devtools.send("Network.emulateNetworkConditions", network.conditions())
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        cold = _load(page, lambda: page.goto(base_url + variant.path, wait_until="commit"),
                     variant, timeout_ms, errors)
        if not warm:
            return load_record(cold), None
        # Let what the page still fetches land in the cache before the reload,
        # and its Python snapshot (assets/python.mjs) be stored, as they are
        # for a visitor who comes back; a page that keeps at it is reloaded as it is.
        with suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=min(5_000, timeout_ms))
        # What the page sent after its content (the work it put off until then).
        cold = load_record(cold, late=page.evaluate(COLLECT, True))
        with suppress(PlaywrightTimeout):
            page.wait_for_function(SNAPSHOT_SETTLED, timeout=min(SNAPSHOT_WAIT_MS, timeout_ms),
                                   polling=100)
        warm = load_record(_load(page, lambda: page.reload(wait_until="commit"), variant,
                                 timeout_ms, errors))
    finally:
        context.close()
    return cold, warm


def _load(page, navigate, variant, timeout_ms, errors):
    """What COLLECT gathered of the page, once its content showed."""
    navigate()
    try:
        page.wait_for_function("() => window.__bench && 'content' in window.__bench.marks",
                               timeout=timeout_ms, polling=100)
    except PlaywrightTimeout as exc:
        raise LoadFailed(f"{variant.name}: {variant.content} not visible within {timeout_ms} ms "
                         f"({variant.path}); page errors: {errors or 'none'}") from exc
    return page.evaluate(COLLECT, False)


def _measure_retrying_a_crash(browser, base_url, variant, timeout_ms, network, warm):
    """``measure``, once more if the renderer crashed (a busy machine, not the page)."""
    try:
        return measure(browser, base_url, variant, timeout_ms, network, warm)
    except PlaywrightError as exc:
        if "crashed" not in str(exc):
            raise
        print(f"  {variant.name}: {exc}; measuring it again", file=sys.stderr, flush=True)
        return measure(browser, base_url, variant, timeout_ms, network, warm)


def run_pageload(browser, base_url, variants, runs, warmup, deadline, page_limit_s=60,
                 loads=None, network=None):
    """{variant name: {"cold": [record, ...], "warm": [...], "failures": [text, ...]}}.

    ``runs`` of each, fewer where a load failed or ``deadline`` came first.
    ``warmup`` rounds of cold loads run first and are not recorded: the
    browser's first start and the server's first compression of each file are
    not the page's.
    Each load (cold and warm) gets ``page_limit_s``; a variant that failed
    ``MAX_FAILURES`` times is not loaded again. ``loads``, if given, is filled
    in as it goes, so that a caller keeps what was measured whatever happens.
    ``network``: a ``Network`` to emulate, else localhost as it is.
    """
    loads = {} if loads is None else loads
    where = f"page load ({network.name})" if network else "page load"
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
                                                       deadline.limit_ms(page_limit_s), network,
                                                       warm=round_index >= 0)
            except OutOfTime:
                for variant_loads in loads.values():
                    if len(variant_loads["cold"]) < runs:
                        variant_loads["failures"].append(
                            f"out of time after {len(variant_loads['cold'])} of {runs} runs")
                print(f"  {where}: out of time", file=sys.stderr, flush=True)
                return loads
            except (LoadFailed, PlaywrightError) as exc:
                failures.append(str(exc).splitlines()[0])
                print(f"  {where}: {variant.name} failed: {failures[-1]}", file=sys.stderr,
                      flush=True)
                continue
            if round_index >= 0:
                loads[variant.name]["cold"].append(cold)
                loads[variant.name]["warm"].append(warm)
        what = "warm-up round" if round_index < 0 else f"round {round_index + 1}/{runs}"
        print(f"  {where}: {what} done", file=sys.stderr, flush=True)
    return loads


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """{median, min, max, q1, q3} of the values given (None ones left out), or None.

    Quartiles by the inclusive method: with 3 runs, q1 and q3 are the midpoints
    between the middle run and each outer one."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 \
        else (values[0],) * 3
    return {"median": statistics.median(values), "min": values[0], "max": values[-1],
            "q1": q1, "q3": q3, "runs": len(values)}


def summarize(records):
    """Medians (and spreads) of a list of load records (cold or warm); None for no records."""
    if not records:
        return None
    contents = [r["content_ms"] for r in records]
    steps = [key for key, _ in WATERFALL]
    summary_starts = [ms for r in records for path, ms in r.get("after_first_row", ())
                      if path.endswith(RETURNS_SUMMARY_PATH)]
    return {
        "runs": len(records),
        "content_ms": median(contents),
        "content_min_ms": min(contents),
        "content_max_ms": max(contents),
        "content_spread": spread(contents),
        "first_paint_ms": median(r["first_paint_ms"] for r in records),
        "fcp_ms": median(r["fcp_ms"] for r in records),
        "fcp_spread": spread(r["fcp_ms"] for r in records),
        "longest_task_ms": median(r.get("longest_task_ms") for r in records),
        "from_snapshot": sum(r.get("python_start") == "snapshot" for r in records),
        "bytes": median(r["bytes"] for r in records),
        "waterfall": {
            key: [median(r["waterfall"][key][0] for r in records if key in r["waterfall"]),
                  median(r["waterfall"][key][1] for r in records if key in r["waterfall"])]
            for key in steps if any(key in r["waterfall"] for r in records)
        },
        "who_am_i_requests": max((r.get("who_am_i_requests", 0) for r in records), default=0),
        # The summary request, ms after the first row it was sent (negative: before it).
        "summary_after_row": spread(summary_starts),
        "summary_before_row_runs": sum(ms < 0 for ms in summary_starts),
        # Other requests sent after the first row, by path: in how many runs.
        "after_first_row": _counted(path for r in records
                                    for path in {p for p, ms in r.get("after_first_row", ()) if ms > 0}),
    }


def _counted(paths):
    counts = {}
    for path in paths:
        counts[path] = counts.get(path, 0) + 1
    return counts
