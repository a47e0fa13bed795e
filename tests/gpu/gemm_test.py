#!/usr/bin/python3
"""GPU test of `meshbench gemm`: runs it on one rank, asserts on gemm.csv and gemm.json, then
puts gemm.json into a cluster profile with meshfit and plans with meshplan from it. Exits 77
(CTest: skipped) when meshbench says there is no GPU (exit 4), after checking that it said so.

usage: gemm_test.py --meshbench BIN --meshfit BIN --meshplan BIN --results CSV --out DIR
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

NO_GPU_RC, SKIP_RC = 4, 77


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=500)
    print(proc.stdout)
    print(proc.stderr, file=sys.stderr)
    return proc


def main():
    p = argparse.ArgumentParser()
    for name in ("--meshbench", "--meshfit", "--meshplan", "--results", "--out"):
        p.add_argument(name, required=True)
    a = p.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    gemm_dir = os.path.join(a.out, "gemm")
    proc = run(["mpiexec", "-n", "1", a.meshbench, "gemm", "--model", "llama3-8b", "--layout",
                "tp=8", "--seq-length", "4096", "-n", "10", "-w", "3", "--out", gemm_dir])
    failures = []
    if proc.returncode == NO_GPU_RC:
        if "no GPU" not in proc.stderr or os.path.exists(gemm_dir):
            print("FAILED: exit 4 must say 'no GPU' and write nothing")
            return 1
        print(f"SKIPPED: no GPU here ({proc.stderr.strip().splitlines()[-1]})")
        return SKIP_RC
    if proc.returncode != 0:
        print(f"FAILED: meshbench gemm exit {proc.returncode}")
        return 1
    rows = list(csv.DictReader(open(os.path.join(gemm_dir, "gemm.csv"))))
    doc = json.load(open(os.path.join(gemm_dir, "gemm.json")))
    precisions = sorted(doc["summary"])
    if len(rows) != 12 * len(precisions):
        failures.append(f"{len(rows)} rows for {len(precisions)} precision(s), expected 12 each")
    for r in rows:
        flops = 2.0 * int(r["m"]) * int(r["n"]) * int(r["k"])
        t = float(r["time_us_p50"])
        if not t > 0:
            failures.append(f"{r['layer']} {r['pass']}: time {t}")
            continue
        if abs(float(r["tflops"]) - flops / t * 1e-6) > 1e-3 * float(r["tflops"]):
            failures.append(f"{r['layer']} {r['pass']}: tflops {r['tflops']} != 2mnk / time")
    bf16 = doc["summary"].get("bf16", {})
    eff = bf16.get("efficiency")
    if eff is None or not 0.05 < eff <= 1.05:
        failures.append(f"bf16 efficiency {eff} outside (0.05, 1.05]")
    # Into the profile, and from there into the plan.
    fit_dir = os.path.join(a.out, "fit")
    proc = run([a.meshfit, "fit", a.results, "--gemm", os.path.join(gemm_dir, "gemm.json"),
                "-o", fit_dir])
    if proc.returncode != 0:
        failures.append(f"meshfit fit --gemm exit {proc.returncode}")
    else:
        profile = json.load(open(os.path.join(fit_dir, "profile.json")))
        got = profile.get("compute", {}).get("matmul_efficiency", {}).get("bf16")
        if got is None or abs(got - eff) > 1e-12:
            failures.append(f"profile compute efficiency {got} != gemm.json's {eff}")
    for f in failures:
        print("FAILED:", f)
    print("0 failed" if not failures else f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
