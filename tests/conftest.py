"""The self-test session: its outputs outside the user's reports/ (and a check that reports/ is untouched),
and the mutation and false-alarm scores with the time per run, at the end of `make test`."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import settings as hsettings

from pnd_conformance.plugins.harness import default_profile
from tests.outputs import selftest_dir, suite_env

_started = time.time()
USER_REPORTS = Path(__file__).resolve().parent.parent / "reports"
_BEFORE = pytest.StashKey[dict]()
_CHANGED = pytest.StashKey[list]()


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under the user's reports/, with its size and modification time."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): (p.stat().st_size if p.is_file() else -1, p.stat().st_mtime_ns)
            for p in root.rglob("*")}


def pytest_configure(config: pytest.Config) -> None:
    # Any run of the suite a self-test starts without naming its reports or ledger writes in the session's
    # directory: exported here, so xdist workers and every subprocess inherit it.
    selftest_dir()
    os.environ.update(suite_env())
    # The suite's Hypothesis profiles for the self-tests too (the plugin loads one only for runs of the suite).
    if not config.getoption("--hypothesis-profile", default=None):
        hsettings.load_profile(default_profile())
    if not hasattr(config, "workerinput"):
        config.stash[_BEFORE] = _snapshot(USER_REPORTS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The self-tests leave the user's reports/ (a prior `make conformance`) exactly as they found it."""
    before = session.config.stash.get(_BEFORE, None)
    if before is None:
        return
    after = _snapshot(USER_REPORTS)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    session.config.stash[_CHANGED] = changed
    if changed and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    changed = config.stash.get(_CHANGED, None)
    if changed:
        terminalreporter.section("reports/ changed by the self-tests", red=True)
        terminalreporter.write_line(f"FAILED: the self-tests wrote into the user's {USER_REPORTS} (they must write "
                                    f"under {selftest_dir()}; or did a `make conformance` run meanwhile?): "
                                    + ", ".join(changed[:10]) + (f" (+{len(changed) - 10} more)"
                                                                if len(changed) > 10 else ""), red=True)
    elif changed is not None:
        terminalreporter.write_line(f"reports/ untouched by the self-tests; their outputs: {selftest_dir()}")
    _scores(terminalreporter)


def _scores(terminalreporter) -> None:
    from pnd_conformance.sandbox.variants import VARIANTS as ALL_VARIANTS
    from tests.test_mutants import MUTANTS, SCORE_FILE, VARIANTS_SCORE_FILE
    from tests.test_variants_settle import SCORE_FILE as SETTLE_SCORE_FILE

    FALSE_ALARM_FILE = SCORE_FILE.with_name("false-alarm-score.json")

    if not SCORE_FILE.exists() or SCORE_FILE.stat().st_mtime < _started:
        return  # the mutants did not run in this session
    results = json.loads(SCORE_FILE.read_text())
    tr = terminalreporter
    tr.section("mutation score")
    killed, times = 0, []
    for name in MUTANTS:
        out = results.get(name)
        if out is None:
            continue
        killed += out["killed"]
        times.append(out["seconds"])
        tr.write_line(f"{'killed ' if out['killed'] else 'SURVIVED'} {name:<46} {out['seconds']:6.1f} s  "
                      f"{'wire' if out['wire'] else 'in-process':<10} by {', '.join(out['failed'][:2]) or '-'}")
    total = len(MUTANTS)
    clean = results.get("")
    tr.write_line(f"mutation score: {killed}/{total} killed ({100 * killed / total:.0f}%); "
                  f"mean {sum(times) / max(len(times), 1):.1f} s per mutant, max {max(times, default=0):.1f} s"
                  + (f"; clean run {clean['seconds']:.1f} s" if clean else ""))
    tr.write_line(f"scores: {SCORE_FILE}, {VARIANTS_SCORE_FILE}")
    # The false-alarm score over every variant: tests/test_mutants.py's and tests/test_variants_settle.py's runs.
    variants = {}
    for path, wire in ((VARIANTS_SCORE_FILE, None), (SETTLE_SCORE_FILE, True)):
        if path.exists() and path.stat().st_mtime >= _started:
            for key, out in json.loads(path.read_text()).items():
                if key in ALL_VARIANTS and out.get("mutant") is None:  # settle's file also holds mutant pairs
                    variants[key] = {"passed": out.get("passed", out["returncode"] == 0 and not out["failed"]),
                                     "seconds": out["seconds"], "failed": out["failed"],
                                     "wire": out.get("wire", wire)}
    if variants:
        tr.section("false-alarm score")
        for name in ALL_VARIANTS:
            out = variants.get(name)
            if out is not None:
                tr.write_line(f"{'passed ' if out['passed'] else 'FAILED '} {name:<46} {out['seconds']:6.1f} s  "
                              f"{'wire' if out['wire'] else 'in-process':<10} {', '.join(out['failed'][:2])}")
        passed = sum(v["passed"] for v in variants.values())
        FALSE_ALARM_FILE.write_text(json.dumps({"passed": passed, "run": len(variants), "variants": len(ALL_VARIANTS),
                                                "results": variants}, indent=1))
        not_run = len(ALL_VARIANTS) - len(variants)
        tr.write_line(f"variants: {passed}/{len(variants)} passed (conformant servers the suite must not fail"
                      + (f"; {not_run} not run in this session" if not_run > 0 else "")
                      + f"); mutation score: {killed}/{total} killed")
        tr.write_line(f"false-alarm score: {FALSE_ALARM_FILE}")
