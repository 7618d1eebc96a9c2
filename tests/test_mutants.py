"""Prove the suite: every deliberately broken sandbox (a mutant) is caught, naming the rule.

Each mutant is a sandbox fault flag (sandbox/faults.py) listed in tests/mutants.yaml with the
catalogue rules it breaks. The conformance suite runs as a user runs it (pytest on
conformance/, in a subprocess), stopping at its first failure (`-x`); the mutant is killed
when the run fails and the failing test is one of those rules. The clean sandbox must pass the
same run. Runs go two at a time (CI has 2 cores); a few mutants run over the wire against
`python -m sandbox --faults NAME`. The score and time per mutant print at the end of `make test`.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from sandbox.faults import FAULTS
from spec.catalogue import load_rules
from tests.wire import PROFILE, REPO, wire_sandbox

MUTANTS_FILE = Path(__file__).with_name("mutants.yaml")
SCORE_FILE = REPO / "reports" / "mutation-score.json"
MUTANTS: dict[str, dict] = yaml.safe_load(MUTANTS_FILE.read_text())
TEST_ID = re.compile(r"\[([a-z-]+)/([a-z0-9-]+)\]")
RULES = load_rules()


def broken_rules(name: str) -> set[str]:
    """The catalogue ids a mutant breaks: ids, or `<operation>:<test>` selectors (`*` = any operation)."""
    out: set[str] = set()
    for entry in MUTANTS[name]["rules"]:
        if ":" in entry:
            op, test = entry.split(":", 1)
            out |= {r.id for r in RULES if test in (r.test, r.kind) and op in ("*", r.operation)}
        else:
            out.add(entry)
    return out


@dataclass
class Outcome:
    name: str
    returncode: int
    failed: list[str] = field(default_factory=list)  # rule ids (or test names) that failed
    seconds: float = 0.0
    output: str = ""


def run_suite(name: str, tmp: Path, faults: str = "", url: str | None = None, extra: tuple[str, ...] = ()) -> Outcome:
    """One run of the suite (the default request budget unless `extra` says otherwise)."""
    junit = tmp / f"{name or 'clean'}.xml"
    cmd = [sys.executable, "-m", "pytest", "conformance", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly",
           "--hypothesis-profile", "mutant", "-o", "addopts=", f"--junitxml={junit}",
           "--reports-dir", str(tmp / f"reports-{name or 'clean'}"), *extra]
    if url:
        cmd += ["--target-url", url, "--target-profile", str(PROFILE)]
    elif faults:
        cmd += ["--sandbox-faults", faults]
    env = {**os.environ, "PND_LEDGER_DIR": str(tmp / f"ledger-{name}")}
    if name and MUTANTS.get(name, {}).get("strict"):  # variants (tests/test_variants_settle.py) are no mutants
        env["PND_STRICT"] = "1"  # it breaks only inferred rules, which gate under --strict (tests/mutants.yaml)
    env.pop("CI", None)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    out = Outcome(name, proc.returncode, seconds=time.perf_counter() - start,
                  output=(proc.stdout + proc.stderr)[-4000:])
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                m = TEST_ID.search(case.get("name", ""))
                failed = m.group(2) if m else case.get("name", "?")
                if failed not in out.failed:  # a test may fail in its call and its teardown
                    out.failed.append(failed)
    return out


def _run_mutant(name: str, tmp: Path, extra: tuple[str, ...] = ()) -> Outcome:
    if MUTANTS[name].get("wire"):
        with wire_sandbox(faults=name) as url:
            return run_suite(name, tmp, url=url, extra=extra)
    return run_suite(name, tmp, faults=name, extra=extra)


def killed(name: str, outcome: Outcome) -> bool:
    """The run failed, and one of the failing tests is a rule the mutant breaks."""
    return outcome.returncode == 1 and bool(set(outcome.failed) & broken_rules(name))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, request) -> dict[str, Outcome]:
    tmp = tmp_path_factory.mktemp("mutants")
    names = ["", *MUTANTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(names, pool.map(lambda n: run_suite("", tmp) if n == "" else _run_mutant(n, tmp), names)))
    # Printed by tests/conftest.py at the end of the run; a file, since under xdist this
    # fixture runs in a worker and the summary in the controller.
    SCORE_FILE.parent.mkdir(parents=True, exist_ok=True)
    SCORE_FILE.write_text(json.dumps({
        name or "": {"returncode": o.returncode, "failed": o.failed, "seconds": round(o.seconds, 2),
                     "killed": bool(name) and killed(name, o),
                     "wire": bool(name) and bool(MUTANTS[name].get("wire"))}
        for name, o in results.items()}, indent=1))
    return results


def test_mutant_catalogue_is_sound():
    """Every mutant is a real sandbox fault, every fault is a mutant, and each names catalogue rules."""
    ids = {r.id for r in RULES}
    assert set(MUTANTS) == set(FAULTS), f"not mutants: {set(FAULTS) - set(MUTANTS)}; unknown: {set(MUTANTS) - set(FAULTS)}"
    assert len(MUTANTS) >= 40
    for name, spec in MUTANTS.items():
        assert spec.get("rules"), f"{name}: names no rule"
        unknown = {e for e in spec["rules"] if ":" not in e} - ids
        assert not unknown, f"{name}: unknown rules {unknown}"
        assert broken_rules(name), f"{name}: its selectors match no rule"
    assert sum(1 for s in MUTANTS.values() if s.get("wire")) >= 3, "some mutants run over the wire"


def test_clean_sandbox_passes(outcomes):
    """The reference sandbox passes the same run with zero failures."""
    clean = outcomes[""]
    assert clean.returncode == 0 and not clean.failed, clean.output


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_is_killed(outcomes, name):
    """The suite fails against the mutant, and the failing test is a rule the mutant breaks."""
    out = outcomes[name]
    assert out.returncode == 1, f"mutant {name} survived (exit {out.returncode}): {FAULTS[name]}\n{out.output}"
    assert set(out.failed) & broken_rules(name), (
        f"mutant {name} was caught by {out.failed}, not by the rules it breaks {MUTANTS[name]['rules']}\n{out.output}")
