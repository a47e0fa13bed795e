#!/usr/bin/python3
"""meshplan validate on the public runs: the targets of the MFU model.

usage: meshplan_validate.py MESHPLAN CSV   (exit 77 = skipped when CSV is absent)
Asserts: every row used, median |relative error| <= 10%, ceiling >= reported in every row, the
JSON keys the issue names, a leave-one-out median |error| <= 10% from --calibrate, and that the
efficiencies validate uses are the ones --calibrate fits.
"""
import json
import os
import re
import subprocess
import sys

meshplan, table = sys.argv[1], sys.argv[2]
if not os.path.exists(table):
    print(f"SKIPPED: {table} not found")
    sys.exit(77)
doc = json.loads(subprocess.run([meshplan, "validate", table, "--format", "json"],
                                capture_output=True, text=True, check=True).stdout)
s = doc["summary"]
print(json.dumps(s))
failed = []
for r in doc["rows"]:
    missing = {"row_id", "predicted_mfu", "reported_mfu", "ceiling_mfu", "rel_err"} - set(r)
    if missing:
        failed.append(f"{r.get('row_id')}: missing {missing}")
    if r["ceiling_mfu"] < r["reported_mfu"]:
        failed.append(f"{r['row_id']}: ceiling {r['ceiling_mfu']:.3f} < reported {r['reported_mfu']:.3f}")
    if not 0 < r["predicted_mfu"] < 1:
        failed.append(f"{r['row_id']}: MFU {r['predicted_mfu']} is not a fraction")
if s["median_abs_rel_err"] > 0.10:
    failed.append(f"median |rel err| {s['median_abs_rel_err']:.3f} > 0.10")
if s["ceiling_violations"] != 0:
    failed.append(f"{s['ceiling_violations']} ceiling violations")
if s["rows_used"] < 17 or s["rows_skipped"]:
    failed.append(f"rows used {s['rows_used']}, skipped {s['rows_skipped']}")
# The calibration's honest figure: every constant refitted without each row in turn.
cal = subprocess.run([meshplan, "validate", table, "--calibrate"], capture_output=True, text=True,
                     check=True, timeout=120).stdout
print(cal.strip())
loo = re.search(r"all generations: leave-one-out median \|error\| ([0-9.]+)%", cal)
if not loo:
    failed.append("--calibrate printed no leave-one-out figure")
elif float(loo.group(1)) > 10.0:
    failed.append(f"leave-one-out median |error| {loo.group(1)}% > 10%")
# The shipped constants are the calibrated ones (a model change without recalibration fails).
for gen, eff in re.findall(r"^(\w+): matmul efficiency ([0-9.]+)", cal, re.M):
    used = {round(r["matmul_efficiency"], 2) for r in doc["rows"] if r.get("calibrated_generation") == gen}
    if used and used != {float(eff)}:
        failed.append(f"{gen}: validate uses efficiency {sorted(used)}, --calibrate fits {eff}")
passes = re.search(r"^elementwise passes ([0-9.]+)", cal, re.M)
used = {r["elementwise_passes"] for r in doc["rows"]}
if not passes or used != {float(passes.group(1))}:
    failed.append(f"validate uses elementwise passes {sorted(used)}, --calibrate fits "
                  f"{passes.group(1) if passes else 'none'}")
for f in failed:
    print("FAILED: " + f)
sys.exit(1 if failed else 0)
