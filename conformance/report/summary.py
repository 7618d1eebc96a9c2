"""The gate: the run's exit code (with --require-complete, an incomplete run fails it) and the terminal summary.

The summary is one block at the very end of the output, after pytest's own line, read from the matrix
(conformance.json) alone: the target, the gate verdict and exit code, the catalogue rules by outcome (the
words of the reports), the other tests by outcome, what was not checked and why, the requests against the
budget, the seed that reproduces the run, and where each report is. Its counts say what they count (catalogue
rules, tests), so that none reads as pytest's count of tests.
"""
from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pnd_conformance.http.redaction import redact
from pnd_conformance.judging.outcome import OUTCOMES, Outcome
from pnd_conformance.report.scope import describe_group

#: The exit code of an incomplete run under --require-complete (docs/checks.md "Exit codes").
INCOMPLETE = 6
TITLE = "pnd-conformance summary"
LABEL = 13  # width of the label column
OTHER_KINDS = (("test_schemathesis.py", "Schemathesis checks"), ("test_lifecycle.py", "lifecycle"))
_SHOWN_IDS = 8  # failing tests named in the summary (and in the rerun command)


def exit_code(code: int, incomplete: Sequence[str], require_complete: bool) -> int:
    """The run's code: pytest's, except that a run that would pass while stated rules went unchecked fails
    with INCOMPLETE under --require-complete."""
    return INCOMPLETE if require_complete and code == 0 and incomplete else code


def gate_text(matrix: dict[str, Any]) -> str:
    """`PASS, exit code 0`, with why a failing code fails, and the scope of a partial run."""
    code, run = matrix["exit_code"], matrix.get("run") or {}
    text = f"{matrix['gate'].upper()}, exit code {code}"
    if code == INCOMPLETE:
        text += (f": incomplete, {len(run.get('incomplete') or [])} stated rule(s) not checked "
                 f"(--require-complete)")
    elif code == 1:
        text += ": non-conformance or harness error"
    elif code == 2:
        text += ": interrupted"
    elif code == 3:
        text += ": internal error or target unreachable"
    elif code == 4:
        text += ": usage error"
    elif code == 5:
        text += ": no tests selected"
    if run.get("partial"):
        text += (f" — PARTIAL RUN ({'; '.join(run.get('selection') or [])}): a verdict on the selected tests "
                 "only, not on the target")
    if run.get("stopped"):
        text += f" — stopped early: {run['stopped']}"
    return text


def suite_label(matrix: dict[str, Any]) -> str:
    """The suite and version that wrote the record (a rebuilt report names the run's, not today's)."""
    suite = matrix.get("suite") or {}
    return f"{suite.get('name')} {suite.get('version')}"


def run_properties(matrix: dict[str, Any]) -> dict[str, str]:
    """The run as a few named values, for the JUnit suite's properties and Allure's environment."""
    s, run, seed = matrix.get("settings") or {}, matrix.get("run") or {}, matrix.get("seed") or {}
    return {
        "suite_version": str((matrix.get("suite") or {}).get("version")),
        "target": str(s.get("target")),
        "profile": str(s.get("profile")),
        "gate": matrix["gate"],
        "exit_code": str(matrix["exit_code"]),
        "scope": ("partial: " + "; ".join(run.get("selection") or [])) if run.get("partial") else "full",
        "complete": "true" if run.get("complete") else f"false ({len(run.get('incomplete') or [])} stated rules "
                                                       "not checked)",
        "seed": str(seed["value"]) if seed.get("value") is not None else
        f"none (derandomized profile {seed.get('profile')})" if seed else "unknown",
    }


def other_kind(nodeid: str) -> str:
    return next((kind for marker, kind in OTHER_KINDS if marker in nodeid), "other")


def _counts(outcomes: Counter) -> str:
    return ", ".join(f"{outcomes[o]} {o}" for o in OUTCOMES if outcomes[o])


def _failing(matrix: dict[str, Any]) -> list[str]:
    """The test ids (for -k) of the rules and other tests that fail the gate or failed as advisories."""
    bad = (Outcome.FAIL, Outcome.ERROR, Outcome.ADVISORY)
    rules = [f"{r['operation']}/{r['rule']}]" for r in matrix["rules"] if r["outcome"] in bad]
    others = [t["test"].rsplit("::", 1)[-1] for t in matrix["other_tests"] if t["outcome"] in bad]
    return rules + others


def rerun_command(command: Sequence[str], seed: dict[str, Any] | None, select: Sequence[str] = ()) -> str:
    """The command of this run with its seed (replacing any --hypothesis-seed), optionally narrowed with -k."""
    args, skip = [], False
    for arg in command:
        if skip:
            skip = False
            continue
        if arg == "--hypothesis-seed":
            skip = True
            continue
        if arg.startswith("--hypothesis-seed="):
            continue
        args.append(arg)
    if seed and seed.get("value") is not None:
        args += ["--hypothesis-seed", str(seed["value"])]
    if select:
        args += ["-k", " or ".join(select)]
    return redact(shlex.join(args))


def summary_lines(matrix: dict[str, Any], reports: Sequence[tuple[str, str]], command: Sequence[str]
                  ) -> list[tuple[str, dict[str, bool]]]:
    """The block's lines (text, terminal markup), redacted; `reports` are (what, path) pairs."""
    out: list[tuple[str, dict[str, bool]]] = []

    def line(label: str, text: str, **markup: bool) -> None:
        out.append((redact(f"{label:<{LABEL}}{text}"), markup))

    s, run = matrix.get("settings") or {}, matrix.get("run") or {}
    line("target", f"{s.get('target')}, profile {s.get('profile')}")
    line("suite", suite_label(matrix))
    passed = matrix["exit_code"] == 0
    line("gate", gate_text(matrix), green=passed and not run.get("partial"), yellow=passed and bool(run.get("partial")),
         red=not passed, bold=True)
    all_ = matrix["totals"]["all"]
    line("rules", f"{all_['rules']} catalogue rules: " + _counts(Counter({o: all_[o] for o in OUTCOMES})))
    for outcome in (Outcome.FAIL, Outcome.ERROR, Outcome.DEVIATION_FIXED, Outcome.EXPECTED_DEVIATION,
                    Outcome.ADVISORY):
        rows = [r for r in matrix["rules"] if r["outcome"] == outcome]
        if outcome in (Outcome.DEVIATION_FIXED, Outcome.EXPECTED_DEVIATION):
            for r in rows:  # each listed rule, with what to do about it
                text = (f"DEVIATION FIXED {r['operation']}/{r['rule']}: now conforms; remove it from "
                        f"{s.get('expectations')}" if outcome == Outcome.DEVIATION_FIXED else
                        f"expected deviation {r['operation']}/{r['rule']}: {(r['expectation'] or {}).get('reason')}")
                line("", text, yellow=outcome == Outcome.DEVIATION_FIXED)
        elif rows:
            ids = [f"{r['operation']}/{r['rule']}" for r in rows]
            more = f" (+{len(ids) - _SHOWN_IDS} more)" if len(ids) > _SHOWN_IDS else ""
            line("", f"{outcome}: " + ", ".join(ids[:_SHOWN_IDS]) + more, red=outcome != Outcome.ADVISORY)
    kinds: dict[str, Counter] = {kind: Counter() for _, kind in OTHER_KINDS}
    for t in matrix["other_tests"]:
        kinds.setdefault(other_kind(t["test"]), Counter())[Outcome(t["outcome"])] += 1
    kinds = {kind: c for kind, c in kinds.items() if c}
    if kinds:
        line("other tests", f"{sum(sum(c.values()) for c in kinds.values())} tests that are not catalogue rules: "
             + "; ".join(f"{kind} {_counts(c)}" for kind, c in kinds.items()))
    else:
        line("other tests", "none ran (Schemathesis checks, lifecycle)")
    not_checked = matrix.get("not_checked") or {}
    label = "not checked"
    for group in not_checked.get(Outcome.SKIPPED, []):
        line(label, f"{group['rules']} rule(s) skipped: {describe_group(group)}", yellow=bool(group["stated"]))
        label = ""
    for group in not_checked.get(Outcome.NOT_RUN, []):
        line(label, f"{group['rules']} rule(s) not run: {describe_group(group)}", yellow=True)
        label = ""
    unobservable = sum(g["rules"] for g in not_checked.get(Outcome.NOT_OBSERVABLE, []))
    if unobservable:
        line(label, f"{unobservable} rule(s) not observable: no black-box test through the five operations can "
                    "see them (each rule's reason is in the matrix)")
        label = ""
    if label:
        line(label, "nothing: every catalogue rule was judged")
    incomplete = run.get("incomplete") or []
    if incomplete and passed and not run.get("partial") and not run.get("require_complete"):
        line("", f"{len(incomplete)} stated rule(s) not checked do not fail the gate; --require-complete "
                 "(PND_REQUIRE_COMPLETE=1) makes them fail it (exit code 6)")
    req = matrix.get("requests") or {}
    ran = bool(matrix["other_tests"]) or any(r["tests"] for r in matrix["rules"])
    if req:
        budget = (f" of a budget of {req['budget']:,} (floor {req['floor']:,})" if req.get("budget")
                  else " (no request budget)" if ran else "")
        cleanup = f", plus {req['cleanup']:,} cleanup requests" if req.get("cleanup") else ""
        line("requests", f"{req.get('total', 0):,} sent{budget}{cleanup}")
    seed = matrix.get("seed") or {}
    if seed.get("value") is not None:
        line("seed", f"{seed['value']}; the same examples again: {rerun_command(command, seed)}")
    elif seed.get("derandomized"):
        ignored = " (it ignores --hypothesis-seed)" if seed.get("given") else ""
        line("seed", f"none: the '{seed.get('profile')}' Hypothesis profile is derandomized{ignored}, so the same "
                     f"command draws the same examples: {rerun_command(command, seed)}")
    failing = _failing(matrix)
    if failing and len(failing) <= _SHOWN_IDS:
        line("", f"the failing tests alone: {rerun_command(command, seed, failing)}")
    label = "reports"
    for what in dict.fromkeys(what for what, _ in reports):
        line(label, f"{what}: " + ", ".join(path for w, path in reports if w == what))
        label = ""
    tests = sum(len(r["tests"]) for r in matrix["rules"])
    if tests or matrix["other_tests"]:
        line("", f"(pytest's line above counts tests, not rules: {tests} rule tests + "
                 f"{len(matrix['other_tests'])} other tests)")
    return out


def separator(title: str, width: int) -> str:
    """A section rule like pytest's: `===== title =====` across the terminal."""
    fill = max(width - len(title) - 2, 8)
    return f"{'=' * (fill // 2)} {title} {'=' * (fill - fill // 2)}"
