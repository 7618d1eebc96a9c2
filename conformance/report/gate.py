"""The gate's terminal summary: the rule totals, fixed deviations (remove the entry) and expected deviations."""
from __future__ import annotations

from conformance.redaction import redact
from conformance.report.outcome import OUTCOMES, Outcome
from conformance.report.record import RunRecord


def terminal_summary(terminalreporter, run: RunRecord) -> None:
    matrix = run.matrix
    if not matrix:
        return
    tr = terminalreporter
    tr.section("conformance")
    all_ = matrix["totals"]["all"]
    tr.write_line(f"{all_['rules']} rules: " + ", ".join(f"{all_[o]} {o}" for o in OUTCOMES if all_[o]))
    fixed = [r for r in matrix["rules"] if r["outcome"] == Outcome.DEVIATION_FIXED]
    for r in fixed:
        tr.write_line(redact(f"DEVIATION FIXED {r['operation']}/{r['rule']}: now conforms; remove it from "
                             f"{run.baseline.source}" + (" (fails the gate: --strict-expectations)"
                                                         if run.baseline.strict else "")), yellow=True)
    for r in matrix["rules"]:
        if r["outcome"] == Outcome.EXPECTED_DEVIATION:
            tr.write_line(redact(f"expected deviation {r['operation']}/{r['rule']}: "
                                 f"{r['expectation']['reason']}"))
    cov = matrix.get("doc_coverage") or {}
    if cov.get("overall"):
        o = cov["overall"]
        tr.write_line(f"doc coverage: {o['covered']}/{o['units']} behaviour-stating units cited by a rule "
                      f"({o['percent']}%): " + ", ".join(f"{doc.removesuffix('.txt')} {f['covered']}/{f['units']}"
                                                         for doc, f in cov["by_doc"].items()))
    elif cov.get("error"):
        tr.write_line(f"doc coverage: not measured ({cov['error'].splitlines()[0]})")
    for path in run.written:
        tr.write_line(f"{'living docs' if path.suffix == '.html' else 'matrix'}: {path}")
