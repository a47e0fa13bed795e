#!/usr/bin/python3
"""scripts/plot.py on a `meshplan search --format json`: the picture is written, the Pareto front
is the set no layout beats on both memory and MFU, and a JSON of another kind is refused (exit 2).

usage: plot_search_test.py MESHPLAN PLOT_PY
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

meshplan, plot_py = sys.argv[1], sys.argv[2]
failed = []
spec = importlib.util.spec_from_file_location("plot", plot_py)
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)
points = [(10, 30, "a"), (20, 25, "b"), (20, 40, "c"), (30, 35, "d"), (40, 50, "e"), (5, 20, "f")]
front = [p[2] for p in plot.pareto_front(points)]
if front != ["f", "a", "c", "e"]:
    failed.append(f"pareto_front gave {front}, expected f, a, c, e")
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "search.json")
    with open(path, "w") as f:
        subprocess.run([meshplan, "search", "--model", "llama3-8b", "--gpus", "16", "--gpu", "h100",
                        "--seq-length", "4096", "--global-batch-size", "64", "--format", "json"],
                       stdout=f, check=True, timeout=120)
    doc = json.load(open(path))
    if len(doc["layouts"]) != doc["fitting"]:
        failed.append(f"{len(doc['layouts'])} layouts in the JSON, {doc['fitting']} fit")
    run = subprocess.run(["/usr/bin/python3", plot_py, path], capture_output=True, text=True, timeout=120)
    png = os.path.join(d, "search_pareto.png")
    if run.returncode != 0 or not os.path.exists(png) or os.path.getsize(png) < 1000:
        failed.append(f"plot.py exit {run.returncode}, {png} not written: {run.stderr.strip()}")
    other = os.path.join(d, "other.json")
    json.dump({"schema": "meshbench.fit/1"}, open(other, "w"))
    run = subprocess.run(["/usr/bin/python3", plot_py, other], capture_output=True, text=True, timeout=60)
    if run.returncode != 2 or "meshbench.search/1" not in run.stderr:
        failed.append(f"a fit.json given as a search: exit {run.returncode}, {run.stderr.strip()}")
for f in failed:
    print("FAILED: " + f)
print("ok" if not failed else "")
sys.exit(1 if failed else 0)
