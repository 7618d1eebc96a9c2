"""The reports' pytest plugin: builds the run record (conformance/report/record.py) and calls the outputs.

Loaded after conformance.plugin from the root conftest.py. Each output is a small module of
conformance/report/ that reads the one record: allure_results (labels, steps, scrubbing),
matrix (conformance.json/.md), junit (test properties), gate (terminal summary). Known
deviations (`--expectations`, conformance/expectations.py) are applied to the call-phase
report here, before any output reads it. Nothing written here or by allure-pytest carries a
credential: texts pass through `redact`, and Allure results are scrubbed again before they
are written.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.client import Target
from conformance.expectations import Baseline, ExpectationsError, load_expectations
from conformance.plugin import classify
from conformance.pytest_state import SETTINGS, ReportFacts, rule_of
from conformance.redaction import redact
from conformance.report import allure_results, gate, junit, livingdocs, matrix
from conformance.report.outcome import phase_outcome
from conformance.report.record import (ExchangeBuffer, RunRecord, docs_url, failure_fields, load_catalogue,
                                      load_doc_coverage)
from conformance.settings import REPO_ROOT
from conformance.strength import soften
from conformance.verdict import NonConformance

SUITE_DIR = Path(__file__).resolve().parent
MAX_DETAIL = 2000       # characters of a failure message kept in the matrix

_ExchangeBuffer = ExchangeBuffer  # the name the report self-tests know
_STATE = pytest.StashKey[RunRecord]()
_ITEM_PHASES = pytest.StashKey[dict]()
_LABELS = pytest.StashKey[allure_results.Labels]()


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("pnd")
    g.addoption("--reports-dir", default=os.environ.get("PND_REPORTS_DIR"),
                help="where the conformance matrix (conformance.json, conformance.md) is written "
                     "(default reports/; env PND_REPORTS_DIR)")
    g.addoption("--strict-expectations", action="store_true", default=False,
                help="a rule listed in --expectations that now passes fails the gate (default: reported only)")
    g.addoption("--docs-url", default=os.environ.get("PND_DOCS_URL"),
                help="base URL of the API docs for the links in reports (default: the local docs as file://; "
                     "env PND_DOCS_URL)")


def _run(config: pytest.Config) -> RunRecord | None:
    return config.stash.get(_STATE, None)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = config.stash[SETTINGS]  # resolved by conformance.plugin
    rules, error = load_catalogue()
    entries = {}
    if settings.expectations:
        if error:
            raise pytest.UsageError(f"cannot check expectations file {settings.expectations}: the rule catalogue "
                                    f"did not load ({error.splitlines()[0]})")
        try:
            entries = load_expectations(settings.expectations, [r.id for r in rules])
        except ExpectationsError as exc:
            raise pytest.UsageError(str(exc)) from None
    reports_dir = Path(config.getoption("--reports-dir") or REPO_ROOT / "reports")
    run = RunRecord(config, Baseline(entries, config.getoption("--strict-expectations"), settings.expectations),
                    reports_dir, docs_url(config.getoption("--docs-url")), rules, error)
    config.stash[_STATE] = run
    config.pluginmanager.register(run, "pnd-reporting-run")
    if run.allure:
        allure_results.install_scrubber(config)


def _targets(item: pytest.Item) -> list[Target]:
    funcargs = getattr(item, "funcargs", {}) or {}
    return [v for v in funcargs.values() if isinstance(v, Target)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    run = _run(item.config)
    if run is None:
        return (yield)
    for target in _targets(item):
        if run.buffer not in target.listeners:
            target.listeners.append(run.buffer)
    run.buffer.start()
    try:
        return (yield)
    finally:
        exchanges, dropped = run.buffer.stop()
        if run.allure and (exchanges or dropped):
            allure_results.exchange_steps(exchanges, dropped)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run = _run(item.config)
    if run is None or not run.allure:
        return
    labels = item.stash[_LABELS] = allure_results.labels(item, run)
    allure_results.apply_labels(item, run, labels)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    run = _run(item.config)
    if run is None or not run.allure:
        return
    allure_results.apply_title(item.stash.get(_LABELS, None) or allure_results.labels(item, run))


def _exception_text(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        parts = [_exception_text(e) for e in exc.exceptions]
        return f"{len(parts)} distinct failures:\n" + "\n".join(f"[{i + 1}] {p}" for i, p in enumerate(parts))
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """The suite's one judgement of a phase report, before allure-pytest reads it: a harness error
    or a non-conformance (conformance.plugin.classify), then known deviations and advisories."""
    report = yield
    harness = classify(report, call)
    run = _run(item.config)
    if run is None:
        return report
    rule = rule_of(item)
    ReportFacts.update(report, rule_id=rule.id if rule is not None else None)
    report.sections = [(title, redact(text)) for title, text in report.sections]
    if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        exc = call.excinfo.value
        failure = failure_fields(exc, rule) if isinstance(exc, NonConformance) else None
        ReportFacts.update(report, detail=redact(_exception_text(call.excinfo.value))[:MAX_DETAIL], failure=failure)
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        path, line, reason = report.longrepr
        report.longrepr = (path, line, redact(str(reason)))
    if report.when == "call" and rule is not None:
        # A listed rule is judged by the expectations file; an inferred one's failure is an advisory.
        adjusted = (run.baseline.adjust(report, rule.id, harness)
                    or soften(report, rule, run.settings.strict, harness))
        if adjusted:
            ReportFacts.update(report, outcome=adjusted)
    phases = item.stash.setdefault(_ITEM_PHASES, {})
    phases[report.when] = phase_outcome(report)
    if report.when == "teardown":
        junit.add_properties(report, rule, phases)
    return report


def pytest_collection_finish(session: pytest.Session) -> None:
    run = _run(session.config)
    if run is not None:
        run.suite_selected = any(Path(item.path).resolve().is_relative_to(SUITE_DIR) for item in session.items)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if (run is None or not run.suite_selected or session.config.option.collectonly
            or hasattr(session.config, "workerinput")):
        return
    run.doc_coverage, run.doc_coverage_error = load_doc_coverage()
    run.matrix = matrix.build_matrix(run, exitstatus)
    run.written, markdown = matrix.write(run.matrix, run.reports_dir)
    docs = livingdocs.write(run.matrix, run.doc_coverage, run.reports_dir)
    if docs is not None:
        run.written.append(docs)
    if run.allure:
        allure_results.global_attachments(markdown, run.matrix["settings"])


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    run = _run(config)
    if run is not None:
        gate.terminal_summary(terminalreporter, run)
