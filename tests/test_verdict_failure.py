"""A non-conformance is data (operation, rule id, received, documented, citation, curl) whose text is the
message every report shows (docs/checks.md: "A failure message says what was received and what is documented,
cites the doc, and ends with a `curl` command reproducing the request ...: credentials never appear")."""
from __future__ import annotations

import copy
import pickle
from types import SimpleNamespace

import pytest

from pnd_conformance.http.client import Exchange
from pnd_conformance.http.redaction import MASK, REDACTOR
from pnd_conformance.report.record import failure_fields, failure_summary
from pnd_conformance.judging.verdict import NonConformance, check, fail

SECRET = "s3cret-in-a-body-0000"


def _exchange(body: str = '{"statusCode":200}') -> Exchange:
    return Exchange(operation="get-trips", method="GET", url="https://staging.example/trips", client_name="full",
                    request_headers={}, request_body=None, status=200, response_headers={}, response_text=body,
                    truncated=False, elapsed_ms=1.0, password_env="PND_FULL_PASSWORD", username="partner")


def test_the_message_is_received_documented_and_reproduce():
    ex = _exchange()
    with pytest.raises(NonConformance) as failed:
        fail(ex, "totalCount is the number of trips", {"doc": "get-trips.txt", "quote": "Total trips"})
    exc = failed.value
    assert str(exc) == (f"get-trips: received {ex.received()}\n"
                        f'documented: totalCount is the number of trips (get-trips.txt: "Total trips")\n'
                        f"reproduce: {ex.curl()}")
    assert (exc.operation, exc.received, exc.documented, exc.citation, exc.curl, exc.rule_id) == (
        "get-trips", ex.received(), ("totalCount is the number of trips",), ("get-trips.txt", "Total trips"),
        ex.curl(), None)
    with pytest.raises(NonConformance) as uncited:
        check(False, ex, "an application/json response")
    assert str(uncited.value) == (f"get-trips: received {ex.received()}\ndocumented: an application/json response\n"
                                  f"reproduce: {ex.curl()}")


def test_the_failure_survives_a_copy_and_a_pickle():
    exc = NonConformance(operation="filter", received="HTTP 200", documented=("a", "b"), notes=("generated: x",),
                         curl="curl -sS", rule_id="filter-sort-order")
    for again in (copy.copy(exc), pickle.loads(pickle.dumps(exc))):
        assert str(again) == str(exc) == "filter: received HTTP 200\ndocumented: a\ndocumented: b\ngenerated: x\n" \
                                         "reproduce: curl -sS"
        assert again.fields() == exc.fields()
    assert str(NonConformance("observation 1")) == "observation 1"


def test_the_reports_read_the_fields_redacted_with_the_rule_filled_in():
    REDACTOR.add(SECRET)
    ex = _exchange(f'{{"statusCode":200,"note":"{SECRET}"}}')
    with pytest.raises(NonConformance) as failed:
        fail(ex, f"no {SECRET} here", {"doc": "get-trips.txt", "quote": "q"})
    fields = failure_fields(failed.value, SimpleNamespace(id="get-trips-total-count"))
    assert fields["rule_id"] == failed.value.rule_id == "get-trips-total-count"
    assert SECRET not in repr(fields) and "${PND_FULL_PASSWORD}" in fields["curl"]
    # what the matrix shows: the text before the curl, read from the fields
    assert failure_summary(fields) == "NonConformance: " + str(failed.value).rsplit("\nreproduce: ", 1)[0].replace(
        SECRET, MASK)
