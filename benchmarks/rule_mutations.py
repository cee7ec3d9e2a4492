"""Disable each matching rule in turn: some test in tests/matching must then fail.

    python benchmarks/rule_mutations.py [-j 2] [--all] [--list] [RULE ...]

`RULES` (``benchmarks/mutation_rules.py``) lists the rules of `bot/matching`, one line
each: an id, what the rule does, the module it lives in and how to switch it off (`Set` a
threshold or table to something that never applies, `Stub` a function, or `Edit` one
function's source; see ``benchmarks/mutations.py``).  For every rule the script runs
``pytest tests/matching -x -q`` (the files that decide rules quickly first) in a
subprocess with this module loaded as a pytest plugin, which applies the rule's mutation
before the tests are collected (see `pytest_configure`), and prints a table: rule, tests
failing, verdict.  A rule whose mutation leaves every test green is SURVIVED: nothing
tests it.  Exit 1 if a rule survives, 2 if a mutation no longer applies (the code it names
changed).

Rules: a run with no mutation must pass first; mutations are applied in the test process
only (never to the files); at most `-j` runs at once (2 by default: the tests are CPU
bound); ``--all`` runs every test instead of stopping at the first failure, to count them.
A new rule in `bot/matching` gets a line in `RULES` and a test that fails without it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.mutation_rules import RULES
from benchmarks.mutations import Rule, apply

REPO = Path(__file__).resolve().parents[1]
ENV = "RASD_MUTATION"


def pytest_configure(config: pytest.Config) -> None:
    """Pytest plugin hook: apply the rule named in $RASD_MUTATION (before collection)."""
    wanted = os.environ.get(ENV)
    if wanted:
        apply(next(r for r in RULES if r.id == wanted))


@dataclass(frozen=True)
class Outcome:
    rule: Rule | None
    code: int
    failed: list[str]
    seconds: float

    @property
    def verdict(self) -> str:
        if self.code == 0:
            return "SURVIVED"
        if self.code == 1 and self.failed:
            return "killed"
        return "ERROR"


# Test files that decide rules quickly run first, so that -x stops early; the rest follow.
FIRST = ("test_rule_cases", "test_rules", "test_query", "test_normalize", "test_dev_set")
LAST = ("test_index",)


def test_files() -> list[str]:
    def rank(path: Path) -> tuple[int, str]:
        name = path.stem
        if name in FIRST:
            return FIRST.index(name), name
        return (len(FIRST) + 1 if name in LAST else len(FIRST)), name

    files = sorted((REPO / "tests" / "matching").glob("test_*.py"), key=rank)
    return [str(f.relative_to(REPO)) for f in files]


_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def run(rule: Rule | None, every_test: bool) -> Outcome:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONHASHSEED="0")
    env.pop(ENV, None)
    if rule is not None:
        env[ENV] = rule.id
    cmd = [sys.executable, "-m", "pytest", *test_files(), "-q", "-p", "no:cacheprovider"]
    cmd += ["-p", "benchmarks.rule_mutations", "--hypothesis-seed=0"]
    if not every_test:
        cmd.append("-x")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    failed = _FAILED.findall(proc.stdout)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not failed):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
    return Outcome(rule, proc.returncode, failed, time.perf_counter() - start)


def _short(test: str) -> str:
    return test.rsplit("/", 1)[-1].replace(".py::", "::")


def row(o: Outcome, every_test: bool) -> str:
    assert o.rule is not None
    n = str(len(o.failed)) if every_test or not o.failed else "1+"
    first = ", ".join(_short(t) for t in o.failed[:2])
    return f"{o.rule.id:<22} {o.rule.what[:46]:<46} {n:>4}  {o.verdict:<8}  {first}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("rules", nargs="*", help="rule ids (default: every rule)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="test runs at once (2)")
    ap.add_argument("--all", action="store_true", help="run every test (count failures)")
    ap.add_argument("--list", action="store_true", help="list the rules and exit")
    args = ap.parse_args(argv)
    if args.list:
        for rule in RULES:
            print(f"{rule.id:<22} {rule.module:<24} {rule.what}")
        return 0
    ids = [r.id for r in RULES]
    if len(set(ids)) != len(ids):
        ap.error(f"rule ids listed twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    unknown = set(args.rules) - set(ids)
    if unknown:
        ap.error(f"unknown rules: {', '.join(sorted(unknown))}")
    rules = [r for r in RULES if not args.rules or r.id in args.rules]
    baseline = run(None, every_test=False)
    if baseline.code != 0:
        print(f"the tests fail without any mutation: {baseline.failed[:3]}")
        return 2
    print(f"baseline green in {baseline.seconds:.0f} s; {len(rules)} rules, {args.jobs} at once")
    sys.stdout.flush()
    print(f"{'rule':<22} {'what':<46} {'fail':>4}  {'verdict':<8}  first failing tests")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = []
        for o in pool.map(lambda r: run(r, args.all), rules):
            print(row(o, args.all), flush=True)
            outcomes.append(o)
    survived = [o.rule.id for o in outcomes if o.verdict == "SURVIVED" and o.rule]
    broken = [o.rule.id for o in outcomes if o.verdict == "ERROR" and o.rule]
    killed = len(outcomes) - len(survived) - len(broken)
    print(
        f"\n{killed} of {len(outcomes)} rules killed, {len(survived)} survived, "
        f"{len(broken)} errors, in {time.perf_counter() - start:.0f} s"
    )
    if survived:
        print("survived (no test fails without them): " + ", ".join(survived))
    if broken:
        print("errors (the mutation no longer applies?): " + ", ".join(broken))
        return 2
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
