"""The outcome of a test and of a catalogue rule, ordered so that "worst wins" belongs to the type."""
from __future__ import annotations

from enum import StrEnum
from collections.abc import Iterable, Mapping


class Outcome(StrEnum):
    """Member order = the column order of the matrix totals. A StrEnum: equal to its text in JSON."""

    PASS = "pass"
    FAIL = "fail"
    ADVISORY = "advisory"  # a failed inferred rule: the suite's reading, gating only with --strict
    ERROR = "error"
    SKIPPED = "skipped"
    EXPECTED_DEVIATION = "expected deviation"
    DEVIATION_FIXED = "deviation fixed"
    NOT_OBSERVABLE = "not observable"
    NOT_RUN = "not run"

    @property
    def severity(self) -> int:
        """Higher is worse: when one rule has several tests, the worst outcome is the rule's."""
        return _SEVERITY[self]

    @classmethod
    def worst(cls, outcomes: Iterable[str]) -> Outcome:
        return max((cls(o) for o in outcomes), key=lambda o: o.severity)


# Worst first: error, fail, deviation fixed, expected deviation, advisory, skipped, pass (then the
# outcomes of rules that did not run, which never combine with a test's).
_SEVERITY = {o: -i for i, o in enumerate((Outcome.ERROR, Outcome.FAIL, Outcome.DEVIATION_FIXED,
                                          Outcome.EXPECTED_DEVIATION, Outcome.ADVISORY, Outcome.SKIPPED,
                                          Outcome.PASS,
                                          Outcome.NOT_OBSERVABLE, Outcome.NOT_RUN))}

#: Column order of the matrix totals.
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)


def phase_outcome(report, marked: str | None) -> Outcome:
    """The outcome of one phase's pytest report (setup, call or teardown): the outcome the suite marked
    on it (pnd_conformance.pytest_state.ReportFacts.outcome), if any, else what pytest says."""
    if marked in (Outcome.ERROR, Outcome.EXPECTED_DEVIATION, Outcome.DEVIATION_FIXED, Outcome.ADVISORY,
                  Outcome.NOT_RUN):  # NOT_RUN: the request budget was reached before the test could send
        return Outcome(marked)
    if report.passed:
        return Outcome.PASS
    if report.skipped:
        return Outcome.SKIPPED
    # A failure outside the test body (fixtures, cleanup) is the harness's, not the target's.
    return Outcome.FAIL if report.when == "call" else Outcome.ERROR


def combine_phases(phases: Mapping[str, str]) -> Outcome:
    """A test's outcome from its phases: any error wins, a skipped setup skips, else the call's."""
    if Outcome.ERROR in phases.values():
        return Outcome.ERROR
    if phases.get("setup") == Outcome.SKIPPED:
        return Outcome.SKIPPED
    return Outcome(phases.get("call", Outcome.NOT_RUN))
