"""The request budget and the request count (docs/configuration.md "Request budget").

The planner gives every selected test one example first (every observable rule one verdict),
refuses a budget below that floor with a one-line usage error naming it, and spends the rest
where exploration pays without passing the Hypothesis profile's max_examples. Every run counts
the requests it sent per operation, per test type and per rule, also across xdist workers, and
writes them to conformance.json.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

import pytest

from pnd_conformance.request_budget import (DEFAULT_REQUEST_BUDGET, BudgetError, Cost, floor_of, make_plan, other_cost,
                                rule_cost)
from pnd_conformance.plugins.budget import effective_budget
from pnd_conformance.spec.catalogue import load_rules
from tests.reportrun import REPO, _env, run_suite
from tests.wire import PROFILE, wire_sandbox

RULES = load_rules()
OBSERVABLE = [r for r in RULES if r.test != "unobservable"]
# The suite's test ids of the observable rules: every rule test of the default run.
RULE_COSTS = {f"{r.operation}/{r.id}": rule_cost(r) for r in OBSERVABLE}
SUITE_OTHERS = [f"test_{check}[{op}]" for check in ("no_server_error", "documented_status_and_content_type",
                                                     "response_schema", "negative_data_rejected")
                for op in ("create", "update", "get-trips", "delete", "filter")] + [
    "test_stateful_links", "test_lifecycle_state_machine"]
ALL_COSTS = {**RULE_COSTS, **{name: other_cost(name) for name in SUITE_OTHERS}}


# ------------------------------------------------------------------------------------------ the planner

def test_floor_is_one_example_each():
    """The floor is every test's cost with one example: its setup, its request, its cleanup."""
    floor = floor_of(ALL_COSTS.values())
    assert floor == math.ceil(sum(c.once + c.per_example for c in ALL_COSTS.values()))
    # A violation of create sends one request; an update violation also creates and deletes its appointment.
    assert rule_cost(next(r for r in RULES if r.id == "create-customer-uuid-required")).of(1) == 1
    assert rule_cost(next(r for r in RULES if r.operation == "update" and r.test == "violation"
                          and r.setup is None)).of(1) == 3
    assert floor < DEFAULT_REQUEST_BUDGET


def test_below_floor_is_an_error_naming_the_floor():
    floor = floor_of(ALL_COSTS.values())
    with pytest.raises(BudgetError, match=rf"below the floor of {floor} requests"):
        make_plan(ALL_COSTS, floor - 1, cap=10)


@pytest.mark.parametrize("budget", ["floor", DEFAULT_REQUEST_BUDGET, 6443])
def test_plan_gives_every_observable_rule_a_verdict_within_budget(budget):
    floor = floor_of(ALL_COSTS.values())
    budget = floor if budget == "floor" else budget
    plan = make_plan(ALL_COSTS, budget, cap=10)
    assert all(plan.examples[k] >= 1 for k in RULE_COSTS), "every observable rule at least one example"
    assert plan.planned <= budget
    assert all(n <= 10 for n in plan.examples.values()), "never beyond the profile's max_examples"
    if budget == floor:  # (a test whose examples cost nothing more may have more)
        assert {n for k, n in plan.examples.items() if ALL_COSTS[k].per_example} == {1}


def test_plan_explores_before_repeating_fixed_triggers():
    """Above the floor, drawn inputs (acceptance, filter properties) get examples before fixed triggers."""
    plan = make_plan(ALL_COSTS, DEFAULT_REQUEST_BUDGET, cap=10)
    explorers = [k for k, c in ALL_COSTS.items() if c.explores]
    fixed = [k for k, c in ALL_COSTS.items() if not c.explores and c.per_example]
    assert fixed and explorers
    assert all(plan.examples[k] == 1 for k in fixed)
    assert sum(plan.examples[k] for k in explorers) > len(explorers)
    assert max(plan.examples[k] for k in explorers) <= 10
    # A budget above everything at the cap runs every test at the profile's examples.
    generous = make_plan(ALL_COSTS, 100_000, cap=10)
    assert set(generous.examples.values()) == {10}


def test_plan_is_deterministic_and_cheap_tests_fill_leftovers():
    costs = {"a": Cost(0, 3, True), "b": Cost(2, 1, True), "c": Cost(0, 1, False)}
    plan = make_plan(costs, 12, cap=5)
    assert plan == make_plan(costs, 12, cap=5)
    assert plan.floor == 7 and plan.examples == {"a": 2, "b": 3, "c": 1} and plan.planned == 12


def test_thorough_has_no_budget():
    assert effective_budget(None, "thorough") is None
    with pytest.raises(BudgetError, match="thorough"):
        effective_budget(2000, "thorough")
    assert effective_budget(None, "dev") == DEFAULT_REQUEST_BUDGET
    assert effective_budget(0, "ci") is None
    assert effective_budget(900, "mutant") == 900


# ---------------------------------------------------------------------------------------- a real run

GET_TRIPS = [r for r in OBSERVABLE if r.operation == "get-trips"]


def _requests(root: Path) -> dict:
    return json.loads((root / "reports" / "conformance.json").read_text(encoding="utf-8"))


def test_budget_below_floor_is_a_one_line_usage_error():
    with tempfile.TemporaryDirectory() as tmp:
        proc = run_suite(Path(tmp), "-k", "get-trips/", "--request-budget", "3")
    floor = floor_of(rule_cost(r) for r in GET_TRIPS)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines == [f"ERROR: --request-budget 3 is below the floor of {floor} requests "
                     f"(one verdict for each of the {len(GET_TRIPS)} selected tests)"], proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_budget_below_floor_under_xdist_is_a_usage_error():
    """Under xdist the workers plan, and the controller stops the run with the same error."""
    floor = floor_of(rule_cost(r) for r in GET_TRIPS)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "--reports-dir", f"{tmp}/reports",
                               "--hypothesis-profile", "ci", "-n", "2", "-k", "get-trips/", "--request-budget", "3"],
                              cwd=REPO, env=_env(None), capture_output=True, text=True, timeout=240)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out
    assert f"--request-budget 3 is below the floor of {floor} requests" in out
    assert "Traceback" not in out and "INTERNALERROR" not in out


def test_counts_written_and_aggregated_across_xdist_workers():
    """The same derandomized run, alone and on two xdist workers, counts the same requests."""
    floor = floor_of(rule_cost(r) for r in GET_TRIPS)
    counts = {}
    for workers in ("0", "2"):
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/suite",
                                   "--reports-dir", f"{tmp}/reports",
                                   "--hypothesis-profile", "ci", "-n", workers, "-k", "get-trips/",
                                   "--request-budget", str(floor + 10)],
                                  cwd=REPO, env=_env(None), capture_output=True, text=True, timeout=240)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
            matrix = _requests(Path(tmp))
        req = matrix["requests"]
        assert req["budget"] == floor + 10 and req["floor"] == floor
        assert req["total"] == sum(req["by_operation"].values()) == sum(req["by_type"].values())
        assert req["total"] == sum(v["requests"] for v in req["by_rule"].values())
        assert req["total"] <= floor + 10  # the budget is a ceiling (the preflight counted too)
        rows = {r["rule"]: r for r in matrix["rules"] if r["operation"] == "get-trips"}
        for rule in GET_TRIPS:
            assert rows[rule.id]["examples"] >= 1, f"{rule.id} ran no example"
            assert rows[rule.id]["requests"] >= 1
        assert f"requests sent: {req['total']:,}" in proc.stdout
        counts[workers] = (req["total"], req["by_operation"], {k: v["examples"] for k, v in req["by_rule"].items()})
    # One preflight per run (conformance/target/preflight.py; under xdist the controller's, before the workers start).
    total0, ops0, examples0 = counts["0"]
    total2, ops2, examples2 = counts["2"]
    assert total2 == total0 and ops2 == ops0, (counts["0"], counts["2"])
    assert examples2 == examples0  # the preflight counted apart from the tests in both


def test_a_check_states_its_cost_and_its_name_once():
    """A check cannot be registered without what it costs (so that plans stay honest), nor twice under
    one name (the second would silently replace the first)."""
    from pnd_conformance.checks import Registry

    registry = Registry()
    with pytest.raises(TypeError):
        registry.post()(lambda c: None)
    with pytest.raises(TypeError):
        registry.property(per_example=1)(lambda c: None)

    def a_check(c):
        return None

    registry.post(requests=1)(a_check)
    assert registry["a_check"].per_example == 1 and registry.names() == {"a_check"}
    with pytest.raises(ValueError, match="'a_check' is registered twice"):
        registry.property(once=1)(a_check)


# --------------------------------------------------------------- counted as the target received them

def _operation(method: str, path: str) -> str:
    if method == "DELETE":
        return "delete"
    if method == "GET":
        return "get-trips" if path.split("?")[0].endswith("/trips") else "other"
    if path.startswith("/pickupdelivery/v3/trip-view/list"):
        return "filter"
    return "update" if path.split("?")[0].endswith("/appointment-trip") else "create"


@contextmanager
def counting_proxy(upstream: str) -> Iterator[tuple[str, Counter]]:
    """A loopback proxy in front of `upstream` counting the requests it forwards, per operation."""
    received: Counter = Counter()
    lock = threading.Lock()
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                received[_operation(self.command, self.path)] += 1
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = client.request(self.command, self.path, content=body, headers=headers)
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_DELETE = _forward

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        client.close()


def test_count_is_what_the_target_received_across_xdist_workers():
    """Over the wire, on two xdist workers: the run's count equals the requests the target received."""
    with wire_sandbox() as upstream, counting_proxy(upstream) as (url, received), \
            tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "--reports-dir", f"{tmp}/reports",
                               "--hypothesis-profile", "ci", "-n", "2", "-k", "get-trips/ or filter/",
                               "--target-url", url, "--target-profile", str(PROFILE)],
                              cwd=REPO, env=_env(None), capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        requests = _requests(Path(tmp))["requests"]
    assert sum(received.values()) > 100
    # Cleanup (deleting what the run made) is counted apart from the budget's requests.
    assert requests["total"] + requests["cleanup"] == sum(received.values())
    assert {k: v for k, v in requests["by_operation"].items() if k in ("get-trips", "filter", "create")} == \
        {k: v for k, v in received.items() if k in ("get-trips", "filter", "create")}
