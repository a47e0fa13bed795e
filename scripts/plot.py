#!/usr/bin/python3
"""Plots of meshfit results: busbw vs size with the alpha-beta fit, time vs size with residuals.

usage: /usr/bin/python3 scripts/plot.py DIR
reads DIR/fit.json (meshfit fit: series, their measured points and fitted regimes, from a
meshbench run or an imported nccl-tests / OSU table); writes DIR/busbw_vs_size.png and
DIR/time_vs_size_<op>.png: one per op, intra and inter series on one chart, fit lines per
regime, residuals below, outliers as crosses.
A folder of `meshbench compare` (compare.csv) also gets compare_<op>.png (time of each placement
vs size, and the ratio to the first); a folder of `meshbench pairs` (pairs.csv, no results.csv)
gets pairs_heatmap.png (latency and bandwidth of every node pair); a folder of `meshbench accept`
(groups.csv) gets accept_nodes.png and accept_rails.png (each node's and rail's figure of every
check against its baseline) and, with a pair matrix, pairs_heatmap.png.

usage: /usr/bin/python3 scripts/plot.py SEARCH.json
reads the JSON of `meshplan search --format json` and writes SEARCH_pareto.png beside it: memory
per GPU against MFU estimate, every layout that fits a point, the Pareto front (the most MFU for
the memory) joined, the best layout and the decision tree's pick labelled.
Needs Debian's python3-matplotlib (run it with /usr/bin/python3, see MACHINE_NOTES).
"""
import csv
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(message):
    print(f"plot.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def read_json(path, schema, made_by=""):
    """The JSON document at path, refused (exit 2) unless it carries `schema`."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if doc.get("schema") != schema:
        fail(f"{path}: schema is {doc.get('schema')!r}, expected {schema!r}{made_by}")
    return doc


def read_fits(path):
    """(list of fit.json series, fitted time column). Each series carries its measured points,
    so tables imported from nccl-tests or OSU plot the same way as meshbench runs."""
    doc = read_json(path, "meshbench.fit/1")
    for s in doc["series"]:
        if "points" not in s:
            fail(f"{path}: series without points: rerun meshfit fit")
        s["points"].sort(key=lambda p: p["bytes"])
    return doc["series"], doc.get("time_column", "time_us_p50")


def fit_time_us(regime, nbytes):
    return regime["alpha_us"] + regime["beta_us_per_MB"] * nbytes / 1e6


def regime_curve(regime, points=40):
    lo, hi = regime["bytes_min"], regime["bytes_max"]
    xs = [lo * (hi / lo) ** (i / (points - 1)) for i in range(points)] if hi > lo else [lo]
    return xs, [fit_time_us(regime, x) for x in xs]


def label(series):
    tier = f"{series.get('tier', '')} {series.get('nodes', 1)}x{series.get('ranks_per_node', 1)}"
    return f"{series['op']} ({series['dtype']}, n={series['ranks']}, {tier}, {series['group']})"


def source_note(fig, series):
    """Where the series came from (file, tool, line range), in small print under the chart."""
    origins = []
    for s in series:
        for o in s.get("origin", []):
            if o not in origins:
                origins.append(o)
    if origins:
        text = "source: " + "; ".join(origins)
        fig.text(0.005, 0.002, text if len(text) < 400 else text[:397] + "...", fontsize=6,
                 va="bottom", ha="left", wrap=True)


def size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.set_xlabel("size (bytes, nccl-tests convention)")
    ax.grid(True, which="major", alpha=0.3)


def plot_busbw(series, time_column, out):
    fig, ax = plt.subplots(figsize=(10, 6))
    for i, s in enumerate(series):
        color = f"C{i % 10}"
        pts = s["points"]
        factor = s["busbw_factor"]
        ax.plot([p["bytes"] for p in pts], [p["bytes"] / (p["time_us"] * 1e3) * factor for p in pts],
                "o", color=color, ms=4, label=f"{label(s)} measured")
        for j, regime in enumerate(s["regimes"]):
            rx, rt = regime_curve(regime)
            ax.plot(rx, [x / (t * 1e3) * factor if t > 0 else float("nan") for x, t in zip(rx, rt)],
                    "-", color=color, lw=1.2, label="alpha-beta fit per regime" if i == 0 and j == 0 else None)
    size_axis(ax)
    ax.set_ylabel(f"busbw (GB/s, from {time_column})")
    ax.set_title("Bus bandwidth vs size: points measured, lines fitted (one per regime)")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_note(fig, series)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_op(op, series, time_column, out):
    """All series of one op (intra and inter together): time with the fit per regime, and the
    relative residuals below. Outliers the fit set aside are drawn as crosses."""
    fig, (ax, res) = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1.3]})
    res.axhline(0, color="grey", lw=0.8)
    for i, s in enumerate(series):
        color = f"C{i % 10}"
        pts = s["points"]
        inl = [p for p in pts if not p.get("outlier")]
        out_pts = [p for p in pts if p.get("outlier")]
        ax.plot([p["bytes"] for p in inl], [p["time_us"] for p in inl], "o", ms=4, color=color,
                label=f"{label(s)} ({time_column})")
        if out_pts:
            ax.plot([p["bytes"] for p in out_pts], [p["time_us"] for p in out_pts], "x", ms=8,
                    color=color, label="outlier set aside")
        regimes = s["regimes"]
        for j, regime in enumerate(regimes):
            rx, rt = regime_curve(regime)
            ax.plot(rx, rt, "-", lw=1.4, color=color,
                    label=f"  regime {j + 1}: alpha {regime['alpha_us']:.3g} us, "
                          f"bw {regime['bw_GBps'] or float('nan'):.3g} GB/s")
        if regimes:
            rel = []
            for p in pts:
                regime = next((r for r in regimes if p["bytes"] <= r["bytes_max"]), regimes[-1])
                rel.append(100.0 * (fit_time_us(regime, p["bytes"]) - p["time_us"]) / p["time_us"])
            res.plot([p["bytes"] for p in pts], rel, "o-", ms=3, color=color)
    ax.set_yscale("log")
    ax.set_ylabel("time (us)")
    ax.set_title(f"{op}: time vs size, measured and fitted")
    ax.legend(fontsize=7)
    ax.grid(True, which="major", alpha=0.3)
    res.set_ylabel("fit - measured (%)")
    size_axis(res)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_note(fig, series)
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


def plot_accept_groups(path, run_dir):
    """accept_nodes.png and accept_rails.png: one row per check of that scope, one column per
    node (or rail); each cell is the group's median over attempts relative to its baseline
    (or, without a baseline, to the median group of the check), as goodness: busbw / reference,
    or reference / time, so that below 1 is worse either way."""
    rows = read_csv_rows(path, ["check", "scope", "group", "value", "unit", "passed"])
    written = []
    for scope, out_name in (("node", "accept_nodes.png"), ("rail", "accept_rails.png")):
        mine = [r for r in rows if r["scope"] == scope]
        if not mine:
            continue
        checks, groups = [], []
        for r in mine:
            if r["check"] not in checks:
                checks.append(r["check"])
            if r["group"] not in groups:
                groups.append(r["group"])
        ratio = [[float("nan")] * len(groups) for _ in checks]
        text = [[""] * len(groups) for _ in checks]
        for i, check in enumerate(checks):
            values, base = {}, {}
            for r in mine:
                if r["check"] == check:
                    values.setdefault(r["group"], []).append(float(r["value"]))
                    if r.get("baseline_median"):
                        base[r["group"]] = float(r["baseline_median"])
            medians = {g: statistics.median(v) for g, v in values.items()}
            typical = statistics.median(medians.values())
            for j, g in enumerate(groups):
                if g not in medians:
                    continue
                ref = base.get(g, typical)
                busbw = next(r["unit"] for r in mine if r["check"] == check) == "busbw_GBps"
                ratio[i][j] = medians[g] / ref if busbw else ref / medians[g]
                text[i][j] = f"{ratio[i][j]:.2f}\n{medians[g]:.3g}"
        fig, ax = plt.subplots(figsize=(max(6.0, 2.5 + 1.3 * len(groups)), 2.0 + 0.7 * len(checks)))
        im = ax.imshow(ratio, cmap="RdYlGn", vmin=0.5, vmax=1.5, aspect="auto")
        for i in range(len(checks)):
            for j in range(len(groups)):
                ax.text(j, i, text[i][j], ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(groups)), [g.split(" ", 1)[-1] for g in groups], rotation=45,
                      ha="right")
        ax.set_yticks(range(len(checks)), checks)
        ax.set_title(f"accept, every {scope}: median vs baseline (or the median {scope})\n"
                     "cell: ratio (below 1 is worse) / median busbw GB/s or p50 us", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046)
        fig.tight_layout()
        out = os.path.join(run_dir, out_name)
        fig.savefig(out, dpi=110)
        plt.close(fig)
        written.append(out)
    return written


def pareto_front(points):
    """The points no other beats on both axes (less memory and more MFU): by memory, each one
    with more MFU than every point using less memory. points: (memory_gib, mfu, label)."""
    front, best = [], -1.0
    for p in sorted(points, key=lambda p: (p[0], -p[1])):
        if p[1] > best:
            front.append(p)
            best = p[1]
    return front


def plot_search(path):
    doc = read_json(path, "meshbench.search/1", " (meshplan search --format json)")
    layouts = doc.get("layouts") or []
    if not layouts:
        fail(f"{path}: no layout fits, nothing to plot")
    points = [(l["memory_gib"], 100 * l["mfu"], l["label"]) for l in layouts]
    front = pareto_front(points)
    fig, ax = plt.subplots(figsize=(9, 6))
    ax.scatter([p[0] for p in points], [p[1] for p in points], s=12, alpha=0.5,
               label=f"{len(points)} layouts that fit")
    ax.plot([p[0] for p in front], [p[1] for p in front], "-o", color="C3", markersize=4,
            label="Pareto front (most MFU for the memory)")
    best = max(points, key=lambda p: p[1])
    ax.annotate(f"best: {best[2]}", (best[0], best[1]), textcoords="offset points", xytext=(8, 8),
                fontsize=8, arrowprops={"arrowstyle": "->"})
    tree = doc.get("decision_tree", {})
    if "label" in tree and "estimate" in tree:
        e = tree["estimate"]
        ax.scatter([e["memory_gib"]["total"]], [100 * e["mfu"]], marker="s", color="C2", zorder=3,
                   label="decision tree")
        ax.annotate(f"tree: {tree['label']}", (e["memory_gib"]["total"], 100 * e["mfu"]),
                    textcoords="offset points", xytext=(8, -14), fontsize=8,
                    arrowprops={"arrowstyle": "->"})
    if doc.get("hbm_gib"):
        ax.axvline(doc["hbm_gib"], color="gray", linestyle=":", label=f"HBM {doc['hbm_gib']:.0f} GiB")
    ax.set_xlabel("memory per GPU (GiB, the fullest pipeline stage)")
    ax.set_ylabel("MFU estimate (%)")
    ax.set_title(f"{doc['model']['name']} on {doc.get('gpus')} x {doc.get('gpu')}: layouts by memory "
                 "and MFU")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    out = os.path.splitext(path)[0] + "_pareto.png"
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1].endswith(".json") and os.path.isfile(argv[1]):
        print(f"wrote {plot_search(argv[1])}")
        return 0
    run_dir = argv[1]
    pairs = os.path.join(run_dir, "pairs.csv")
    groups = os.path.join(run_dir, "groups.csv")
    if (os.path.exists(pairs) or os.path.exists(groups)) and \
            not os.path.exists(os.path.join(run_dir, "fit.json")):
        written = []
        if os.path.exists(groups) and os.path.getsize(groups) > 0 and \
                len(open(groups).readlines()) > 1:
            written += plot_accept_groups(groups, run_dir)
        if os.path.exists(pairs):
            written += plot_pairs(pairs, run_dir)
        for path in written:
            print(f"wrote {path}")
        return 0
    series, time_column = read_fits(os.path.join(run_dir, "fit.json"))
    written = [os.path.join(run_dir, "busbw_vs_size.png")]
    plot_busbw(series, time_column, written[0])
    for op in sorted({s["op"] for s in series}):
        path = os.path.join(run_dir, f"time_vs_size_{op}.png")
        plot_op(op, [s for s in series if s["op"] == op], time_column, path)
        written.append(path)
    compare = os.path.join(run_dir, "compare.csv")
    if os.path.exists(compare):
        written += plot_compare(compare, run_dir)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
