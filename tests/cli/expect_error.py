#!/usr/bin/python3
"""Runs a command that must fail on bad input: exit code --rc, a one-line message on stderr
matching --regex (a literal substring unless it starts with 're:'), and nothing on stdout that
looks like results. With --stdout TEXT instead, a verdict (not an error) is expected: exit code
--rc and TEXT on stdout.

usage: expect_error.py --rc 2 --regex TEXT -- COMMAND...
       expect_error.py --rc 1 --stdout TEXT -- COMMAND...
"""
import argparse
import re
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rc", type=int, required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--regex")
    group.add_argument("--stdout")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    proc = subprocess.run(command, capture_output=True, text=True, timeout=50)
    problems = []
    if proc.returncode != args.rc:
        problems.append(f"exit code {proc.returncode}, expected {args.rc}")
    if args.stdout is not None:
        if args.stdout not in proc.stdout:
            problems.append(f"stdout does not contain {args.stdout!r}")
    else:
        pattern = args.regex[3:] if args.regex.startswith("re:") else re.escape(args.regex)
        if not re.search(pattern, proc.stderr):
            problems.append(f"stderr does not contain {args.regex!r}")
        error_lines = [l for l in proc.stderr.splitlines() if "error" in l.lower()]
        if len(error_lines) != 1:
            problems.append(f"expected exactly one error line, got {len(error_lines)}")
    if problems:
        print("FAILED:", "; ".join(problems))
        print("command:", " ".join(command))
        print("stdout:", proc.stdout)
        print("stderr:", proc.stderr)
        return 1
    print("ok:", proc.stderr.strip() if args.stdout is None else args.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
