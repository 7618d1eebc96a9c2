"""What the Allure results say about each test: labels, history parameters, doc link, and steps
for the final Hypothesis example only, each with request, response and curl attachments.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from conformance.client import Exchange
from conformance.reporting import _ExchangeBuffer
from spec.catalogue import DOCS_DIR, load_rules
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


SCHEMATHESIS_CHECKS = {"no_server_error", "documented_status_and_content_type", "response_schema",
                       "negative_data_rejected"}


def _results() -> list[dict]:
    run = sandbox_run()
    return [json.loads(p.read_text()) for p in run.allure_results.glob("*-result.json")]


def test_every_rule_test_has_labels_parameters_and_doc_link():
    rules = {r.id: r for r in load_rules()}
    results = _results()
    assert results
    for result in results:
        labels = {}
        for label in result["labels"]:
            labels.setdefault(label["name"], []).append(label["value"])
        assert labels["epic"] == ["Partner appointment-with-trip API"]  # get-trips
        assert labels["feature"] == ["get-trips (getPartnerTripsOfAppointment)"]
        assert labels["severity"][0] in ("critical", "normal", "minor")
        if labels["story"][0].startswith("schemathesis/"):  # schema-level checks of the operation
            assert labels["story"][0].removeprefix("schemathesis/") in SCHEMATHESIS_CHECKS, labels["story"]
            continue
        rule = rules[labels["story"][0]]
        assert result["name"].startswith(f"{rule.id}: ")
        params = {p["name"]: p for p in result["parameters"]}
        assert params["operation"]["value"] == repr(rule.operation) and params["rule id"]["value"] == repr(rule.id)
        assert params["rule"].get("excluded") is True, "the Rule object must not enter the history id"
        if DOCS_DIR.is_dir():  # the default doc links point at the local docs
            assert {"type": "link", "name": f"doc: {rule.citation.doc}",
                    "url": (DOCS_DIR / rule.citation.doc).as_uri()} in result["links"]
    assert len({r["historyId"] for r in results}) == len(results), "history ids keep the rules apart"


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
