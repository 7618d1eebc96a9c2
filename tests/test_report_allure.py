"""What the Allure results say about each test: labels, history parameters, doc link, and steps
for the final Hypothesis example only, each with request, response and curl attachments.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from pnd_conformance.http.client import Exchange
from pnd_conformance.report.livingdocs import rule_units
from pnd_conformance.plugins.reports import _ExchangeBuffer
from pnd_conformance.spec.catalogue import DOCS_DIR, load_rules
from pnd_conformance.spec.docunits import units_by_doc
from pnd_conformance.spec.openapi import HTTP_METHODS, load_openapi, operation_by_key
from tests.reportrun import sandbox_run


def _exchange(n: int) -> Exchange:
    return Exchange(operation="get-trips", method="GET", url=f"http://h/x/{n}", client_name="full",
                    request_headers={}, request_body=None, status=n, response_headers={}, response_text="{}",
                    truncated=False, elapsed_ms=1.0)


def test_buffer_keeps_only_the_final_shrunk_example():
    buffer = _ExchangeBuffer()
    buffer.start()
    buffer(_exchange(-1))  # outside any example (preparation): kept

    @settings(max_examples=100, database=None, derandomize=True)
    @given(st.integers(0, 10_000))
    def prop(n):
        buffer(_exchange(n))
        buffer(_exchange(n + 100_000))
        assert n < 10

    with pytest.raises(AssertionError):
        prop()
    exchanges, dropped = buffer.stop()
    # Hypothesis shrinks to n == 10 and runs that example last; only its two exchanges remain.
    assert [e.status for e in exchanges] == [-1, 10, 100_010] and dropped == 0
    buffer(_exchange(1))
    assert buffer.stop() == ([], 0), "nothing is recorded between tests"


# The tests that are not catalogue rules in the shared run (tests/reportrun.py SELECTION): story = <module>/<check>.
PER_OPERATION_STORIES = {f"schemathesis/{c}" for c in ("no_server_error", "documented_status_and_content_type",
                                                        "response_schema", "negative_data_rejected")}
CROSS_OPERATION_STORIES = {"schemathesis/stateful_links", "lifecycle/state_machine"}
GET_TRIPS = ("Partner appointment-with-trip API", "get-trips (getPartnerTripsOfAppointment)")


def _results() -> list[dict]:
    run = sandbox_run()
    return [json.loads(p.read_text()) for p in run.allure_results.glob("*-result.json")]


def _doc_links(result: dict) -> set[tuple[str, str]]:
    return {(link["name"], link["url"]) for link in result.get("links", []) if link.get("type") == "link"}


def _expected_links(*docs: str, rule_id: str | None = None) -> set[tuple[str, str]]:
    """The doc links, and the link to the living docs beside the HTML report (a rule test: to its unit)."""
    anchor = rule_units(units_by_doc()).get(rule_id) if rule_id else None
    living = (f"living docs: {anchor.removeprefix('unit-')}", f"../docs/index.html#{anchor}") if anchor else \
        ("living docs", "../docs/index.html")
    return {(f"doc: {doc}", (DOCS_DIR / doc).as_uri()) for doc in docs} | {living}


def test_every_test_has_labels_parameters_and_doc_link():
    """Rule tests: story = rule id. Other tests: story = <module>/<check>, under their operation
    (Schemathesis checks of one operation) or under the lifecycle epic (runs across all operations)."""
    rules = {r.id: r for r in load_rules()}
    all_docs = [op["x-pnd-doc"] for item in load_openapi()["paths"].values() for m in HTTP_METHODS
                if (op := item.get(m)) and op.get("x-pnd-doc")]
    results = _results()
    seen = {"rule": 0, "per-operation": set(), "cross-operation": set(), "basis": set()}
    for result in results:
        labels: dict[str, list[str]] = {}
        for label in result["labels"]:
            labels.setdefault(label["name"], []).append(label["value"])
        for name in ("epic", "feature", "story", "severity", "parentSuite", "suite", "subSuite"):
            assert len(labels.get(name, [])) == 1, (result["name"], name, labels.get(name))
        (epic,), (feature,), (story,), (severity,) = (labels[n] for n in ("epic", "feature", "story", "severity"))
        assert severity in ("critical", "normal", "minor")
        assert (labels["parentSuite"][0], labels["suite"][0]) == (epic, feature), "the tree is API → operation"
        params = {p["name"]: p for p in result.get("parameters", [])}
        shown = {n: p["value"] for n, p in params.items() if not p.get("excluded")}
        links = _doc_links(result)
        if story in rules:
            rule = rules[story]
            seen["rule"] += 1
            assert (epic, feature) == GET_TRIPS
            assert result["name"].startswith(f"{rule.id}: ")
            assert shown == {"operation": repr(rule.operation), "rule id": repr(rule.id)}
            assert params["rule"].get("excluded") is True, "the Rule object must not enter the history id"
            # rule strength: tagged stated/inferred; an inferred rule is an advisory unless --strict
            tags = set(labels.get("tag", []))
            assert rule.basis in tags and ("advisory" in tags) == (rule.basis == "inferred"), (rule.id, tags)
            seen["basis"].add(rule.basis)
            expected = _expected_links(rule.citation.doc, rule_id=rule.id)
            assert any(name.startswith("living docs: ") for name, _ in expected), rule.id
        elif story in PER_OPERATION_STORIES:
            seen["per-operation"].add(story)
            assert (epic, feature) == GET_TRIPS and labels["subSuite"] == ["schemathesis"]
            assert result["name"] == f"{story} on get-trips"
            assert shown == {"operation": repr("get-trips"), "check": repr(story)}
            expected = _expected_links(operation_by_key("get-trips")[2]["x-pnd-doc"])
        else:
            assert story in CROSS_OPERATION_STORIES, f"unexpected story {story!r} for {result['name']}"
            seen["cross-operation"].add(story)
            assert (epic, feature, severity) == ("Lifecycle across all five operations", "lifecycle", "critical")
            assert result["name"] == story and shown == {"check": repr(story)}
            expected = _expected_links(*all_docs)
            assert len(expected) == 5 + 1, all_docs  # five docs and the living docs
        assert result.get("description"), result["name"]
        assert links == expected, (result["name"], links)  # the default doc links point at spec/docs/
    assert seen["rule"] and seen["per-operation"] == PER_OPERATION_STORIES
    assert seen["basis"] == {"stated", "inferred"}
    assert seen["cross-operation"] == CROSS_OPERATION_STORIES
    assert len({r["historyId"] for r in results}) == len(results), "history ids keep the tests apart"


def test_steps_are_exchanges_with_request_response_and_curl():
    run = sandbox_run()
    results = [r for r in _results() if r.get("steps")]
    assert results, "no test recorded an exchange"
    for result in results:
        for step in result["steps"]:
            names = [a["name"] for a in step.get("attachments", [])]
            assert names == ["request", "response", "curl (reproduce)"], (result["name"], step["name"])
            curl = (run.allure_results / step["attachments"][2]["source"]).read_text()
            assert curl.startswith("curl ") and " -X " in curl
            request = json.loads((run.allure_results / step["attachments"][0]["source"]).read_text())
            assert request["method"] in step["name"]
