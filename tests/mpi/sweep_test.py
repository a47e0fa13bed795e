#!/usr/bin/python3
"""Multi-rank test: runs `mpiexec -n NP meshbench sweep ARGS --out OUT` and asserts on what it
wrote. The expected values are computed here independently of the C++ code.

usage: sweep_test.py --meshbench BIN --np N --out DIR [--expect-rc RC] [--expect-wrong]
                     [--expect-ops a,b] [--expect-repetitions R] [--expect-benchmark-json]
                     [--skip-without-gpu] -- SWEEP_ARGS...

With --skip-without-gpu, a run that exits 4 ("no GPU") makes the test exit 77 (CTest: skipped)
after checking that it said why and wrote nothing.
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys

NO_GPU_RC = 4  # bench/gpu.hpp kNoGpuExitCode
SKIP_RC = 77   # CTest SKIP_RETURN_CODE
NO_IN_PLACE = {"all_to_all", "send_recv", "ping_pong"}
ALL_OPS = ["all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast", "send_recv",
           "ping_pong"]
BLOCKED = {"all_gather", "reduce_scatter", "all_to_all"}  # size splits into n rank blocks


def busbw_factor(op, n):
    """nccl-tests doc/PERFORMANCE.md."""
    if op == "all_reduce":
        return 2.0 * (n - 1) / n
    if op in BLOCKED:
        return (n - 1) / n
    return 1.0


def parse_size(text):
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.upper()
    suffix = text[-1] if text[-1] in "KMG" else ""
    return int(text[: len(text) - len(suffix)]) * mult[suffix]


def flag(args, short, long, default):
    for i, a in enumerate(args):
        if a in (short, long):
            return args[i + 1]
    return default


def expected_sizes(op, args, n):
    lo = parse_size(flag(args, "-b", "--minbytes", "8"))
    hi = parse_size(flag(args, "-e", "--maxbytes", "4M"))
    factor = float(flag(args, "-f", "--stepfactor", "2"))
    esize = 2 if flag(args, "-d", "--datatype", "float32") in ("bf16", "bfloat16") else 4
    requested, size = [], lo
    while size <= hi:
        requested.append(size)
        size = max(size + 1, round(size * factor))
    block = esize * (n if op in BLOCKED else 1)
    return sorted({(s // block) * block for s in requested} - {0})


class Checker:
    def __init__(self):
        self.failures = []

    def check(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition


def close(a, b, rel=1e-6):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--meshbench", required=True)
    p.add_argument("--np", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--expect-rc", type=int, default=0)
    p.add_argument("--expect-wrong", action="store_true")
    p.add_argument("--expect-ops", default=None)
    p.add_argument("--expect-repetitions", type=int, default=1)
    p.add_argument("--expect-benchmark-json", action="store_true")
    p.add_argument("--skip-without-gpu", action="store_true")
    p.add_argument("sweep_args", nargs=argparse.REMAINDER)
    a = p.parse_args()
    args = a.sweep_args[1:] if a.sweep_args[:1] == ["--"] else a.sweep_args
    shutil.rmtree(a.out, ignore_errors=True)
    gb_json = os.path.join(a.out, "gbench.json")
    cmd = ["mpiexec", "-n", str(a.np), a.meshbench, "sweep", *args, "--out", a.out]
    if a.expect_benchmark_json:
        cmd.append(f"--benchmark_out={gb_json}")
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    print(proc.stdout)
    print(proc.stderr, file=sys.stderr)

    c = Checker()
    if a.skip_without_gpu and proc.returncode == NO_GPU_RC:
        c.check("no GPU" in proc.stderr, "exit 4 without saying 'no GPU'")
        c.check(not os.path.exists(os.path.join(a.out, "results.csv")), "results.csv written without a GPU")
        if c.failures:
            return report(c)
        print(f"SKIPPED: no GPU here ({proc.stderr.strip().splitlines()[-1]})")
        return SKIP_RC
    c.check(proc.returncode == a.expect_rc, f"exit code {proc.returncode}, expected {a.expect_rc}")
    results_path = os.path.join(a.out, "results.csv")
    if not c.check(os.path.exists(results_path), "results.csv missing"):
        return report(c)
    rows = list(csv.DictReader(open(results_path)))
    n = a.np
    iters = int(flag(args, "-n", "--iters", "20"))
    in_place = "--in-place" in args
    backend = flag(args, "--backend", "--backend", None)
    graph = flag(args, "-G", "--cudagraph", "0")
    ops = a.expect_ops.split(",") if a.expect_ops else [o for o in ALL_OPS
                                                          if not (o == "ping_pong" and n < 2)
                                                          and not (in_place and o in NO_IN_PLACE)]
    c.check(sorted({r["op"] for r in rows}) == sorted(ops),
            f"ops in CSV {sorted({r['op'] for r in rows})}, expected {sorted(ops)}")
    for op in ops:
        got = sorted({int(r["bytes"]) for r in rows if r["op"] == op})
        c.check(got == expected_sizes(op, args, n), f"{op}: sizes {got}, expected {expected_sizes(op, args, n)}")
        for size in got:
            reps = sorted(int(r["repetition"]) for r in rows if r["op"] == op and int(r["bytes"]) == size)
            c.check(reps == list(range(a.expect_repetitions)), f"{op} {size}: repetitions {reps}")
    total_wrong = 0
    for r in rows:
        where = f"{r['op']} {r['bytes']} rep {r['repetition']}"
        t = {k: float(r[k]) for k in ("time_us_min", "time_us_p50", "time_us_mean", "time_us_p99", "time_us_max")}
        size = int(r["bytes"])
        c.check(int(r["ranks"]) == n, f"{where}: ranks {r['ranks']}")
        c.check(r["in_place"] == ("1" if in_place else "0"), f"{where}: in_place {r['in_place']}")
        if backend in ("mpi", "nccl"):
            c.check(r["backend"] == backend, f"{where}: backend {r['backend']}, expected {backend}")
        c.check(r["launch"] == ("eager" if graph == "0" else f"graph:{graph}"), f"{where}: launch {r['launch']}")
        c.check(int(r["iters"]) == iters, f"{where}: iters {r['iters']}")
        c.check(t["time_us_min"] <= t["time_us_p50"] <= t["time_us_p99"] <= t["time_us_max"], f"{where}: percentiles out of order {t}")
        c.check(t["time_us_min"] <= t["time_us_mean"] <= t["time_us_max"], f"{where}: mean outside [min, max]")
        c.check(t["time_us_min"] > 0, f"{where}: zero time")
        algbw = size / (t["time_us_p50"] * 1e3)
        c.check(close(float(r["algbw_GBps"]), algbw, 1e-7), f"{where}: algbw {r['algbw_GBps']} != size/time {algbw}")
        f = busbw_factor(r["op"], n)
        c.check(close(float(r["busbw_factor"]), f), f"{where}: busbw_factor {r['busbw_factor']} != {f}")
        c.check(close(float(r["busbw_GBps"]), algbw * f, 1e-7), f"{where}: busbw {r['busbw_GBps']} != algbw x {f}")
        esize = 2 if r["dtype"] == "bf16" else 4
        c.check(int(r["count"]) * esize == size, f"{where}: count x element size != bytes")
        wrong = int(r["wrong"])
        total_wrong += wrong
        if a.expect_wrong:
            # ping_pong checks only ranks 0 and 1: a corrupted rank >= 2 is not seen there.
            if r["op"] != "ping_pong":
                c.check(wrong >= 1, f"{where}: fault injected but #wrong = 0")
        else:
            c.check(wrong == 0, f"{where}: #wrong = {wrong}")
    samples = list(csv.DictReader(open(os.path.join(a.out, "samples.csv"))))
    c.check(len(samples) == iters * len(rows), f"samples.csv has {len(samples)} rows, expected {iters * len(rows)}")
    record = json.load(open(os.path.join(a.out, "run.json")))
    c.check(record["schema"] == "meshbench.run/1", "run.json schema")
    c.check(record["exit_code"] == a.expect_rc, f"run.json exit_code {record['exit_code']}")
    c.check(record["world_size"] == n, "run.json world_size")
    c.check(record["points"] == len(rows), f"run.json points {record['points']} != {len(rows)} rows")
    c.check(record["wrong"] == total_wrong, "run.json wrong != sum of rows")
    c.check(bool(record["mpi_library_version"]), "run.json: no MPI version")
    c.check(record["config"]["in_place"] == in_place, "run.json config.in_place")
    if backend == "nccl":
        gpu = record.get("gpu") or {}
        c.check(bool(gpu.get("nccl_version")), "run.json: no NCCL version")
        c.check(gpu.get("device_count", 0) >= 1 and gpu.get("devices"), "run.json: no GPU devices")
    if a.expect_benchmark_json:
        if c.check(os.path.exists(gb_json), "--benchmark_out file missing"):
            doc = json.load(open(gb_json))
            names = [b["name"] for b in doc["benchmarks"] if b.get("run_type") == "iteration"]
            c.check(len(names) == len(rows), f"benchmark json has {len(names)} runs, CSV {len(rows)} rows")
            c.check(all(b.get("busbw_GBps", -1) >= 0 for b in doc["benchmarks"] if b.get("run_type") == "iteration"),
                    "benchmark json lacks busbw_GBps counters")
            if a.expect_repetitions > 1:
                c.check(any(b.get("run_type") == "aggregate" for b in doc["benchmarks"]), "no aggregates")
    table_rows = [l for l in proc.stdout.splitlines() if l.strip() and not l.startswith("#")]
    c.check(len(table_rows) == len(rows) or a.expect_benchmark_json and len(table_rows) >= len(rows),
            f"console table has {len(table_rows)} rows, CSV {len(rows)}")
    return report(c)


def report(c):
    for f in c.failures:
        print("FAILED:", f)
    print("0 failed" if not c.failures else f"{len(c.failures)} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
