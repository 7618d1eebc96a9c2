"""Reports and the gate: Allure labels/steps/attachments, the conformance matrix, known deviations.

Loaded after conformance.plugin from the root conftest.py. With `--alluredir` (allure-pytest)
every test gets epic = the API, feature = the operation, story = the rule id, a severity, a
link to the cited doc, parameters that keep operations and rules apart in Allure's history,
and one step per HTTP exchange of the *last* example Hypothesis ran (the shrunk failing one
when the test fails), each with the request, the response and a curl command, redacted.
Tests that are not catalogue rules get story = `<module>/<check>` (`schemathesis/response_schema`,
`lifecycle/state_machine`): under their operation when they test one (parameters operation and
check, link to the operation's doc), else under the lifecycle epic (linking all five docs).

At the end of every run `<reports-dir>/conformance.json` and `conformance.md` hold one row per
catalogue rule, and `--expectations` turns listed failures into expected deviations
(conformance/expectations.py). Nothing written here or by allure-pytest carries a credential:
texts pass through `redact`, and Allure results are scrubbed again before they are written.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import allure
import allure_commons
import attr
import pytest

from conformance.client import Exchange, Target
from conformance.expectations import (DEVIATION_FIXED, EXPECTED_DEVIATION, Baseline, ExpectationsError,
                                      load_expectations)
from conformance.redaction import redact
from conformance.settings import REPO_ROOT
from conformance.strength import ADVISORY, basis, is_advisory, soften

PASS, FAIL, ERROR, SKIPPED = "pass", "fail", "error", "skipped"
NOT_OBSERVABLE, NOT_RUN = "not observable", "not run"
# Column order of the matrix totals, and the order in which one rule's several tests combine (worst first).
OUTCOMES = (PASS, FAIL, ADVISORY, ERROR, SKIPPED, EXPECTED_DEVIATION, DEVIATION_FIXED, NOT_OBSERVABLE, NOT_RUN)
_WORST_FIRST = (ERROR, FAIL, DEVIATION_FIXED, EXPECTED_DEVIATION, ADVISORY, SKIPPED, PASS)

EPICS = {"appointment-with-trip": "Partner appointment-with-trip API",
         "pickup-delivery-trips": "Pickup & delivery trips API"}
LIFECYCLE_EPIC = "Lifecycle across all five operations"
SEVERITY = {"auth": "critical", "state": "critical", "required": "normal", "enum": "normal", "format": "normal",
            "cross-field": "normal", "response-shape": "normal", "pagination": "normal", "filter": "normal",
            "default": "minor", "robustness": "minor"}
SUITE_DIR = Path(__file__).resolve().parent
MAX_STEPS = 60          # exchanges shown for the final example; earlier ones are summarised
MAX_DETAIL = 2000       # characters of a failure message kept in the matrix

_STATE = pytest.StashKey["_Run"]()
_ITEM_PHASES = pytest.StashKey[dict]()


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


# --------------------------------------------------------------------------------------------- run state

def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _load_catalogue() -> tuple[list, str | None]:
    try:
        from spec.catalogue import load_rules

        return list(load_rules()), None
    except Exception as exc:  # reported in the matrix; collection shows the real error
        return [], redact(f"{type(exc).__name__}: {exc}")


@dataclass
class _Test:
    nodeid: str
    rule_id: str | None = None
    outcome: str = PASS
    detail: str | None = None
    duration: float = 0.0
    phases: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)  # registered as a plugin: hashed by identity
class _Run:
    config: pytest.Config
    baseline: Baseline
    reports_dir: Path
    docs_url: str | None
    rules: list = field(default_factory=list)
    catalogue_error: str | None = None
    tests: dict[str, _Test] = field(default_factory=dict)
    buffer: "_ExchangeBuffer" = field(default_factory=lambda: _ExchangeBuffer())
    suite_selected: bool = False  # the matrix is written only for runs of the suite (not of tests/)
    written: list[Path] = field(default_factory=list)
    matrix: dict[str, Any] | None = None

    @property
    def allure(self) -> bool:
        return self.config.pluginmanager.get_plugin("allure_listener") is not None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect phase outcomes per test (on the xdist controller too: the report attributes travel)."""
        test = self.tests.setdefault(report.nodeid, _Test(report.nodeid))
        test.rule_id = test.rule_id or getattr(report, "pnd_rule_id", None)
        self.suite_selected = self.suite_selected or test.rule_id is not None
        test.duration += getattr(report, "duration", 0.0) or 0.0
        phase = test.phases[report.when] = _phase_outcome(report)
        test.outcome = _combine_phases(test.phases)
        detail = getattr(report, "pnd_detail", None)
        if phase == SKIPPED:
            detail = _skip_reason(report)
        if detail and (test.detail is None or phase in (ERROR, FAIL, EXPECTED_DEVIATION)):
            test.detail = detail


def _run(config: pytest.Config) -> _Run | None:
    return config.stash.get(_STATE, None)


def _docs_url(option: str | None) -> str | None:
    """Base URL of the API docs for links: the option, else the local docs directory as file://."""
    if option:
        return option.rstrip("/") + "/"
    from spec.catalogue import DOCS_DIR
    return DOCS_DIR.as_uri() + "/"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings = config.pnd_settings  # type: ignore[attr-defined]  # resolved by conformance.plugin
    rules, error = _load_catalogue()
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
    run = _Run(config, Baseline(entries, config.getoption("--strict-expectations"), settings.expectations),
               reports_dir, _docs_url(config.getoption("--docs-url")), rules, error)
    config.stash[_STATE] = run
    config.pluginmanager.register(run, "pnd-reporting-run")
    if run.allure:
        scrubber = _AllureScrubber()
        allure_commons.plugin_manager.register(scrubber)
        config.add_cleanup(lambda: allure_commons.plugin_manager.unregister(scrubber))


# --------------------------------------------------------------------------- exchanges of the last example

def _build_context() -> Any:
    """Hypothesis's context of the example being run, or None outside an example."""
    try:
        from hypothesis.control import current_build_context

        return current_build_context()
    except Exception:
        return None


class _ExchangeBuffer:
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


def _attach_json(data: Any, name: str) -> None:
    allure.attach(redact(json.dumps(data, indent=2, ensure_ascii=False)), name, allure.attachment_type.JSON)


def _parsed(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _exchange_steps(exchanges: list[Exchange], dropped: int) -> None:
    if dropped:
        with allure.step(f"{dropped} earlier exchange(s) of this example not shown"):
            pass
    for ex in exchanges:
        d = ex.to_dict()
        path = ex.url.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if "/" in path else path
        with allure.step(redact(f"{ex.operation}: {ex.method} {path} → HTTP {ex.status}")):
            req, resp = d["request"], d["response"]
            _attach_json({"method": req["method"], "url": req["url"], "client": d["client"],
                          "headers": req["headers"], "body": _parsed(req["body"])}, "request")
            _attach_json({"status": resp["status"], "headers": resp["headers"], "body": _parsed(resp["body"]),
                          "truncated": resp["truncated"], "elapsed_ms": d["elapsed_ms"]}, "response")
            allure.attach(redact(d["curl"]), "curl (reproduce)", allure.attachment_type.TEXT)


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
            _exchange_steps(exchanges, dropped)


# ------------------------------------------------------------------------------------------ Allure labels

def _rule_of(item: pytest.Item) -> Any:
    rule = getattr(item, "pnd_rule", None)
    if rule is None and hasattr(item, "callspec"):
        rule = item.callspec.params.get("rule")
    return rule if _get(rule, "id") else None


def _operation_info(key: str) -> tuple[str, str, str | None]:
    """(epic, feature, doc) of an operation key, from the spec's operation."""
    try:
        from spec.openapi import operation_by_key

        op = operation_by_key(key)[2]
    except Exception:
        return "myKaarma Partner APIs", key, None
    tags = op.get("tags") or []
    epic = EPICS.get(tags[0], tags[0]) if tags else "myKaarma Partner APIs"
    return epic, f"{key} ({op.get('operationId', key)})", op.get("x-pnd-doc")


def _description(rule: Any, run: _Run) -> str:
    cit = _get(rule, "citation")
    expect = _get(rule, "expect")
    lines = [f"**{_get(rule, 'statement', '')}**", "",
             f"- rule: `{rule.id}` ({_get(rule, 'kind', '?')}, tested as `{_get(rule, 'test', '?')}`)"]
    if cit is not None:
        lines.append(f"- documented in `{_get(cit, 'doc')}`: \"{_get(cit, 'quote')}\"")
    if expect is not None and (_get(expect, "status") or _get(expect, "errorCode")):
        lines.append(f"- expected: HTTP {_get(expect, 'status')} {_get(expect, 'errorCode') or ''}".rstrip())
    exp = run.baseline.get(rule.id)
    if exp is not None:
        lines.append(f"- listed as a known deviation: {exp.describe()}")
    return redact("\n".join(lines))


def _all_operation_docs() -> list[str]:
    """The docs of every operation in the spec (in spec order): what the cross-operation tests cite."""
    try:
        from spec.openapi import HTTP_METHODS, load_openapi

        ops = [item.get(m) for item in load_openapi()["paths"].values() for m in HTTP_METHODS]
    except Exception:
        return []
    return list(dict.fromkeys(op["x-pnd-doc"] for op in ops if op and op.get("x-pnd-doc")))


@dataclass(frozen=True)
class _Labels:
    """What Allure shows for one test (labels at setup; title and description at teardown)."""

    epic: str
    feature: str
    story: str
    severity: str
    sub_suite: str
    tag: str
    parameters: tuple[tuple[str, str], ...]  # shown and part of the history id
    hidden: tuple[tuple[str, Any], ...]      # pytest parameters kept out of the display and the history id
    docs: tuple[str, ...]
    title: str
    description: str


def _check_labels(item: pytest.Item) -> _Labels:
    """Labels of a test that is not a catalogue rule (conformance/test_schemathesis.py, test_lifecycle.py).

    story = `<module>/<check>` (`schemathesis/response_schema`, `lifecycle/state_machine`). A test
    of one operation (a `key` parameter) sits under that operation like the rule tests do; a test
    across all operations (the stateful runs) goes under the lifecycle epic and links every doc.
    """
    module = Path(str(item.path)).stem.removeprefix("test_")
    name = getattr(item, "originalname", item.name)
    check = name.removeprefix("test_").removeprefix(f"{module}_")
    story = f"{module}/{check}"
    doc = ((getattr(item, "function", None) and item.function.__doc__) or "").strip()
    description = redact(" ".join(doc.split("\n\n")[0].split()))
    key = item.callspec.params.get("key") if hasattr(item, "callspec") else None
    if isinstance(key, str):
        epic, feature, op_doc = _operation_info(key)
        return _Labels(epic, feature, story, "normal", module, module,
                       (("operation", key), ("check", story)), (("key", key),),
                       (op_doc,) if op_doc else (), f"{story} on {key}", description)
    return _Labels(LIFECYCLE_EPIC, "lifecycle", story, "critical", module, module, (("check", story),), (),
                   tuple(_all_operation_docs()), story, description)


def _rule_labels(rule: Any, run: _Run) -> _Labels:
    epic, feature, op_doc = _operation_info(rule.operation)
    doc = _get(_get(rule, "citation"), "doc") or op_doc
    kind = _get(rule, "kind")
    # History identity: operation and rule id (the auto-added `rule` parameter would hash the whole Rule).
    return _Labels(epic, feature, rule.id, SEVERITY.get(kind, "normal"), kind or _get(rule, "test") or "rules",
                   _get(rule, "test") or "rule", (("operation", rule.operation), ("rule id", rule.id)),
                   (("rule", rule.id),), (doc,) if doc else (),
                   redact(f"{rule.id}: {_get(rule, 'statement', '')}"), _description(rule, run))


def _labels(item: pytest.Item, run: _Run) -> _Labels:
    rule = _rule_of(item)
    return _rule_labels(rule, run) if rule is not None else _check_labels(item)


_LABELS = pytest.StashKey[_Labels]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run = _run(item.config)
    if run is None or not run.allure:
        return
    labels = item.stash[_LABELS] = _labels(item, run)
    allure.dynamic.epic(labels.epic)
    allure.dynamic.feature(labels.feature)
    allure.dynamic.story(labels.story)
    allure.dynamic.severity(labels.severity)
    allure.dynamic.parent_suite(labels.epic)
    allure.dynamic.suite(labels.feature)
    allure.dynamic.sub_suite(labels.sub_suite)
    allure.dynamic.tag(labels.tag)
    for name, value in labels.hidden:
        allure.dynamic.parameter(name, value, excluded=True, mode=allure.parameter_mode.HIDDEN)
    for name, value in labels.parameters:
        allure.dynamic.parameter(name, value)
    if run.docs_url:
        for doc in labels.docs:
            allure.dynamic.link(run.docs_url + doc, name=f"doc: {doc}")
    rule = _rule_of(item)
    if rule is not None:
        allure.dynamic.tag(basis(rule))
        if is_advisory(rule, item.config.pnd_settings.strict):  # type: ignore[attr-defined]
            allure.dynamic.tag(ADVISORY)
    exp = run.baseline.get(rule.id) if rule is not None else None
    if exp is not None:
        allure.dynamic.tag("known-deviation")
        if exp.ticket:
            allure.dynamic.issue(exp.ticket, name=f"ticket: {rule.id}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    run = _run(item.config)
    if run is None or not run.allure:
        return
    # After setup allure-pytest names the test itself; the title is set here so it sticks.
    labels = item.stash.get(_LABELS, None) or _labels(item, run)
    allure.dynamic.title(labels.title)
    if labels.description:
        allure.dynamic.description(labels.description)


class _AllureScrubber:
    """Last line of defence: every text of an Allure result/container is redacted before it is written.

    (allure-pytest copies exception messages and captured output as they are; the suite's own
    attachments are redacted where they are made.)
    """

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result) -> None:
        _scrub(result)

    @allure_commons.hookimpl(tryfirst=True)
    def report_container(self, container) -> None:
        _scrub(container)

    @allure_commons.hookimpl(tryfirst=True)
    def report_globals(self, globals_item) -> None:
        _scrub(globals_item)


def _scrub(obj: Any) -> Any:
    """Redact every string inside an allure_commons model object (attrs classes and lists), in place."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, list):
        obj[:] = [_scrub(v) for v in obj]
    elif attr.has(type(obj)):
        for f in attr.fields(type(obj)):
            value = getattr(obj, f.name)
            if value is not None:
                setattr(obj, f.name, _scrub(value))
    return obj


# ------------------------------------------------------------------------------------- outcomes and gate

def _exception_text(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        parts = [_exception_text(e) for e in exc.exceptions]
        return f"{len(parts)} distinct failures:\n" + "\n".join(f"[{i + 1}] {p}" for i, p in enumerate(parts))
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _skip_reason(report: pytest.TestReport) -> str | None:
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        reason = str(lr[2])
        return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason
    return str(lr) if lr else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Runs after conformance.plugin's (which marks harness errors) and before allure-pytest reads the report."""
    report = yield
    run = _run(item.config)
    if run is None:
        return report
    rule = _rule_of(item)
    report.pnd_rule_id = rule.id if rule is not None else None
    report.sections = [(title, redact(text)) for title, text in report.sections]
    harness = getattr(report, "pnd_outcome", None) == "error"
    if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        report.pnd_detail = redact(_exception_text(call.excinfo.value))[:MAX_DETAIL]
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        path, line, reason = report.longrepr
        report.longrepr = (path, line, redact(str(reason)))
    if report.when == "call" and rule is not None:
        # A listed rule is judged by the expectations file; an inferred one's failure is an advisory.
        adjusted = (run.baseline.adjust(report, rule.id, harness)
                    or soften(report, rule, item.config.pnd_settings.strict, harness))  # type: ignore[attr-defined]
        if adjusted:
            report.pnd_outcome = adjusted
    phases = item.stash.setdefault(_ITEM_PHASES, {})
    phases[report.when] = _phase_outcome(report)
    if report.when == "teardown":
        # JUnit reads a test's properties from its teardown report.
        if rule is not None and ("rule", rule.id) not in report.user_properties:
            report.user_properties.append(("rule", rule.id))
        report.user_properties.append(("conformance", _combine_phases(phases)))
    return report


def _phase_outcome(report: pytest.TestReport) -> str:
    marked = getattr(report, "pnd_outcome", None)
    if marked in (ERROR, EXPECTED_DEVIATION, DEVIATION_FIXED, ADVISORY):
        return marked
    if report.passed:
        return PASS
    if report.skipped:
        return SKIPPED
    # A failure outside the test body (fixtures, cleanup) is the harness's, not the target's.
    return FAIL if report.when == "call" else ERROR


def _combine_phases(phases: dict[str, str]) -> str:
    if ERROR in phases.values():
        return ERROR
    if phases.get("setup") == SKIPPED:
        return SKIPPED
    return phases.get("call", NOT_RUN)


def pytest_collection_finish(session: pytest.Session) -> None:
    run = _run(session.config)
    if run is not None:
        run.suite_selected = any(Path(item.path).resolve().is_relative_to(SUITE_DIR) for item in session.items)


# ------------------------------------------------------------------------------------------------ matrix

def _worst(outcomes: list[str]) -> str:
    return next(o for o in _WORST_FIRST if o in outcomes)


def build_matrix(run: _Run, exitstatus: int) -> dict[str, Any]:
    settings = run.config.pnd_settings  # type: ignore[attr-defined]
    by_rule: dict[str, list[_Test]] = {}
    others = []
    for test in run.tests.values():
        if test.rule_id:
            by_rule.setdefault(test.rule_id, []).append(test)
        else:
            others.append(test)
    rows = []
    for rule in run.rules:
        tests = by_rule.pop(rule.id, [])
        exp = run.baseline.get(rule.id)
        cit = _get(rule, "citation")
        expect = _get(rule, "expect")
        if tests:
            outcome = _worst([t.outcome for t in tests])
            detail = next((t.detail for t in tests if t.outcome == outcome and t.detail), None)
        elif _get(rule, "test") == "unobservable":
            outcome, detail = NOT_OBSERVABLE, _get(rule, "reason")
        else:
            outcome, detail = NOT_RUN, "not selected in this run"
        rows.append({
            "operation": rule.operation, "rule": rule.id, "kind": _get(rule, "kind"), "test": _get(rule, "test"),
            "statement": _get(rule, "statement"),
            "citation": {"doc": _get(cit, "doc"), "quote": _get(cit, "quote")} if cit is not None else None,
            "expect": {"status": _get(expect, "status"), "errorCode": _get(expect, "errorCode")}
            if expect is not None else None,
            "basis": basis(rule), "note": _get(rule, "note"),
            "outcome": outcome, "detail": detail,
            "expectation": exp.to_dict() if exp else None,
            "tests": [t.nodeid for t in tests],
            "duration_s": round(sum(t.duration for t in tests), 3),
        })
    # Tests naming a rule the catalogue does not have (should not happen) are listed with the others.
    others += [t for ts in by_rule.values() for t in ts]
    operations = list(dict.fromkeys(r["operation"] for r in rows))
    totals = {op: {o: 0 for o in OUTCOMES} for op in operations}
    for r in rows:
        totals[r["operation"]][r["outcome"]] += 1
    overall = {o: sum(t[o] for t in totals.values()) for o in OUTCOMES}
    for t in [*totals.values(), overall]:
        t["rules"] = sum(t[o] for o in OUTCOMES)
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": settings.describe(),
        "exit_code": int(exitstatus),
        "gate": "pass" if int(exitstatus) == 0 else "fail",
        "catalogue_error": run.catalogue_error,
        "outcomes": list(OUTCOMES),
        "totals": {"by_operation": totals, "all": overall},
        "rules": rows,
        "other_tests": [{"test": t.nodeid, "outcome": t.outcome, "detail": t.detail,
                         "duration_s": round(t.duration, 3)} for t in others],
    }


def _cell(text: Any, limit: int = 0) -> str:
    s = " ".join(str(text if text is not None else "").split())
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("|", "\\|")


def _short(detail: str | None) -> str:
    if not detail:
        return ""
    lines = [ln.strip() for ln in detail.splitlines() if ln.strip() and not ln.strip().startswith("reproduce:")]
    return _cell(" — ".join(lines[:2]), 300)


def render_markdown(matrix: dict[str, Any]) -> str:
    s = matrix["settings"]
    all_ = matrix["totals"]["all"]
    shown = [o for o in OUTCOMES if o != NOT_RUN or all_[NOT_RUN]]
    out = ["# Conformance matrix", "",
           f"Target: {s.get('target')} (profile `{s.get('profile')}`) · generated {matrix['generated_at']} · "
           f"gate: **{matrix['gate'].upper()}** (exit code {matrix['exit_code']})", ""]
    if s.get("expectations"):
        out += [f"Known deviations from `{s['expectations']}`.", ""]
    if matrix.get("catalogue_error"):
        out += [f"**The rule catalogue did not load:** {_cell(matrix['catalogue_error'], 300)}", ""]
    out += ["## Totals per operation", "",
            "| operation | rules | " + " | ".join(shown) + " |",
            "|---|---:|" + "---:|" * len(shown)]
    for op, t in [*matrix["totals"]["by_operation"].items(), ("**all**", all_)]:
        out.append(f"| {op} | {t['rules']} | " + " | ".join(str(t[o]) for o in shown) + " |")
    out += ["", "## Rules", "", "| operation | rule | doc citation | outcome | detail |", "|---|---|---|---|---|"]
    for r in matrix["rules"]:
        cit = r["citation"] or {}
        doc = f"{cit.get('doc')}: “{_cell(cit.get('quote'), 160)}”" if cit.get("doc") else ""
        detail = _short(r["detail"])
        if r["expectation"]:
            exp = r["expectation"]
            note = f"listed: {_cell(exp['reason'], 160)}" + (f" ({exp['ticket']})" if exp.get("ticket") else "")
            detail = f"{note}; {detail}" if detail else note
        if r.get("basis") == "inferred":  # the suite's reading: an advisory unless --strict
            note = f"inferred (NOTES.md “{_cell(r.get('note'), 80)}”)"
            detail = f"{note}; {detail}" if detail else note
        out.append(f"| {r['operation']} | `{r['rule']}` | {doc} | {r['outcome']} | {detail} |")
    if matrix["other_tests"]:
        out += ["", "## Other tests", "", "| test | outcome | detail |", "|---|---|---|"]
        for t in matrix["other_tests"]:
            out.append(f"| `{_cell(t['test'])}` | {t['outcome']} | {_short(t['detail'])} |")
    out += ["", "Outcomes: pass · fail = non-conformance · advisory = a failed *inferred* rule (the suite's reading "
            "where the documents are silent; spec/NOTES.md; gates only with --strict) · error = harness/network error (not a verdict on the "
            "target) · skipped (with reason) · expected deviation = failure listed in the expectations file · "
            "deviation fixed = listed but now passes (remove the entry) · not observable (with reason) · "
            "not run = deselected.", ""]
    return redact("\n".join(out))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if (run is None or not run.suite_selected or session.config.option.collectonly
            or hasattr(session.config, "workerinput")):
        return
    matrix = build_matrix(run, exitstatus)
    run.reports_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = run.reports_dir / "conformance.json", run.reports_dir / "conformance.md"
    json_path.write_text(redact(json.dumps(matrix, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    markdown = render_markdown(matrix)
    md_path.write_text(markdown, encoding="utf-8")
    run.written, run.matrix = [json_path, md_path], matrix
    if run.allure:
        allure.global_attach(markdown, "conformance matrix", allure.attachment_type.TEXT, extension="md")
        allure.global_attach(redact(json.dumps(matrix["settings"], indent=2)), "settings (redacted)",
                             allure.attachment_type.JSON)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    run = _run(config)
    matrix = run.matrix if run else None
    if not matrix:
        return
    tr = terminalreporter
    tr.section("conformance")
    all_ = matrix["totals"]["all"]
    tr.write_line(f"{all_['rules']} rules: " + ", ".join(f"{all_[o]} {o}" for o in OUTCOMES if all_[o]))
    fixed = [r for r in matrix["rules"] if r["outcome"] == DEVIATION_FIXED]
    for r in fixed:
        tr.write_line(redact(f"DEVIATION FIXED {r['operation']}/{r['rule']}: now conforms; remove it from "
                             f"{run.baseline.source}" + (" (fails the gate: --strict-expectations)"
                                                         if run.baseline.strict else "")), yellow=True)
    for r in matrix["rules"]:
        if r["outcome"] == EXPECTED_DEVIATION:
            tr.write_line(redact(f"expected deviation {r['operation']}/{r['rule']}: "
                                 f"{r['expectation']['reason']}"))
    for path in run.written:
        tr.write_line(f"matrix: {path}")
