"""What bench/run.py prints and draws: tables, targets, the chart, the last line.

Every function takes the summaries run.py builds (``pageload.summarize`` per
variant and temperature, for the variants measured at least once;
``lifecycle.summarize`` per interpreter) and returns text, except
``draw_chart``, which writes the PNG. ``failures`` ({variant: [why, ...]})
are shown as such: a variant never measured is a "failed" row and
``<variant>_ms=failed`` in the last line.
"""

from dataclasses import dataclass

from .pageload import MILESTONES, REQUESTS

FIRST_PAINT_LIMIT_MS = 200
FLOOR_FACTOR = 0.5  # Pyodide app cold vs the stock Pyodide floor page cold
WARM_NATIVE_FACTOR = 4  # Pyodide app warm vs native warm
NATIVE_FACTOR = 1.5  # MicroPython app cold vs native cold
HEAP_GROWTH_LIMIT_PCT = 5
TAB_RESPONSE_LIMIT_MS = 100
FAILED = "failed"


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


def load_table(variants, summaries, runs, failures=None):
    failures = failures or {}
    native = summaries.get("native")
    header = ["variant", "content cold", "min-max", "content warm", "FP cold", "FCP cold",
              "FCP warm", "KB cold", "KB warm", "x native cold", "x native warm"]
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
            variant.label, _ms(cold["content_ms"]),
            f"{_ms(cold['content_min_ms'])}-{_ms(cold['content_max_ms'])} ({cold['runs']})",
            _ms(warm["content_ms"]),
            _ms(cold["first_paint_ms"]), _ms(cold["fcp_ms"]), _ms(warm["fcp_ms"]),
            f"{cold['bytes'] / 1024:.0f}", f"{warm['bytes'] / 1024:.0f}", *ratios,
        ])
    title = (f"Page load: medians of up to {runs} runs per variant (runs measured in brackets), "
             "ms since navigation (cold: fresh browser context; warm: reload)\n"
             "content: first row visible (floors: Python's element); FP/FCP: first (contentful) "
             "paint; KB: transferred up to the content")
    problems = [f"  {name}: {why}" for name, whys in failures.items() for why in whys]
    return (title + "\n" + _table(header, rows)
            + ("\nFailed loads:\n" + "\n".join(problems) if problems else ""))


def milestone_table(variants, summaries):
    """Cold medians of each milestone, with the time since the row above."""
    variants = [v for v in variants if v.name in summaries]
    header = ["cold medians: ms since navigation (+ since the row above)",
              *[variant.name for variant in variants]]
    previous = {variant.name: 0 for variant in variants}
    rows = []
    for key, label in MILESTONES:
        row = [label]
        for variant in variants:
            value = summaries[variant.name]["cold"]["milestones"].get(key)
            if value is None:
                row.append("")
                continue
            row.append(f"{value:.0f} (+{value - previous[variant.name]:.0f})")
            previous[variant.name] = value
        rows.append(row)
    return "Where the time goes\n" + _table(header, rows)


def request_table(variants, summaries):
    """Cold median start-end of the requests between Python and the widget."""
    shown = [v for v in variants if v.name in summaries and summaries[v.name]["cold"]["requests"]]
    header = ["cold medians: start-end ms since navigation", *[v.name for v in shown]]
    rows = []
    for key, label, _ in REQUESTS:
        row = [label]
        for variant in shown:
            span = summaries[variant.name]["cold"]["requests"].get(key)
            row.append(f"{span[0]:.0f}-{span[1]:.0f}" if span else "")
        rows.append(row)
    return "Requests on the way to the widget\n" + _table(header, rows)


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
    header = ["variant", "clicks", "answered median ms", "max", "over 100 ms",
              "longest task during load (cold median)"]
    rows, problems = [], []
    for name, run in tabs.items():
        clicks = sorted(run["clicks_ms"])
        problems += [f"  {name}: {why}" for why in run["failures"]]
        longest = summaries.get(name, {}).get("cold") or {}
        rows.append([name, str(len(clicks)), _ms(_median(clicks)), _ms(clicks[-1] if clicks else None),
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

    @property
    def met(self):
        if self.value is None or self.limit is None:
            return None
        return self.value < self.limit if self.strict else self.value <= self.limit

    def line(self):
        if self.met is None:
            return f"  n/a     {self.label} (not measured{'; ' + self.note if self.note else ''})"
        margin = abs(self.value - self.limit)
        verdict = (f"met, {margin:.1f}{self.unit} to spare" if self.met
                   else f"MISSED by {margin:.1f}{self.unit}")
        note = f"; {self.note}" if self.note else ""
        return (f"  {'met' if self.met else 'MISSED':7} {self.label}: {self.value:.1f}{self.unit} "
                f"(limit {self.limit:.1f}{self.unit}) - {verdict}{note}")


def targets(summaries, lifecycle_runs, tabs=None):
    """The issue's targets, against the medians and the lifecycle's heap growth."""
    def median(name, temperature="cold", key="content_ms"):
        return summaries[name][temperature][key] if name in summaries else None

    def times(factor, base):
        return factor * base if base else None

    found = []
    if summaries:
        native, mpy = median("native"), median("mpy")
        found.append(Target(f"MicroPython app cold <= {NATIVE_FACTOR}x native cold", mpy,
                            times(NATIVE_FACTOR, native),
                            note=f"{mpy / native:.2f}x native" if native and mpy else ""))
        floor, pyodide = median("pyodide_floor"), median("pyodide")
        found.append(Target(f"Pyodide app cold <= {FLOOR_FACTOR}x the stock Pyodide floor cold",
                            pyodide, times(FLOOR_FACTOR, floor),
                            note=f"{pyodide / floor:.2f}x the floor" if floor and pyodide else ""))
        native_warm, pyodide_warm = median("native", "warm"), median("pyodide", "warm")
        found.append(Target(f"Pyodide app warm <= {WARM_NATIVE_FACTOR}x native warm", pyodide_warm,
                            times(WARM_NATIVE_FACTOR, native_warm),
                            note=f"{pyodide_warm / native_warm:.1f}x native"
                            if native_warm and pyodide_warm else ""))
        for name, label in (("pyodide", "Pyodide"), ("mpy", "MicroPython")):
            found.append(Target(f"shell's first contentful paint <= {FIRST_PAINT_LIMIT_MS} ms, "
                                f"{label}", median(name, key="fcp_ms"), FIRST_PAINT_LIMIT_MS))
    for name, run in (tabs or {}).items():
        clicks = run["clicks_ms"]
        found.append(Target(f"every tab click answered within {TAB_RESPONSE_LIMIT_MS} ms while "
                            f"Python starts, {name}", max(clicks) if clicks else None,
                            TAB_RESPONSE_LIMIT_MS, note=f"{len(clicks)} clicks"))
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
        if control and control["summary"]["heap_growth_pct"] is not None:
            notes.append(f"native JS control: {control['summary']['heap_growth_pct']:+.1f}%")
        found.append(Target(
            f"JS heap growth over {summary['cycles']} cycles < {HEAP_GROWTH_LIMIT_PCT}%, {interpreter}",
            summary["heap_growth_pct"], HEAP_GROWTH_LIMIT_PCT, unit="%", strict=True,
            note=", ".join(notes)))
    return found


def targets_text(found):
    return ("Targets (page load: cold medians; lifecycle: JS heap after a forced GC)\n"
            + "\n".join(t.line() for t in found))


def last_line(summaries, lifecycle_runs, runs, failed_variants=(), tabs=None):
    """One line of key=value pairs: the numbers a script or a CI log wants.

    A variant never measured is ``<variant>_ms=failed``; a lifecycle page that
    did not finish is ``<interpreter>_lifecycle=failed`` (with its figures up
    to where it stopped, if it got that far)."""
    cold = {name: summary["cold"] for name, summary in summaries.items()}
    warm = {name: summary["warm"] for name, summary in summaries.items()}
    pairs = {f"{name}_ms": medians["content_ms"] for name, medians in cold.items()}
    pairs.update({f"{name}_ms": FAILED for name in failed_variants})
    for name in summaries:
        pairs[f"{name}_warm_ms"] = warm[name]["content_ms"]
    for name in ("native", "pyodide", "mpy"):
        if name in cold:
            pairs[f"{name}_fcp_ms"] = cold[name]["fcp_ms"]
    if "native" in cold and "mpy" in cold:
        pairs["mpy_vs_native"] = cold["mpy"]["content_ms"] / cold["native"]["content_ms"]
    if "pyodide" in cold and "pyodide_floor" in cold:
        pairs["pyodide_vs_floor"] = (cold["pyodide"]["content_ms"]
                                     / cold["pyodide_floor"]["content_ms"])
        pairs["pyodide_over_floor_ms"] = (cold["pyodide"]["content_ms"]
                                          - cold["pyodide_floor"]["content_ms"])
    if "native" in warm and "pyodide" in warm:
        pairs["pyodide_warm_vs_native"] = warm["pyodide"]["content_ms"] / warm["native"]["content_ms"]
    for name in ("pyodide", "mpy"):
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
    return " ".join(f"{key}={_value(value)}" for key, value in pairs.items())


def _value(value):
    if value is None:
        return "na"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"


def draw_chart(path, variants, loads, summaries, lifecycle_runs):
    """Medians as bars (each run a dot) and, if measured, the lifecycle's course."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = bool(summaries) + bool(lifecycle_runs)
    figure, axes = plt.subplots(rows, 2, figsize=(12, 4.6 * rows), squeeze=False)
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
