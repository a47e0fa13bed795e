#!/usr/bin/python3
"""Runs `meshbench pattern` under mpiexec and checks it against `meshbench traffic`.

usage: pattern_test.py --meshbench BIN --np N --out DIR -- TRAINING FLAGS...
Checks: exit code 0; one pattern.csv row per traffic row (pp: one row for the 1F1B schedule)
with the table's op, bytes and calls; run.json says the counted bytes matched; and the bytes
rank 0 sent and received per step, recomputed here from the traffic JSON, equal what the
counting backend saw on rank 0 (rank 0 is the first pipeline stage).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--meshbench", required=True)
    p.add_argument("--np", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("flags", nargs=argparse.REMAINDER)
    a = p.parse_args()
    flags = [f for f in a.flags if f != "--"]
    shutil.rmtree(a.out, ignore_errors=True)
    failed = []

    def check(ok, msg):
        print(("ok: " if ok else "FAILED: ") + msg)
        if not ok:
            failed.append(msg)

    traffic = json.loads(subprocess.run([a.meshbench, "traffic", "--format", "json"] + flags,
                                        capture_output=True, text=True, check=True).stdout)
    cmd = ["mpiexec", "-n", str(a.np), a.meshbench, "pattern", "--axis", "all", "-n", "2", "-w", "1",
           "--wait", "yield", "--out", a.out] + flags
    print("+ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(r.stdout)
    print(r.stderr, file=sys.stderr)
    check(r.returncode == 0, f"exit code {r.returncode}")
    if r.returncode != 0:
        return 1
    rows = list(csv.DictReader(open(os.path.join(a.out, "pattern.csv"))))
    table = traffic["rows"]
    expected = [t for t in table if not (t["axis"] == "pp" and t["phase"] == "bwd")]
    check(len(rows) == len(expected), f"{len(rows)} pattern rows for {len(expected)} traffic rows")
    for t, row in zip(expected, rows):
        same = (row["axis"] == t["axis"] and row["op"] == t["op"] and int(row["bytes"]) == int(t["bytes_per_call"])
                and int(row["calls_per_step"]) == t["calls_per_step"] and int(row["ranks"]) == t["group_size"])
        check(same, f"{t['axis']} {t['phase']} {t['op']} {t['bytes_per_call']} x {t['calls_per_step']}: "
                    f"pattern row {row['axis']} {row['op']} {row['bytes']} x {row['calls_per_step']}")
        check(row["tier"] in ("intra", "inter", "mixed"), f"{t['axis']}: tier {row['tier']}")
    axes = {t["axis"] for t in table}
    check({row["axis"] for row in rows} == axes, f"every axis ran: {sorted(axes)}")
    # Rank 0's bytes from the table: the API-level bytes of each op; rank 0 is pipeline stage 0.
    sent = received = 0
    for t in table:
        n, calls, g = t["bytes_per_call"], t["calls_per_step"], t["group_size"]
        if t["axis"] == "pp":
            if t["phase"] == "fwd":
                sent += calls * n          # activations to stage 1; stage 0 receives none
            else:
                received += calls * n      # gradients from stage 1; stage 0 sends none
        elif t["op"] == "all_gather":
            sent, received = sent + calls * n // g, received + calls * n
        elif t["op"] == "reduce_scatter":
            sent, received = sent + calls * n, received + calls * n // g
        else:
            sent, received = sent + calls * n, received + calls * n
    record = json.load(open(os.path.join(a.out, "run.json")))
    bc = record["bytes_check"]
    check(bc["ok"], "run.json: every rank's counted bytes matched the table")
    check((bc["rank0_sent_per_step"], bc["rank0_received_per_step"]) == (sent, received),
          f"rank 0 counted {bc['rank0_sent_per_step']} sent / {bc['rank0_received_per_step']} received, "
          f"the traffic JSON gives {sent} / {received}")
    check(record["exit_code"] == 0, "run.json exit_code 0")
    print(f"{len(failed)} failed" if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
