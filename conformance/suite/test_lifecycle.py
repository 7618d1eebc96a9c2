"""Stateful lifecycle: create → get-trips → update → delete → filter, against a model.

A Hypothesis state machine drives the five operations in any order a user could, and
compares every answer with a model of what the target should hold. Documents cited per step.
"""
from __future__ import annotations

import time
from typing import ClassVar

import pytest
from hypothesis import settings as hsettings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from pnd_conformance.checks.common import get_trips, same_instant, same_moment, settled
from pnd_conformance.http.client import Target
from pnd_conformance.target.ledger import Ledger
from pnd_conformance.target.send import send
from pnd_conformance.target.prepared_states import States
from pnd_conformance.judging.verdict import check, expect_error, expect_success
from pnd_conformance.spec.operations import operation
from pnd_conformance.strategies import valid_request
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import delete_trip_body, recreate_trip_body

CREATE_DOC = {"doc": "create-partner-appointment-with-trip.txt",
              "quote": "The API links the created dropoff trip to the created pickup trip automatically."}
UPDATE_DOC = {"doc": "update-appointment-with-trip.txt",
              "quote": "Creates a new trip and links it to the appointment. Fails if a trip already exists."}
DELETE_DOC = {"doc": "delete-partner-appointment-with-trip.txt",
              "quote": "The endpoint deletes the appointment, removes the SAR-trip mapping, and deletes the linked "
                       "trip records"}
TIME_DOC = {"doc": "create-partner-appointment-with-trip.txt",
            "quote": "The full value with timezone is used as appointmentTime for the trip."}
LINK_DOC = {"doc": "get-partner-trips-for-appointment.txt",
            "quote": "If a linked dropoff exists for that pickup, the response includes both trips."}
GET_DOC = {"doc": "get-partner-trips-for-appointment.txt",
           "quote": "The appointment does not currently have an active mapped pickup trip, so there is nothing to "
                    "return."}


class Lifecycle(RuleBasedStateMachine):
    """The model: appointment UUID → its mapped pickup UUID (or None) and linked dropoff UUID."""

    target: ClassVar[Target]  # set by the test below
    ctx: ClassVar[Ctx]
    ledger: ClassVar[Ledger]
    #: what every example left on the target, as it last wrote it (re-read before the sweep)
    held: ClassVar[dict[str, dict]] = {}
    last_write: ClassVar[float] = 0.0

    appointments = Bundle("appointments")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, dict] = {}
        self.deleted_trips: set[str] = set()

    @rule(target=appointments, data=st.data(), base=st.sampled_from(operation("create").bases))
    def create(self, data, base):
        request = data.draw(valid_request("create", self.ctx, base))
        ex = send(self.target, self.ledger, self.ctx, "create", request)
        body = expect_success(ex, CREATE_DOC)
        sar = body["appointmentUUID"]
        drop = request["body"].get("dropTripInformation")
        # eventUUID is the pickup (pickupEventUUID, its alias, is "returned for newer partner integrations")
        self.model[sar] = {"pickup": body.get("eventUUID"), "dropoff": body.get("dropoffEventUUID"),
                           "time": request["body"]["appointmentDateTime"],
                           "drop_time": drop.get("rideTime") if isinstance(drop, dict) else None,
                           "updated": False}
        Lifecycle.last_write = time.monotonic()
        return sar

    @rule(sar=appointments)
    def get_trips_matches_model(self, sar):
        entry = self.model.get(sar)
        want = set() if entry is None or entry["pickup"] is None else {entry["pickup"], entry["dropoff"]} - {None}

        def judge(seen) -> None:
            ex, trips = seen
            got = {t.get("eventUuid") for t in trips}
            check(got == want, ex, f"get-trips returns exactly the mapped pickup and its linked dropoff "
                  f"{sorted(want)}", GET_DOC)
            if entry is not None and want and entry["time"]:
                pickup = next(t for t in trips if t.get("eventUuid") == entry["pickup"])
                check(same_instant(pickup.get("appointmentTime"), entry["time"]), ex,
                      f"the pickup's appointmentTime is the last one set ({entry['time']})", TIME_DOC)
                drop = next((t for t in trips if t.get("eventUuid") == entry["dropoff"]), None)
                if drop is not None and entry["drop_time"]:
                    check(same_moment(drop.get("rideTime"), entry["drop_time"]), ex,
                          f"the dropoff keeps the rideTime it was created with ({entry['drop_time']}) whatever was "
                          f"updated since, got {drop.get('rideTime')!r}", LINK_DOC)

        settled(self.target, lambda: get_trips(self.target, self.ctx, sar), judge)

    def _settle(self, entry: dict, sar: str) -> None:
        """Before a write on the appointment: its trips shown and the pickup valid (update's precondition)."""
        States(self.target, self.ctx, self.ledger).await_trips(sar, {entry["pickup"], entry["dropoff"]} - {None},
                                                               entry["pickup"])

    @rule(sar=appointments, data=st.data())
    def update_existing_trip(self, sar, data):
        entry = self.model.get(sar)
        if entry is None or entry["pickup"] is None:
            return
        self._settle(entry, sar)
        c = self.ctx.with_state(sar_uuid=sar, pickup_uuid=entry["pickup"])
        request = data.draw(valid_request("update", c, "update_trip"))
        ex = send(self.target, self.ledger, c, "update", request)
        expect_success(ex, UPDATE_DOC)
        event = request["body"]["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]
        entry["time"] = event["appointmentTime"]
        entry["updated"] = True  # its own linkedTripUuids may now be what the update sent (NOTES.md)
        Lifecycle.last_write = time.monotonic()

    @rule(sar=appointments)
    def update_delete_trip(self, sar):
        entry = self.model.get(sar)
        if entry is None or entry["pickup"] is None:
            return
        self._settle(entry, sar)
        ex = self.target.call("update", path={"dealerUuid": self.ctx.ident("dealer_uuid"), "sarUUID": sar},
                              body=delete_trip_body(self.ctx, entry["pickup"]))
        expect_success(ex, UPDATE_DOC)
        self.deleted_trips.add(entry["pickup"])
        entry.update(pickup=None, dropoff=None, time=None)

    @rule(sar=appointments)
    def update_create_trip(self, sar):
        entry = self.model.get(sar)
        if entry is None:
            return
        sent = recreate_trip_body(self.ctx)
        ex = self.target.call("update", path={"dealerUuid": self.ctx.ident("dealer_uuid"), "sarUUID": sar},
                              body=sent)
        if entry["pickup"] is not None:
            expect_error(ex, 400, None, UPDATE_DOC)  # "Fails if a trip already exists."
            return
        body = expect_success(ex, UPDATE_DOC)
        entry.update(pickup=body.get("eventUUID"), dropoff=None,
                     time=sent["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]["appointmentTime"])
        Lifecycle.last_write = time.monotonic()

    @rule(sar=consumes(appointments))
    def delete(self, sar):
        entry = self.model.get(sar)
        path = {"dealerDepartmentUUID": self.ctx.ident("department_uuid"), "appointmentUuid": sar}
        query = {"updatedByDAUUID": self.ctx.ident("creator_user_uuid"), "source": "WEB"}
        if entry is not None:
            self._settle(entry, sar)
        ex = self.target.call("delete", path=path, query=query)
        if entry is None or entry["pickup"] is None:
            expect_error(ex, 400, "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT", DELETE_DOC)
            if entry is not None:
                self.model.pop(sar)  # stays for cleanup in the ledger: a trip-less appointment
            return
        body = expect_success(ex, DELETE_DOC)
        check(body.get("pickupEventUUID") == entry["pickup"], ex, "pickupEventUUID: the deleted pickup", DELETE_DOC)
        self.deleted_trips |= {entry["pickup"], entry["dropoff"]} - {None}
        self.model.pop(sar)
        self.ledger.forget(sar)

    def teardown(self) -> None:
        """What this example leaves (its appointments are its own) is re-read at the end of the test."""
        Lifecycle.held.update({sar: dict(e) for sar, e in self.model.items()})

    @invariant()
    def filter_sees_exactly_live_trips(self):
        live = {u for e in self.model.values() for u in (e["pickup"], e["dropoff"]) if u}
        asked = sorted(live | self.deleted_trips)
        if not asked:
            return

        def observe():
            ex = send(self.target, self.ledger, self.ctx, "filter", {"body": {
                "dealerDepartmentUUIDList": [self.ctx.ident("department_uuid")], "eventUuids": asked,
                "sortOrder": "APPT_TIME_ASC"}})
            return ex, expect_success(ex, DELETE_DOC)

        def judge(seen) -> None:
            ex, body = seen
            views = {t.get("eventUuid"): t for t in (body.get("tripViewDtos") or []) if isinstance(t, dict)}
            got = set(views)
            check(live <= got, ex, f"filter by eventUuids finds every live trip {sorted(live - got)}", CREATE_DOC)
            stale = sorted(str(uuid) for uuid in got & self.deleted_trips)
            check(not stale, ex, f"deleted trips are gone, found {stale}", DELETE_DOC)
            self._untouched(ex, views)

        settled(self.target, observe, judge)

    def _untouched(self, ex, views: dict) -> None:
        """Whatever the last step did, every live appointment's chain is as the model holds it: both
        trips link to the appointment and to each other (the pickup's side until it is updated), the
        pickup at its last set time (filter's view of the same trips; no extra request)."""
        for sar, e in self.model.items():
            pickup, drop = views.get(e["pickup"]), views.get(e["dropoff"])
            if pickup is None:
                continue
            check(pickup.get("linkedAppointmentUuid") == sar, ex,
                  f"pickup {e['pickup']} still links to its appointment {sar}", LINK_DOC)
            if e["time"] and pickup.get("appointmentTime") is not None:
                check(same_moment(pickup.get("appointmentTime"), e["time"]), ex,
                      f"pickup {e['pickup']} of {sar} keeps its last set time {e['time']}, got "
                      f"{pickup.get('appointmentTime')!r}", TIME_DOC)
            if drop is None:
                continue
            check(drop.get("linkedAppointmentUuid") == sar, ex,
                  f"dropoff {e['dropoff']} still links to its appointment {sar}", LINK_DOC)
            check(e["pickup"] in (drop.get("linkedTripUuids") or []), ex,
                  f"the dropoff {e['dropoff']} of {sar} still lists its pickup {e['pickup']}", CREATE_DOC)
            if not e["updated"]:
                check(e["dropoff"] in (pickup.get("linkedTripUuids") or []), ex,
                      f"the pickup {e['pickup']} of {sar} still lists its dropoff {e['dropoff']}", CREATE_DOC)


@pytest.mark.writes
def test_lifecycle_state_machine(target, ctx, ledger, states):
    """Any sequence of the five operations keeps the documented state (all five docs)."""
    Lifecycle.target, Lifecycle.ctx, Lifecycle.ledger = target, ctx, ledger
    Lifecycle.held = {}
    try:
        run_state_machine_as_test(Lifecycle, settings=hsettings(stateful_step_count=12))
        writes_lasted(target, ctx, ledger, Lifecycle.held, Lifecycle.last_write)
    finally:
        for entry in ledger.outstanding():
            states.cleanup(entry["sar_uuid"], entry)


LASTED_DOC = {"doc": "get-partner-trips-for-appointment.txt",
              "quote": "Use this API before update or delete when you need the current pickup trip UUID and dropoff "
                       "trip UUID for an appointment."}


def writes_lasted(target: Target, ctx: Ctx, ledger: Ledger, held: dict[str, dict], last_write: float) -> None:
    """Before the sweep: everything the examples left is re-read (filter by eventUuids, a hundred at a time),
    some seconds after the last write, and is as the model last wrote it."""
    from pnd_conformance.checks.get_trips import aged, lasting_problems

    want: dict[str, dict] = {}
    for sar, e in held.items():
        if e["pickup"]:
            want[e["pickup"]] = {"linkedAppointmentUuid": sar, **({"appointmentTime": e["time"]} if e["time"] else {})}
        if e["dropoff"]:
            want[e["dropoff"]] = {"linkedAppointmentUuid": sar,
                                  **({"rideTime": e["drop_time"]} if e["drop_time"] else {})}
    if not want:
        return
    aged(target, last_write)
    asked = sorted(want)
    for start in range(0, len(asked), 100):
        chunk = asked[start:start + 100]

        def observe(chunk=chunk):
            ex = send(target, ledger, ctx, "filter", {"body": {
                "dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "eventUuids": chunk, "sortOrder": "APPT_TIME_ASC"}})
            return ex, expect_success(ex, LASTED_DOC)

        def judge(seen, chunk=chunk) -> None:
            ex, body = seen
            views = {t.get("eventUuid"): t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)}
            problems = lasting_problems(views, {u: want[u] for u in chunk})
            check(not problems, ex, "what the lifecycle left is, seconds after its last write and before the sweep, "
                  f"as it last wrote it: {'; '.join(problems)}", LASTED_DOC)

        settled(target, observe, judge)
