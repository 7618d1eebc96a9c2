"""The conformance matrix: reports/conformance.json and conformance.md, one row per catalogue rule.

A rule with several tests takes the worst of their outcomes (Outcome.worst); a rule with no
test is `not observable` (the catalogue says why) or `not run` (deselected). Tests that are not
catalogue rules are listed under `other_tests`.
"""
from __future__ import annotations

import json
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from pnd_conformance.http.redaction import redact
from pnd_conformance.report import requests, scope, summary
from pnd_conformance.judging.outcome import OUTCOMES, Outcome
from pnd_conformance.report.record import RunRecord, TestRecord, failure_summary
from pnd_conformance.version import NAME, VERSION

FAILURE = "failure"  # a row's non-conformance as data (record.failure_fields), not written to the JSON


def build_matrix(run: RunRecord, exitstatus: int) -> dict[str, Any]:
    by_rule: dict[str, list[TestRecord]] = {}
    others = []
    for test in sorted(run.tests.values(), key=lambda t: t.nodeid):  # the same order however xdist spread them
        if test.rule_id:
            by_rule.setdefault(test.rule_id, []).append(test)
        else:
            others.append(test)
    rows = []
    for rule in run.rules:
        tests = by_rule.pop(rule.id, [])
        exp = run.baseline.get(rule.id)
        cit, expect = rule.citation, rule.expect
        failure = None
        if tests:
            outcome = Outcome.worst(t.outcome for t in tests)
            shown = next((t for t in tests if t.outcome == outcome and t.detail), None)
            detail, failure = (shown.detail, shown.failure) if shown else (None, None)
        elif rule.test == "unobservable":
            outcome, detail = Outcome.NOT_OBSERVABLE, rule.reason
        else:
            outcome, detail = Outcome.NOT_RUN, _not_run_reason(run, rule.test_id)
        rows.append({
            "operation": rule.operation, "rule": rule.id, "kind": rule.kind, "test": rule.test,
            "statement": rule.statement,
            "citation": {"doc": cit.doc, "quote": cit.quote},
            "expect": {"status": expect.status, "errorCode": expect.errorCode} if expect is not None else None,
            "basis": rule.basis, "note": rule.note,
            "outcome": outcome, "detail": detail, FAILURE: failure,
            "expectation": exp.to_dict() if exp else None,
            "tests": [t.nodeid for t in tests],
            "duration_s": round(sum(t.duration for t in tests), 3),
            **requests.rule_columns(run.requests_by_test, rule.test_id),
        })
    # Tests naming a rule the catalogue does not have (should not happen) are listed with the others.
    others += [t for ts in by_rule.values() for t in ts]
    operations = list(dict.fromkeys(r["operation"] for r in rows))
    totals: dict[str, dict[str, int]] = {op: {o.value: 0 for o in OUTCOMES} for op in operations}
    for r in rows:
        totals[r["operation"]][r["outcome"]] += 1
    overall: dict[str, int] = {o.value: sum(t[o] for t in totals.values()) for o in OUTCOMES}
    for t in [*totals.values(), overall]:
        t["rules"] = sum(t[o] for o in OUTCOMES)
    selection = list(run.selection)
    if not selection and any(r["outcome"] == Outcome.NOT_RUN and r["detail"] == NOT_SELECTED for r in rows):
        selection = ["not every rule's test was collected"]
    incomplete = scope.incomplete(rows)
    code = summary.exit_code(int(exitstatus), incomplete, bool(run.settings.require_complete))
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "suite": {"name": NAME, "version": VERSION},
        "settings": run.settings.describe(),
        "exit_code": code,
        "gate": "pass" if code == 0 else "fail",
        # What the run covered: a partial run (a selection of the suite) is a verdict on its selection only.
        "run": {"partial": bool(selection), "selection": selection, "stopped": run.stopped,
                "complete": not incomplete, "incomplete": incomplete,
                "require_complete": bool(run.settings.require_complete)},
        "seed": run.seed,
        "not_checked": scope.not_checked(rows),
        "catalogue_error": run.catalogue_error,
        "outcomes": list(OUTCOMES),
        "totals": {"by_operation": totals, "all": overall},
        "rules": rows,
        "other_tests": [{"test": t.nodeid, "outcome": t.outcome, "detail": t.detail,
                         "duration_s": round(t.duration, 3), FAILURE: t.failure} for t in others],
        "requests": run.requests,
        # covered / behaviour-stating units per document (spec/docunits.py), and the uncovered units
        "doc_coverage": run.doc_coverage.to_dict() if run.doc_coverage is not None
        else {"error": run.doc_coverage_error},
    }


NOT_SELECTED = "not selected in this run"


def _not_run_reason(run: RunRecord, test_id: str) -> str:
    """Why a rule with a test did not run: deselected (and by what), or the run ended before it."""
    if run.selected_rules is not None and test_id in run.selected_rules:
        return f"the run stopped before its test ran ({run.stopped})" if run.stopped else "its test did not run"
    return f"{NOT_SELECTED} ({'; '.join(run.selection)})" if run.selection else NOT_SELECTED


def _cell(text: Any, limit: int = 0) -> str:
    s = " ".join(str(text if text is not None else "").split())
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("|", "\\|")


def _short(detail: str | None, failure: dict[str, Any] | None = None) -> str:
    """The first two lines of a failure: a non-conformance's fields without its curl; another detail (a
    harness error, a skip reason) without its `reproduce:` line."""
    if not detail:
        return ""
    text = failure_summary(failure) if failure else detail
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and (failure or not ln.strip().startswith("reproduce:"))]
    return _cell(" — ".join(lines[:2]), 300)


def _public(matrix: dict[str, Any]) -> dict[str, Any]:
    """The matrix as conformance.json holds it: the failures' fields stay in memory (their text is the detail)."""
    strip = [{k: v for k, v in r.items() if k != FAILURE} for r in matrix["rules"]]
    others = [{k: v for k, v in t.items() if k != FAILURE} for t in matrix["other_tests"]]
    return {**matrix, "rules": strip, "other_tests": others}


def render_markdown(matrix: dict[str, Any]) -> str:
    s = matrix["settings"]
    all_ = matrix["totals"]["all"]
    shown = [o for o in OUTCOMES if o != Outcome.NOT_RUN or all_[Outcome.NOT_RUN]]
    run = matrix.get("run") or {}
    out = ["# Conformance matrix" + (" (partial run)" if run.get("partial") else ""), "",
           f"Target: {s.get('target')} (profile `{s.get('profile')}`) · {summary.suite_label(matrix)} · generated "
           f"{matrix['generated_at']} · gate: **{summary.gate_text(matrix)}**", ""]
    if run.get("partial"):
        out += [f"**Partial run** ({_cell('; '.join(run.get('selection') or []), 300)}): a verdict on the selected "
                "tests only, not on the target; the rules outside the selection are `not run`.", ""]
    seed = matrix.get("seed") or {}
    if seed.get("value") is not None:
        out += [f"Seed: `{seed['value']}` (`--hypothesis-seed {seed['value']}` draws the same examples again).", ""]
    elif seed.get("derandomized"):
        out += [f"Seed: none, the `{seed.get('profile')}` Hypothesis profile is derandomized (the same command draws "
                "the same examples).", ""]
    cov = (matrix.get("doc_coverage") or {}).get("overall")
    if cov:
        out += [f"Living docs: [docs/index.html](docs/index.html), the five documents with each statement marked by "
                f"the outcome of the rules citing it · doc coverage {cov['covered']}/{cov['units']} "
                f"behaviour-stating units cited ({cov['percent']}%)", ""]
    if s.get("expectations"):
        out += [f"Known deviations from `{s['expectations']}`.", ""]
    if matrix.get("catalogue_error"):
        out += [f"**The rule catalogue did not load:** {_cell(matrix['catalogue_error'], 300)}", ""]
    out += ["## Totals per operation", "",
            "| operation | rules | " + " | ".join(shown) + " |",
            "|---|---:|" + "---:|" * len(shown)]
    for op, t in [*matrix["totals"]["by_operation"].items(), ("**all**", all_)]:
        out.append(f"| {op} | {t['rules']} | " + " | ".join(str(t[o]) for o in shown) + " |")
    out += ["", "## Rules", "", "| operation | rule | doc citation | outcome | examples | detail |",
            "|---|---|---|---|---:|---|"]
    for r in matrix["rules"]:
        cit = r["citation"] or {}
        doc = f"{cit.get('doc')}: “{_cell(cit.get('quote'), 160)}”" if cit.get("doc") else ""
        detail = _short(r["detail"], r.get(FAILURE))
        if r["expectation"]:
            exp = r["expectation"]
            note = f"listed: {_cell(exp['reason'], 160)}" + (f" ({exp['ticket']})" if exp.get("ticket") else "")
            detail = f"{note}; {detail}" if detail else note
        if r.get("basis") == "inferred":  # the suite's reading: an advisory unless --strict
            note = f"inferred (NOTES.md “{_cell(r.get('note'), 80)}”)"
            detail = f"{note}; {detail}" if detail else note
        out.append(f"| {r['operation']} | `{r['rule']}` | {doc} | {r['outcome']} | {r.get('examples', '')} "
                   f"| {detail} |")
    out += _not_checked_lines(matrix)
    out += requests.markdown_lines(matrix.get("requests"))
    if matrix["other_tests"]:
        out += ["", "## Other tests", "", "| test | outcome | detail |", "|---|---|---|"]
        for t in matrix["other_tests"]:
            out.append(f"| `{_cell(t['test'])}` | {t['outcome']} | {_short(t['detail'], t.get(FAILURE))} |")
    out += ["", "Outcomes: pass · fail = non-conformance · advisory = a failed *inferred* rule (the suite's reading "
            "where the documents are silent; spec/NOTES.md; gates only with --strict) · "
            "error = harness/network error (not a verdict on the "
            "target) · skipped (with reason) · expected deviation = failure listed in the expectations file · "
            "deviation fixed = listed but now passes (remove the entry) · not observable (with reason) · "
            "not run = deselected.", ""]
    return redact("\n".join(out))


def _not_checked_lines(matrix: dict[str, Any]) -> list[str]:
    """The **Not checked** section: the rules not judged, per outcome, grouped by reason."""
    groups = [(o, g) for o, gs in (matrix.get("not_checked") or {}).items() for g in gs]
    if not groups:
        return []
    out = ["", "## Not checked", "", "| outcome | rules | stated | why |", "|---|---:|---:|---|"]
    out += [f"| {o} | {g['rules']} | {g['stated']} | {_cell(scope.describe_group(g), 300)} |" for o, g in groups]
    run = matrix.get("run") or {}
    if run.get("incomplete"):
        out += ["", f"{len(run['incomplete'])} stated rule(s) not checked"
                + (": the gate fails (--require-complete)." if run.get("require_complete")
                   else "; with --require-complete they fail the gate (exit code 6).")]
    return out


def write(matrix: dict[str, Any], reports_dir: Path) -> tuple[list[Path], str]:
    """conformance.json and conformance.md under `reports_dir`; returns the paths and the markdown."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = reports_dir / "conformance.json", reports_dir / "conformance.md"
    json_path.write_text(redact(json.dumps(_public(matrix), indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    markdown = render_markdown(matrix)
    md_path.write_text(markdown, encoding="utf-8")
    return [json_path, md_path], markdown
