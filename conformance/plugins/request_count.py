"""Requests the run sent to the target: per operation, per test type and per rule.

Requests are what a run costs a shared staging server (its rate limit), so every run counts
them. Each worker process meters the exchanges of its `Target` per test phase and ships the
count on the phase's report (a plain dict, so it travels to the xdist controller); the
controller, or the single process, adds them up. The matrix (conformance.json, key
`requests`; per rule `examples` and `requests`) and the terminal summary show the totals.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from pnd_conformance.http.client import Exchange, Target
from pnd_conformance.report.requests import summary_lines
from pnd_conformance.pytest_state import PLAN, ReportFacts, rule_of, settings_of

# Used to say what a count costs when the run itself is not rate-limited (in-process, loopback):
# the default rate against a remote target and the one of the CI example.
REFERENCE_RATES = (20.0, 5.0)
TEST_TYPES = {"test_violation": "violation", "test_acceptance": "acceptance", "test_property": "property",
              "test_auth": "auth", "test_lifecycle_state_machine": "lifecycle"}


def _build_context() -> Any:
    try:
        from hypothesis.control import current_build_context

        return current_build_context()
    except Exception:  # outside a Hypothesis example
        return None


class _Meter:
    """Listener on the run's Target: requests by operation, and the Hypothesis examples that sent them."""

    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()
        self.cleanup = 0  # requests deleting what the run made (outside the budget: Ceiling.cleaning)
        self.examples: set[int] = set()
        self.outside = False  # requests sent outside any Hypothesis example (setup, plain tests)
        self._contexts: list[Any] = []  # kept alive so that id() stays unique within a phase

    def __call__(self, exchange: Exchange) -> None:
        if exchange.cleanup:
            self.cleanup += 1
            return
        self.ops[exchange.operation] += 1
        ctx = _build_context()
        if ctx is None:
            self.outside = True
        elif id(ctx) not in self.examples:
            self.examples.add(id(ctx))
            self._contexts.append(ctx)

    def take(self) -> dict[str, Any]:
        out = {"by_operation": dict(self.ops), "examples": len(self.examples), "outside": self.outside,
               "cleanup": self.cleanup}
        self.ops, self.examples, self.outside, self._contexts = Counter(), set(), False, []
        self.cleanup = 0
        return out


_METER = _Meter()


def kind_of_test(nodeid: str, name: str) -> str:
    """The kind of test a node id is: a catalogue test type, `schemathesis` or `lifecycle`."""
    if "test_schemathesis.py" in nodeid:
        return "schemathesis"
    return TEST_TYPES.get(name.split("[")[0], "other")


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    result = yield
    if isinstance(result, Target) and _METER not in result.listeners:
        # Exchanges made before the fixture returned (the preflight, conformance/target/preflight.py) count too, apart
        # from the tests, as the xdist controller counts its own preflight (conformance/plugins/harness.py).
        count = run_count(request.config)
        ops = Counter(ex.operation for ex in result.history if not ex.cleanup)
        if count is not None and ops and not hasattr(request.config, "workerinput"):
            count.add({"by_operation": dict(ops), "key": "preflight", "type": "preflight", "examples": 0})
        else:
            for ex in result.history:
                _METER(ex)
        result.listeners.append(_METER)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    taken = _METER.take()
    rule = rule_of(item)
    plan = item.config.stash.get(PLAN, None)  # planned where the tests were collected (a worker)
    ReportFacts.update(report, requests={**taken, "type": kind_of_test(item.nodeid, item.name),
                                         "key": rule.test_id if rule is not None else item.nodeid,
                                         "budget": plan.budget if plan else None,
                                         "floor": plan.floor if plan else None})
    return report


@dataclass
class RunCount:
    """The run's totals (on the controller under xdist, else in the one process)."""

    total: int = 0
    by_operation: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    by_test: dict[str, dict[str, Any]] = field(default_factory=dict)
    budget: int | None = None
    floor: int | None = None
    cleanup: int = 0  # requests deleting what the run made: not in `total`, never refused by the budget

    def add(self, counted: dict[str, Any]) -> None:
        self.cleanup += counted.get("cleanup", 0)
        self.budget = counted.get("budget", self.budget)
        self.floor = counted.get("floor", self.floor)
        ops = counted.get("by_operation") or {}
        n = sum(ops.values())
        entry = self.by_test.setdefault(counted["key"], {"type": counted["type"], "requests": 0, "examples": 0,
                                                         "by_operation": Counter()})
        entry["requests"] += n
        entry["examples"] += counted.get("examples", 0)
        if counted.get("outside") and not counted.get("examples") and counted.get("phase") == "call":
            entry["examples"] += 1  # a test without Hypothesis examples is one example
        entry["by_operation"].update(ops)
        self.total += n
        self.by_operation.update(ops)
        self.by_type[counted["type"]] += n

    def to_dict(self, rate: float) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_operation": dict(self.by_operation.most_common()),
            "by_type": dict(self.by_type.most_common()),
            "by_rule": {k: {"type": v["type"], "requests": v["requests"], "examples": v["examples"],
                            "by_operation": dict(v["by_operation"])}
                        for k, v in sorted(self.by_test.items(), key=_by_key)},
            "rate_limit_rps": rate or None,
            "seconds_at_rate_limit": round(self.total / rate, 1) if rate else None,
            "seconds_at_reference_rates": {f"{r:g}": round(self.total / r, 1) for r in REFERENCE_RATES},
            "budget": self.budget,
            "floor": self.floor,
            "cleanup": self.cleanup,
        }


def _by_key(item: tuple[str, Any]) -> tuple[bool, str]:
    """The preflight, then the tests by id: the same order however the tests were spread over workers."""
    return item[0] != "preflight", item[0]


_COUNT = pytest.StashKey[RunCount]()


class _Aggregator:
    """Adds up the counts of every phase report; on an xdist worker, the controller does instead."""

    def __init__(self, count: RunCount) -> None:
        self.count = count

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        counted = ReportFacts.of(report).requests
        if counted is not None:
            self.count.add({**counted, "phase": report.when})


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_COUNT] = RunCount()
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Aggregator(config.stash[_COUNT]), "pnd-requests-count")


# What a session sends after its last test: a stop leaves the session's fixtures to be torn down at its end,
# outside any test (the sweep of what the state pool made and no test took, and the requests that made it).
AFTER = "after the tests"


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    """Tear the session's fixtures down before the reports are written (pytest would after them), so that what
    they send is counted; a worker hands it to its controller (pytest_testnodedown)."""
    setup_state = getattr(session, "_setupstate", None)
    if setup_state is not None and run_count(session.config) is not None:
        setup_state.teardown_exact(None)
        after = _METER.take()
        if after["by_operation"] or after["cleanup"]:
            counted = {**after, "key": AFTER, "type": AFTER, "examples": 0, "outside": False}
            workeroutput = getattr(session.config, "workeroutput", None)
            if workeroutput is not None:
                workeroutput["pnd_requests_after"] = counted
            else:
                run_count(session.config).add(counted)  # type: ignore[union-attr]
    return (yield)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    counted = getattr(node, "workeroutput", {}).get("pnd_requests_after")
    count = run_count(node.config)
    if counted and count is not None:
        count.add(counted)


def run_count(config: pytest.Config) -> RunCount | None:
    return config.stash.get(_COUNT, None)


def _run_rate(config: pytest.Config) -> float:
    settings = settings_of(config)
    return settings.rate_per_process * settings.workers if settings is not None else 0.0


def matrix_section(config: pytest.Config) -> dict[str, Any] | None:
    """The matrix's `requests` key: totals, per operation, per test type, per rule, and their cost."""
    count = run_count(config)
    if count is None:
        return None
    return count.to_dict(_run_rate(config))


@pytest.hookimpl(trylast=True)  # after the matrix is written (pnd_conformance.plugins.reports)
def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    section = matrix_section(config)
    if not section or not section["total"]:
        return
    terminalreporter.section("requests")
    for line in summary_lines(section):
        terminalreporter.write_line(line)
