"""Known deviations: the baseline that lets a target pass the gate while it fixes listed rules.

The expectations file (``--expectations PATH``, env ``PND_EXPECTATIONS``) is YAML keyed by
catalogue rule id::

    customer-uuid-required:
      reason: staging answers 500 for a missing customerUUID
      ticket: https://tracker.example.com/PND-123     # optional

For a listed rule:
- a non-conformance (test failure) becomes an *expected deviation*: reported, not gating;
- a pass becomes a *deviation fixed*: reported so the entry can be removed; it fails the
  gate only with ``--strict-expectations``;
- a harness/network error or a skip stays what it is (an error still fails the gate).
Rules not listed are untouched: any failure fails the gate.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Iterable
from urllib.parse import urlparse

from pnd_conformance.judging.outcome import Outcome
from pnd_conformance.settings import read_yaml

EXPECTED_DEVIATION = Outcome.EXPECTED_DEVIATION
DEVIATION_FIXED = Outcome.DEVIATION_FIXED


class ExpectationsError(Exception):
    """The expectations file is unusable: a one-line usage error."""


@dataclass(frozen=True)
class Expectation:
    rule_id: str
    reason: str
    ticket: str | None = None

    def describe(self) -> str:
        return self.reason + (f" ({self.ticket})" if self.ticket else "")

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "ticket": self.ticket}


def load_expectations(path: Path | str, known_rule_ids: Iterable[str]) -> dict[str, Expectation]:
    """Read and validate the file; every problem is an `ExpectationsError` with a one-line message."""
    path = Path(path)
    where = f"expectations file {path}"
    data = read_yaml(path, "expectations file", ExpectationsError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ExpectationsError(f"{where} must be a mapping of rule id to {{reason, ticket}}")
    known = set(known_rule_ids)
    out: dict[str, Expectation] = {}
    for rule_id, entry in data.items():
        if not isinstance(rule_id, str) or rule_id not in known:
            raise ExpectationsError(f"{where}: unknown rule id {rule_id!r} (not in the rule catalogue, spec/rules/)")
        if not isinstance(entry, dict):
            raise ExpectationsError(f"{where}: {rule_id}: expected a mapping with 'reason' (and optional 'ticket')")
        extra = sorted(set(entry) - {"reason", "ticket"})
        if extra:
            raise ExpectationsError(f"{where}: {rule_id}: unknown key(s) {', '.join(map(str, extra))} "
                                    "(allowed: reason, ticket)")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f"{where}: {rule_id}: 'reason' must be a non-empty string")
        ticket = entry.get("ticket")
        if ticket is not None:
            parsed = urlparse(ticket) if isinstance(ticket, str) else None
            if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ExpectationsError(f"{where}: {rule_id}: 'ticket' must be an http(s) URL, got {ticket!r}")
        out[rule_id] = Expectation(rule_id, " ".join(reason.split()), ticket)
    return out


class Baseline:
    """The loaded expectations and the gate decision for one test's call-phase report."""

    def __init__(self, entries: dict[str, Expectation] | None = None, strict: bool = False,
                 source: Path | str | None = None) -> None:
        self.entries = entries or {}
        self.strict = strict
        self.source = str(source) if source else None

    def get(self, rule_id: str | None) -> Expectation | None:
        return self.entries.get(rule_id) if rule_id else None

    def adjust(self, report: Any, rule_id: str | None, harness_error: bool) -> str | None:
        """Re-label a call-phase pytest report of a listed rule; returns the outcome it now has.

        A failure becomes xfail-like (outcome "skipped" with `wasxfail`): pytest, JUnit and
        Allure count it as an expected failure and it does not fail the exit code. A pass is
        marked XPASS (`wasxfail` on a passed report), or failed under --strict-expectations.
        """
        exp = self.get(rule_id)
        if exp is None or harness_error:
            return None
        if report.failed:
            report.outcome = "skipped"
            report.wasxfail = f"{EXPECTED_DEVIATION}: {exp.describe()}"
            return EXPECTED_DEVIATION
        if report.passed:
            hint = f"{DEVIATION_FIXED}: {rule_id} now conforms; remove it from {self.source or 'the expectations file'}"
            if self.strict:
                report.outcome = "failed"
                report.longrepr = f"[XPASS(strict)] {hint} (was: {exp.describe()})"
            else:
                report.wasxfail = hint
            return DEVIATION_FIXED
        return None
