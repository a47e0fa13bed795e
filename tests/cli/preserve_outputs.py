#!/usr/bin/python3
"""meshfit fit never touches earlier output on bad input, and replaces it whole on good input.

usage: preserve_outputs.py MESHFIT GOOD_LOG BAD_LOG OUT_DIR
"""
import json
import os
import subprocess
import sys


def main():
    meshfit, good, bad, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    sentinel = '{"schema": "an earlier run"}\n'
    for name in ("fit.json", "profile.json", "bandwidth_table.md", "bandwidth_table.csv"):
        with open(os.path.join(out, name), "w") as f:
            f.write(sentinel)
    proc = subprocess.run([meshfit, "fit", bad, "-o", out], capture_output=True, text=True, timeout=60)
    problems = []
    if proc.returncode != 2:
        problems.append(f"bad input: exit {proc.returncode}, expected 2")
    if len(proc.stderr.strip().splitlines()) != 1:
        problems.append(f"bad input: expected one line on stderr, got {proc.stderr!r}")
    for name in ("fit.json", "profile.json", "bandwidth_table.md", "bandwidth_table.csv"):
        with open(os.path.join(out, name)) as f:
            if f.read() != sentinel:
                problems.append(f"bad input changed {name}")
    proc = subprocess.run([meshfit, "fit", good, "-o", out], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        problems.append(f"good input: exit {proc.returncode}: {proc.stderr}")
    else:
        with open(os.path.join(out, "fit.json")) as f:
            doc = json.load(f)
        if doc.get("schema") != "meshbench.fit/1" or not doc["series"][0]["origin"]:
            problems.append("good input: fit.json not replaced, or without origin")
    leftovers = [n for n in os.listdir(out) if n.startswith(".")]
    if leftovers:
        problems.append(f"temporary files left: {leftovers}")
    if problems:
        print("FAILED:", "; ".join(problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
