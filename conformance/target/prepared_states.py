"""Prepared states a rule test starts from (CONTRIBUTING.md, `setup`), all ledger-backed."""
from __future__ import annotations

from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from collections.abc import Callable, Iterator

from pnd_conformance.http.client import Exchange, Target, TargetFault
from pnd_conformance.http.policies import BudgetReached
from pnd_conformance.target.ledger import Ledger, cleanup_client, delete_appointment, error_codes
from pnd_conformance.target.settle import exhausted, ready, window
from pnd_conformance.judging.verdict import check, expect_success, object_of
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import create_body, delete_trip_body



class SetupFailed(BaseException):
    """The target would not let us prepare the documented precondition: an error, never a verdict on a rule.

    A BaseException (as TargetFault): Hypothesis must not take a refused setup for the property failing and
    shrink it. `cause` (the step, the HTTP status, the errorCodes) tells one repeated refusal from another,
    so that the run stops when the same cause keeps coming back (conformance/plugins/harness.py).
    """

    def __init__(self, step: str, ex: Exchange) -> None:
        codes = ",".join(error_codes(ex.json)) or None
        self.cause = (step, ex.status, codes)
        self.status = ex.status
        head = f"setup refused: the target answered {step} (the valid request this test starts from) with HTTP " \
               f"{ex.status}{' ' + codes if codes else ''}; no rule is judged"
        super().__init__(f"{head}\nreceived: {ex.received(300)}\nreproduce: {ex.curl()}")

    @property
    def line(self) -> str:
        return str(self).splitlines()[0]


# The states a pool makes ahead: the create each starts from (appointment_without_trip starts from a trip).
POOLED = {"appointment_with_trip": "trip", "appointment_with_drop": "drop", "appointment_without_trip": "trip"}
MAX_AHEAD = 8  # appointments of one kind made ahead, at most, per process


@dataclass
class _Made:
    state: dict
    exchanges: list[Exchange]  # what made it, replayed to the test that takes it


class StatePool:
    """Appointments created ahead of the tests that start from them, so that their settling overlaps.

    A real server settles after a create (the create doc: isValid is "marked valid later during the SAR-Trip
    mapping step"), and a test that creates its own appointment waits for that alone. The pool creates the
    next appointments of a kind when a test takes one, so that the next tests find theirs already settled.
    It creates ahead only once the target has shown that it needs the time (an appointment not settled at the
    first look): an instant target never gets a pooled appointment, and its run sends what it sent before.
    How far ahead then doubles while taken appointments still need waiting, up to MAX_AHEAD per kind.
    Appointments made ahead are in the ledger from their create on (held: no test's cleanup deletes them);
    what no test takes, the run's sweep deletes. A refused or failed create ahead ends the pooling: the next
    test's own create meets the refusal, as its own setup.
    """

    def __init__(self, demand: list[tuple[str, str, int]] | None = None, share: int = 1) -> None:
        self.ahead: dict[str, int] = {}
        self.made: dict[str, deque[_Made]] = {}
        self.stopped = False
        # What the run's tests will take, in the run's order: (node id, kind or "", how many: the planned
        # examples). This process takes about 1/share of what is left (xdist workers share the tests), so that
        # near the end of the run it makes nothing ahead that no test would take.
        self.demand = demand or []
        self.share = max(1, share)
        self._index = {nodeid: i for i, (nodeid, _, _) in enumerate(self.demand)}
        self._position = 0
        self._taken_here = 0

    def at(self, nodeid: str) -> None:
        """The process starts this test."""
        self._position = self._index.get(nodeid, self._position)
        self._taken_here = 0

    def left(self, kind: str) -> int:
        """About how many appointments of `kind` this process's tests will still take (this test's included)."""
        if not self.demand:
            return MAX_AHEAD  # nothing known: bounded by `ahead` alone
        total = sum(n for _, k, n in self.demand[self._position:] if k == kind)
        return max(0, -(-total // self.share) - self._taken_here)

    def take(self, kind: str, states: States) -> dict | None:
        """A pooled appointment of `kind` (its exchanges replayed as the taker's), or None."""
        waiting = self.made.get(kind)
        if not waiting:
            return None
        made = waiting.popleft()
        self._taken_here += 1
        states.ledger.release(made.state["sar_uuid"])
        states.target.replay(made.exchanges)
        return made.state

    def learn(self, kind: str, at_first_look: bool) -> None:
        """A test's appointment was (or was not) settled at the first look: whether to create further ahead."""
        if not at_first_look and not self.stopped:
            self.ahead[kind] = min(MAX_AHEAD, max(1, 2 * self.ahead.get(kind, 0)))

    def refill(self, kind: str, states: States) -> None:
        waiting = self.made.setdefault(kind, deque())
        while not self.stopped and len(waiting) < min(self.ahead.get(kind, 0), self.left(kind)):
            with states.target.held_back() as exchanges:
                try:
                    state = states.create_now(with_drop=kind == "drop", hold=True)
                except (SetupFailed, BudgetReached, TargetFault):
                    self.stopped = True  # the next test's own create meets it, as its own setup
                    state = None
            if state is None:
                states.target.replay(exchanges)  # a refused create was sent all the same: the running test's
                return
            waiting.append(_Made(state, exchanges))


    def close(self, target: Target) -> None:
        """The run ends: the requests that made what no test took are counted (the sweep deletes it)."""
        for waiting in self.made.values():
            while waiting:
                target.replay(waiting.popleft().exchanges)


class States:
    def __init__(self, target: Target, ctx: Ctx, ledger: Ledger,
                 on_prepared: Callable[[], None] | None = None, pool: StatePool | None = None) -> None:
        self.target, self.ctx, self.ledger = target, ctx, ledger
        self._on_prepared = on_prepared  # told of every state the target let this test make (run stops)
        self.pool = pool

    def create_now(self, body: dict | None = None, hold: bool = False, **kw) -> dict:
        """Send a create and record its appointment before using the answer (`hold`: for the pool)."""
        body = body or create_body(self.ctx, **kw)
        ex = self.target.call("create", path={"dealerUuid": self.ctx.ident("dealer_uuid")}, body=body)
        data = object_of(ex.json)
        sar = data.get("appointmentUUID")
        if sar:
            if hold:
                self.ledger.hold(sar)
            self.ledger.record(sar, self.ctx.ident("department_uuid"), self.ctx.ident("dealer_uuid"))
        if ex.status != 200 or not sar:
            raise SetupFailed("create", ex)
        return {"sar_uuid": sar, "pickup_uuid": data.get("pickupEventUUID") or data.get("eventUUID"),
                "dropoff_uuid": data.get("dropoffEventUUID"), "request": body}

    def create(self, body: dict | None = None, settle: bool = False, **kw) -> dict:
        """Create an appointment with trip; record it before using the answer.

        `settle`: return once the target shows the trips mapped and the pickup valid (the update
        doc: "validates that the trip exists in the database and that isValid is true"), within
        the settle window; a state an update, delete or get-trips rule starts from. A settled
        appointment of the default body (with or without a drop) may come from the run's pool.
        """
        kind = ("drop" if kw == {"with_drop": True} else "trip" if not kw else None) if body is None else None
        pool = self.pool if settle and kind is not None else None
        made = pool.take(kind, self) if pool is not None and kind is not None else None
        made = made or self.create_now(body, **kw)
        if self._on_prepared is not None:
            self._on_prepared()
        if settle:
            looks = self.await_trips(made["sar_uuid"], {made["pickup_uuid"], made["dropoff_uuid"]} - {None},
                                     made["pickup_uuid"])
            if pool is not None and kind is not None:
                pool.learn(kind, looks <= 1)
                pool.refill(kind, self)
        return made

    def await_trips(self, sar: str, trips: set[str], valid: str | None = None) -> int:
        """Wait (settle window; no request in-process) until get-trips shows exactly `trips`, `valid` valid.
        How many looks it took (0: none, in-process); one more than it took when it did not show."""
        looks = 0

        def observe():
            nonlocal looks
            looks += 1
            ex = self.target.call("get-trips", path={"dealerUuid": self.ctx.ident("dealer_uuid"), "sarUUID": sar})
            return ex, expect_success(ex)

        def accept(seen) -> None:
            ex, body = seen
            views = {t.get("eventUuid"): t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)}
            check(set(views) == trips and (valid is None or views[valid].get("isValid") is True), ex,
                  f"get-trips shows the trips {sorted(trips)}" + (f", {valid} valid" if valid else ""))

        kind = "trips valid" if valid else "trips shown" if trips else "trips removed"
        shown = ready(observe, accept, timeout=window(self.target), kind=kind, memo=exhausted(self.target))
        return looks if shown else looks + 1

    def prepare(self, name: str) -> dict:
        if name == "none":
            return {}
        if name == "appointment_with_trip":
            return self.create(settle=True)
        if name == "appointment_with_drop":
            return self.create(with_drop=True, settle=True)
        if name == "appointment_without_trip":
            state = self.create(settle=True)
            ex = self.target.call("update", path={"dealerUuid": self.ctx.ident("dealer_uuid"),
                                                  "sarUUID": state["sar_uuid"]},
                                  body=delete_trip_body(self.ctx, state["pickup_uuid"]))
            if ex.status != 200:
                raise SetupFailed("update delete-trip", ex)
            self.await_trips(state["sar_uuid"], set())
            return {**state, "pickup_uuid": None, "dropoff_uuid": None, "removed_pickup_uuid": state["pickup_uuid"]}
        raise ValueError(f"unknown setup {name!r}")

    def cleanup(self, sar_uuid: str, entry: dict | None = None) -> None:
        """Delete an appointment the run made: where its ledger `entry` says it is (default: the profile's
        department), as the client the ledger names for it."""
        entry = entry or {"department_uuid": self.ctx.ident("department_uuid"),
                          "dealer_uuid": self.ctx.ident("dealer_uuid")}
        with self.target.ceiling.cleaning():  # counted apart from the budget, never refused by it
            problem = delete_appointment(self.target, self.ctx, sar_uuid, entry["department_uuid"],
                                         entry["dealer_uuid"], cleanup_client(entry, self.ctx))
        if problem is None:
            self.ledger.forget(sar_uuid)

    @contextmanager
    def scope(self, name: str) -> Iterator[dict]:
        """A prepared state, deleted at the end even when the test fails."""
        before = {e["sar_uuid"] for e in self.ledger.outstanding()}
        try:
            yield self.prepare(name)
        finally:
            for entry in self.ledger.outstanding():
                if entry["sar_uuid"] not in before:
                    self.cleanup(entry["sar_uuid"], entry)
