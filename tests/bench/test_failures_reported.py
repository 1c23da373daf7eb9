"""The benchmark's own bookkeeping: its time budget, and failures shown as such."""

import pytest

from bench import report
from bench.budget import Deadline, OutOfTime
from bench.pageload import VARIANTS, summarize

RECORD = {"content_ms": 500.0, "first_paint_ms": 100.0, "fcp_ms": 100.0, "bytes": 2048,
          "waterfall": {"first_row": [400.0, 500.0]}}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_limit_is_cut_to_what_is_left_of_the_budget_and_then_refused():
    clock = Clock()
    deadline = Deadline(100, clock=clock)

    assert deadline.limit_ms(60) == 60_000
    clock.now = 70
    assert deadline.limit_ms(60) == 30_000
    clock.now = 99
    with pytest.raises(OutOfTime):
        deadline.limit_ms(60)


def test_a_variant_never_measured_is_failed_in_the_table_and_the_last_line():
    summaries = {"native": {"cold": summarize([RECORD]), "warm": summarize([RECORD])}}
    native, mpy = VARIANTS[0], next(v for v in VARIANTS if v.name == "mpy")

    table = report.load_table([native, mpy], summaries, 7, {"mpy": ["mpy: not visible in 60 s"]})
    line = report.last_line(summaries, {}, 7, failed_variants=["mpy"])

    assert any(row.startswith(mpy.label) and row.split()[-1] == "failed"
               for row in table.splitlines())
    assert "mpy: not visible in 60 s" in table
    assert "native_ms=500" in line.split() and "mpy_ms=failed" in line.split()


def test_a_lifecycle_page_that_stalled_is_failed_with_what_it_measured():
    checkpoints = [{"cycle": c, "dom_nodes": 10, "live_proxies": 2, "js_heap": 1000}
                   for c in (0, 10, 20)]
    stalled = {"result": {"interpreter": "micropython", "cycles": 20, "cycle_ms": [40.0] * 20,
                          "checkpoints": checkpoints},
               "error": "no cycle finished within 15 s after cycle 27"}
    from bench.lifecycle import summarize as summarize_cycles
    stalled["summary"] = summarize_cycles(stalled["result"])
    never = {"result": None, "error": "the page did not finish a cycle within 60 s of loading",
             "summary": None}

    runs = {"pyodide": never, "micropython": stalled}
    line = report.last_line({}, runs, 7).split()
    table = report.lifecycle_table(runs)

    assert "pyodide_lifecycle=failed" in line and "mpy_lifecycle=failed" in line
    assert "mpy_cycle_ms=40" in line and not any(p.startswith("pyodide_cycle_ms") for p in line)
    assert "no cycle finished within 15 s after cycle 27" in table
    assert [t.met for t in report.targets({}, runs)] == [None, True]


def test_a_run_that_measured_nothing_is_still_reported_without_a_chart(tmp_path, capsys):
    from types import SimpleNamespace

    from bench import run

    args = run.parse_args(["--variants", "native", "--out", str(tmp_path)])
    measured = SimpleNamespace(
        loads={"native": {"cold": [], "warm": [], "failures": ["out of time after 0 of 7 runs"]}},
        net_loads={}, tabs={}, lifecycle_runs={}, live={}, browser_version=None,
        load_average=[9.0, 9.5])

    summaries, net_summaries, found = run.write_results(args, measured)
    run.print_report(args, measured, summaries, net_summaries, found)

    printed = capsys.readouterr().out.splitlines()
    assert "native: out of time after 0 of 7 runs" in "\n".join(printed)
    assert printed[-1] == "native_ms=failed"
    assert (tmp_path / "results.json").is_file() and not (tmp_path / "results.png").exists()
