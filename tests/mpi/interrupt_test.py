#!/usr/bin/python3
"""Ctrl-C under mpiexec: every rank stops at the same iteration, what was measured before it is
kept, run.json says interrupted with exit_code 130 (every rank's exit code; mpiexec's own status
after Ctrl-C is Hydra's: 130 or 0).

usage: interrupt_test.py MESHBENCH OUT_DIR {sweep,accept}
  sweep:  the points before the signal stay in results.csv and run.json counts them;
  accept: report.md says INTERRUPTED (not PASS) and lists the checks done.
"""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

EXPECT = {"schema": "meshbench.expect/1", "iters": 100000, "collectives": [
    {"op": "all_reduce", "tier": "intra", "bytes": "1K", "min_busbw_GBps": 1e-6},
    {"op": "all_reduce", "tier": "intra", "bytes": "64M", "min_busbw_GBps": 1e-6}]}


def main():
    meshbench, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    shutil.rmtree(out, ignore_errors=True)
    if mode == "sweep":
        # Large sizes, fixed iterations: the sweep runs for minutes unless interrupted.
        args = ["sweep", "-b", "8", "-e", "256M", "-n", "400", "--ops", "all_reduce", "--wait", "yield"]
    else:
        os.makedirs(out + ".input", exist_ok=True)
        expect = os.path.join(out + ".input", "expect.json")
        with open(expect, "w") as f:
            json.dump(EXPECT, f)
        args = ["accept", "--expect", expect]
    proc = subprocess.Popen(["mpiexec", "-n", "2", meshbench] + args + ["--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # Its own session: what Hydra does with the signal stays among its
                            # processes, away from CTest's other tests.
                            start_new_session=True)
    # The CSV each writes as it goes: wait for 3 sweep points, or accept's first check.
    results = os.path.join(out, "results.csv" if mode == "sweep" else "accept.csv")
    wanted = 3 if mode == "sweep" else 1
    deadline = time.monotonic() + 60
    rows_before = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(results):
            with open(results) as f:
                rows_before = sum(1 for _ in f) - 1
            if rows_before >= wanted:
                break
        time.sleep(0.05)
    problems = []
    if proc.poll() is not None:
        problems.append(f"the run ended (rc {proc.returncode}) before it could be interrupted")
    proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends mpiexec
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        problems.append("no exit within 60 s of SIGINT")
    if proc.returncode not in (130, 0):
        problems.append(f"mpiexec exit {proc.returncode}, expected 130 (or Hydra's 0)")
    with open(os.path.join(out, "run.json")) as f:
        record = json.load(f)
    if record.get("interrupted") is not True or record.get("exit_code") != 130:
        problems.append(f"run.json: interrupted {record.get('interrupted')}, exit_code "
                        f"{record.get('exit_code')}")
    if mode == "sweep":
        with open(results) as f:
            rows = list(csv.DictReader(f))
        if len(rows) < rows_before or record.get("points") != len(rows):
            problems.append(f"{len(rows)} rows in results.csv ({rows_before} seen before SIGINT), "
                            f"run.json points {record.get('points')}")
        kept = f"{len(rows)} points"
    else:
        with open(os.path.join(out, "report.md")) as f:
            report = f.read()
        if not report.startswith("# Acceptance: INTERRUPTED") or "all_reduce node 1K" not in report:
            problems.append(f"report.md: {report[:200]!r}")
        kept = f"{record.get('points')} checks"
    if "interrupted" not in stderr:
        problems.append("stderr does not say interrupted")
    if problems:
        print("FAILED:", "; ".join(problems))
        print("stderr:", stderr[-2000:])
        return 1
    print(f"ok: {mode} interrupted after {kept}, exit 130, run.json interrupted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
