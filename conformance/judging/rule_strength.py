"""Rule strength: a rule the documents state gates; a rule the suite infers is an advisory.

Every catalogue rule has a `basis` (spec/catalogue.py): `stated` when the documents state the
behaviour (its quote shows it), `inferred` when it is the suite's own reading where they are
silent or ambiguous (its `note` names the spec/NOTES.md heading arguing the reading). By default
a failed inferred rule is reported as an *advisory*: the test still runs, and its failure
becomes a skip carrying the failure message (JUnit: a skipped case; Allure: skipped, tagged
`advisory`; the matrix: outcome `advisory`), so it does not fail the gate. `--strict` (env
`PND_STRICT`) makes inferred rules gate like stated ones. Harness errors stay errors.
"""
from __future__ import annotations

from typing import Any

from pnd_conformance.judging.outcome import Outcome

ADVISORY = Outcome.ADVISORY


def basis(rule: Any) -> str:
    return getattr(rule, "basis", None) or "stated"


def is_advisory(rule: Any, strict: bool) -> bool:
    """A rule whose failures are advisories in this run (inferred, and the run is not --strict)."""
    return rule is not None and basis(rule) == "inferred" and not strict


def advisory_message(rule: Any, failure: str) -> str:
    return (f"{ADVISORY}: {rule.operation}/{rule.id} is the suite's reading, not stated by the documents "
            f"(spec/NOTES.md \"{rule.note}\"); it gates only with --strict.\n{failure}")


def soften(report: Any, rule: Any, strict: bool, harness_error: bool) -> str | None:
    """Re-label a failed call-phase report of an advisory rule as a skip; returns the outcome it now has."""
    if report.when != "call" or harness_error or not report.failed or not is_advisory(rule, strict):
        return None
    path, lineno, _ = report.location
    report.outcome = "skipped"
    report.longrepr = (str(path), (lineno or 0) + 1, advisory_message(rule, str(report.longrepr)))
    return ADVISORY
