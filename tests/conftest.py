"""Self-test reporting: the mutation score and time per mutant, at the end of `make test`."""
from __future__ import annotations

import json
import time

_started = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from sandbox.variants import VARIANTS as ALL_VARIANTS
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
        tr.write_line(f"variants: {passed}/{len(variants)} passed (conformant servers the suite must not fail"
                      + (f"; {len(ALL_VARIANTS) - len(variants)} not run in this session" if len(variants) < len(ALL_VARIANTS) else "")
                      + f"); mutation score: {killed}/{total} killed")
