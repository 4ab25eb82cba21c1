#!/usr/bin/env python3
"""Mutation testing: plant plausible mistakes in trtdsl one at a time and check that the tests catch them.

Each mutation of ``tools/mutations.py`` names a file, an exact snippet of it (which must occur exactly
once), its replacement, the mistake it stands for, and the tests that should catch it. The script copies
the repository (its tracked and untracked, not ignored, files) to a temporary folder, runs the union of
the selected tests there once unchanged (they must pass), then for each mutation writes it into the
copy, runs its tests with pytest (``-x``, hypothesis profile ``ci``) and restores the file. A mutation
is *killed* when a test fails, *survived* when they all pass. Mutations listed with ``equivalent=`` (no
test can tell them from the original; the reason is given) are applied and reported but left out of the
kill rate. The working tree is never written.

    python tools/mutate.py                  # every mutation
    python tools/mutate.py -k padding       # those whose name contains "padding"
    python tools/mutate.py --list           # the mutations, without running anything

Exit status: 0 when the kill rate reaches ``--min`` (default 95), 1 below it, 2 when a snippet no longer
occurs exactly once (the list needs updating) or the unchanged tests fail.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

from mutations import MUTATIONS, Mutation, paths

ROOT = pathlib.Path(__file__).resolve().parents[1]


def copy_repository(target: pathlib.Path) -> None:
    """The files git sees in the working tree (tracked, and untracked but not ignored), copied to
    ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run_tests(copy: pathlib.Path, tests: tuple[str, ...], timeout: float) -> tuple[bool, str]:
    """Whether ``tests`` pass in ``copy``, and the first failing test's id (or why they did not run)."""
    env = dict(os.environ, PYTHONPATH=str(copy), HYPOTHESIS_PROFILE="ci")
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    failed = re.search(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    if done.returncode == 0:
        return True, ""
    return False, failed.group(1) if failed else done.stdout.strip().splitlines()[-1:][0]


def check_snippets(selected: list[Mutation], copy: pathlib.Path) -> list[str]:
    """The mutations whose snippet does not occur exactly once in their file."""
    problems = []
    for m in selected:
        text = (copy / m.file).read_text() if (copy / m.file).is_file() else ""
        count = text.count(m.original)
        if count != 1:
            problems.append(f"{m.name}: its snippet occurs {count} times in {m.file}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", default="", help="only mutations whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--min", type=float, default=95.0, help="the kill rate to reach, in percent")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per test run")
    args = parser.parse_args()
    selected = [m for m in MUTATIONS if args.k in m.name]
    if args.list:
        for m in selected:
            print(f"{m.name:40} {m.file}: {m.description}" + (" (equivalent)" if m.equivalent else ""))
        return 0
    with tempfile.TemporaryDirectory(prefix="trtdsl-mutants-") as folder:
        copy = pathlib.Path(folder)
        copy_repository(copy)
        problems = check_snippets(selected, copy)
        if problems:
            print("the mutation list is out of date:\n  " + "\n  ".join(problems))
            return 2
        union = tuple(dict.fromkeys(t for m in selected for t in paths(m.tests)))
        ok, why = run_tests(copy, union, args.timeout)
        if not ok:
            print(f"the unchanged tests fail ({why}): fix them before mutating")
            return 2
        killed = survived = 0
        for m in selected:
            path = copy / m.file
            original = path.read_text()
            path.write_text(original.replace(m.original, m.replacement))
            start = time.monotonic()
            try:
                passed, by = run_tests(copy, m.tests, args.timeout)
            finally:
                path.write_text(original)
            verdict = "survived" if passed else "killed"
            if not m.equivalent:
                killed += not passed
                survived += passed
            note = f"equivalent: {m.equivalent}" if m.equivalent else by
            print(f"{verdict:9} {m.name:40} {time.monotonic() - start:6.1f} s  {note}", flush=True)
    counted = killed + survived
    rate = 100.0 * killed / counted if counted else 100.0
    print(f"\nkilled {killed} of {counted} mutations ({rate:.1f}%); "
          f"{sum(1 for m in selected if m.equivalent)} equivalent ones not counted")
    return 0 if rate >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
