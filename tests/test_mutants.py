"""Prove the suite both ways: every broken sandbox (a mutant) is caught, naming the rule, and
every conformant variant of the sandbox passes (no false alarm).

Each mutant is a sandbox fault flag (sandbox/faults.py) listed in tests/mutants.yaml with the
catalogue rules it breaks. The conformance suite runs as a user runs it (pytest on
conformance/, in a subprocess), stopping at its first failure (`-x`); the mutant is killed
when the run fails and the failing test is one of those rules. A mutant marked `strict: true`
breaks only inferred rules (the suite's readings, advisories by default) and is run with
`--strict`. Each variant (sandbox/variants.py) is a behaviour the documents permit: the same
run, without --strict, must pass with zero failures. The clean sandbox must pass too. Runs go
two at a time in one pool (CI has 2 cores); a few run over the wire against `python -m pnd_conformance.sandbox
--faults NAME`. The scores and times print at the end of `make test`.
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

from pnd_conformance.sandbox.faults import FAULTS
from pnd_conformance.sandbox.variants import SETTLE_VARIANTS, VARIANTS as ALL_VARIANTS
from pnd_conformance.spec.catalogue import load_rules
from tests.outputs import score_file
from tests.wire import PROFILE, REPO, wire_sandbox

MUTANTS_FILE = Path(__file__).with_name("mutants.yaml")
# The scores, in the self-test session's own directory (tests/outputs.py), never in the user's reports/.
SCORE_FILE = score_file("mutation-score.json")
VARIANTS_SCORE_FILE = score_file("variants-score.json")
#: The variants run here; SETTLE_VARIANTS run over the wire in tests/test_variants_settle.py.
VARIANTS = {name: d for name, d in ALL_VARIANTS.items() if name not in SETTLE_VARIANTS}
#: Variants run over loopback (`python -m pnd_conformance.sandbox --variants NAME`) rather than in-process.
WIRE_VARIANTS = frozenset({"auth-gateway-bodies", "offset-without-colon-only"})
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


def run_suite(name: str, tmp: Path, faults: str = "", url: str | None = None, extra: tuple[str, ...] = (),
              variants: str = "", strict: bool | None = None) -> Outcome:
    """One run of the suite (the default request budget unless `extra` says otherwise). `strict`
    (default: the mutant `name` is marked `strict`) runs with PND_STRICT, so inferred rules gate;
    anything else runs as a user's default run."""
    junit = tmp / f"{name or 'clean'}.xml"
    cmd = [sys.executable, "-m", "pytest", "conformance/suite", "-q", "-x", "-p", "no:cacheprovider",
           "-p", "no:randomly", "--hypothesis-profile", "mutant", "-o", "addopts=", f"--junitxml={junit}",
           "--reports-dir", str(tmp / f"reports-{name or 'clean'}"), *extra]
    if url:
        cmd += ["--target-url", url, "--target-profile", str(PROFILE)]
    elif faults:
        cmd += ["--sandbox-faults", faults]
    if variants:
        cmd += ["--sandbox-variants", variants]
    env = {**os.environ, "PND_LEDGER_DIR": str(tmp / f"ledger-{name}")}
    if strict is None:
        strict = bool(MUTANTS.get(name, {}).get("strict"))  # variants are no mutants
    if strict:
        env["PND_STRICT"] = "1"  # it breaks only inferred rules, which gate under --strict (tests/mutants.yaml)
    else:
        env.pop("PND_STRICT", None)  # a default run, whatever the caller's environment says
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


def _run_variant(name: str, tmp: Path) -> Outcome:
    if name in WIRE_VARIANTS:
        with wire_sandbox(variants=name) as url:
            return run_suite(name, tmp, url=url)
    return run_suite(name, tmp, variants=name)


def _run_flag(name: str, tmp: Path) -> Outcome:
    """One run against the sandbox with this mutant or variant (`""`: the clean sandbox)."""
    if not name:
        return run_suite("", tmp)
    return _run_variant(name, tmp) if name in VARIANTS else _run_mutant(name, tmp)


def killed(name: str, outcome: Outcome) -> bool:
    """The run failed, and one of the failing tests is a rule the mutant breaks."""
    return outcome.returncode == 1 and bool(set(outcome.failed) & broken_rules(name))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, request) -> dict[str, Outcome]:
    tmp = tmp_path_factory.mktemp("mutants")
    names = ["", *MUTANTS, *VARIANTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(names, pool.map(lambda n: _run_flag(n, tmp), names), strict=True))
    # Printed by tests/conftest.py at the end of the run; a file, since under xdist this
    # fixture runs in a worker and the summary in the controller.
    SCORE_FILE.parent.mkdir(parents=True, exist_ok=True)
    SCORE_FILE.write_text(json.dumps({
        name or "": {"returncode": o.returncode, "failed": o.failed, "seconds": round(o.seconds, 2),
                     "killed": bool(name) and killed(name, o),
                     "wire": bool(name) and bool(MUTANTS[name].get("wire"))}
        for name, o in results.items() if name not in VARIANTS}, indent=1))
    VARIANTS_SCORE_FILE.write_text(json.dumps({
        name: {"returncode": results[name].returncode, "failed": results[name].failed,
               "seconds": round(results[name].seconds, 2),
               "passed": results[name].returncode == 0 and not results[name].failed, "wire": name in WIRE_VARIANTS}
        for name in VARIANTS}, indent=1))
    return results


def test_mutant_catalogue_is_sound():
    """Every mutant is a real sandbox fault, every fault is a mutant, and each names catalogue rules."""
    ids = {r.id for r in RULES}
    assert set(MUTANTS) == set(FAULTS), \
        f"not mutants: {set(FAULTS) - set(MUTANTS)}; unknown: {set(MUTANTS) - set(FAULTS)}"
    assert len(MUTANTS) >= 40
    for name, spec in MUTANTS.items():
        assert spec.get("rules"), f"{name}: names no rule"
        unknown = {e for e in spec["rules"] if ":" not in e} - ids
        assert not unknown, f"{name}: unknown rules {unknown}"
        assert broken_rules(name), f"{name}: its selectors match no rule"
        extra = set(spec) - {"rules", "wire", "strict"}
        assert not extra, f"{name}: unknown keys {extra}"
        if spec.get("strict"):
            assert any(r.basis == "inferred" for r in RULES if r.id in broken_rules(name)), (
                f"{name} is run --strict but breaks no inferred rule")
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


def test_variant_table_is_sound():
    """Variants are flags of their own: no name is both a fault and a variant, and each says what differs."""
    assert not set(VARIANTS) & set(FAULTS)
    assert all(isinstance(d, str) and d.strip() for d in VARIANTS.values())
    assert WIRE_VARIANTS <= set(VARIANTS)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_passes(outcomes, name):
    """A server doing only what the documents allow, in a reading the sandbox does not take, passes
    the default run (stated rules gate; inferred ones are advisories) with zero failures."""
    out = outcomes[name]
    assert out.returncode == 0 and not out.failed, (
        f"false alarm: the suite fails the conformant variant {name} ({VARIANTS[name]}) at {out.failed}\n{out.output}")
