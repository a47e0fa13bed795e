#!/usr/bin/python3
"""Plots of a meshbench run: busbw vs size with the alpha-beta fit, time vs size with residuals.

usage: /usr/bin/python3 scripts/plot.py RUN_DIR
reads RUN_DIR/fit.json (meshfit fit) and RUN_DIR/results.csv (meshbench sweep; the time column
that was fitted); writes
RUN_DIR/busbw_vs_size.png and RUN_DIR/time_vs_size_<op>.png (one per series' op).
Needs Debian's python3-matplotlib (run it with /usr/bin/python3, see MACHINE_NOTES).
"""
import csv
import json
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(message):
    print(f"plot.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def read_results(path, time_column):
    """{(op, dtype, ranks, group): [(bytes, time_us, busbw_factor), ...]} sorted by bytes."""
    series = defaultdict(list)
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            for line, row in enumerate(reader, start=2):
                try:
                    key = (row["op"], row["dtype"], int(row["ranks"]), row["group"])
                    series[key].append(
                        (int(row["bytes"]), float(row[time_column]), float(row["busbw_factor"])))
                except (KeyError, ValueError, TypeError) as e:
                    fail(f"{path}:{line}: bad row ({e})")
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not series:
        fail(f"{path}: no data rows")
    return {k: sorted(v) for k, v in series.items()}


def read_fits(path):
    """({(op, dtype, ranks, group): [regime, ...]}, fitted time column) from fit.json."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if doc.get("schema") != "meshbench.fit/1":
        fail(f"{path}: schema is {doc.get('schema')!r}, expected 'meshbench.fit/1'")
    fits = {(s["op"], s["dtype"], s["ranks"], s["group"]): s["regimes"] for s in doc["series"]}
    return fits, doc.get("time_column", "time_us_p50")


def fit_time_us(regime, nbytes):
    return regime["alpha_us"] + regime["beta_us_per_MB"] * nbytes / 1e6


def regime_curve(regime, points=40):
    lo, hi = regime["bytes_min"], regime["bytes_max"]
    xs = [lo * (hi / lo) ** (i / (points - 1)) for i in range(points)] if hi > lo else [lo]
    return xs, [fit_time_us(regime, x) for x in xs]


def label(key):
    op, dtype, ranks, group = key
    return f"{op} ({dtype}, n={ranks}, {group})"


def size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.set_xlabel("size (bytes, nccl-tests convention)")
    ax.grid(True, which="major", alpha=0.3)


def plot_busbw(series, fits, time_column, out):
    fig, ax = plt.subplots(figsize=(10, 6))
    for i, (key, points) in enumerate(sorted(series.items())):
        color = f"C{i % 10}"
        xs = [p[0] for p in points]
        ax.plot(xs, [b / (t * 1e3) * f for b, t, f in points], "o", color=color, ms=4,
                label=f"{label(key)} measured")
        factor = points[0][2]
        for j, regime in enumerate(fits.get(key, [])):
            rx, rt = regime_curve(regime)
            ax.plot(rx, [x / (t * 1e3) * factor if t > 0 else float("nan") for x, t in zip(rx, rt)],
                    "-", color=color, lw=1.2, label="alpha-beta fit per regime" if i == 0 and j == 0 else None)
    size_axis(ax)
    ax.set_ylabel(f"busbw (GB/s, from {time_column})")
    ax.set_title("Bus bandwidth vs size: points measured, lines fitted (one per regime)")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_time(key, points, regimes, time_column, out):
    fig, (ax, res) = plt.subplots(2, 1, figsize=(9, 7), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    xs = [p[0] for p in points]
    ts = [p[1] for p in points]
    ax.plot(xs, ts, "o", ms=4, label=f"measured ({time_column})")
    for j, regime in enumerate(regimes):
        rx, rt = regime_curve(regime)
        ax.plot(rx, rt, "-", lw=1.5,
                label=f"regime {j + 1}: alpha {regime['alpha_us']:.3g} us, "
                      f"bw {regime['bw_GBps'] or float('nan'):.3g} GB/s")
    ax.set_yscale("log")
    ax.set_ylabel("time (us)")
    ax.set_title(f"{label(key)}: time vs size")
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    rel = []
    for b, t, _ in points:
        regime = next((r for r in regimes if b <= r["bytes_max"]), regimes[-1] if regimes else None)
        rel.append(100.0 * (fit_time_us(regime, b) - t) / t if regime else float("nan"))
    res.axhline(0, color="grey", lw=0.8)
    res.plot(xs, rel, "o-", ms=3)
    res.set_ylabel("fit - measured (%)")
    size_axis(res)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir = argv[1]
    fits, time_column = read_fits(os.path.join(run_dir, "fit.json"))
    series = read_results(os.path.join(run_dir, "results.csv"), time_column)
    written = [os.path.join(run_dir, "busbw_vs_size.png")]
    plot_busbw(series, fits, time_column, written[0])
    for key, points in sorted(series.items()):
        op, dtype, ranks, group = key
        name = op if sum(1 for k in series if k[0] == op) == 1 else f"{op}_{dtype}_n{ranks}_{group}"
        path = os.path.join(run_dir, f"time_vs_size_{name}.png")
        plot_time(key, points, fits.get(key, []), time_column, path)
        written.append(path)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
