"""The request budget: how many Hypothesis examples each selected test runs.

Requests are what a run costs the target, so a run is planned in requests. Each test has a
cost model from the catalogue: requests sent once (a shared setup and its cleanup, a
property's seeded trips) and requests per example (the example's setup, its request, the
post-check's reads, its cleanup). The *floor* gives every selected test one example: every
observable rule one verdict. A budget below it is a usage error naming it. Above it, what is
left goes, one example at a time in rounds, first to the tests whose input space has
something to explore (valid requests drawn for acceptance rules, filter properties,
Schemathesis, the lifecycle), then to those whose trigger is a fixed value (violations, auth),
never beyond the Hypothesis profile's `max_examples`. The `thorough` profile has no budget.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections.abc import Iterable

from pnd_conformance import checks
from pnd_conformance.spec.operations import operation

# A default run sent 6,443 requests before budgets; under a quarter of that gives every observable
# rule its verdict and still explores where exploration pays.
DEFAULT_REQUEST_BUDGET = 1500
UNBUDGETED_PROFILES = frozenset({"thorough"})
# The budget is a ceiling (conformance/http/policies.py Ceiling): past it no request is sent, cleanup excepted. The
# plan counts each test's cleanup too, which leaves in-process runs a margin for the preflight's reads and
# what estimates miss (a default run sends ~1,100 requests besides cleanup). Over the wire, settle reads
# (conformance/target/settle.py polls a lagging target until a write shows: several reads where the plan counts
# one) need more, so the plan keeps a share of the budget unplanned (never below the floor).
RESERVE_IN_PROCESS = 0.0
RESERVE_SETTLING = 0.4

# Requests to prepare a `setup` state, and to delete it again (the ledger's cleanup: a
# trip-less appointment needs a trip re-attached before the delete operation accepts it).
SETUP_REQUESTS = {"none": 0, "appointment_with_trip": 1, "appointment_with_drop": 1, "appointment_without_trip": 2}
CLEANUP_REQUESTS = {"none": 0, "appointment_with_trip": 1, "appointment_with_drop": 1, "appointment_without_trip": 3}
# With a settle window (a remote target), a prepared state is read until the target shows it
# (conformance/target/prepared_states.py await_trips): one get-trips when it has settled, after each write.
SETTLE_READS = {"none": 0, "appointment_with_trip": 1, "appointment_with_drop": 1, "appointment_without_trip": 2}
# Schemathesis (per example and generation mode: a sarUUID setup, the case, its cleanup) and the
# lifecycle state machine (up to 12 steps and their invariants), measured on the sandbox.
SCHEMATHESIS_PER_CASE = {"create": 1.2, "update": 2.5, "get-trips": 2.7, "delete": 2.8, "filter": 1.0}
SCHEMATHESIS_MODES = {"test_negative_data_rejected": 1}  # the other checks run positive and negative data
STATEFUL_LINKS_PER_EXAMPLE = 9
LIFECYCLE_PER_EXAMPLE = 27


class BudgetError(Exception):
    """A budget the selected tests cannot fit (a usage error)."""


@dataclass(frozen=True)
class Cost:
    once: float
    per_example: float
    explores: bool  # more examples can find more (drawn inputs), versus a fixed trigger

    def of(self, examples: int) -> float:
        return self.once + self.per_example * examples


def rule_cost(rule, settles: bool = False) -> Cost:
    """A catalogue rule test's cost (conformance/suite/test_rules.py), from its entry; `settles`: the run
    has a settle window, so each prepared state is also read until it shows."""
    setup = rule.effective_setup
    if rule.test == "property":
        prop = checks.get(rule.check)  # its cost is declared where it is registered
        return Cost(prop.once, prop.per_example, prop.explores)
    check = checks.get(rule.check) if rule.check else None
    around = SETUP_REQUESTS[setup] + CLEANUP_REQUESTS[setup] + (SETTLE_READS[setup] if settles else 0)
    request = 1 + (check.per_example if check else 0)
    if rule.operation == "create" and rule.test == "acceptance":
        request += 1  # the appointment the request itself creates is deleted
    if rule.operation == "delete" and rule.test == "acceptance":
        around -= CLEANUP_REQUESTS[setup]  # the request deletes the setup itself
    if check and check.leaves is not None:  # the check changed what is left to clean up
        around += CLEANUP_REQUESTS[check.leaves] - CLEANUP_REQUESTS[setup]
    explores = rule.test == "acceptance"
    if shares_setup(rule):
        return Cost(around, request, explores)
    return Cost(0, around + request, explores)


def shares_setup(rule) -> bool:
    """Examples of a read-only rule read one prepared appointment; a test that writes never shares."""
    return operation(rule.operation).read_only and rule.test != "property" and rule.effective_setup != "none"


def other_cost(name: str, settles: bool = False) -> Cost:
    """A test that is not one catalogue rule: the Schemathesis checks, the lifecycle (with a settle
    window, a case whose operation needs an appointment also reads it until it shows)."""
    base, _, param = name.partition("[")
    param = param.rstrip("]")
    if base == "test_lifecycle_state_machine":
        return Cost(0, LIFECYCLE_PER_EXAMPLE, True)
    if base == "test_stateful_links":
        return Cost(0, STATEFUL_LINKS_PER_EXAMPLE, True)
    if param in SCHEMATHESIS_PER_CASE:
        per_case = SCHEMATHESIS_PER_CASE[param] + (SETTLE_READS["appointment_with_trip"]
                                                   if settles and operation(param).default_setup != "none" else 0)
        return Cost(0, per_case * SCHEMATHESIS_MODES.get(base, 2), True)
    return Cost(0, 1, False)


@dataclass
class Plan:
    budget: int | None
    floor: int
    cap: int
    examples: dict[str, int] = field(default_factory=dict)  # node id -> max_examples
    planned: float = 0.0  # the requests the plan expects to send
    profile: str = ""  # the Hypothesis profile the plan was made for

    def for_test(self, nodeid: str) -> int | None:
        return self.examples.get(nodeid)


def floor_of(costs: Iterable[Cost]) -> int:
    """The fewest requests giving every test one example (every observable rule one verdict)."""
    return math.ceil(sum(c.of(1) for c in costs) - 1e-9)


def make_plan(costs: dict[str, Cost], budget: int | None, cap: int, reserve: float = 0.0) -> Plan:
    """Examples per test fitting `budget` requests (None: every test at the profile's cap), of which a
    `reserve` share is left unplanned (never below the floor: one verdict per test comes first)."""
    floor = floor_of(costs.values())
    cap = max(1, cap)
    if budget is None:
        examples = {k: cap for k in costs}
        return Plan(None, floor, cap, examples, sum(c.of(cap) for c in costs.values()))
    if budget < floor:
        raise BudgetError(f"--request-budget {budget} is below the floor of {floor} requests "
                          f"(one verdict for each of the {len(costs)} selected tests)")
    examples = {k: 1 for k in costs}
    left = max(floor, budget * (1 - reserve)) - sum(c.of(1) for c in costs.values())
    # Rounds: each test that explores gains one example per round while it fits; then the
    # fixed-trigger tests, so that a generous budget reaches the profile's examples everywhere.
    for tier in (True, False):
        grew = True
        while grew:
            grew = False
            for key, cost in costs.items():
                if cost.explores is tier and examples[key] < cap and cost.per_example <= left:
                    examples[key] += 1
                    left -= cost.per_example
                    grew = True
    return Plan(budget, floor, cap, examples, round(sum(costs[k].of(n) for k, n in examples.items()), 6))  # float sums
