"""The Allure output: labels, links and description of each test, one step per HTTP exchange, scrubbing.

With `--alluredir` (allure-pytest) every test gets epic = the API, feature = the operation,
story = the rule id, a severity, a link to the cited doc, parameters that keep operations and
rules apart in Allure's history, and one step per HTTP exchange of the *last* example
Hypothesis ran (the shrunk failing one when the test fails), each with the request, the
response and a curl command, redacted. Tests that are not catalogue rules get story =
`<module>/<check>` (`schemathesis/response_schema`, `lifecycle/state_machine`): under their
operation when they test one (parameters operation and check, link to the operation's doc),
else under the lifecycle epic (linking all five docs).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import allure
import allure_commons
import attr
import pytest

from pnd_conformance.http.client import Exchange
from pnd_conformance.http.redaction import redact
from pnd_conformance.report.record import RunRecord
from pnd_conformance.judging.rule_strength import ADVISORY, basis, is_advisory
from pnd_conformance.spec.catalogue import Rule

LIFECYCLE_EPIC = "Lifecycle across all five operations"
LIVING_DOCS = "../docs/index.html"  # relative to the HTML report, reports/html/index.html
SEVERITY = {"auth": "critical", "state": "critical", "required": "normal", "enum": "normal", "format": "normal",
            "cross-field": "normal", "response-shape": "normal", "pagination": "normal", "filter": "normal",
            "default": "minor", "robustness": "minor"}


# --------------------------------------------------------------------------- exchanges of the last example

def _attach_json(data: Any, name: str) -> None:
    allure.attach(redact(json.dumps(data, indent=2, ensure_ascii=False)), name, allure.attachment_type.JSON)


def _parsed(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def exchange_steps(exchanges: list[Exchange], dropped: int) -> None:
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
                          "truncated": resp["truncated"], **({"note": resp["note"]} if "note" in resp else {}),
                          "elapsed_ms": d["elapsed_ms"]}, "response")
            allure.attach(redact(d["curl"]), "curl (reproduce)", allure.attachment_type.TEXT)


# ------------------------------------------------------------------------------------------ labels

def _operation_info(key: str) -> tuple[str, str, str | None]:
    """(epic, feature, doc) of an operation key, from the spec's operation."""
    try:
        from pnd_conformance.spec.operations import operation

        op = operation(key)
    except Exception:
        return "myKaarma Partner APIs", key, None
    return op.api, f"{key} ({op.operation_id})", op.doc


def _description(rule: Rule, run: RunRecord) -> str:
    cit, expect = rule.citation, rule.expect
    lines = [f"**{rule.statement}**", "", f"- rule: `{rule.id}` ({rule.kind}, tested as `{rule.test}`)",
             f"- documented in `{cit.doc}`: \"{cit.quote}\""]
    if expect is not None:
        lines.append(f"- expected: HTTP {expect.status} {expect.errorCode or ''}".rstrip())
    exp = run.baseline.get(rule.id)
    if exp is not None:
        lines.append(f"- listed as a known deviation: {exp.describe()}")
    return redact("\n".join(lines))


def _all_operation_docs() -> list[str]:
    """The docs of every operation in the spec (in spec order): what the cross-operation tests cite."""
    try:
        from pnd_conformance.spec.operations import operations

        return list(dict.fromkeys(op.doc for op in operations()))
    except Exception:
        return []


@dataclass(frozen=True)
class Labels:
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


def _check_labels(item: pytest.Item) -> Labels:
    """Labels of a test that is not a catalogue rule (conformance/suite/test_schemathesis.py, test_lifecycle.py).

    story = `<module>/<check>` (`schemathesis/response_schema`, `lifecycle/state_machine`). A test
    of one operation (a `key` parameter) sits under that operation like the rule tests do; a test
    across all operations (the stateful runs) goes under the lifecycle epic and links every doc.
    """
    module = Path(str(item.path)).stem.removeprefix("test_")
    name = getattr(item, "originalname", item.name)
    check = name.removeprefix("test_").removeprefix(f"{module}_")
    story = f"{module}/{check}"
    doc = (getattr(getattr(item, "function", None), "__doc__", None) or "").strip()
    description = redact(" ".join(doc.split("\n\n")[0].split()))
    key = item.callspec.params.get("key") if hasattr(item, "callspec") else None
    if isinstance(key, str):
        epic, feature, op_doc = _operation_info(key)
        return Labels(epic, feature, story, "normal", module, module,
                      (("operation", key), ("check", story)), (("key", key),),
                      (op_doc,) if op_doc else (), f"{story} on {key}", description)
    return Labels(LIFECYCLE_EPIC, "lifecycle", story, "critical", module, module, (("check", story),), (),
                  tuple(_all_operation_docs()), story, description)


def _rule_labels(rule: Rule, run: RunRecord) -> Labels:
    epic, feature, _ = _operation_info(rule.operation)
    # History identity: operation and rule id (the auto-added `rule` parameter would hash the whole Rule).
    return Labels(epic, feature, rule.id, SEVERITY.get(rule.kind, "normal"), rule.kind, rule.test,
                  (("operation", rule.operation), ("rule id", rule.id)), (("rule", rule.id),), (rule.citation.doc,),
                  redact(f"{rule.id}: {rule.statement}"), _description(rule, run))


def labels(item: pytest.Item, run: RunRecord, rule: Rule | None) -> Labels:
    """The labels of a test: its catalogue rule's (`rule`, the rule it judges), else its check's."""
    return _rule_labels(rule, run) if rule is not None else _check_labels(item)


def apply_labels(rule: Rule | None, run: RunRecord, labels: Labels) -> None:
    """At setup: the labels, parameters, doc links and known-deviation tag of one test (`rule`: the
    catalogue rule it judges, if any)."""
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
    # The living docs beside the HTML report (reports/docs/ next to reports/html/): a rule test links its unit.
    anchor = run.unit_anchors.get(rule.id) if rule is not None else None
    allure.dynamic.link(LIVING_DOCS + (f"#{anchor}" if anchor else ""),
                        name=f"living docs: {anchor.removeprefix('unit-')}" if anchor else "living docs")
    if rule is not None:  # rule strength: stated or inferred; an inferred rule is an advisory unless --strict
        allure.dynamic.tag(basis(rule))
        if is_advisory(rule, run.settings.strict):
            allure.dynamic.tag(ADVISORY)
    exp = run.baseline.get(rule.id) if rule is not None else None
    if rule is not None and exp is not None:
        allure.dynamic.tag("known-deviation")
        if exp.ticket:
            allure.dynamic.issue(exp.ticket, name=f"ticket: {rule.id}")


def apply_title(labels: Labels) -> None:
    """At teardown: after setup allure-pytest names the test itself; the title is set here so it sticks."""
    allure.dynamic.title(labels.title)
    if labels.description:
        allure.dynamic.description(labels.description)


def write_environment(config: pytest.Config, matrix: dict[str, Any]) -> None:
    """`environment.properties` in the Allure results: the run (target, gate, exit code, scope, seed), which the
    report shows as its environment."""
    from pnd_conformance.report.summary import run_properties

    where = getattr(config.option, "allure_report_dir", None)
    if not where:
        return
    lines = [f"{name} = {_property(value)}" for name, value in run_properties(matrix).items()]
    path = Path(where) / "environment.properties"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact("\n".join(lines)) + "\n", encoding="utf-8")


def _property(value: str) -> str:
    """A value as a Java properties file holds it (one line, backslashes escaped)."""
    return " ".join(value.split()).replace("\\", "\\\\")


def global_attachments(markdown: str, settings: dict[str, Any]) -> None:
    allure.global_attach(markdown, "conformance matrix", allure.attachment_type.TEXT, extension="md")
    allure.global_attach(redact(json.dumps(settings, indent=2)), "settings (redacted)",
                         allure.attachment_type.JSON)


# ------------------------------------------------------------------------------------------ scrubbing

class Scrubber:
    """Last line of defence: every text of an Allure result/container is redacted before it is written.

    (allure-pytest copies exception messages and captured output as they are; the suite's own
    attachments are redacted where they are made.)
    """

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result) -> None:
        scrub(result)

    @allure_commons.hookimpl(tryfirst=True)
    def report_container(self, container) -> None:
        scrub(container)

    @allure_commons.hookimpl(tryfirst=True)
    def report_globals(self, globals_item) -> None:
        scrub(globals_item)


def install_scrubber(config: pytest.Config) -> None:
    scrubber = Scrubber()
    allure_commons.plugin_manager.register(scrubber)
    config.add_cleanup(lambda: allure_commons.plugin_manager.unregister(scrubber))


def scrub(obj: Any) -> Any:
    """Redact every string inside an allure_commons model object (attrs classes and lists), in place."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, list):
        obj[:] = [scrub(v) for v in obj]
    elif attr.has(type(obj)):
        for f in attr.fields(type(obj)):
            value = getattr(obj, f.name)
            if value is not None:
                setattr(obj, f.name, scrub(value))
    return obj
