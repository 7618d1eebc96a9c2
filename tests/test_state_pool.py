"""The state pool (conformance/target/prepared_states.py): appointments made ahead, so that a real server's settling
after a create (create doc: isValid is "marked valid later during the SAR-Trip mapping step") overlaps the tests
before the one that takes it, without changing what a test sends, sees or deletes."""
from __future__ import annotations

import pytest

from pnd_conformance.embedded import open_target
from pnd_conformance.http.policies import BudgetReached
from pnd_conformance.settings import resolve
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.target.ledger import Ledger
from pnd_conformance.target.prepared_states import MAX_AHEAD, StatePool, States
from tests.wire import IDS


@pytest.fixture
def states():
    target = open_target(resolve({}))  # the embedded sandbox, in-process: immediate, so no wait ever
    try:
        yield States(target, Ctx(IDS, "-0700"), Ledger(target.base_url, None), pool=StatePool())
    finally:
        target.close()


def test_an_instant_target_gets_no_pooled_appointment(states):
    """A state settled at the first look (or with no look at all, in-process) makes nothing ahead."""
    for _ in range(3):
        with states.scope("appointment_with_trip"):
            pass
    assert states.pool.ahead == {} and not any(states.pool.made.values())
    assert states.ledger.outstanding(include_held=True) == [], "every state deleted by its test"


def test_made_ahead_is_held_until_taken_and_then_the_takers(states):
    """Once a state needed waiting, the next ones are made ahead: in the ledger from their create on, but no test's
    to delete until one takes it; the taker's listeners then see the exchanges that made it, as its own."""
    pool, ledger = states.pool, states.ledger
    pool.learn("trip", at_first_look=False)
    assert pool.ahead == {"trip": 1}
    seen: list = []
    states.target.listeners.append(seen.append)
    pool.refill("trip", states)
    assert seen == [], "what is made ahead is nobody's request yet"
    (held,) = [m.state["sar_uuid"] for m in pool.made["trip"]]
    assert ledger.outstanding() == [] and [e["sar_uuid"] for e in ledger.outstanding(include_held=True)] == [held]
    with states.scope("appointment_with_trip") as state:
        assert state["sar_uuid"] == held
        assert [ex.operation for ex in seen][:1] == ["create"], "the taker counts the create that made its state"
    assert held not in {e["sar_uuid"] for e in ledger.outstanding(include_held=True)}, "the taker deleted it"
    for _ in range(10):
        pool.learn("trip", at_first_look=False)
    assert pool.ahead["trip"] == MAX_AHEAD, "how far ahead doubles while states still need waiting, to a cap"


def test_a_refused_create_ahead_ends_the_pooling(states, monkeypatch):
    """A create ahead that the budget (or the target) refuses is nobody's failure: pooling stops, and the next test's
    own create meets the refusal as its own setup."""
    pool = states.pool
    pool.learn("drop", at_first_look=False)

    def refused(*args, **kwargs):
        raise BudgetReached("the run's request budget was reached")

    monkeypatch.setattr(states, "create_now", refused)
    pool.refill("drop", states)
    assert pool.stopped and not pool.made["drop"]
    pool.learn("drop", at_first_look=False)
    assert pool.ahead["drop"] == 1, "a stopped pool grows no further"


def test_nothing_is_made_ahead_that_no_test_will_take(states):
    """The pool knows what the run's rule tests will take (their planned examples), and this process about its
    share of it: near the end of the run it makes nothing ahead."""
    pool = StatePool([("a", "trip", 3), ("b", "", 0), ("c", "drop", 2), ("d", "trip", 1)], share=2)
    pool.at("a")
    assert (pool.left("trip"), pool.left("drop")) == (2, 1)
    pool.at("c")
    assert (pool.left("trip"), pool.left("drop")) == (1, 1)
    pool.at("d")
    assert (pool.left("trip"), pool.left("drop")) == (1, 0)
    pool.learn("drop", at_first_look=False)
    pool.refill("drop", states)
    assert not pool.made["drop"] and states.ledger.outstanding(include_held=True) == []
