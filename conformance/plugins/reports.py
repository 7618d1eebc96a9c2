"""The reports' pytest plugin: fills the run record (conformance/report/record.py) and calls the outputs.

Loaded after pnd_conformance.plugins.harness from the root conftest.py. Each output is a small module of
conformance/report/ that reads the one record: allure_results (labels, steps, scrubbing),
matrix (conformance.json/.md), junit (test and run properties), livingdocs, summary (exit code and the
terminal summary, printed after pytest's last line), scope (partial runs, what was not checked). Known
deviations (`--expectations`, conformance/judging/expectations.py) are applied to the call-phase
report here, before any output reads it. Nothing written here or by allure-pytest carries a
credential: texts pass through `redact`, and Allure results are scrubbed again before they
are written.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pnd_conformance.http.client import Target
from pnd_conformance.judging.expectations import Baseline, ExpectationsError, load_expectations
from pnd_conformance.plugins.harness import classify
from pnd_conformance.pytest_state import SETTINGS, ReportFacts, rule_of
from pnd_conformance.http.redaction import redact
from pnd_conformance.report import allure_results, junit, livingdocs, matrix, scope, summary
from pnd_conformance.judging.outcome import Outcome, phase_outcome
from pnd_conformance.report.record import (ExchangeBuffer, RunRecord, docs_url, failure_fields, load_catalogue,
                                      load_doc_coverage)
from pnd_conformance.plugins import request_count
from pnd_conformance.plugins.seed import run_seed
from pnd_conformance.settings import SUITE_DIR
from pnd_conformance.judging.rule_strength import soften
from pnd_conformance.judging.verdict import NonConformance

MAX_DETAIL = 2000       # characters of a failure message kept in the matrix

_ExchangeBuffer = ExchangeBuffer  # the name the report self-tests know
_STATE = pytest.StashKey[RunRecord]()
_ITEM_PHASES = pytest.StashKey[dict]()
_LABELS = pytest.StashKey[allure_results.Labels]()


def _run(config: pytest.Config) -> RunRecord | None:
    return config.stash.get(_STATE, None)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = config.stash[SETTINGS]  # resolved by pnd_conformance.plugins.harness
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
    reports_dir = Path(config.getoption("--reports-dir") or "reports")
    run = RunRecord(Baseline(entries, config.getoption("--strict-expectations"), settings.expectations),
                    reports_dir, docs_url(config.getoption("--docs-url")), rules, error, settings=settings,
                    allure=config.pluginmanager.get_plugin("allure_listener") is not None)
    config.stash[_STATE] = run
    config.pluginmanager.register(_Phases(run), "pnd-reporting-run")
    config.pluginmanager.register(_Summary(run), "pnd-reporting-summary")
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
    rule = rule_of(item)
    labels = item.stash[_LABELS] = allure_results.labels(item, run, rule)
    allure_results.apply_labels(rule, run, labels)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    run = _run(item.config)
    if run is None or not run.allure:
        return
    allure_results.apply_title(item.stash.get(_LABELS, None) or allure_results.labels(item, run, rule_of(item)))


def _exception_text(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        parts = [_exception_text(e) for e in exc.exceptions]
        return f"{len(parts)} distinct failures:\n" + "\n".join(f"[{i + 1}] {p}" for i, p in enumerate(parts))
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """The suite's one judgement of a phase report, before allure-pytest reads it: a harness error
    or a non-conformance (pnd_conformance.plugins.harness.classify), then known deviations and advisories."""
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
    phases[report.when] = phase_outcome(report, ReportFacts.of(report).outcome)
    if report.when == "teardown":
        junit.add_properties(report, rule, phases)
    return report


_RULE_TEST = re.compile(r"\[([a-z-]+/[a-z0-9-]+)\]$")


def _in_suite(rootpath: Path, nodeid_or_path: str | Path) -> bool:
    return (rootpath / str(nodeid_or_path).split("::", 1)[0]).resolve().is_relative_to(SUITE_DIR)


def _rule_tests(nodeids: list[str]) -> set[str]:
    return {m.group(1) for nodeid in nodeids if (m := _RULE_TEST.search(nodeid))}


def pytest_deselected(items: list[pytest.Item]) -> None:
    run = _run(items[0].config) if items else None
    if run is not None:
        run.deselected += sum(1 for item in items if Path(item.path).resolve().is_relative_to(SUITE_DIR))


def pytest_collection_finish(session: pytest.Session) -> None:
    run = _run(session.config)
    if run is not None and not hasattr(session.config, "workerinput"):
        suite = [item for item in session.items if Path(item.path).resolve().is_relative_to(SUITE_DIR)]
        run.suite_selected = bool(suite)
        if session.items or not session.config.pluginmanager.has_plugin("dsession"):
            run.selected_rules = _rule_tests([item.nodeid for item in suite])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids: list[str]) -> None:
    """Under xdist the controller learns the selection from its workers' collections."""
    run = _run(node.config)
    if run is not None:
        suite = [i for i in ids if _in_suite(node.config.rootpath, i)]
        run.suite_selected = run.suite_selected or bool(suite)
        run.selected_rules = (run.selected_rules or set()) | _rule_tests(suite)


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file: the run's properties go into it
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if (run is None or not run.suite_selected or session.config.option.collectonly
            or hasattr(session.config, "workerinput")):
        return
    config = session.config
    run.selection = scope.selection(config, run.deselected)
    run.stopped = scope.stop_reason(session, run.interrupted)
    seed = run_seed(config)
    run.seed = seed.to_dict() if seed is not None else None
    run.doc_coverage, run.doc_coverage_error = load_doc_coverage()
    count = request_count.run_count(config)
    run.requests = request_count.matrix_section(config)
    run.requests_by_test = dict(count.by_test) if count is not None else {}
    run.matrix = matrix.build_matrix(run, exitstatus)
    if run.matrix["exit_code"] != int(exitstatus):
        session.exitstatus = run.matrix["exit_code"]  # --require-complete: an incomplete run fails the gate
    run.written, markdown = matrix.write(run.matrix, run.reports_dir)
    docs = livingdocs.write(run.matrix, run.doc_coverage, run.reports_dir)
    if docs is not None:
        run.written.append(docs)
    junit.add_run_properties(config, run.matrix)
    if run.allure:
        allure_results.global_attachments(markdown, run.matrix["settings"])
        allure_results.write_environment(config, run.matrix)


def skip_reason(report: pytest.TestReport) -> str | None:
    """pytest's reason for a skipped report, without its `Skipped: ` prefix."""
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        reason = str(lr[2])
        return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason
    return str(lr) if lr else None


class _Phases:
    """Feeds the record with every phase report, as plain data (on the xdist controller too: the
    suite's facts travel on the report as its attributes)."""

    def __init__(self, run: RunRecord) -> None:
        self.run = run

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        facts = ReportFacts.of(report)
        phase = phase_outcome(report, facts.outcome)
        self.run.add_phase(report.nodeid, report.when, phase, rule_id=facts.rule_id, detail=facts.detail,
                           failure=facts.failure, duration=getattr(report, "duration", 0.0) or 0.0,
                           skip_reason=skip_reason(report) if phase == Outcome.SKIPPED else None)


class _Summary:
    """The terminal summary, printed after pytest's own last line (or handed to `pnd-conformance run`)."""

    def __init__(self, run: RunRecord) -> None:
        self.run = run

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        exc = excinfo.value
        self.run.interrupted = (redact(str(getattr(exc, "msg", exc))) if not isinstance(exc, KeyboardInterrupt)
                                else "interrupted (Ctrl-C)")

    @pytest.hookimpl(trylast=True)  # after the terminal reporter's last words (its count, an exit's message)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        run = self.run
        if run.matrix is None or hasattr(config, "workerinput"):
            return
        reports = report_paths(config, run)
        # `pnd-conformance run` prints the summary itself, after building the HTML report.
        handoff = next((p for p in config.pluginmanager.get_plugins() if getattr(p, "pnd_summary_handoff", False)),
                       None)
        if handoff is not None:
            handoff.receive(run.matrix, reports)
            return
        tr = config.pluginmanager.get_plugin("terminalreporter")
        lines = summary.summary_lines(run.matrix, reports, ["pytest", *config.invocation_params.args])
        if tr is None:
            print("\n".join([summary.separator(summary.TITLE, 80), *(text for text, _ in lines)]))
            return
        tr.write_sep("=", summary.TITLE, bold=True)
        for text, markup in lines:
            tr.write_line(text, **{k: v for k, v in markup.items() if v})


def _shown(path: str | Path) -> str:
    """A path as the summary shows it: relative to the working directory when inside it."""
    p = Path(path).resolve()
    return str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else str(p)


def report_paths(config: pytest.Config, run: RunRecord) -> list[tuple[str, str]]:
    """(what, where) of each report this run wrote."""
    out = []
    for path in run.written:
        if path.suffix == ".html":
            cov = ((run.matrix or {}).get("doc_coverage") or {}).get("overall")
            figure = f" (doc coverage {cov['covered']}/{cov['units']} units, {cov['percent']}%)" if cov else ""
            out.append(("living docs", _shown(path) + figure))
        else:
            out.append(("matrix", _shown(path)))
    xml = getattr(config.option, "xmlpath", None)
    if xml:
        out.append(("JUnit", _shown(xml)))
    if run.allure and getattr(config.option, "allure_report_dir", None):
        out.append(("Allure results", _shown(config.option.allure_report_dir)))
    return out
