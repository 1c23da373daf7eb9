"""The live-feed benchmark: a new return request on an open page within a second, and
what an idle open page costs TikTok.

    runs = run_live(browser, server_url, requests=20, deadline=Deadline(100))
    runs["py"]["latency_ms"]          # [412.0, 380.5, ...]: created in the sandbox -> badge
    summarize(runs["py"])["p95_ms"]   # 480.2
    runs["py"]["idle_searches"]       # 0: Return API searches in an idle hour, stream up
    runs["py"]["refused_searches"]    # 20: the same hour with the stream refused (the control)

Each interpreter ("py": Pyodide, "mpy": MicroPython) opens the demo app on its
Returns tab, as pageload.py does, twice, in a browser context of its own (the
second page loads warm) on Playwright's fake clock (``clock.install``, set to the
server's time before each page), each page a session of its own. An init
script (the pages stay untouched) wraps ``EventSource`` to note when the page's
event stream opened or failed, and ``fetch`` to count the page's requests; the
app says nothing of its stream in the DOM. Once the first row shows, the stream
is up and the page's requests are done:

Latency: ``requests`` times, the page itself creates a return request through
the sandbox's control (``POST /sandbox/control/returns`` for its current shop:
the sandbox's webhook goes to the backend, which pushes ``returns`` on the
stream) and a MutationObserver notes when the Returns tab's badge shows the new
count, both on the page's ``performance.now()`` (the fake clock runs at the real
one's pace until moved). A request the badge has not shown within
``LATENCY_WAIT_S`` is missed: it counts as infinitely late.

Idle searches: the sandbox counts the Open API calls it receives (``GET
/sandbox/control/calls``). The same page then lives an hour in ``STEP_S``
steps, the server's clock (the backend's summary cache, the sandbox's) and the
page's (its timers, the summary poll) moved on together. Counted: the Return API
searches from then to the end of the hour (the first row's, the app's first
summary's and the latency's are before). The control, the first page: the same
hour on a page whose event stream the backend refuses (503), as when it is down:
the page polls its summary every few minutes, and each poll is a search (or
more: the backend's summary pages through the shop's returns, 50 a search, so
the controls run before the latency adds requests). The hours move the server's
clock on: this part runs last.
"""

import math
import sys
import time

import httpx2 as httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tiktokshop_protocol import RETURNS_SEARCH_PATH
from tiktokshop_widgets.backend import EVENTS_PATH, SELLER_PATH

from .budget import OutOfTime
from .pageload import ROW, spread
from .report import FAILED, Target, _ms, _table, spread_text

# Interpreter (its key in the last line) -> the app's Returns tab on it.
APPS = {"py": "/#returns", "mpy": "/?interpreter=micropython#returns"}
SEARCH = "POST " + RETURNS_SEARCH_PATH  # the sandbox's name for the Return API search
CONTROL = "/sandbox/control/"
LATENCY_WAIT_S = 10  # ten times the target: later than this is a miss
LATENCY_LIMIT_MS = 1000  # the target: p95 <= 1 s
IDLE_SEARCHES_LIMIT = 0  # the target: none while the stream is up
HOUR_S = 3600
# The backend caches a summary for 60 s of its clock: steps no longer than that let
# every poll the page makes reach TikTok, as it would in an hour of real time.
STEP_S = 60

INIT_SCRIPT = """(() => {
  if (window !== window.top) return;
  const live = { opened: 0, failed: 0, started: 0, inflight: 0, badge: [] };
  window.__live = live;
  const PageEventSource = window.EventSource;
  window.EventSource = class extends PageEventSource {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => { live.opened += 1; });
      this.addEventListener("error", () => { live.failed += 1; });
    }
  };
  const pageFetch = window.fetch;
  window.fetch = function () {
    live.started += 1;
    live.inflight += 1;
    return pageFetch.apply(this, arguments).finally(() => { live.inflight -= 1; });
  };
})();"""

# From now on, each change of the badge's count: [performance.now(), the count shown].
WATCH_BADGE = """() => {
  const count = document.getElementById("returns-badge-count");
  new MutationObserver(() => window.__live.badge.push([performance.now(), count.textContent]))
    .observe(count, { childList: true, characterData: true, subtree: true });
  return count.textContent;
}"""
# A new return request for the shop, as the sandbox's control page adds one: when.
CREATE = """async ([url, shopId]) => {
  const created = performance.now();
  const reply = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
                                   body: JSON.stringify({ shop_id: shopId }) });
  if (!reply.ok) throw new Error(`the sandbox did not add a request: ${reply.status}`);
  return created;
}"""
BADGE_SHOWS = """([from, count]) => window.__live.badge.slice(from)
  .find(([at, text]) => Number(text) >= count) || null"""
STREAM_UP = "() => window.__live.opened > 0"
STREAM_REFUSED = "() => window.__live.failed > 0"
QUIET = "() => window.__live.inflight === 0"
# Quiet, and for SETTLE_MS no request started: what a timer that just fired (the
# summary poll's) sets off takes a few turns of the page's event loop to reach fetch.
# True once settled, false if the page never was within ``tries``.
SETTLE_MS = 250
SETTLED = """async ([ms, tries]) => {
  for (let i = 0; i < tries; i++) {
    const started = window.__live.started;
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (window.__live.inflight === 0 && window.__live.started === started) return true;
  }
  return false;
}"""


def run_live(browser, base_url, requests, deadline, apps=tuple(APPS), page_limit_s=60,
             runs=None):
    """{app: {"latency_ms": [ms or None (missed), ...], "idle_searches": n or None,
    "refused_searches": n or None, "stream_drops": n or None, "failures": [why, ...]}}.

    ``runs``, if given, is filled in as it goes, so that a caller keeps what was
    measured whatever happens. Each page gets ``page_limit_s`` to its first row
    and its stream, and to each step of its hour; every wait ends by ``deadline``."""
    runs = {} if runs is None else runs
    contexts = {}
    try:
        with httpx.Client(base_url=base_url + CONTROL, timeout=30) as control:
            for app in apps:
                runs[app] = {"latency_ms": [], "idle_searches": None, "refused_searches": None,
                             "stream_drops": None, "failures": []}
                contexts[app] = browser.new_context()
                contexts[app].add_init_script(INIT_SCRIPT)
                contexts[app].clock.install(time=_control(control, "clock", {"advance": 0})["now"])
            # The controls first: the latency's requests make the shop's searches longer.
            for refused in (True, False):
                for app in apps:
                    _measure(contexts[app], control, base_url, app, requests, deadline,
                             page_limit_s, runs[app], refused)
    finally:
        for context in contexts.values():
            context.close()
    return runs


class MeasureFailed(RuntimeError):
    pass


def _measure(context, control, base_url, app, requests, deadline, page_limit_s, run, refused):
    """A page on the server's time and in a session of its own (the backend's per-session
    rate limit counts each page's requests apart; the browser's cache is the context's):
    the latency (its stream up), then the idle hour; a failure noted in ``run``."""
    what = f"{app}, the stream {'refused' if refused else 'up'}"
    started = time.monotonic()
    try:
        context.clear_cookies()
        context.clock.set_system_time(_control(control, "clock", {"advance": 0})["now"])
        page = _open(context, base_url, APPS[app], deadline, page_limit_s, refused)
        try:
            if not refused:
                run["latency_ms"] += _latencies(page, base_url, requests, deadline)
                _settle(page, deadline, page_limit_s)
            _idle_hour(page, control, deadline, page_limit_s, run, refused)
        finally:
            page.close()
    except (OutOfTime, PlaywrightError, httpx.HTTPError, MeasureFailed) as exc:
        run["failures"].append(f"{what}: {str(exc).splitlines()[0]}")
        print(f"  live: {run['failures'][-1]}", file=sys.stderr, flush=True)
        return
    print(f"  live: {what} done in {time.monotonic() - started:.0f} s", file=sys.stderr,
          flush=True)


def _control(client, name, body=None):
    reply = client.post(name, json=body) if body is not None else client.get(name)
    reply.raise_for_status()
    return reply.json()


def _open(context, base_url, path, deadline, page_limit_s, refused=False):
    """A page of ``context`` on ``path``, its first row shown and its event stream up
    (``refused``: refused, as a backend that is down refuses it), its requests settled;
    opened once more if the renderer crashed (a busy machine, not the page)."""
    try:
        return _open_once(context, base_url, path, deadline, page_limit_s, refused)
    except PlaywrightError as exc:
        if "crashed" not in str(exc):
            raise
        print(f"  live: {path}: {str(exc).splitlines()[0]}; opening it again", file=sys.stderr,
              flush=True)
        return _open_once(context, base_url, path, deadline, page_limit_s, refused)


def _open_once(context, base_url, path, deadline, page_limit_s, refused):
    page = context.new_page()
    stream = STREAM_REFUSED if refused else STREAM_UP
    waits = (("the page", lambda ms: page.goto(base_url + path, wait_until="commit", timeout=ms)),
             ("the first row", lambda ms: page.wait_for_selector(ROW, timeout=ms)),
             (f"the event stream {'refused' if refused else 'up'}",
              lambda ms: page.wait_for_function(stream, polling=50, timeout=ms)),
             ("the page's requests done", lambda ms: _settle(page, deadline, ms / 1000)))
    try:
        if refused:
            page.route("**" + EVENTS_PATH, lambda route: route.fulfill(
                status=503, json={"code": 50301, "message": "busy", "data": None}))
        for what, wait in waits:
            limit_ms = deadline.limit_ms(page_limit_s)
            try:
                wait(limit_ms)
            except PlaywrightTimeout as exc:
                raise MeasureFailed(f"{path}: {what} not seen within {limit_ms} ms") from exc
    except BaseException:
        page.close()
        raise
    return page


def _settle(page, deadline, limit_s):
    """Once the page's requests are done and no new one starts for a moment."""
    page.wait_for_function(QUIET, polling=50, timeout=deadline.limit_ms(limit_s))
    tries = max(1, deadline.limit_ms(limit_s) // SETTLE_MS)
    if not page.evaluate(SETTLED, [SETTLE_MS, tries]):
        raise MeasureFailed(f"the page kept sending requests for {limit_s} s")


def _latencies(page, base_url, requests, deadline):
    shop_id = _current_shop(page, base_url)
    shown = int(page.evaluate(WATCH_BADGE) or 0)
    latencies = []
    for index in range(requests):
        seen = page.evaluate("() => window.__live.badge.length")
        created = page.evaluate(CREATE, [base_url + CONTROL + "returns", shop_id])
        try:
            at, _ = page.wait_for_function(
                BADGE_SHOWS, arg=[seen, shown + index + 1], polling=10,
                timeout=deadline.limit_ms(LATENCY_WAIT_S)).json_value()
        except PlaywrightTimeout:
            latencies.append(None)
            continue
        latencies.append(at - created)
    return latencies


def _current_shop(page, base_url):
    """The shop the page shows: the seller's current one (the page's session cookie)."""
    reply = page.request.get(base_url + SELLER_PATH)
    if not reply.ok:
        raise MeasureFailed(f"GET {SELLER_PATH}: {reply.status}")
    return reply.json()["data"]["current_shop_id"]


def _idle_hour(page, control, deadline, page_limit_s, run, refused):
    """An hour of the open page, nobody touching it, on its clock and the server's."""
    before = _control(control, "calls")["open_api"].get(SEARCH, 0)
    drops = page.evaluate("() => window.__live.failed")
    limited = []
    page.on("response", lambda response: limited.append(response.url)
            if response.status == 429 else None)
    for _ in range(HOUR_S // STEP_S):
        _control(control, "clock", {"advance": STEP_S})
        page.clock.fast_forward(STEP_S * 1000)
        page.wait_for_function(QUIET, polling=20, timeout=deadline.limit_ms(page_limit_s))
    _settle(page, deadline, page_limit_s)  # the last poll's request too
    searches = _control(control, "calls")["open_api"].get(SEARCH, 0) - before
    drops = page.evaluate("() => window.__live.failed") - drops
    if refused:
        run["refused_searches"] = searches
    else:
        run["idle_searches"] = searches
        run["stream_drops"] = drops
    if limited:  # the hour ran in seconds: a real one would not have been
        run["failures"].append(f"{'refused' if refused else 'idle'} hour: the backend rate-"
                               f"limited {len(limited)} of the page's requests (429)")


def percentile(values, percent):
    """The nearest-rank percentile (the smallest value at least ``percent``% of the values
    are at or under), or None for no values; a missed request (None) is later than any."""
    ordered = sorted(math.inf if value is None else value for value in values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def summarize(run):
    """p50 and p95 of the latencies (``math.inf`` if a missed request is among them), their
    spread (of the requests the badge showed), and how many were missed."""
    latencies = run["latency_ms"]
    return {"requests": len(latencies), "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "missed": sum(latency is None for latency in latencies),
            "spread": spread(latencies)}


def table(runs, requests):
    """The live part's table: latency per interpreter, and the idle hour's searches."""
    header = ["interpreter", "requests", "p50 ms", "p95 ms", "spread (IQR, min-max)", "missed",
              "searches/h, stream up", "stream refused (control)"]
    rows, problems = [], []
    for app, run in runs.items():
        problems += [f"  {app}: {why}" for why in run["failures"]]
        s = summarize(run)
        rows.append([app, str(s["requests"]) if s["requests"] else FAILED,
                     _ms_or_inf(s["p50_ms"]), _ms_or_inf(s["p95_ms"]), spread_text(s["spread"]),
                     str(s["missed"]), _count(run["idle_searches"]),
                     _count(run["refused_searches"])])
    title = (f"Live feed: {requests} return requests created in the sandbox, each until the "
             "open Returns tab's badge shows it (ms; missed: not within "
             f"{LATENCY_WAIT_S} s); Return API searches (TikTok's count) in an hour of an idle "
             "open page after its first row, its event stream up, and the same hour with "
             "the stream refused (the summary poll's: what the first figure would show "
             "without the stream)")
    return (title + "\n" + _table(header, rows)
            + ("\nFailed:\n" + "\n".join(problems) if problems else ""))


def _count(value):
    return FAILED if value is None else str(value)


def _ms_or_inf(value):
    return "-" if value is None else "inf" if value == math.inf else _ms(value)


class PercentileTarget(Target):
    """A percentile of the requests against its limit: too noisy to judge (``Target``'s
    rule) only when the requests fell on both sides of the limit; all under it, or all
    over it, the verdict stands whatever their spread."""

    @property
    def noisy(self):
        latency = self.spreads.get("latency")
        if latency and self.limit is not None and (latency["max"] <= self.limit
                                                   or latency["min"] > self.limit):
            return []
        return super().noisy


def targets(runs):
    """The issue's targets: p95 <= 1 s, and no search in an idle hour while the stream is up.

    An idle hour whose control (the stream refused) counted no search either proves
    nothing: it is not judged."""
    found = []
    for app, run in runs.items():
        s = summarize(run)
        found.append(PercentileTarget(
            f"a new return request on the open page's badge, p95 <= {LATENCY_LIMIT_MS} ms, {app}",
            s["p95_ms"], LATENCY_LIMIT_MS,
            note=f"p50 {_ms_or_inf(s['p50_ms'])} ms, {s['requests']} requests"
                 + (f", {s['missed']} missed" if s["missed"] else ""),
            spreads={"latency": s["spread"]} if s["spread"] else {}))
        idle, control = run["idle_searches"], run["refused_searches"]
        notes = [f"with the stream refused: {_count(control)}"]
        if run["stream_drops"]:
            notes.append(f"the stream dropped {run['stream_drops']} times meanwhile")
        if control == 0:
            notes.append("the control counted none either: not judged")
        found.append(Target(
            f"Return API searches per idle hour with the stream up <= {IDLE_SEARCHES_LIMIT}, {app}",
            None if control == 0 else idle, IDLE_SEARCHES_LIMIT, unit="/h",
            note="; ".join(notes)))
    return found


def pairs(runs, requests):
    """The last line's ``live_`` and ``idle_`` keys: ``live_latency_p50_ms_<app>``,
    ``live_latency_p95_ms_<app>`` (``inf``: a request missed; ``failed``: none measured),
    ``idle_searches_per_hour_<app>``, ``idle_searches_per_hour_refused_<app>`` (the
    control), ``live_requests``."""
    found = {}
    for app, run in runs.items():
        s = summarize(run)
        for name in ("p50", "p95"):
            value = s[f"{name}_ms"]
            found[f"live_latency_{name}_ms_{app}"] = FAILED if value is None else value
        found[f"idle_searches_per_hour_{app}"] = _count(run["idle_searches"])
        found[f"idle_searches_per_hour_refused_{app}"] = _count(run["refused_searches"])
    if runs:
        found["live_requests"] = requests
    return found
