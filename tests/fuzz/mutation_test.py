#!/usr/bin/python3
"""Mutation (fuzz) test of every reader: malformed inputs never crash, hang, eat memory, print more
than one error line, or touch earlier output.

usage: mutation_test.py --build BUILD_DIR --data TESTS_DATA_DIR [--shared SHARED_DIR]
                        [--seed N] [--mutants N] [--readers a,b] [--jobs N] [--keep DIR]

For each reader (a command that reads one kind of file), each mutant is a seed file changed by one
mutation: truncation, a deleted/duplicated/swapped column, a unit change, a special number (NaN,
inf, -1, 1e308, 0.5, -8, 2^31, 2^63, 300 digits), CRLF, a BOM, invalid UTF-8, tabs, header
without rows, rows without header, two tables concatenated, a 100 KB line, 100,000 rows, and for
JSON a wrong type or a deleted key at one path. The property checked per mutant:
  - it ends within --timeout seconds and --max-memory-mb of address space, by exit, not by a signal;
  - exit 0 or 2; 1 only where it is a verdict (`meshfit compare --tolerance`: FAIL; `meshbench
    accept`: FAIL or NOTHING CHECKED) and stdout shows that verdict;
  - on exit 2, exactly one line on stderr, naming the input file; for a JSON mutation, naming the
    key that was changed (or one on its path);
  - no file that existed before (the input, earlier outputs in the output folder) is changed on a
    failure, and no temporary file is left behind.
The seeds are real files of each format (tests/data, ../shared/data); the mutants are drawn from
a fixed seed so a CI failure reproduces with the same command; --keep saves the failing mutants.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

SPECIAL_NUMBERS = ["nan", "NaN", "inf", "-inf", "-1", "0", "1e308", "-1e308", "1e-300", "0.5", "-8",
                   "2147483648", "4294967296", "9223372036854775808", "18446744073709551616",
                   "1" + "0" * 300, "1e999", "0x10", "1,5", ""]
JSON_VALUES = [None, True, False, "", "x", "1e3", 0, 1, -1, -8, 0.5, 1e308, -1e308, 2 ** 31, 2 ** 63,
               2 ** 64, 10 ** 30, [], {}, [1, 2], {"a": 1}]
UNIT_SWAPS = [("(us)", "(ms)"), ("_us", "_ms"), ("(B)", "(KB)"), ("GB/s", "MB/s"), ("(GB/s)", "(Gb/s)"),
              ("bytes", "kbytes"), ("Size", "Count"), ("time", "latency"), ("us", "s"), ("float", "half"),
              ("GBps", "MBps")]
NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")


# --------------------------------------------------------------------------------------------
# Mutations: each takes (data: bytes, rng, seeds: list of bytes) and returns (bytes, description,
# key or None). `key` is the JSON key a message must name when the reader refuses the mutant.

def m_truncate(data, rng, _):
    cut = rng.randrange(0, max(1, len(data)))
    return data[:cut], f"truncated at byte {cut} of {len(data)}", None


def m_empty(data, rng, _):
    return rng.choice([b"", b"\n", b"   \n\n", b"\x00" * 64]), "empty or blank file", None


def _lines(data):
    return data.split(b"\n")


def _split_row(line):
    """Fields of a CSV or whitespace-table row and how to join them back."""
    if b"," in line:
        return line.split(b","), b","
    lead = line[:len(line) - len(line.lstrip())]
    return line.split(), b"  " if not lead else b"  "


def m_columns(data, rng, _):
    lines = _lines(data)
    rows = [i for i, l in enumerate(lines) if len(_split_row(l)[0]) >= 3]
    if not rows:
        return m_truncate(data, rng, _)
    ncols = max(len(_split_row(lines[i])[0]) for i in rows)
    kind = rng.choice(["delete", "duplicate", "swap"])
    a, b = rng.randrange(ncols), rng.randrange(ncols)
    for i in rows:
        fields, sep = _split_row(lines[i])
        if a >= len(fields) or b >= len(fields):
            continue
        if kind == "delete":
            del fields[a]
        elif kind == "duplicate":
            fields.insert(a, fields[a])
        else:
            fields[a], fields[b] = fields[b], fields[a]
        lines[i] = sep.join(fields)
    return b"\n".join(lines), f"column {a} {kind}d" + (f" with {b}" if kind == "swap" else ""), None


def m_units(data, rng, _):
    present = [(a, b) for a, b in UNIT_SWAPS if a.encode() in data]
    if not present:
        return m_numbers(data, rng, _)
    a, b = rng.choice(present)
    return data.replace(a.encode(), b.encode()), f"unit {a!r} -> {b!r}", None


def m_numbers(data, rng, _):
    matches = list(NUMBER.finditer(data))
    if not matches:
        return m_truncate(data, rng, _)
    picks = sorted(rng.sample(matches, min(len(matches), rng.choice([1, 1, 2, 5]))),
                   key=lambda m: m.start(), reverse=True)
    out, what = data, []
    for m in picks:
        v = rng.choice(SPECIAL_NUMBERS)
        out = out[:m.start()] + v.encode() + out[m.end():]
        what.append(f"{m.group().decode()}->{v[:12]}")
    return out, "numbers " + ", ".join(reversed(what)), None


def m_crlf(data, rng, _):
    return data.replace(b"\n", b"\r\n"), "CRLF line ends", None


def m_bom(data, rng, _):
    return b"\xef\xbb\xbf" + data, "UTF-8 BOM", None


def m_bad_utf8(data, rng, _):
    at = rng.randrange(0, max(1, len(data)))
    junk = rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80\x80\x80", b"\x00"])
    return data[:at] + junk + data[at:], f"invalid UTF-8 at byte {at}", None


def m_tabs(data, rng, _):
    sep = rng.choice([b" ", b","])
    return data.replace(sep, b"\t"), f"{sep!r} -> tab", None


def _is_row(line):
    s = line.strip()
    return bool(s) and (s[:1].isdigit() or s.startswith(b"-"))


def m_header_only(data, rng, _):
    lines = _lines(data)
    if b"," in lines[0]:
        return lines[0] + b"\n", "header without rows", None
    kept = [l for l in lines if not _is_row(l)]
    return b"\n".join(kept), "table lines removed (header without rows)", None


def m_rows_only(data, rng, _):
    lines = _lines(data)
    if b"," in lines[0]:
        return b"\n".join(lines[1:]), "rows without header", None
    kept = [l for l in lines if _is_row(l)]
    return b"\n".join(kept), "rows without header", None


def m_concat(data, rng, seeds):
    other = rng.choice(seeds)
    return data + (b"" if data.endswith(b"\n") else b"\n") + other, "two tables concatenated", None


def m_long_line(data, rng, _):
    lines = _lines(data)
    at = rng.randrange(len(lines) + 1)
    filler = rng.choice([b"x", b"1", b"1,", b"  8  "]) * (100 * 1024 // 2)
    lines.insert(at, filler)
    return b"\n".join(lines), f"100 KB line at line {at + 1}", None


def m_many_rows(data, rng, _):
    lines = _lines(data)
    rows = [l for l in lines if _is_row(l)]
    if not rows:
        return m_long_line(data, rng, _)
    row = rng.choice(rows)
    at = lines.index(row)
    lines[at:at + 1] = [row] * 100_000
    return b"\n".join(lines), "one row repeated 100,000 times", None


TEXT_MUTATIONS = [m_truncate, m_empty, m_columns, m_units, m_numbers, m_numbers, m_numbers, m_crlf, m_bom,
                  m_bad_utf8, m_tabs, m_header_only, m_rows_only, m_concat, m_long_line, m_many_rows]


def _json_paths(doc, path=()):
    yield path
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _json_paths(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:4]):
            yield from _json_paths(v, path + (i,))


def _last_key(path):
    keys = [p for p in path if isinstance(p, str)]
    return keys[-1] if keys else None


def m_json_value(data, rng, _):
    doc = json.loads(data)
    paths = [p for p in _json_paths(doc) if p]
    path = rng.choice(paths)
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    kind = rng.random()
    if kind < 0.2 and isinstance(parent, dict):
        del parent[path[-1]]
        what = "deleted"
    else:
        parent[path[-1]] = rng.choice(JSON_VALUES)
        what = f"set to {json.dumps(parent[path[-1]])[:24]}"
    shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    key = _last_key(path)
    if what == "deleted":
        # Deleting the last member leaves its parent empty: naming the parent names the fault.
        key = tuple(k for k in (key, _last_key(path[:-1])) if k)
    return json.dumps(doc, indent=1).encode(), f"JSON {shown} {what}", key


def m_json_top(data, rng, _):
    v = rng.choice(["[]", "{}", "null", "1", "\"profile\"", "[{}]", "{\"schema\": 1}", "{" * 100000])
    return v.encode(), f"JSON document {v[:12]!r}", None


JSON_MUTATIONS = [m_json_value] * 6 + [m_json_top] + TEXT_MUTATIONS


# --------------------------------------------------------------------------------------------
# Readers: a seed list and the command that reads a mutant. {input} is the mutant's path, {out}
# an output folder holding earlier output, {seed} the unchanged seed the mutant came from.

class Reader:
    def __init__(self, name, seeds, command, json_seed=False, ok_codes=(0, 2), out_files=(),
                 names_keys=True, verdict_1=None):
        self.name, self.seeds, self.command = name, seeds, command
        # Exit 1 is allowed only where it is a verdict (compare FAIL, accept FAIL) and stdout
        # must then show it: an escaped exception (MPI_Abort(1)) must not pass for one.
        self.verdict_1 = verdict_1
        self.mutations = JSON_MUTATIONS if json_seed else TEXT_MUTATIONS
        self.ok_codes, self.out_files = ok_codes, out_files
        # False where the reader refuses the whole document (fit.json is nobody's input), so
        # a message about one of its keys is not expected.
        self.names_keys = names_keys


def readers(build, data, shared):
    meshfit = os.path.join(build, "fit", "meshfit")
    meshplan = os.path.join(build, "fit", "meshplan")
    meshbench = os.path.join(build, "bench", "meshbench")
    fuzz = os.path.join(data, "fuzz")
    logs = os.path.join(data, "logs")
    nccl = [os.path.join(logs, f) for f in sorted(os.listdir(logs)) if f.startswith(("nccl-", "rccl-"))]
    osu = [os.path.join(logs, f) for f in sorted(os.listdir(logs)) if f.startswith("osu-")]
    configs_dir = os.path.join(data, "configs")
    configs = [os.path.join(configs_dir, f) for f in sorted(os.listdir(configs_dir)) if f.endswith(".json")]
    configs += [os.path.join(data, "tiny_llama_config.json"), os.path.join(data, "tiny_moe_config.json")]
    fit_outputs = ("fit.json", "profile.json", "bandwidth_table.md", "bandwidth_table.csv")
    profiles = [os.path.join(fuzz, "profile.json"), os.path.join(fuzz, "profile_emulated_2x2.json")]
    fit_cmd = [meshfit, "fit", "{input}", "-o", "{out}"]
    published = os.path.join(shared, "data", "published_runs_public.csv") if shared else ""
    expect = [os.path.join(data, "..", "..", "scripts", "expect", f) for f in ("emulated.json",)]
    expect.append(os.path.join(data, "expect_all_reduce_intra.json"))
    expect.append(os.path.join(data, "expect_scopes.json"))
    result = [
        Reader("results_csv", [os.path.join(fuzz, "results.csv")], fit_cmd, out_files=fit_outputs),
        Reader("nccl_tests_text", nccl, fit_cmd, out_files=fit_outputs),
        Reader("nccl_tests_json", [os.path.join(data, "nccl_tests_h100_allreduce.json")], fit_cmd,
               json_seed=True, out_files=fit_outputs),
        Reader("osu", osu, fit_cmd, out_files=fit_outputs),
        Reader("compare", [os.path.join(fuzz, "results.csv")] + nccl[:6],
               [meshfit, "compare", "{input}", "{seed}", "--tolerance", "0.5"], ok_codes=(0, 1, 2),
               verdict_1=r"FAIL \(tolerance"),
        Reader("scaling", [os.path.join(data, "scaling", f) for f in sorted(os.listdir(os.path.join(data, "scaling")))
                           if f.endswith(".txt")],
               [meshfit, "scaling", "--profile", os.path.join(fuzz, "profile_h100_ib_4x8.json"), "{input}"]),
        Reader("gemm_json", [os.path.join(fuzz, "gemm.json")],
               [meshfit, "fit", os.path.join(fuzz, "results.csv"), "--gemm", "{input}", "-o", "{out}"],
               json_seed=True, out_files=fit_outputs),
        Reader("profile_json", profiles,
               [meshfit, "predict", "--profile", "{input}", "--op", "all_reduce", "--bytes", "1M",
                "--ranks", "2"], json_seed=True),
        Reader("profile_json_plan", profiles,
               [meshplan, "plan", "--model", "gpt-1.7b", "--layout", "dp=2", "--gpus-per-node", "2",
                "--gpu", "a100-80g", "--profile", "{input}", "--format", "json"], json_seed=True),
        Reader("fit_json", [os.path.join(fuzz, "fit.json")], fit_cmd, json_seed=True, out_files=fit_outputs,
               names_keys=False),
        Reader("config_json_traffic", configs,
               [meshbench, "traffic", "--model", "{input}", "--layout", "tp=2,pp=2", "--format", "json"],
               json_seed=True),
        Reader("config_json_plan", configs,
               [meshplan, "plan", "--model", "{input}", "--layout", "tp=2", "--gpu", "h100"], json_seed=True),
        Reader("pattern_csv", [os.path.join(fuzz, "pattern.csv")],
               [meshplan, "plan", "--model", os.path.join(data, "tiny_llama_config.json"), "--layout",
                "tp=2,dp=2", "--seq-length", "16", "--global-batch-size", "4", "--gpus-per-node", "4",
                "--measured", "{input}"]),
        Reader("expectations", expect, [meshbench, "accept", "--expect", "{input}", "--out", "{out}/accept"],
               json_seed=True, ok_codes=(0, 1, 2), out_files=("results.csv",),
               verdict_1=r"# acceptance: (FAIL|NOTHING CHECKED)"),
        Reader("baseline", [os.path.join(fuzz, "baseline.json")],
               [meshbench, "accept", "--expect", os.path.join(fuzz, "expect_baseline.json"),
                "--baseline", "{input}", "--out", "{out}/accept"],
               json_seed=True, ok_codes=(0, 1, 2), out_files=("results.csv",),
               verdict_1=r"# acceptance: (FAIL|NOTHING CHECKED)"),
    ]
    # The runs as people write them (tests/data/published_runs) seed it too, public file or not.
    runs = [os.path.join(data, "published_runs", "holdout_runs.csv")]
    if published and os.path.exists(published):
        runs.insert(0, published)
    else:
        print(f"note: {published or '../shared/data'} not found: published_runs seeded by the held-out runs only")
    result.append(Reader("published_runs", runs, [meshplan, "validate", "{input}"]))
    return result


# --------------------------------------------------------------------------------------------

def limit_resources(max_memory_mb):
    def apply():
        # Address space, not RSS: the kernel enforces it, so a runaway allocation fails (and
        # shows as a wrong exit) instead of taking the machine down.
        limit = max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def snapshot(folder):
    result = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                result[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
    return result


def names_key(line, key):
    """Whether an error line names `key` (or one of a tuple of keys), or a command-line flag (a refusal of the flag's value
    against the file, e.g. "--layout tp=2: num_attention_heads 71 ... is not divisible").
    Underscores do not count: alg_bw is named as algbw."""
    def plain(s):
        return s.replace("_", "").lower()
    # A whole word: key "op" is not named by "top level".
    keys = key if isinstance(key, tuple) else (key,)
    named = any(re.search(r"(?<![a-z0-9])" + re.escape(plain(str(k))) + r"(?![a-z0-9])", plain(line))
                for k in keys)
    return named or re.search(r"(^|\s)--[a-z]", line) is not None


_seed_results = {}


def seed_accepted(reader, seed_path, args):
    """Whether the reader's command accepts the unchanged seed: a mutant of a seed the command
    refuses anyway may be refused for the seed's own reason, not the mutated key."""
    k = (reader.name, seed_path)
    if k not in _seed_results:
        with tempfile.TemporaryDirectory(dir=args.tmp) as work:
            out = os.path.join(work, "out")
            os.makedirs(out)
            command = [c.replace("{input}", seed_path).replace("{out}", out).replace("{seed}", seed_path)
                       for c in reader.command]
            proc = subprocess.run(command, capture_output=True, cwd=work, timeout=args.timeout)
            _seed_results[k] = proc.returncode != 2
    return _seed_results[k]


def run_mutant(reader, index, rng_seed, args):
    rng = random.Random(rng_seed)
    seed_path = rng.choice(reader.seeds)
    with open(seed_path, "rb") as f:
        seed = f.read()
    seeds = []
    for p in reader.seeds:
        with open(p, "rb") as f:
            seeds.append(f.read())
    mutation = rng.choice(reader.mutations)
    try:
        data, what, key = mutation(seed, rng, seeds)
    except (ValueError, json.JSONDecodeError):
        data, what, key = m_truncate(seed, rng, seeds)
    work = tempfile.mkdtemp(prefix=f"mutant-{reader.name}-{index}-", dir=args.tmp)
    try:
        name = f"mutant_{index}" + os.path.splitext(seed_path)[1]
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(data)
        out = os.path.join(work, "out")
        os.makedirs(out)
        for o in reader.out_files:
            with open(os.path.join(out, o), "w") as f:
                f.write("an earlier run's output\n")
        before = snapshot(work)
        command = [c.replace("{input}", path).replace("{out}", out).replace("{seed}", seed_path)
                   for c in reader.command]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work,
                                preexec_fn=limit_resources(args.max_memory_mb))
        try:
            stdout, stderr = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            return failure(reader, index, what, command, f"hang: no exit after {args.timeout} s", b"",
                           data, args)
        rc = proc.returncode
        problems = []
        if rc < 0:
            problems.append(f"killed by signal {-rc}")
        elif rc not in reader.ok_codes:
            problems.append(f"exit {rc} (expected one of {reader.ok_codes})")
        elif rc == 1 and not re.search(reader.verdict_1, stdout.decode("utf-8", "replace")):
            problems.append(f"exit 1 without the verdict {reader.verdict_1!r} on stdout")
        lines = [l for l in stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        if rc == 2:
            if len(lines) != 1:
                problems.append(f"{len(lines)} lines on stderr, expected 1")
            elif name not in lines[0]:
                problems.append("the error line does not name the file")
            elif (key is not None and reader.names_keys and seed_accepted(reader, seed_path, args)
                  and not names_key(lines[0], key)):
                problems.append(f"the error line does not name the key {key!r}")
        after = snapshot(work)
        changed = [p for p in before if after.get(p) != before[p]]
        if rc != 0 and changed:
            problems.append(f"failed run changed {changed}")
        if os.path.relpath(path, work) in changed:
            problems.append("the input file was changed")
        leftovers = [p for p in after if os.path.basename(p).startswith(".") and p not in before]
        if leftovers:
            problems.append(f"temporary files left: {leftovers}")
        if problems:
            return failure(reader, index, what, command, "; ".join(problems), stderr, data, args)
        if args.show_errors and rc == 2 and lines:
            print(f"ERR {reader.name}: {lines[0].replace(path, '<FILE>').replace(work, '<DIR>')}",
                  flush=True)
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def failure(reader, index, what, command, problem, stderr, data, args):
    kept = ""
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        kept = os.path.join(args.keep, f"{reader.name}-{index}")
        with open(kept, "wb") as f:
            f.write(data)
    text = stderr.decode("utf-8", "replace").strip().splitlines()
    shown = " | ".join(text[:3])[:400]
    return f"{reader.name} #{index} ({what}): {problem}\n    stderr: {shown}" + (
        f"\n    mutant saved as {kept}" if kept else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--shared", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mutants", type=int, default=60, help="mutants per reader")
    parser.add_argument("--readers", default="", help="comma-separated subset")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--max-memory-mb", type=int, default=4096,
                        help="address-space limit of each run: a runaway allocation fails instead")
    parser.add_argument("--keep", default="", help="save failing mutants here")
    parser.add_argument("--tmp", default=None)
    parser.add_argument("--show-errors", action="store_true",
                        help="print every refusal (to read what the messages name)")
    parser.add_argument("--add-seed", action="append", default=[], metavar="READER=FILE",
                        help="another seed for a reader (files from outside the repository)")
    args = parser.parse_args()
    args.keep = os.path.abspath(args.keep) if args.keep else ""
    chosen = readers(os.path.abspath(args.build), os.path.abspath(args.data),
                     os.path.abspath(args.shared) if args.shared else "")
    by_name = {r.name: r for r in chosen}
    for item in args.add_seed:
        name, _, path = item.partition("=")
        if name not in by_name or not os.path.isfile(path):
            parser.error(f"--add-seed {item}: expected READER=FILE with READER one of {sorted(by_name)}")
        by_name[name].seeds.append(os.path.abspath(path))
    if args.readers:
        wanted = set(args.readers.split(","))
        chosen = [r for r in chosen if r.name in wanted]
    jobs = []
    for r in chosen:
        base = zlib.crc32(r.name.encode()) ^ args.seed
        jobs += [(r, i, base * 1_000_003 + i) for i in range(args.mutants)]
    start = time.monotonic()
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(lambda j: run_mutant(j[0], j[1], j[2], args), jobs):
            if result:
                failures.append(result)
                print("FAIL", result, flush=True)
    per_reader = {r.name: sum(1 for f in failures if f.startswith(r.name + " ")) for r in chosen}
    print(f"# {len(jobs)} mutants of {len(chosen)} readers (seed {args.seed}) in "
          f"{time.monotonic() - start:.1f} s: {len(failures)} failed")
    for name, n in per_reader.items():
        print(f"#   {name}: {n} of {args.mutants} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
