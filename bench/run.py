#!/usr/bin/env python3
"""Benchmark the PyScript integration against TikTok's native-JS one.

    .venv/bin/python bench/run.py                  # everything: at most --time-limit (275 s)
    .venv/bin/python bench/run.py --quick          # fewer runs of everything (~3.5 minutes)
    .venv/bin/python bench/run.py --runs 3 --variants native,mpy --net-runs 0 --no-lifecycle
    .venv/bin/python bench/run.py --lifecycle --cycles 500
    .venv/bin/python bench/run.py --live --live-requests 5    # the live feed only
    .venv/bin/python bench/run.py --url http://127.0.0.1:8000   # a serve.py already running

(``python bench/run.py`` with the .venv active.) It starts its own serve.py
(the default ``--cdn mirror`` mode, a fresh data dir), so every byte comes from
localhost, and drives Chromium (the one the end-to-end tests use) with
Playwright. It prints tables (page load, the first row's critical path, the
work put off until after it, the same on an emulated network, tab response,
lifecycle, targets met, missed or too noisy to judge), writes
``bench/results.json`` (every run, every resource) and ``bench/results.png``
(the medians, the critical paths and the lifecycle's course), and ends with
one line of ``key=value`` pairs. Progress goes to stderr.

Page load (``pageload.py``), ``--runs`` cold and warm loads of each variant,
interleaved round by round after ``--warmup`` unrecorded rounds:

- native: ``/examples/native.html``, TikTok's native-JS integration (the reference);
- pyodide: the app's Returns tab, ``/#returns``;
- mpy: the same on MicroPython, ``/?interpreter=micropython#returns``;
- pyodide_floor, mpy_floor: ``bench/pages/floor.html``, a PyScript page whose
  Python only writes one element: what the interpreter costs by itself.

A cold load is a fresh browser context; the warm one reloads it. Measured in
the page, in ms since its navigation started: when the content is first
visible (the widget's first ``[data-testid="mr-row"]``, or the floor's element),
first paint and first contentful paint, when Python is ready, when the page
asked for each request (its ``fetch`` calls) and, from resource timing, when
each was sent and answered, and the bytes transferred up to the content
(document included). From those, each load's critical path to the first row
(``pageload.WATERFALL``): interpreter files, interpreter start, the app's
imports, who-am-I, widget-kit init, token, widget entry, the widget's first
search, first row; each step's span and how much of it is on the path (how
much later it ends than every step before it: a preloaded request is on it
for 0 ms). Requests asked for after the first row (the returns summary) are
listed as such, with how long after it; one before it is flagged as on the path.

Medians are printed with their spread (interquartile range, its share of the
median, and min-max) and judged against the targets, each against its
reference measured in this same run: MicroPython app cold <= 1.5x native
cold, Pyodide app cold <= 0.5x the stock Pyodide floor cold, Pyodide app warm
<= 4x native warm, the shell's first contentful paint <= 200 ms on either
interpreter. A target whose figures have an IQR over 50% of their median is
"NOISY": too noisy to judge, neither met nor missed; fewer than 7 runs give a
verdict marked indicative.

The emulated network (``--net-runs`` cold and warm loads of native, pyodide,
mpy and pyodide_floor): the same loads with Chromium's network emulation
(DevTools' ``Network.emulateNetworkConditions``: 40 ms round trip, 20 Mbit/s
down, 5 up), each variant's critical path and bytes before the first row.
Targets there: MicroPython app cold <= 2x native cold, Pyodide app cold <=
0.6x the stock Pyodide floor cold, either app warm <= 4x native warm.

Lifecycle (``lifecycle.py``): ``bench/pages/lifecycle.html`` mounts and
unmounts ManageReturns ``--cycles`` times in one page on each interpreter,
``lifecycle-native.html`` does the same from JS as the control; reported are
the per-cycle times (mount, first row visible, unmounted), the DOM node count,
the library's live FFI proxies, and the JS heap after a forced GC, before and
after the cycles (target: growth < 5%) and over the second half (a leak keeps
growing there; warm-up levels off).

Tab response (``tabs.py``): ``--tab-loads`` more cold loads of each app
variant, each in a browser of its own, clicking the tabs while Python starts:
how long each click waited to be answered (target: within 100 ms), with each
load's worst click and the longest main-thread task of the page loads.

Live feed (``live.py``), last, as it moves the server's clock: on each
interpreter, ``--live-requests`` return requests created in the sandbox, each
until the open Returns tab's badge shows it (p50, p95; target: p95 <= 1 s),
then the Return API searches TikTok counts in an hour of an idle open page
(Playwright's clock and the server's moved on together), its event stream up
(target: 0) and, as the control, refused (the summary poll's ~20).

It never hangs: each load gets 60 s, each lifecycle page 60 s to its first
cycle and 15 s for every next one, and the whole run ``--time-limit``, of
which each later part (network, tabs, lifecycle) keeps its share; what fails
or runs out of time is reported as failed (in the tables, and as
``<variant>_ms=failed`` or ``<interpreter>_lifecycle=failed`` in the last
line), and ``results.json`` holds everything measured until then, whatever
stopped the run.

The last line's keys: ``<variant>_ms`` (cold content medians), ``<variant>_warm_ms``,
``<app>_fcp_ms``, ``mpy_vs_native``, ``pyodide_vs_floor``, ``pyodide_over_floor_ms``,
``pyodide_warm_vs_native``, ``<app>_kb``, ``<app>_longest_task_ms``,
``<app>_tab_max_ms``, ``<app>_tab_median_ms``, ``runs``, and for the lifecycle
``<interpreter>_cycle_ms``, ``_heap_growth_pct``, ``_proxies_left``, ``_lifecycle``;
since round two also ``mpy_warm_vs_native``, ``<variant>[_warm]_iqr_pct`` (the
IQR as % of the median), ``<app>_whoami_on_path_ms``,
``<app>_summary_after_row_ms`` (negative: before the first row),
``net_<variant>_ms``, ``net_<variant>_warm_ms``, ``net_<variant>_kb``,
``net_<variant>_iqr_pct``, ``net_mpy_vs_native``, ``net_pyodide_vs_floor``,
``net_<app>_warm_vs_native``, ``net_runs``, and ``targets_met``,
``targets_missed``, ``targets_noisy``; since round three (``live.pairs``)
``live_latency_p50_ms_<py|mpy>``, ``live_latency_p95_ms_<py|mpy>``,
``idle_searches_per_hour_<py|mpy>``, ``idle_searches_per_hour_refused_<py|mpy>``,
``live_requests``.
Needs the ``bench`` packages (matplotlib) besides the test ones.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from playwright.sync_api import sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from bench import live, report  # noqa: E402
from bench.lifecycle import run_lifecycle  # noqa: E402
from bench.budget import Deadline  # noqa: E402
from bench.pageload import REAL_NETWORK, VARIANTS, run_pageload, summarize  # noqa: E402
from bench.tabs import run_tab_response  # noqa: E402
from testsupport.browser import launch_args  # noqa: E402
from testsupport.servers import run_server  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
# `./dev bench` ends within 5 minutes: this, plus starting and reporting (~20 s).
TIME_LIMIT_S = 275
# Shares of the time limit kept from the page loads on localhost for the
# later parts: the loads on the emulated network, the tab-response loads
# (TAB_LOADS cold loads of each app variant, 10-20 s) and the lifecycle (three
# pages of 210 cycles, 20-30 s on a quiet machine); each gets more if the earlier
# ones end sooner. Kept to what they need on a quiet machine, so that the page
# loads get their 7 rounds (~16 s a round there): with the shares of a busy
# machine they got 3 of 7 on a quiet one while 70 s went unused at the end.
NETWORK_SHARE = 0.22
TAB_SHARE = 0.07
LIFECYCLE_SHARE = 0.11
# The live feed, last: four page loads, 2 x 20 requests and four page hours (~25 s on a
# quiet machine, 40-85 s on a busy one; --quick: 5 requests), whatever the other parts'
# sizes: a share of the time limit, but no less than LIVE_MINIMUM_S (or a third of a
# short limit).
LIVE_SHARE = 0.12
LIVE_MINIMUM_S = 30
MINIMUM_TIME_LIMIT_S = 100
TAB_LOADS = 3
TAB_VARIANTS = ("pyodide", "mpy")
# On the emulated network: the variants its targets compare.
NETWORK_VARIANTS = ("native", "pyodide", "mpy", "pyodide_floor")
# --quick: fewer of everything, for a look while developing (no verdict to rely on).
QUICK = {"runs": 3, "net_runs": 1, "warmup": 0, "cycles": 60, "tab_loads": 1, "time_limit": 200,
         "live_requests": 5}
DEFAULTS = {"runs": 7, "net_runs": 3, "warmup": 1, "cycles": 200, "tab_loads": TAB_LOADS,
            "time_limit": TIME_LIMIT_S, "live_requests": 20}


def parse_args(argv=None):
    names = [variant.name for variant in VARIANTS]
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Page-load and lifecycle benchmarks of the PyScript widget integration "
        "against TikTok's native-JS one. Prints tables, writes results.json and results.png.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs of everything (%s), for a look while developing"
                        % ", ".join(f"{key.replace('_', '-')} {value}" for key, value in QUICK.items()))
    parser.add_argument("--runs", type=int,
                        help=f"cold + warm loads of each variant on localhost (default: {DEFAULTS['runs']})")
    parser.add_argument("--net-runs", type=int,
                        help="cold + warm loads of each variant on the emulated network "
                        f"({REAL_NETWORK.label}; default: {DEFAULTS['net_runs']}; 0: none)")
    parser.add_argument("--warmup", type=int,
                        help=f"unrecorded rounds before the runs (default: {DEFAULTS['warmup']})")
    parser.add_argument("--variants", default=",".join(names),
                        help="comma-separated subset of: %(default)s")
    parser.add_argument("--cycles", type=int,
                        help=f"mount/unmount cycles of the lifecycle benchmark (default: {DEFAULTS['cycles']})")
    parser.add_argument("--tab-loads", type=int,
                        help=f"cold loads of each app variant clicking its tabs (default: {TAB_LOADS}; 0: none)")
    parser.add_argument("--live-requests", type=int,
                        help="return requests timed to the open page's badge on each interpreter "
                        f"(default: {DEFAULTS['live_requests']}; 0: no live-feed benchmark)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--lifecycle", action="store_true",
                      help="run the lifecycle benchmark only")
    only.add_argument("--no-lifecycle", action="store_true",
                      help="run the page-load benchmark only")
    only.add_argument("--live", action="store_true",
                      help="run the live-feed benchmark only")
    parser.add_argument("--time-limit", type=int, metavar="SECONDS",
                        help="the whole run's time budget: a page or cycle past its own limit, "
                        "or anything past this, is reported as failed "
                        f"(default: {DEFAULTS['time_limit']})")
    parser.add_argument("--url", help="benchmark this running server instead of starting serve.py")
    parser.add_argument("--out", type=Path, default=BENCH_DIR,
                        help="where results.json and results.png go (default: bench/)")
    args = parser.parse_args(argv)
    for key, default in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    chosen = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(names))
    if unknown or not chosen:
        parser.error(f"--variants: unknown {', '.join(unknown) or '(none given)'}; "
                     f"known: {', '.join(names)}")
    if args.runs < 1 or args.warmup < 0 or args.cycles < 1 or args.net_runs < 0 \
            or args.tab_loads < 0 or args.live_requests < 0:
        parser.error("--runs and --cycles must be at least 1; --warmup, --net-runs, "
                     "--tab-loads and --live-requests at least 0")
    if args.live and not args.live_requests:
        parser.error("--live: --live-requests must be at least 1")
    if args.time_limit < MINIMUM_TIME_LIMIT_S:
        parser.error(f"--time-limit: at least {MINIMUM_TIME_LIMIT_S} s")
    args.variants = [variant for variant in VARIANTS if variant.name in chosen]
    args.net_variants = [v for v in args.variants if v.name in NETWORK_VARIANTS] \
        if args.net_runs else []
    return args


@contextmanager
def server(url):
    """The server to benchmark: ``url``'s, or a fresh serve.py of our own."""
    if url:
        yield SimpleNamespace(url=url.rstrip("/"))
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir, run_server(Path(workdir)) as running:
        yield running


def main(argv=None):
    args = parse_args(argv)
    try:  # checked now rather than after minutes of measuring
        import matplotlib  # noqa: F401 (report.draw_chart)
    except ImportError:
        sys.exit("bench/run.py draws its chart with matplotlib: "
                 ".venv/bin/pip install 'matplotlib>=3.8,<4'")

    deadline = Deadline(args.time_limit)
    # Each part leaves the later ones their share of the time, whatever it does.
    lifecycle_share = 0 if args.no_lifecycle or args.live else (
        args.time_limit if args.lifecycle else LIFECYCLE_SHARE * args.time_limit)
    with_live = args.live_requests and not (args.lifecycle or args.no_lifecycle)
    live_share = 0 if not with_live else args.time_limit if args.live \
        else max(LIVE_SHARE * args.time_limit, min(LIVE_MINIMUM_S, args.time_limit / 3))
    tab_share = TAB_SHARE * args.time_limit if args.tab_loads else 0
    network_share = NETWORK_SHARE * args.time_limit if args.net_variants else 0
    pageload_deadline = Deadline(args.time_limit - lifecycle_share - tab_share - network_share
                                 - live_share)
    # Timings are only as good as the machine is quiet: say how busy it was.
    measured = SimpleNamespace(loads={}, net_loads={}, tabs={}, lifecycle_runs={}, live={},
                               browser_version=None, load_average=[os.getloadavg()[0]])
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with server(args.url) as running, sync_playwright() as playwright:
            print(f"Benchmarking {running.url} (time limit {args.time_limit} s)", file=sys.stderr,
                  flush=True)
            if not (args.lifecycle or args.live):
                browser = playwright.chromium.launch(**launch_args(playwright))
                measured.browser_version = browser.version
                try:
                    run_pageload(browser, running.url, args.variants, args.runs, args.warmup,
                                 pageload_deadline, loads=measured.loads)
                    if args.net_variants:
                        run_pageload(browser, running.url, args.net_variants, args.net_runs, 0,
                                     Deadline(deadline.remaining() - lifecycle_share - tab_share
                                              - live_share),
                                     loads=measured.net_loads, network=REAL_NETWORK)
                    apps = [v for v in args.variants if v.name in TAB_VARIANTS]
                    if args.tab_loads:
                        measured.tabs.update(run_tab_response(
                            lambda: playwright.chromium.launch(**launch_args(playwright)),
                            running.url, apps, args.tab_loads,
                            Deadline(deadline.remaining() - lifecycle_share - live_share)))
                finally:
                    browser.close()
                write_results(args, measured)  # kept even if the lifecycle goes wrong
            if lifecycle_share:
                run_lifecycle(playwright, running.url, args.cycles,
                              Deadline(deadline.remaining() - live_share),
                              runs=measured.lifecycle_runs)
            if with_live:
                browser = playwright.chromium.launch(**launch_args(playwright))
                measured.browser_version = browser.version
                try:
                    live.run_live(browser, running.url, args.live_requests, deadline,
                                  runs=measured.live)
                finally:
                    browser.close()
    finally:
        # Whatever stopped the run, what it measured is written and reported.
        measured.load_average.append(os.getloadavg()[0])
        summaries, net_summaries, found = write_results(args, measured)
        print_report(args, measured, summaries, net_summaries, found)
    return 0


def summaries_of(loads):
    """pageload.summarize of each variant measured at least once."""
    return {name: {temperature: summarize(runs[temperature]) for temperature in ("cold", "warm")}
            for name, runs in loads.items() if runs["cold"]}


def write_results(args, measured):
    summaries = summaries_of(measured.loads)
    net_summaries = summaries_of(measured.net_loads)
    found = report.targets(summaries, measured.lifecycle_runs, measured.tabs, net_summaries)
    found += live.targets(measured.live)
    machine = {"platform": platform.platform(), "cpus": os.cpu_count(),
               "load_average": measured.load_average, "chromium": measured.browser_version}
    results = results_json(args, machine, measured.loads, summaries, measured.lifecycle_runs,
                           found)
    results["network"] = {
        "profile": REAL_NETWORK.label, "conditions": REAL_NETWORK.conditions(),
        "runs": args.net_runs if net_summaries else None,
        "page_load": {variant.name: {"label": variant.label, "path": variant.path,
                                     "median": net_summaries.get(variant.name),
                                     "runs": measured.net_loads[variant.name]}
                      for variant in args.net_variants if variant.name in measured.net_loads},
    }
    results["tab_response"] = measured.tabs
    results["live"] = {"requests": args.live_requests if measured.live else None,
                       "runs": measured.live}
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    return summaries, net_summaries, found


def print_report(args, measured, summaries, net_summaries, found):
    loads, lifecycle_runs = measured.loads, measured.lifecycle_runs
    load_average = measured.load_average
    sections = [f"Machine: {os.cpu_count()} CPUs, Chromium "
                f"{measured.browser_version or '(lifecycle only)'}, load average "
                f"{load_average[0]:.1f} at the start, {load_average[-1]:.1f} at the end"]
    if loads:
        sections += [report.load_table(args.variants, summaries, args.runs, _failures(loads))]
    if summaries:
        sections += [report.waterfall_table(args.variants, summaries,
                                            "The first row's critical path, localhost")]
        after = report.after_row_table(args.variants, summaries)
        if after:
            sections.append(after)
    if measured.net_loads:
        sections.append(report.load_table(
            args.net_variants, net_summaries, args.net_runs, _failures(measured.net_loads),
            title=f"Page load on an emulated network ({REAL_NETWORK.label}; Chromium's "
                  f"Network.emulateNetworkConditions): medians of up to {args.net_runs} runs"))
    if net_summaries:
        sections.append(report.waterfall_table(
            args.net_variants, net_summaries, "The first row's critical path, emulated network"))
    if measured.tabs:
        sections.append(report.tab_table(measured.tabs, summaries))
    if lifecycle_runs:
        sections.append(report.lifecycle_table(lifecycle_runs))
    if measured.live:
        sections.append(live.table(measured.live, args.live_requests))
    sections.append(report.targets_text(found))
    drawn = report.draw_chart(args.out / "results.png", args.variants, loads, summaries,
                              lifecycle_runs, net_summaries)
    sections.append(f"Wrote {args.out / 'results.json'}"
                    + (f" and {args.out / 'results.png'}" if drawn else " (nothing to chart)"))
    print("\n\n".join(sections))
    failed = [name for name, runs in loads.items() if not runs["cold"]]
    # The runs measured, not asked for: a run out of time has fewer (the fewest of any variant).
    print(report.last_line(summaries, lifecycle_runs, _fewest_runs(loads), failed, measured.tabs,
                           net_summaries, _fewest_runs(measured.net_loads), found,
                           live.pairs(measured.live, args.live_requests)), flush=True)


def _fewest_runs(loads):
    return min((len(runs["cold"]) for runs in loads.values() if runs["cold"]), default=0)


def _failures(loads):
    return {name: runs["failures"] for name, runs in loads.items() if runs["failures"]}


def results_json(args, machine, loads, summaries, lifecycle_runs, found):
    """Everything measured: medians, every run (with its resources) and the targets."""
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "server": args.url or "serve.py --cdn mirror (started by bench/run.py)",
        "runs": args.runs if summaries else None,
        "time_limit_s": args.time_limit,
        "page_load": {
            variant.name: {"label": variant.label, "path": variant.path,
                           "median": summaries.get(variant.name), "runs": loads[variant.name]}
            for variant in args.variants if variant.name in loads
        },
        "lifecycle": lifecycle_runs,
        "targets": [{"label": t.label, "value": t.value, "limit": t.limit, "unit": t.unit,
                     "met": t.met, "verdict": t.verdict, "runs": t.runs,
                     "indicative": t.runs is not None and t.runs < report.RUNS_TO_JUDGE,
                     "spreads": t.spreads} for t in found],
    }


if __name__ == "__main__":
    sys.exit(main())
