#!/usr/bin/python3
"""Plots of a meshbench run: busbw vs size with the alpha-beta fit, time vs size with residuals.

usage: /usr/bin/python3 scripts/plot.py RUN_DIR
reads RUN_DIR/fit.json (meshfit fit) and RUN_DIR/results.csv (meshbench sweep; the time column
that was fitted); writes
RUN_DIR/busbw_vs_size.png and RUN_DIR/time_vs_size_<op>.png (one per series' op).
A folder of `meshbench compare` (compare.csv) also gets compare_<op>.png (time of each placement
vs size, and the ratio to the first); a folder of `meshbench pairs` (pairs.csv, no results.csv)
gets pairs_heatmap.png (latency and bandwidth of every node pair).
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


def series_group(row):
    """The group name meshfit gives a series (fit/sweep_results.cpp): mesh runs carry the axis,
    the order and isolation, since group indices repeat under each."""
    axis = row.get("axis", "world")
    if axis in (None, "", "world"):
        return row["group"]
    isolated = " isolated" if row.get("isolate") == "1" else ""
    return f"{axis}[{row['group']}]@{row['order']}{isolated}"


def read_results(path, time_column):
    """{(op, dtype, ranks, group): [(bytes, time_us, busbw_factor), ...]} sorted by bytes."""
    series = defaultdict(list)
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            for line, row in enumerate(reader, start=2):
                try:
                    key = (row["op"], row["dtype"], int(row["ranks"]), series_group(row))
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


def read_csv_rows(path, columns):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not rows:
        fail(f"{path}: no data rows")
    for line, row in enumerate(rows, start=2):
        missing = [c for c in columns if row.get(c) in (None, "")]
        if missing:
            fail(f"{path}:{line}: missing {', '.join(missing)}")
    return rows


def plot_compare(path, run_dir):
    """compare_<op>.png: p50 time per placement vs size (top) and the ratio to the first."""
    rows = read_csv_rows(path, ["op", "bytes", "order", "tier", "time_us_p50", "time_ratio_to_first"])
    written = []
    for op in sorted({r["op"] for r in rows}):
        orders = []
        for r in rows:
            if r["op"] == op and r["order"] not in orders:
                orders.append(r["order"])
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True,
                                          gridspec_kw={"height_ratios": [3, 1.4]})
        for order in orders:
            pts = sorted((int(r["bytes"]), float(r["time_us_p50"]), float(r["time_ratio_to_first"]),
                          r["tier"], r["group_nodes"], r["group_ranks_per_node"])
                         for r in rows if r["op"] == op and r["order"] == order)
            tier = f"{pts[0][3]} {pts[0][4]}x{pts[0][5]}"
            top.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f"{order} ({tier})")
            bottom.plot([p[0] for p in pts], [p[2] for p in pts], "o-")
        top.set_yscale("log")
        top.set_ylabel("p50 time (us)")
        top.set_title(f"{op}: the same axis under each order (k nodes x g ranks per node)")
        top.grid(True, which="both", alpha=0.3)
        top.legend(fontsize=8)
        bottom.set_yscale("log")
        bottom.set_ylabel("time / first")
        bottom.grid(True, which="both", alpha=0.3)
        size_axis(bottom)
        fig.tight_layout()
        out = os.path.join(run_dir, f"compare_{op}.png")
        fig.savefig(out, dpi=110)
        plt.close(fig)
        written.append(out)
    return written


def plot_pairs(path, run_dir):
    """pairs_heatmap.png: latency and bandwidth matrices of the node pairs."""
    rows = read_csv_rows(path, ["node_a", "node_b", "host_a", "host_b", "latency_us_p50", "bw_GBps"])
    hosts = {}
    for r in rows:
        hosts[int(r["node_a"])] = r["host_a"]
        hosts[int(r["node_b"])] = r["host_b"]
    n = max(hosts) + 1
    names = [hosts.get(i, str(i)) for i in range(n)]
    fig, axes = plt.subplots(1, 2, figsize=(4 + 2.2 * n, 1.5 + 1.1 * n))
    for ax, column, title in ((axes[0], "latency_us_p50", "latency p50 (us)"),
                              (axes[1], "bw_GBps", "bandwidth (GB/s)")):
        m = [[float("nan")] * n for _ in range(n)]
        for r in rows:
            a, b = int(r["node_a"]), int(r["node_b"])
            m[a][b] = m[b][a] = float(r[column])
        im = ax.imshow(m, cmap="viridis")
        for a in range(n):
            for b in range(n):
                if a != b:
                    ax.text(b, a, f"{m[a][b]:.3g}", ha="center", va="center", color="w", fontsize=8)
        ax.set_xticks(range(n), names, rotation=45, ha="right")
        ax.set_yticks(range(n), names)
        ax.set_title(title)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.suptitle("node-pair matrix (one rank per node)")
    fig.tight_layout()
    out = os.path.join(run_dir, "pairs_heatmap.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [out]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir = argv[1]
    pairs = os.path.join(run_dir, "pairs.csv")
    if os.path.exists(pairs) and not os.path.exists(os.path.join(run_dir, "results.csv")):
        for path in plot_pairs(pairs, run_dir):
            print(f"wrote {path}")
        return 0
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
    compare = os.path.join(run_dir, "compare.csv")
    if os.path.exists(compare):
        written += plot_compare(compare, run_dir)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
