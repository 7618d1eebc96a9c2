"""Conformant variants of "real servers settle": the suite passes them, with zero failures.

Each variant (sandbox/variants.py) is a behaviour the documents permit: trips marked valid a moment
after the write ("The trip is marked valid later during the SAR-Trip mapping step"), reads served
by a lagging replica (both reads, or filter's index alone, 1.5 s behind), a serializer that indents
and adds unlisted fields, a dealer already holding other people's appointments, a gateway answering
429 with Retry-After. The suite runs as a user runs
it (tests/test_mutants.py's `run_suite`), over the wire where a delay matters; precision must not cost
recall, so mutants are still caught with a delay present. Plus the small mechanisms under them.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from pnd_conformance.request_budget import DEFAULT_REQUEST_BUDGET
from pnd_conformance.http.exchange import MAX_BODY_KEPT, Exchange
from pnd_conformance.http.gateway import retry_after
from pnd_conformance.target.settle import eventually, ready
from pnd_conformance.judging.verdict import NonConformance
from pnd_conformance.sandbox.variants import SETTLE_VARIANTS, VARIANTS
from tests.fault_servers import fault_server
from tests.outputs import score_file
from tests.test_mutants import MUTANTS, broken_rules, run_suite
from tests.test_robustness_targets import INTERNAL, run_suite as run_rules
from tests.wire import FULL, IDS, wire_sandbox

# Every variant of this part, and (variant, mutant) pairs that must still be caught with it.
RUNS = {name: (name, "") for name in sorted(SETTLE_VARIANTS)}
RUNS |= {"valid-after-delay+is-valid-never-set": ("valid-after-delay", "is-valid-never-set"),
         "reads-lag+delete-leaves-dropoff": ("reads-lag", "delete-leaves-dropoff"),
         # filter's view is read again while it lags, and a wrong view still fails once the window ends
         "filter-lags+assigned-by-from-requester": ("filter-lags", "assigned-by-from-requester")}
AUTH = (FULL["username"], FULL["password"])
# The request budget is a ceiling, and a target that settles or lags costs reads the plan cannot foresee: a user
# of such a target raises it (docs/configuration.md "Request budget"), and so do these runs. The ceiling
# itself is proven in tests/test_first_contact.py; a run that reaches it is "not run", never a pass.
SETTLING_BUDGET = ("--request-budget", str(2 * DEFAULT_REQUEST_BUDGET))
SCORE_FILE = score_file("variants-settle.json")  # time and outcome per run, for the score (tests/outputs.py)


def _all_trips(url: str) -> dict[str, dict]:
    r = httpx.post(url + "/pickupdelivery/v3/trip-view/list", auth=AUTH, timeout=30, json={
        "dealerDepartmentUUIDList": [IDS["department_uuid"]], "dealerUuids": [IDS["dealer_uuid"]],
        "sortOrder": "APPT_TIME_ASC"})
    r.raise_for_status()
    return {t["eventUuid"]: t for t in r.json().get("tripViewDtos") or []}


def _run(key: str, tmp: Path):
    variant, fault = RUNS[key]
    with wire_sandbox(faults=fault, variants=variant) as url:
        before = _all_trips(url) if variant == "busy-dealer" else {}
        outcome = run_suite(key, tmp, url=url, strict=bool(fault and MUTANTS[fault].get("strict")),
                            extra=SETTLING_BUDGET)
        after = _all_trips(url) if variant == "busy-dealer" else {}
    return outcome, before, after


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("variants")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(RUNS, pool.map(lambda k: _run(k, tmp), RUNS), strict=True))
    SCORE_FILE.parent.mkdir(parents=True, exist_ok=True)
    SCORE_FILE.write_text(json.dumps({k: {"returncode": o.returncode, "failed": o.failed,
                                          "seconds": round(o.seconds, 1),
                                          "variant": RUNS[k][0], "mutant": RUNS[k][1] or None}
                                      for k, (o, _, _) in results.items()}, indent=1))
    return results


@pytest.mark.parametrize("name", sorted(SETTLE_VARIANTS))
def test_variant_passes(outcomes, name):
    """The suite, run as a user runs it, passes against a server that does only what the docs allow."""
    out, _, _ = outcomes[name]
    assert out.returncode == 0 and not out.failed, f"{name} ({VARIANTS[name]}): failed {out.failed}\n{out.output}"


def test_other_peoples_appointments_untouched(outcomes):
    """The dealer's other appointments survive the run unchanged (the sweep deletes only the suite's own)."""
    out, before, after = outcomes["busy-dealer"]
    assert len(before) >= 150, "the variant seeds other people's appointments"
    missing = sorted(set(before) - set(after))
    assert not missing, f"{len(missing)} of other people's trips gone after the run: {missing[:5]}"
    changed = [u for u in before if after[u] != before[u]]
    assert not changed, f"other people's trips changed by the run: {changed[:5]}"
    # What else is left is only what others booked beside the suite (20 minutes past a quarter hour):
    # nothing of the suite's own stays behind.
    extra = [t for u, t in after.items() if u not in before]
    ours = [t["eventUuid"] for t in extra if int((t.get("appointmentTime") or t.get("rideTime"))[14:16]) % 15 == 0]
    assert extra and not ours, f"the suite left its own trips behind: {ours[:5]}"


@pytest.mark.parametrize("key", [k for k, (_, fault) in RUNS.items() if fault])
def test_mutant_caught_with_delay(outcomes, key):
    """Waiting for a write to settle does not hide a bug: the mutant still fails the rule it breaks."""
    out, _, _ = outcomes[key]
    fault = RUNS[key][1]
    assert out.returncode == 1 and set(out.failed) & broken_rules(fault), \
        f"{key}: exit {out.returncode}, failed {out.failed}\n{out.output}"


# --- the mechanisms ----------------------------------------------------------------------------------

def _exchange(text: str, **kw) -> Exchange:
    return Exchange(operation="filter", method="POST", url="http://x/y", client_name="full", request_headers={},
                    request_body="{}", status=200, response_headers={"content-type": "application/json"},
                    response_text=text, truncated=False, elapsed_ms=1.0, **kw)


def test_eventually_waits_then_fails_with_the_last_observation():
    """A judgement that passes late is accepted; one that never passes fails with the last observation."""
    seen = []

    def observe():
        seen.append(time.monotonic())
        return len(seen)

    def accept(n):
        if n < 3:
            raise NonConformance(f"observation {n}")

    assert eventually(observe, accept, timeout=5) == 3

    def never(n):
        raise NonConformance(f"observation {n}")

    seen.clear()
    with pytest.raises(NonConformance) as failed:
        eventually(observe, never, timeout=0.5)
    assert str(failed.value) == f"observation {len(seen)}", "the last observation is the one reported"
    assert 3 <= len(seen) <= 5 and seen[-1] - seen[0] <= 0.7, "backoff from 0.1 s, bounded by the window"
    seen.clear()
    with pytest.raises(NonConformance, match="observation 1"):
        eventually(observe, never, timeout=0)
    assert len(seen) == 1, "a zero window observes once"
    assert ready(observe, accept, timeout=0) and len(seen) == 1, "a zero window sends no request for a precondition"


def test_a_target_that_never_settles_costs_one_window_per_kind():
    """The create doc's "marked valid later" bounds no wait: once a kind of precondition has not shown within the
    window, later waits of that kind observe once and go on (the operation's own check judges), until an
    observation shows the target settling again."""
    seen: list[float] = []
    settled = {"now": False}

    def observe():
        seen.append(time.monotonic())
        return settled["now"]

    def accept(ok):
        if not ok:
            raise NonConformance("not settled")

    memo: set[str] = set()
    start = time.monotonic()
    assert not ready(observe, accept, timeout=0.3, kind="trips valid", memo=memo)
    assert memo == {"trips valid"} and time.monotonic() - start >= 0.3
    seen.clear()
    assert not ready(observe, accept, timeout=0.3, kind="trips valid", memo=memo)
    assert len(seen) == 1, "an exhausted kind is observed once, not waited for"
    assert not ready(observe, accept, timeout=0.3, kind="update shown", memo=memo) and len(seen) > 2, \
        "another kind still gets its window"
    settled["now"] = True
    seen.clear()
    assert ready(observe, accept, timeout=0.3, kind="trips valid", memo=memo) and len(seen) == 1
    assert "trips valid" not in memo, "a kind that settled again is waited for again"


def test_retry_after_is_read_in_both_forms():
    """RFC 9110 Retry-After: delay-seconds or an HTTP-date; only on 429/503."""
    assert retry_after(429, {"retry-after": "1"}) == 1.0
    assert retry_after(503, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after(429, {}) is None and retry_after(500, {"retry-after": "1"}) is None


def test_reports_keep_a_capped_body_and_say_so():
    """The verdict reads a large body whole; reports keep MAX_BODY_KEPT of it with a note."""
    trips = [{"eventUuid": f"{i:032x}", "pad": "x" * 1000} for i in range(150)]
    text = json.dumps({"statusCode": 200, "totalCount": 150, "tripViewDtos": trips}, indent=4)
    ex = _exchange(text, body_bytes=len(text))
    assert len(text) > MAX_BODY_KEPT and len(ex.json["tripViewDtos"]) == 150
    resp = ex.to_dict()["response"]
    assert len(resp["body"]) == MAX_BODY_KEPT and resp["truncated"] and "read it whole" in resp["note"]
    assert ex.for_report().response_text == text[:MAX_BODY_KEPT]


def test_persistent_throttling_is_an_error_not_a_failure():
    """A gateway that never stops answering 429 + Retry-After: one line, exit 3, no failure, no traceback."""
    with fault_server("throttled") as url:
        proc = run_rules(url, "-k", "get-trips", "--retry-after-budget", "2")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 3, out
    assert "Retry-After" in out and "no verdict on the contract" in out and "documented:" not in out, out
    assert not INTERNAL.search(out), out
