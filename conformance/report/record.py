"""The record of one run, built once and read by every output (Allure, matrix, JUnit, living docs, gate).

It holds the catalogue rules, the known-deviations baseline, the run's settings, where reports go,
every test's outcome and detail, and the exchanges of the example being run (for the Allure steps).
It is plain data: the reports plugin (pnd_conformance.plugins.reports) reads pytest's objects and
fills it in, so the outputs read the record and never pytest's state.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pnd_conformance.http.client import Exchange
from pnd_conformance.judging.expectations import Baseline
from pnd_conformance.http.redaction import redact
from pnd_conformance.judging.outcome import Outcome, combine_phases
from pnd_conformance.judging.verdict import NonConformance

MAX_STEPS = 60          # exchanges shown for the final example; earlier ones are summarised


def load_catalogue() -> tuple[list, str | None]:
    try:
        from pnd_conformance.spec.catalogue import load_rules

        return list(load_rules()), None
    except Exception as exc:  # reported in the matrix; collection shows the real error
        return [], redact(f"{type(exc).__name__}: {exc}")


def load_doc_coverage() -> tuple[Any, str | None]:
    """(pnd_conformance.spec.docunits.Coverage, None), or (None, why) when the documents or the list cannot be read."""
    try:
        from pnd_conformance.spec.docunits import coverage

        return coverage(), None
    except Exception as exc:  # reported in the matrix and the living docs; tests/ shows the real error
        return None, redact(f"{type(exc).__name__}: {exc}")


def docs_url(option: str | None) -> str | None:
    """Base URL of the API docs for links: the option, else the local docs directory as file://."""
    if option:
        return option.rstrip("/") + "/"
    from pnd_conformance.spec.catalogue import DOCS_DIR
    return DOCS_DIR.as_uri() + "/"


def failure_fields(exc: NonConformance, rule: Any) -> dict[str, Any]:
    """A non-conformance as the reports read it (redacted; it travels on the pytest report), its rule id
    filled from the test's rule where the verdict did not know it."""
    if exc.rule_id is None and rule is not None:
        exc.rule_id = rule.id
    fields = exc.fields()
    return {"kind": type(exc).__name__, **{k: _redacted(v) for k, v in fields.items()}}


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (tuple, list)):
        return [_redacted(v) for v in value]
    return value


def failure_summary(failure: dict[str, Any]) -> str:
    """A failure's text (failure_fields) without its reproduction command: `<kind>: <operation>: received
    ...`, the documented claims (the citation after the last) and any notes."""
    fields = {k: v for k, v in failure.items() if k != "kind"}
    return f'{failure["kind"]}: ' + "\n".join(NonConformance(**fields).lines()[:-1])


def _build_context() -> Any:
    """Hypothesis's context of the example being run, or None outside an example."""
    try:
        from hypothesis.control import current_build_context

        return current_build_context()
    except Exception:
        return None


class ExchangeBuffer:
    """Every exchange of the running test; a new Hypothesis example drops the previous example's.

    So what remains when the test ends is the last example run: for a failing test Hypothesis
    runs the shrunk example last (its final, reporting run), for a passing one the last drawn.
    Exchanges made outside any example (plain tests, preparation before `@given`) are kept.
    """

    def __init__(self) -> None:
        self.active = False
        self.items: list[tuple[Any, Exchange]] = []
        self.dropped = 0
        self._context: Any = None

    def start(self) -> None:
        self.active, self.items, self.dropped, self._context = True, [], 0, None

    def __call__(self, exchange: Exchange) -> None:
        if not self.active:
            return
        ctx = _build_context()
        if ctx is not None and ctx is not self._context:
            self._context = ctx
            self.items = [(c, e) for c, e in self.items if c is None]
            self.dropped = 0
        self.items.append((ctx, exchange))
        if len(self.items) > MAX_STEPS:
            self.items.pop(0)
            self.dropped += 1

    def stop(self) -> tuple[list[Exchange], int]:
        out, dropped = [e for _, e in self.items], self.dropped
        self.active, self.items, self.dropped, self._context = False, [], 0, None
        return out, dropped


@dataclass
class TestRecord:
    nodeid: str
    rule_id: str | None = None
    outcome: Outcome = Outcome.PASS
    detail: str | None = None
    failure: dict[str, Any] | None = None  # the detail's non-conformance as data (failure_fields)
    duration: float = 0.0
    phases: dict[str, Outcome] = field(default_factory=dict)


@dataclass(eq=False)
class RunRecord:
    baseline: Baseline
    reports_dir: Path
    docs_url: str | None
    rules: list = field(default_factory=list)
    catalogue_error: str | None = None
    settings: Any = None  # pnd_conformance.settings.Settings, resolved by pnd_conformance.plugins.harness
    allure: bool = False  # allure-pytest writes results in this run (--alluredir)
    tests: dict[str, TestRecord] = field(default_factory=dict)
    buffer: ExchangeBuffer = field(default_factory=ExchangeBuffer)
    suite_selected: bool = False  # the outputs are written only for runs of the suite (not of tests/)
    written: list[Path] = field(default_factory=list)
    matrix: dict[str, Any] | None = None
    doc_coverage: Any = None        # pnd_conformance.spec.docunits.Coverage, read at the end of the run
    doc_coverage_error: str | None = None
    # What the run covered (conformance/report/scope.py), filled in by pnd_conformance.plugins.reports.
    deselected: int = 0
    selected_rules: set[str] | None = None  # test ids of the rules whose tests were selected (None: unknown)
    selection: list[str] = field(default_factory=list)  # why the run is partial; empty for the whole suite
    stopped: str | None = None  # why the run ended early (-x, pytest.exit, Ctrl-C)
    interrupted: str | None = None
    seed: dict[str, Any] | None = None  # pnd_conformance.plugins.seed.RunSeed as data
    # The requests the run sent (the matrix's `requests`) and per test (pnd_conformance.plugins.request_count).
    requests: dict[str, Any] | None = None
    requests_by_test: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def unit_anchors(self) -> dict[str, str]:
        """Rule id → the anchor of the document unit it cites in the living docs (empty if unreadable)."""
        try:
            from pnd_conformance.report.livingdocs import rule_units
            from pnd_conformance.spec.docunits import units_by_doc

            return rule_units(units_by_doc())
        except Exception:
            return {}

    def add_phase(self, nodeid: str, when: str, phase: Outcome, *, rule_id: str | None, detail: str | None,
                  failure: dict[str, Any] | None, duration: float, skip_reason: str | None) -> None:
        """One phase (setup, call, teardown) of a test: its outcome, the suite's facts about it (rule id,
        redacted detail and failure), its duration and, for a skip, pytest's reason."""
        test = self.tests.setdefault(nodeid, TestRecord(nodeid))
        test.rule_id = test.rule_id or rule_id
        self.suite_selected = self.suite_selected or test.rule_id is not None
        test.duration += duration
        test.phases[when] = phase
        test.outcome = combine_phases(test.phases)
        if phase == Outcome.SKIPPED:
            detail = skip_reason
        if detail and (test.detail is None or phase in (Outcome.ERROR, Outcome.FAIL, Outcome.EXPECTED_DEVIATION)):
            test.detail = detail
            test.failure = failure if phase != Outcome.SKIPPED else None
