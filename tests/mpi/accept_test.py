#!/usr/bin/python3
"""meshbench accept under mpiexec on one machine: the patterns check (a model's per-axis step
traffic) and baselines.

usage: accept_test.py --meshbench BIN --data DIR --out DIR
  1. tests/data/expect_patterns.json (tiny Llama, tp=2,dp=2 on 4 ranks, maxima 5 s per axis)
     with --write-baseline: exit 0, and the baseline holds the tp and dp checks with every
     attempt (the model path is relative to the expectations file);
  2. the same against that baseline: exit 0, and the report says it judged the baseline;
  3. maxima of 1 ns per step: exit 1, every axis failed and blamed;
  4. a layout of 4 ranks on a job of 2: exit 2, one line naming patterns.layout.
Exit 0 pass, 1 fail.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys


def run(meshbench, np, args, timeout=300):
    cmd = ["mpiexec", "-n", str(np), meshbench, "accept"] + args
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--meshbench", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    problems = []
    expect = os.path.join(a.data, "expect_patterns.json")
    baseline = os.path.join(a.out, "baseline.json")
    names = ["pattern tp tiny_llama_config.json tp=2,dp=2", "pattern dp tiny_llama_config.json tp=2,dp=2"]

    r = run(a.meshbench, 4, ["--expect", expect, "--out", os.path.join(a.out, "base"),
                             "--write-baseline", baseline])
    print(r.stdout, r.stderr)
    if r.returncode != 0 or not os.path.exists(baseline):
        problems.append(f"baseline run: exit {r.returncode}, baseline written: {os.path.exists(baseline)}")
    else:
        doc = json.load(open(baseline))
        if sorted(doc["checks"]) != sorted(names) or any(
                len(doc["checks"][n]["groups"]["all"]["attempts"]) != 2 for n in names):
            problems.append(f"baseline checks: {json.dumps(doc['checks'])[:300]}")

        r = run(a.meshbench, 4, ["--expect", expect, "--out", os.path.join(a.out, "rerun"),
                                 "--baseline", baseline, "--max-drop", "0.9"])
        report = open(os.path.join(a.out, "rerun", "report.md")).read()
        if r.returncode != 0 or "within 90% of the baseline" not in report:
            problems.append(f"rerun against the baseline: exit {r.returncode}\n{r.stdout}{r.stderr}")

    tight = json.load(open(expect))
    tight["patterns"]["model"] = os.path.join(a.data, "tiny_llama_config.json")
    tight["patterns"]["max_step_ms"] = {"tp": 1e-6, "dp": 1e-6}
    tight_file = os.path.join(a.out, "tight.json")
    json.dump(tight, open(tight_file, "w"))
    r = run(a.meshbench, 4, ["--expect", tight_file, "--out", os.path.join(a.out, "tight")])
    if r.returncode != 1 or "BLAME: tp axis:" not in r.stdout or "BLAME: dp axis:" not in r.stdout:
        problems.append(f"maxima of 1 ns: exit {r.returncode} (1 expected), stdout:\n{r.stdout}")

    r = run(a.meshbench, 2, ["--expect", expect, "--out", os.path.join(a.out, "two")])
    lines = [l for l in r.stderr.splitlines() if "error" in l]
    if r.returncode != 2 or not any("patterns.layout: tp=2,dp=2 has 4 ranks, the job has 2" in l for l in lines):
        problems.append(f"layout of another size: exit {r.returncode}, stderr: {r.stderr!r}")

    for msg in problems:
        print("FAILED: " + msg)
    print("all checks passed" if not problems else f"{len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
