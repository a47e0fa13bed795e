#!/usr/bin/python3
"""meshplan validate on published runs it was never calibrated on (tests/data/published_runs,
transcribed with their sources in SOURCES.md there): every row is priced or skipped with a
reason, none is lost and none is fatal; at least three quarters are priced, with a median
|error| of at most 10% and no ceiling below the reported MFU (the issue's targets).

usage: meshplan_validate_holdout.py MESHPLAN CSV
"""
import csv
import json
import subprocess
import sys

meshplan, table = sys.argv[1], sys.argv[2]
with open(table, newline="") as f:
    ids = [r["row_id"] for r in csv.DictReader(f)]
run = subprocess.run([meshplan, "validate", table, "--format", "json"], capture_output=True,
                     text=True, timeout=60)
if run.returncode != 0:
    print(f"FAILED: exit {run.returncode}: {run.stderr.strip()}")
    sys.exit(1)
doc = json.loads(run.stdout)
priced = [r["row_id"] for r in doc["rows"]]
skipped = [r["row_id"] for r in doc["summary"]["rows_skipped"]]
failed = []
if sorted(priced + skipped) != sorted(ids):
    failed.append(f"rows priced + skipped ({len(priced)} + {len(skipped)}) are not the file's {len(ids)}")
for r in doc["summary"]["rows_skipped"]:
    if not r["reason"].strip():
        failed.append(f"{r['row_id']}: skipped without a reason")
s = doc["summary"]
print(f"held-out rows: {len(ids)}, priced {len(priced)}, skipped {len(skipped)}; median |rel err| "
      f"{s['median_abs_rel_err']:.3f}, ceiling below reported in {s['ceiling_violations']}")
# --search: each priced row gets the team's rank among search's layouts (or why it has none).
run = subprocess.run([meshplan, "validate", table, "--format", "json", "--search"],
                     capture_output=True, text=True, timeout=300)
searched = json.loads(run.stdout) if run.returncode == 0 else None
if searched is None:
    failed.append(f"--search: exit {run.returncode}: {run.stderr.strip()}")
else:
    tops = 0
    for r in searched["rows"]:
        x = r.get("search")
        if x is None:
            failed.append(f"{r['row_id']}: --search gave no comparison")
            continue
        if x["rank"] < 1 and not x["why_unranked"]:
            failed.append(f"{r['row_id']}: unranked without a reason")
        if x["rank"] > x["ranked"]:
            failed.append(f"{r['row_id']}: rank {x['rank']} of {x['ranked']}")
        if abs(x["gap"] - (x["top_mfu"] - r["predicted_mfu"])) > 1e-9:
            failed.append(f"{r['row_id']}: gap {x['gap']} is not top - team")
        tops += bool(x["top_is_team"])
    if tops != searched["summary"]["top_choice_is_team_layout"]:
        failed.append("the summary's top-choice count disagrees with the rows")
    print(f"--search: top choice = the team's layout in {tops} of {len(searched['rows'])} rows")
# Regression guards at the targets for runs outside the calibration.
if len(priced) < 0.75 * len(ids):
    failed.append(f"priced {len(priced)} of {len(ids)} rows, under three quarters")
if s["median_abs_rel_err"] > 0.10:
    failed.append(f"median |rel err| {s['median_abs_rel_err']:.3f} > 0.10")
if s["ceiling_violations"]:
    failed.append(f"the ceiling is below the reported MFU in {s['ceiling_violations']} rows")
for f in failed:
    print("FAILED: " + f)
sys.exit(1 if failed else 0)
