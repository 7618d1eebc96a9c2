"""Self-test reporting: the mutation score and time per mutant, at the end of `make test`."""
from __future__ import annotations

import json
import time

_started = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.test_mutants import MUTANTS, SCORE_FILE, VARIANTS, VARIANTS_SCORE_FILE

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
    if VARIANTS_SCORE_FILE.exists() and VARIANTS_SCORE_FILE.stat().st_mtime >= _started:
        variants = json.loads(VARIANTS_SCORE_FILE.read_text())
        tr.section("false-alarm score")
        for name in VARIANTS:
            out = variants.get(name)
            if out is not None:
                tr.write_line(f"{'passed ' if out['passed'] else 'FAILED '} {name:<46} {out['seconds']:6.1f} s  "
                              f"{'wire' if out['wire'] else 'in-process':<10} {', '.join(out['failed'][:2])}")
        passed = sum(v["passed"] for v in variants.values())
        tr.write_line(f"variants: {passed}/{len(VARIANTS)} passed (conformant servers the suite must not fail); "
                      f"mutation score: {killed}/{total} killed")
