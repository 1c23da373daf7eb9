"""The benchmark's own logic, on loads made up here: the first row's critical
path (which step holds it up, which ones a preload took off it), the work put
off until after the first row, and the verdicts a noisy run must not give."""

from bench import report
from bench.pageload import (
    RETURNS_SUMMARY_PATH,
    VARIANTS,
    WATERFALL,
    load_record,
    on_path,
    spread,
    summarize,
    waterfall,
)


def resource(url, start, end, size=1000):
    return {"url": url, "start": start, "end": end, "bytes": size}


def app_load(content=1500.0, who_am_i=(20.0, 60.0), summary_start=1600.0, shift=0.0):
    """An app load on MicroPython as the page does it: who-am-I preloaded with the
    HTML, asked for by the app at 700; the summary sent at ``summary_start``."""
    def at(ms):
        return ms + shift

    resources = [
        resource("/api/v1/seller", at(who_am_i[0]), at(who_am_i[1])),
        resource("/cdn/npm/@micropython/micropython-webassembly-pyscript@1.28.0-6/micropython.mjs",
                 at(30), at(200)),
        resource("/cdn/npm/@micropython/micropython-webassembly-pyscript@1.28.0-6/micropython.wasm",
                 at(30), at(400), 200_000),
        resource("https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js",
                 at(250), at(300)),
        resource("/sandbox/widgets/reverse/1.0.0/manifest.json", at(250), at(280)),
        resource("/sandbox/widgets/reverse/1.0.0/remote-entry.js", at(250), at(290)),
        resource("/sandbox/widgets/reverse/1.0.0/manage-returns.js", at(250), at(320)),
        resource("/api/v1/widget/access_token?outer_shop_id=1&partner_type=1", at(760), at(900)),
        resource("/sandbox/api/return_refund/202309/returns/search", at(950), at(1400)),
        resource(RETURNS_SUMMARY_PATH + "?shop_id=1", at(summary_start), at(summary_start + 80)),
    ]
    return {
        "marks": {"python_ready": at(600.0), "content": at(content)},
        "fetches": [["/api/v1/seller", at(700.0)],
                    ["/sandbox/widgets/reverse/1.0.0/manifest.json", at(740.0)],
                    ["/api/v1/widget/access_token?outer_shop_id=1&partner_type=1", at(745.0)]],
        "navigation": {"end": 15.0, "bytes": 5000},
        "resources": resources,
        "long_tasks": [],
        "paint": {"first-paint": 90.0, "first-contentful-paint": 90.0},
        "python_start": None,
    }


def test_the_path_runs_from_navigation_to_the_first_row_through_each_step_in_turn():
    steps = waterfall(app_load())
    path = on_path(steps)

    assert list(steps) == [key for key, _ in WATERFALL]  # every step, in the order they depend
    assert steps["interpreter_start"] == (400, 600)
    assert steps["app_imports"] == (600, 700)
    assert steps["widget_kit_init"] == (250, 740)  # ends where widget-kit asks for the manifest
    assert steps["widget_entry"] == (250, 320)
    assert steps["first_row"] == (1400, 1500)
    # Each ms to the first row is on exactly one step's account.
    assert sum(path.values()) == 1500


def test_a_preloaded_who_am_i_is_off_the_path_and_a_late_one_is_on_it_from_when_it_was_asked():
    early = on_path(waterfall(app_load(who_am_i=(20.0, 60.0))))
    late = on_path(waterfall(app_load(who_am_i=(690.0, 730.0))))

    assert early["who_am_i"] == 0
    assert late["who_am_i"] == 30  # answered 30 ms after the app asked (at 700)


def test_the_summary_is_reported_after_the_first_row_or_on_its_path():
    after = summarize([load_record(app_load(summary_start=1600.0 + i)) for i in range(3)])
    before = summarize([load_record(app_load(summary_start=start)) for start in (1600, 800, 900)])
    apps = [v for v in VARIANTS if v.name == "mpy"]

    assert after["summary_after_row"]["median"] == 101
    assert after["summary_before_row_runs"] == 0
    assert "after the first row in all 3 runs" in report.after_row_table(
        apps, {"mpy": {"cold": after, "warm": after}})
    assert before["summary_before_row_runs"] == 2
    assert "ON THE FIRST ROW'S PATH in 2 of 3 runs" in report.after_row_table(
        apps, {"mpy": {"cold": before, "warm": before}})


def test_quartiles_and_their_share_of_the_median():
    measured = spread([100, 200, 300, 400, 500, 600, 700])

    assert (measured["median"], measured["q1"], measured["q3"]) == (400, 250, 550)
    assert (measured["min"], measured["max"], measured["runs"]) == (100, 700, 7)
    assert report.relative_spread(measured) == 0.75
    assert spread([]) is None
    assert spread([5])["q1"] == spread([5])["q3"] == 5


def steady(value, runs=7):
    return [value * (1 + (i - runs // 2) / 100) for i in range(runs)]  # within 3%


def summaries_of(**contents):
    out = {}
    for name, values in contents.items():
        records = [load_record(app_load(content=value, summary_start=value + 50))
                   for value in values]
        out[name] = {"cold": summarize(records), "warm": summarize(records)}
    return out


def mpy_vs_native(found):
    return next(t for t in found if t.label.startswith("MicroPython app cold"))


def test_a_target_met_or_missed_on_steady_figures_gets_its_verdict():
    met = mpy_vs_native(report.targets(summaries_of(native=steady(500), mpy=steady(700)), {}))
    missed = mpy_vs_native(report.targets(summaries_of(native=steady(500), mpy=steady(800)), {}))

    assert (met.verdict, missed.verdict) == ("met", "missed")
    assert met.line().lstrip().startswith("met") and "IQR" in met.line()
    assert missed.line().lstrip().startswith("MISSED")


def test_a_target_on_figures_whose_spread_is_over_half_their_median_is_too_noisy_to_judge():
    # The app's median is within the limit, but its runs swing 2x: no verdict.
    swinging = [300, 320, 700, 710, 720, 1400, 1500]
    found = report.targets(summaries_of(native=steady(500), mpy=swinging), {})
    target = mpy_vs_native(found)

    assert target.met is True and target.verdict == "noisy"
    assert target.noisy == ["mpy cold"]
    assert "too noisy to judge" in target.line() and " met," not in target.line()
    assert "1 too noisy to judge" in report.targets_text([target])
    assert "targets_noisy=1" in report.last_line({}, {}, 7, found=[target]).split()


def test_too_few_runs_give_a_figure_but_say_it_is_only_indicative():
    target = mpy_vs_native(report.targets(summaries_of(native=steady(500, 3),
                                                       mpy=steady(600, 3)), {}))

    assert target.verdict == "met" and "only 3 runs: indicative" in target.line()


def test_the_last_line_keeps_its_keys_and_adds_the_spread_the_path_and_the_network():
    summaries = summaries_of(native=steady(500), mpy=steady(700), pyodide=steady(1200),
                             pyodide_floor=steady(3000))
    network = summaries_of(native=steady(900, 3), mpy=steady(1500, 3), pyodide=steady(4000, 3),
                           pyodide_floor=steady(6000, 3))
    found = report.targets(summaries, {}, net_summaries=network)
    pairs = dict(pair.split("=") for pair in report.last_line(
        summaries, {}, 7, net_summaries=network, net_runs=3, found=found).split())

    for key in ("native_ms", "mpy_ms", "mpy_warm_ms", "mpy_fcp_ms", "mpy_vs_native",
                "pyodide_vs_floor", "pyodide_over_floor_ms", "pyodide_warm_vs_native", "mpy_kb",
                "mpy_longest_task_ms", "runs"):
        assert key in pairs, key
    assert pairs["mpy_whoami_on_path_ms"] == "0.00"
    assert pairs["mpy_summary_after_row_ms"] == "50"
    assert pairs["net_mpy_vs_native"] == f"{1500 / 900:.2f}" and pairs["net_runs"] == "3"
    # The document, the wasm and 8 more responses in by the first row; not the summary.
    assert pairs["net_pyodide_kb"] == f"{(5000 + 200_000 + 8 * 1000) / 1024:.0f}"
    assert float(pairs["mpy_iqr_pct"]) < 5
    assert [t.label.split(":")[0] for t in found][-4:] == ["on the emulated network"] * 4
