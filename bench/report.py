"""What bench/run.py prints and draws: tables, targets, the chart, the last line.

Every function takes the summaries run.py builds (``pageload.summarize`` per
variant and temperature, for the variants measured at least once;
``lifecycle.summarize`` per interpreter) and returns text, except
``draw_chart``, which writes the PNG. ``failures`` ({variant: [why, ...]})
are shown as such: a variant never measured is a "failed" row and
``<variant>_ms=failed`` in the last line.
"""

from dataclasses import dataclass, field

from .pageload import WATERFALL, on_path, spread

FIRST_PAINT_LIMIT_MS = 200
FLOOR_FACTOR = 0.5  # Pyodide app cold vs the stock Pyodide floor cold
WARM_NATIVE_FACTOR = 4  # Pyodide app warm vs native warm
NATIVE_FACTOR = 1.5  # MicroPython app cold vs native cold
HEAP_GROWTH_LIMIT_PCT = 5
TAB_RESPONSE_LIMIT_MS = 100
# The same on the emulated real network (pageload.REAL_NETWORK), each against
# its reference under that network.
NET_NATIVE_FACTOR = 2  # MicroPython app cold vs native cold
NET_FLOOR_FACTOR = 0.6  # Pyodide app cold vs the stock Pyodide floor cold
NET_WARM_NATIVE_FACTOR = 4  # either app warm vs native warm
# A figure whose interquartile range is more than this share of its median is
# too noisy to judge a target by: the verdict says so instead of met or missed.
NOISE_LIMIT = 0.5
# Fewer runs than this give a figure, not a verdict to rely on (--quick).
RUNS_TO_JUDGE = 7
FAILED = "failed"
APPS = ("pyodide", "mpy")


def _ms(value):
    return "-" if value is None else f"{value:.0f}"


def _table(header, rows):
    """Columns padded to fit: the first (the rows' names) left-aligned, numbers right."""
    all_rows = [header, *rows]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]
    lines = []
    for row in all_rows:
        cells = [cell.ljust(width) if i == 0 else cell.rjust(width)
                 for i, (cell, width) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def relative_spread(spread):
    """The interquartile range as a share of the median (0.2: 20%), or None."""
    if not spread or not spread["median"]:
        return None
    return (spread["q3"] - spread["q1"]) / spread["median"]


def spread_text(spread):
    """"IQR 610-702 (14%), 580-820" : the quartiles, their share of the median, min-max."""
    if not spread:
        return "-"
    share = relative_spread(spread)
    noisy = " NOISY" if share is not None and share > NOISE_LIMIT else ""
    return (f"IQR {_ms(spread['q1'])}-{_ms(spread['q3'])} ({100 * (share or 0):.0f}%{noisy}), "
            f"{_ms(spread['min'])}-{_ms(spread['max'])}")


def load_table(variants, summaries, runs, failures=None, title=None):
    failures = failures or {}
    native = summaries.get("native")
    header = ["variant", "content cold", "spread cold (IQR, min-max)", "warm",
              "spread warm (IQR, min-max)", "FP cold", "FCP cold", "FCP warm", "KB cold",
              "KB warm", "x native cold", "x native warm"]
    rows = []
    for variant in variants:
        if variant.name not in summaries:
            rows.append([variant.label, FAILED] + [""] * (len(header) - 2))
            continue
        cold, warm = summaries[variant.name]["cold"], summaries[variant.name]["warm"]
        ratios = []
        for temperature in ("cold", "warm"):
            base = native[temperature]["content_ms"] if native else None
            value = summaries[variant.name][temperature]["content_ms"]
            ratios.append(f"{value / base:.2f}" if base else "-")
        rows.append([
            variant.label, f"{_ms(cold['content_ms'])} ({cold['runs']})",
            spread_text(cold.get("content_spread")), _ms(warm["content_ms"]),
            spread_text(warm.get("content_spread")),
            _ms(cold["first_paint_ms"]), _ms(cold["fcp_ms"]), _ms(warm["fcp_ms"]),
            f"{cold['bytes'] / 1024:.0f}", f"{warm['bytes'] / 1024:.0f}", *ratios,
        ])
    title = title or ("Page load on localhost: medians of up to "
                      f"{runs} runs per variant (runs measured in brackets), "
                      "ms since navigation (cold: fresh browser context; warm: reload)")
    title += ("\ncontent: first row visible (floors: Python's element); spread: interquartile "
              f"range (its share of the median; NOISY over {100 * NOISE_LIMIT:.0f}%) and "
              "min-max; FP/FCP: first (contentful) paint; KB: transferred up to the content")
    problems = [f"  {name}: {why}" for name, whys in failures.items() for why in whys]
    return (title + "\n" + _table(header, rows)
            + ("\nFailed loads:\n" + "\n".join(problems) if problems else ""))


def waterfall_table(variants, summaries, title="The first row's critical path"):
    """Cold medians of each step: its span, and how much it adds to the path."""
    variants = [v for v in variants if v.name in summaries]
    header = ["cold medians: start-end ms since navigation (+ ms on the path)",
              *[variant.name for variant in variants]]
    paths = {v.name: on_path(_steps(summaries[v.name]["cold"])) for v in variants}
    rows = []
    for key, label in WATERFALL:
        row = [label]
        for variant in variants:
            span = summaries[variant.name]["cold"]["waterfall"].get(key)
            row.append(f"{span[0]:.0f}-{span[1]:.0f} (+{paths[variant.name][key]:.0f})"
                       if span else "")
        rows.append(row)
    off = []
    for variant in variants:
        steps = _steps(summaries[variant.name]["cold"])
        hidden = [f"{label} {steps[key][1] - steps[key][0] - paths[variant.name][key]:.0f} ms"
                  for key, label in WATERFALL
                  if key in steps and key != "html"
                  and steps[key][1] - steps[key][0] - paths[variant.name][key] >= 1]
        if hidden:
            off.append(f"  {variant.name}: " + "; ".join(hidden))
    note = ("\nTime each step spends off the path (overlapped by the steps before it: "
            "preloaded, or started early):\n" + "\n".join(off)) if off else ""
    who = [f"{v.name} sent who-am-I {summaries[v.name]['cold']['who_am_i_requests']} times "
           "(1: the page's preload was used)"
           for v in variants if summaries[v.name]["cold"].get("who_am_i_requests")]
    return (f"{title}\n" + _table(header, rows) + note
            + ("\n  " + "; ".join(who) if who else ""))


def _steps(summary):
    return {key: tuple(span) for key, span in summary["waterfall"].items()
            if None not in span}


def after_row_table(variants, summaries):
    """What the app variants sent after the first row, the summary first (cold loads)."""
    lines = []
    for variant in variants:
        if variant.name not in summaries or variant.name not in APPS:
            continue
        cold = summaries[variant.name]["cold"]
        summary = cold.get("summary_after_row")
        if summary is None:
            lines.append(f"  {variant.name}: returns summary not sent by the time the page was quiet")
        else:
            before = cold.get("summary_before_row_runs", 0)
            verdict = (f"ON THE FIRST ROW'S PATH in {before} of {summary['runs']} runs" if before
                       else f"after the first row in all {summary['runs']} runs")
            lines.append(f"  {variant.name}: returns summary sent {_ms(summary['median'])} ms "
                         f"after the first row (median; {_ms(summary['min'])} to "
                         f"{_ms(summary['max'])}): {verdict}")
        others = {path: n for path, n in cold.get("after_first_row", {}).items()
                  if not path.endswith("/returns/summary")}
        if others:
            lines.append("    also after it: " + ", ".join(
                f"{path} ({n}/{cold['runs']})" for path, n in sorted(others.items())))
    return ("Work put off until after the first row (cold loads; negative: sent before it)\n"
            + "\n".join(lines)) if lines else ""


def lifecycle_table(runs):
    header = ["interpreter", "cycles", "cycle ms median", "p95", "first/last 10%",
              "DOM nodes", "live proxies", "JS heap KB", "heap growth", "2nd half B/cycle"]
    rows, problems = [], []
    for interpreter, run in runs.items():
        if run.get("error"):
            problems.append(f"  {interpreter}: {FAILED}: {run['error']}")
        s = run["summary"]
        if s is None:
            rows.append([interpreter, FAILED] + [""] * (len(header) - 2))
            continue
        heap = s["js_heap"]
        rows.append([
            interpreter + (f" ({FAILED})" if run.get("error") else ""), str(s["cycles"]),
            _ms(s["cycle_median_ms"]), _ms(s["cycle_p95_ms"]),
            f"{_ms(s['first_tenth_median_ms'])}/{_ms(s['last_tenth_median_ms'])}",
            "{}->{}".format(*s["dom_nodes"]),
            "-" if s["live_proxies"][0] is None else "{}->{}".format(*s["live_proxies"]),
            "-" if heap[0] is None else f"{heap[0] / 1024:.0f}->{heap[1] / 1024:.0f}",
            "-" if s["heap_growth_pct"] is None else f"{s['heap_growth_pct']:+.1f}%",
            _ms(s["late_growth_bytes_per_cycle"]),
        ])
    title = ("Lifecycle: mount, first row visible, unmount, in one page "
             "(after 10 warm-up cycles; JS heap after a forced GC; a failed page: its cycles "
             "up to its last checkpoint)")
    return (title + "\n" + _table(header, rows)
            + ("\nFailed:\n" + "\n".join(problems) if problems else ""))


def tab_table(tabs, summaries):
    header = ["variant", "clicks", "answered median ms", "max", "each load's worst",
              "over 100 ms", "longest task during load (cold median)"]
    rows, problems = [], []
    for name, run in tabs.items():
        clicks = sorted(run["clicks_ms"])
        problems += [f"  {name}: {why}" for why in run["failures"]]
        longest = summaries.get(name, {}).get("cold") or {}
        rows.append([name, str(len(clicks)), _ms(_median(clicks)), _ms(clicks[-1] if clicks else None),
                     "/".join(_ms(worst) for worst in run.get("worst_ms", ())) or "-",
                     str(sum(c > TAB_RESPONSE_LIMIT_MS for c in clicks)),
                     _ms(longest.get("longest_task_ms"))])
    title = ("Tab response: real clicks on the tabs while Python starts (cold loads), from the "
             "input to the tab selected and its panel shown")
    return (title + "\n" + _table(header, rows)
            + ("\nFailed loads:\n" + "\n".join(problems) if problems else ""))


def _median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


@dataclass
class Target:
    label: str
    value: float | None
    limit: float | None
    unit: str = "ms"
    note: str = ""
    strict: bool = False  # "< limit" rather than "<= limit"
    # The spreads (pageload.spread) of the figures the value and the limit come
    # from, named: {"app cold": {...}, "native cold": {...}}.
    spreads: dict = field(default_factory=dict)

    @property
    def met(self):
        if self.value is None or self.limit is None:
            return None
        return self.value < self.limit if self.strict else self.value <= self.limit

    @property
    def noisy(self):
        """The figures behind it whose spread is over ``NOISE_LIMIT`` of their median."""
        return [name for name, spread in self.spreads.items()
                if (relative_spread(spread) or 0) > NOISE_LIMIT]

    @property
    def runs(self):
        return min((spread["runs"] for spread in self.spreads.values() if spread), default=None)

    @property
    def verdict(self):
        """"met", "missed", "noisy" (too noisy to judge either way) or None (not measured)."""
        if self.met is None:
            return None
        return "noisy" if self.noisy else "met" if self.met else "missed"

    def line(self):
        if self.met is None:
            return f"  n/a     {self.label} (not measured{'; ' + self.note if self.note else ''})"
        margin = abs(self.value - self.limit)
        figures = f"{self.value:.1f}{self.unit} (limit {self.limit:.1f}{self.unit})"
        steadiness = "; ".join(f"{name} {spread_text(spread)}"
                               for name, spread in self.spreads.items() if spread)
        notes = [note for note in (self.note, steadiness) if note]
        if self.runs is not None and self.runs < RUNS_TO_JUDGE:
            notes.append(f"only {self.runs} run{'s' if self.runs > 1 else ''}: indicative")
        note = f"; {'; '.join(notes)}" if notes else ""
        if self.verdict == "noisy":
            return (f"  NOISY   {self.label}: {figures} - too noisy to judge (IQR over "
                    f"{100 * NOISE_LIMIT:.0f}% of the median: {', '.join(self.noisy)}){note}")
        verdict = (f"met, {margin:.1f}{self.unit} to spare" if self.met
                   else f"MISSED by {margin:.1f}{self.unit}")
        return f"  {'met' if self.met else 'MISSED':7} {self.label}: {figures} - {verdict}{note}"


def targets(summaries, lifecycle_runs, tabs=None, net_summaries=None):
    """The issue's targets, against the medians and the lifecycle's heap growth;
    those of the emulated network against ``net_summaries``."""
    found = _page_targets(summaries)
    for name, run in (tabs or {}).items():
        clicks = run["clicks_ms"]
        found.append(Target(f"every tab click answered within {TAB_RESPONSE_LIMIT_MS} ms while "
                            f"Python starts, {name}", max(clicks) if clicks else None,
                            TAB_RESPONSE_LIMIT_MS, note=f"{len(clicks)} clicks",
                            spreads={"each load's worst": spread(run.get("worst_ms") or ())}))
    lifecycle_runs = dict(lifecycle_runs or {})
    control = lifecycle_runs.pop("native", None)  # a reference, not a target
    for interpreter, run in lifecycle_runs.items():
        summary = run["summary"]
        if summary is None:
            found.append(Target(f"JS heap growth < {HEAP_GROWTH_LIMIT_PCT}%, {interpreter}", None,
                                HEAP_GROWTH_LIMIT_PCT, unit="%", note=f"{FAILED}: {run['error']}"))
            continue
        notes = []
        if run.get("error"):
            notes.append(f"{FAILED} after {summary['cycles']} cycles: {run['error']}")
        if summary["late_growth_bytes_per_cycle"] is not None:
            notes.append(f"second half: {summary['late_growth_bytes_per_cycle']:.0f} B/cycle")
        if control and control["summary"] and control["summary"]["heap_growth_pct"] is not None:
            notes.append(f"native JS control: {control['summary']['heap_growth_pct']:+.1f}%")
        found.append(Target(
            f"JS heap growth over {summary['cycles']} cycles < {HEAP_GROWTH_LIMIT_PCT}%, {interpreter}",
            summary["heap_growth_pct"], HEAP_GROWTH_LIMIT_PCT, unit="%", strict=True,
            note=", ".join(notes)))
    if net_summaries:
        found += _network_targets(net_summaries)
    return found


def _figure(summaries, name, temperature="cold", key="content"):
    """(median, spread) of a variant's figure, or (None, None) if it was not measured."""
    if name not in summaries:
        return None, None
    summary = summaries[name][temperature]
    return summary[key + "_ms"], summary.get(key + "_spread")


def _ratio_target(label, summaries, app, base, factor, temperature="cold", what="native",
                  base_temperature=None):
    base_temperature = base_temperature or temperature
    value, value_spread = _figure(summaries, app, temperature)
    reference, reference_spread = _figure(summaries, base, base_temperature)
    return Target(label, value, factor * reference if reference else None,
                  note=f"{value / reference:.2f}x {what}" if value and reference else "",
                  spreads={f"{app} {temperature}": value_spread,
                           f"{base} {base_temperature}": reference_spread})


def _page_targets(summaries):
    if not summaries:
        return []
    found = [
        _ratio_target(f"MicroPython app cold <= {NATIVE_FACTOR}x native cold", summaries, "mpy",
                      "native", NATIVE_FACTOR),
        _ratio_target(f"Pyodide app cold <= {FLOOR_FACTOR}x the stock Pyodide floor cold",
                      summaries, "pyodide", "pyodide_floor", FLOOR_FACTOR, what="the floor"),
        _ratio_target(f"Pyodide app warm <= {WARM_NATIVE_FACTOR}x native warm", summaries,
                      "pyodide", "native", WARM_NATIVE_FACTOR, temperature="warm"),
    ]
    for name, label in (("pyodide", "Pyodide"), ("mpy", "MicroPython")):
        value, value_spread = _figure(summaries, name, key="fcp")
        found.append(Target(f"shell's first contentful paint <= {FIRST_PAINT_LIMIT_MS} ms, {label}",
                            value, FIRST_PAINT_LIMIT_MS, spreads={f"{name} cold": value_spread}))
    return found


def _network_targets(summaries):
    on = "on the emulated network"
    return [
        _ratio_target(f"{on}: MicroPython app cold <= {NET_NATIVE_FACTOR}x native cold",
                      summaries, "mpy", "native", NET_NATIVE_FACTOR),
        _ratio_target(f"{on}: Pyodide app cold <= {NET_FLOOR_FACTOR}x the stock Pyodide floor cold",
                      summaries, "pyodide", "pyodide_floor", NET_FLOOR_FACTOR, what="the floor"),
        _ratio_target(f"{on}: Pyodide app warm <= {NET_WARM_NATIVE_FACTOR}x native warm",
                      summaries, "pyodide", "native", NET_WARM_NATIVE_FACTOR, temperature="warm"),
        _ratio_target(f"{on}: MicroPython app warm <= {NET_WARM_NATIVE_FACTOR}x native warm",
                      summaries, "mpy", "native", NET_WARM_NATIVE_FACTOR, temperature="warm"),
    ]


def targets_text(found):
    counts = {verdict: sum(t.verdict == verdict for t in found)
              for verdict in ("met", "missed", "noisy")}
    return ("Targets (page load: medians, each against its reference in this same run; "
            f"NOISY: an IQR over {100 * NOISE_LIMIT:.0f}% of a median, no verdict; "
            "lifecycle: JS heap after a forced GC)\n"
            + "\n".join(t.line() for t in found)
            + f"\n  {counts['met']} met, {counts['missed']} missed, {counts['noisy']} too noisy "
            "to judge")


def last_line(summaries, lifecycle_runs, runs, failed_variants=(), tabs=None,
              net_summaries=None, net_runs=None, found=(), extra=None):
    """One line of key=value pairs: the numbers a script or a CI log wants.

    A variant never measured is ``<variant>_ms=failed``; a lifecycle page that
    did not finish is ``<interpreter>_lifecycle=failed`` (with its figures up
    to where it stopped, if it got that far). ``_iqr_pct``: a median's
    interquartile range as a share of it; ``net_``: on the emulated network; ``extra``:
    more pairs, before the verdicts' counts (live.pairs)."""
    cold = {name: summary["cold"] for name, summary in summaries.items()}
    warm = {name: summary["warm"] for name, summary in summaries.items()}
    pairs = {f"{name}_ms": medians["content_ms"] for name, medians in cold.items()}
    pairs.update({f"{name}_ms": FAILED for name in failed_variants})
    for name in summaries:
        pairs[f"{name}_warm_ms"] = warm[name]["content_ms"]
    for name in ("native", "pyodide", "mpy"):
        if name in cold:
            pairs[f"{name}_fcp_ms"] = cold[name]["fcp_ms"]
    pairs.update(_ratios(cold, warm))
    if "pyodide" in cold and "pyodide_floor" in cold:
        pairs["pyodide_over_floor_ms"] = (cold["pyodide"]["content_ms"]
                                          - cold["pyodide_floor"]["content_ms"])
    for name in APPS:
        if name in cold:
            pairs[f"{name}_kb"] = cold[name]["bytes"] / 1024
            pairs[f"{name}_longest_task_ms"] = cold[name]["longest_task_ms"]
    for name, run in (tabs or {}).items():
        clicks = run["clicks_ms"]
        pairs[f"{name}_tab_max_ms"] = max(clicks) if clicks else FAILED
        pairs[f"{name}_tab_median_ms"] = _median(clicks) if clicks else FAILED
    if summaries:
        pairs["runs"] = runs
    short = {"native": "native", "pyodide": "pyodide", "micropython": "mpy"}
    for interpreter, run in (lifecycle_runs or {}).items():
        summary, name = run["summary"], short[interpreter]
        if run.get("error"):
            pairs[f"{name}_lifecycle"] = FAILED
        if summary is None:
            continue
        pairs[f"{name}_cycle_ms"] = summary["cycle_median_ms"]
        pairs[f"{name}_heap_growth_pct"] = summary["heap_growth_pct"]
        start, end = summary["live_proxies"]
        if start is not None:
            pairs[f"{name}_proxies_left"] = end - start
    # Added in round two: steadiness, the path, the network, the verdicts.
    for name in summaries:
        for temperature, suffix in (("cold", ""), ("warm", "_warm")):
            share = relative_spread(summaries[name][temperature].get("content_spread"))
            if share is not None:
                pairs[f"{name}{suffix}_iqr_pct"] = 100 * share
    for name in APPS:
        if name in cold:
            path = on_path(_steps(cold[name]))
            if "who_am_i" in path:
                pairs[f"{name}_whoami_on_path_ms"] = path["who_am_i"]
            after = cold[name].get("summary_after_row")
            pairs[f"{name}_summary_after_row_ms"] = after["median"] if after else "na"
    if net_summaries:
        net_cold = {name: summary["cold"] for name, summary in net_summaries.items()}
        net_warm = {name: summary["warm"] for name, summary in net_summaries.items()}
        for name in net_summaries:
            pairs[f"net_{name}_ms"] = net_cold[name]["content_ms"]
            pairs[f"net_{name}_warm_ms"] = net_warm[name]["content_ms"]
            pairs[f"net_{name}_kb"] = net_cold[name]["bytes"] / 1024
            share = relative_spread(net_cold[name].get("content_spread"))
            if share is not None:
                pairs[f"net_{name}_iqr_pct"] = 100 * share
        pairs.update({"net_" + key: value for key, value in _ratios(net_cold, net_warm).items()})
        pairs["net_runs"] = net_runs
    pairs.update(extra or {})
    if found:
        for verdict in ("met", "missed", "noisy"):
            pairs[f"targets_{verdict}"] = sum(t.verdict == verdict for t in found)
    return " ".join(f"{key}={_value(value)}" for key, value in pairs.items())


def _ratios(cold, warm):
    pairs = {}
    if "native" in cold and "mpy" in cold:
        pairs["mpy_vs_native"] = cold["mpy"]["content_ms"] / cold["native"]["content_ms"]
    if "pyodide" in cold and "pyodide_floor" in cold:
        pairs["pyodide_vs_floor"] = (cold["pyodide"]["content_ms"]
                                     / cold["pyodide_floor"]["content_ms"])
    for name in APPS:
        if "native" in warm and name in warm:
            pairs[f"{name}_warm_vs_native"] = warm[name]["content_ms"] / warm["native"]["content_ms"]
    return pairs


def _value(value):
    if value is None:
        return "na"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"


def draw_chart(path, variants, loads, summaries, lifecycle_runs, net_summaries=None):
    """Medians as bars (each run a dot), the first row's path (on localhost and,
    if measured, the emulated network) and, if measured, the lifecycle's course.
    False, and no chart, when nothing was measured."""
    rows = 2 * bool(summaries) + bool(lifecycle_runs)
    if not rows:
        return False  # nothing measured: no chart (and no need of matplotlib)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    figure, axes = plt.subplots(rows, 2, figsize=(14, 4.8 * rows), squeeze=False)
    axes = list(axes.flat)
    if summaries:
        names = [v.name for v in variants if v.name in summaries]
        content = axes.pop(0)
        _bars(content, names, loads, summaries, "content_ms",
              "Content visible, ms since navigation (log scale)")
        content.set_yscale("log")
        content.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        content.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        # The floors have no shell to paint: their first paint is their content.
        fcp = axes.pop(0)
        _bars(fcp, [name for name in names if not name.endswith("_floor")], loads, summaries,
              "fcp_ms", "First contentful paint, ms")
        fcp.axhline(FIRST_PAINT_LIMIT_MS, color="tab:red", linestyle="--", linewidth=1,
                    label=f"target {FIRST_PAINT_LIMIT_MS} ms")
        fcp.legend(fontsize=8)
        _waterfall(axes.pop(0), variants, summaries, "First row's path, localhost, cold medians")
        network = axes.pop(0)
        if net_summaries:
            _waterfall(network, variants, net_summaries,
                       "First row's path, emulated network, cold medians")
        else:
            network.set_axis_off()
    if lifecycle_runs:
        times, heap = axes.pop(0), axes.pop(0)
        for interpreter, run in lifecycle_runs.items():
            result = run["result"]
            if not result:
                continue
            times.plot(range(1, len(result["cycle_ms"]) + 1), result["cycle_ms"], linewidth=0.8,
                       label=interpreter)
            points = [c for c in result["checkpoints"] if c["js_heap"] is not None]
            if points:
                base = points[0]["js_heap"]
                heap.plot([c["cycle"] for c in points],
                          [100 * (c["js_heap"] - base) / base for c in points],
                          marker="o", label=interpreter)
        times.set(title="Lifecycle: each mount/unmount cycle", xlabel="cycle", ylabel="ms")
        times.legend(fontsize=8)
        heap.axhline(HEAP_GROWTH_LIMIT_PCT, color="tab:red", linestyle="--", linewidth=1,
                     label=f"target {HEAP_GROWTH_LIMIT_PCT}%")
        heap.set(title="Lifecycle: JS heap after GC vs start", xlabel="cycle", ylabel="growth %")
        heap.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _waterfall(axis, variants, summaries, title):
    """Each variant's steps as bars from start to end: dark where the step is on
    the path (ends later than all before it), light where it is overlapped."""
    colors = {"native": "tab:green", "pyodide": "tab:blue", "mpy": "tab:orange"}
    ticks, names, y = [], [], 0.0
    for variant in variants:
        if variant.name not in colors or variant.name not in summaries:
            continue
        steps = _steps(summaries[variant.name]["cold"])
        path = on_path(steps)
        for key, label in WATERFALL:
            if key not in steps:
                continue
            start, end = steps[key]
            axis.barh(y, end - start, left=start, color=colors[variant.name], alpha=0.25)
            axis.barh(y, path[key], left=end - path[key], color=colors[variant.name])
            ticks.append(y)
            names.append(f"{variant.name}: {label.split(' (')[0]}")
            y += 1
        y += 0.5  # a gap between variants
    axis.set_yticks(ticks, names, fontsize=6)
    axis.invert_yaxis()
    axis.set(title=title + " (dark: on the path)", xlabel="ms since navigation")


def _bars(axis, names, loads, summaries, key, title):
    width = 0.38
    for offset, temperature, color in ((-width / 2, "cold", "tab:blue"),
                                       (width / 2, "warm", "tab:orange")):
        positions = [i + offset for i in range(len(names))]
        medians = [summaries[name][temperature][key] or 0 for name in names]
        axis.bar(positions, medians, width, color=color, alpha=0.75, label=f"{temperature} median")
        for position, name in zip(positions, names, strict=True):
            runs = [r[key] for r in loads[name][temperature] if r[key] is not None]
            axis.plot([position] * len(runs), runs, ".", color="black", markersize=3)
        for position, median in zip(positions, medians, strict=True):
            axis.annotate(f"{median:.0f}", (position, median), ha="center", va="bottom", fontsize=7)
    axis.set_xticks(range(len(names)), names, rotation=20, fontsize=8)
    axis.set_title(title)
    axis.legend(fontsize=8, loc="upper left")
