"""The backend benchmark (bench/backend.py) runs end to end on a tiny size, and reports
failed requests as failures, not as timings. Its figures are not checked: they are the
machine's."""

import asyncio
import json
import subprocess
import sys

import httpx2 as httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bench import backend as bench
from testsupport.servers import PROJECT_ROOT, serve_in_thread


def test_the_bench_runs_on_a_tiny_size_and_keeps_its_results(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "bench/backend.py", "--sizes", "2,4", "--requests", "12",
                          "--concurrency", "4", "--databases", "sqlite,postgresql",
                          "--out", str(out)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    assert results["errors"] == []
    assert [(r["database"], r["sellers"], r["shops"]) for r in results["results"]] == [
        ("sqlite", 2, 4), ("sqlite", 4, 8), ("postgresql", 2, 4), ("postgresql", 4, 8)]
    for result in results["results"]:
        phases = result["phases"]
        assert {name: (p["requests"], p["ok"], p["failures"]) for name, p in phases.items()} == {
            "whoami": (12, 12, {}),
            "widget_cold": (result["shops"], result["shops"], {}),
            "widget_warm": (12, 12, {})}
        # Cold is every shop's first token (TikTok asked), warm all from the cache.
        assert phases["widget_cold"]["cache"] == {"hit": 0, "miss": result["shops"]}
        assert phases["widget_warm"]["cache"] == {"hit": 12, "miss": 0}
        assert result["rss_start_mb"] > 0 and result["rss_end_mb"] > 0
    # p99 of who-am-I and warm tokens at each size; the largest against the baseline.
    assert len(results["targets"]) == 4 * 2 + 2 * 2
    last = run.stdout.strip().splitlines()[-1].split()
    assert "failures=0" in last and any(p.startswith("targets_met=") for p in last)
    assert "sqlite_4_widget_warm_p99_ms=" in run.stdout
    assert "postgresql_4_whoami_p99_ms=" in run.stdout


def test_failed_requests_are_counted_not_timed():
    calls = iter(range(1000))

    async def flaky(request):  # every third request fails
        return PlainTextResponse("no", 503) if next(calls) % 3 == 0 else PlainTextResponse("ok")

    with serve_in_thread(Starlette(routes=[Route("/x", flaky)])) as url:
        async def run():
            async with httpx.AsyncClient(base_url=url) as client:
                return await bench.drive(client, [("/x", {}, {})] * 30, concurrency=5)
        phase = asyncio.run(run()).summary()
    assert phase["requests"] == 30 and phase["ok"] == 20 and phase["failures"] == {"503": 10}
    assert phase["p99_ms"] is not None

    result = {"database": "sqlite", "sellers": 10, "shops": 20, "fill_seconds": 0.1,
              "rss_start_mb": 50.0, "rss_end_mb": 51.0, "phases": {"whoami": phase}}
    text = bench.report([result], ["sqlite, 10000 sellers: OSError: disk full"],
                        bench.targets([result]))
    assert "FAILED requests, sqlite 10 who-am-I: {'503': 10}" in text
    assert "FAILED: sqlite, 10000 sellers: OSError: disk full" in text
    assert bench.last_line([result], ["one"], []).endswith("failures=11")


def test_targets_are_met_missed_or_not_measured():
    def result(sellers, whoami_p99, warm_p99):
        return {"database": "sqlite", "sellers": sellers, "phases": {
            "whoami": {"p99_ms": whoami_p99}, "widget_warm": {"p99_ms": warm_p99}}}

    found = bench.targets([result(10, 40.0, 20.0), result(10_000, 80.0, None)])
    assert [t["met"] for t in found] == [True, True, True, None, False, None]
    assert found[4]["ratio"] == 2.0
