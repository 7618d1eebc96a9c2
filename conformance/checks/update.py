"""Checks of update: each scenario's effect (trip updated, created, deleted), the fields an update
round-trips, and the state it leaves untouched."""
from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pnd_conformance.checks import CheckContext, PostContext, register
from pnd_conformance.checks.common import (
    chain_intact,
    check_optional_fields,
    event_uuids,
    filter_call,
    filter_views,
    get_trips,
    is_person,
    probe,
    same_instant,
    same_moment,
    settled,
    trip_view,
)
from pnd_conformance.http.client import Exchange
from pnd_conformance.target.send import send
from pnd_conformance.target.settle import exhausted, ready, window
from pnd_conformance.judging.verdict import check, expect_error, expect_success, fail, object_of
from pnd_conformance.strategies.common import UPDATE_RIDE_TYPES
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import recreate_trip_body


def _update_parts(request):
    ev_req = request["body"]["updatePickupDeliveryTripEventRequest"]
    return ev_req.get("pickupDeliveryTripEvent"), request["path"]["sarUUID"]


@register.post(requests=1)
def update_trip_applied(c: PostContext) -> None:
    """Update existing trip: the trip now has the sent appointmentTime and rideType."""
    rule, ex, body, request, ctx, target = c.rule, c.ex, c.body, c.request, c.ctx, c.target
    event, sar = _update_parts(request)

    def judge(seen: tuple[Exchange, list[dict]]) -> None:
        gx, trips = seen
        mine = [t for t in trips if t.get("eventUuid") == event["eventUUID"]]
        check(bool(mine), gx, f"the updated trip {event['eventUUID']} is still mapped to the appointment",
              rule.citation)
        check(same_instant(mine[0].get("appointmentTime"), event["appointmentTime"]), gx,
              f"the trip's appointmentTime is the updated {event['appointmentTime']}", rule.citation)
        check(mine[0].get("rideType") == event["rideType"], gx,
              f"the trip's rideType is the updated {event['rideType']}", rule.citation)

    settled(target, lambda: get_trips(target, ctx, sar), judge)
    check(body.get("eventUUID") == event["eventUUID"], ex, "eventUUID: UUID of the updated trip event",
          rule.citation)
    check(body.get("appointmentUUID") == sar, ex, "appointmentUUID: UUID of the updated appointment", rule.citation)


# Cleanup: the update links a new trip, so an appointment with a trip is left.
@register.post(requests=1, leaves="appointment_with_trip")
def update_trip_created(c: PostContext) -> None:
    """Create new trip: a new trip is linked to the appointment."""
    rule, ex, body, request, ctx, target = c.rule, c.ex, c.body, c.request, c.ctx, c.target
    _, sar = _update_parts(request)
    new = body.get("eventUUID")
    check(isinstance(new, str) and new, ex, "eventUUID of the created trip", rule.citation)
    settled(target, lambda: get_trips(target, ctx, sar), lambda seen: check(
        new in [t.get("eventUuid") for t in seen[1]], seen[0],
        "\"Creates a new trip and links it to the appointment\": get-trips shows it", rule.citation))


# Cleanup: the update deletes the trip, so a trip-less appointment is left.
@register.post(requests=2, leaves="appointment_without_trip")
def update_trip_deleted(c: PostContext) -> None:
    """Delete existing trip: the appointment has no mapped trip any more."""
    rule, request, ctx, target, ledger = c.rule, c.request, c.ctx, c.target, c.ledger
    _, sar = _update_parts(request)
    settled(target, lambda: get_trips(target, ctx, sar), lambda seen: check(
        not seen[1], seen[0], "\"Deletes the existing trip\": get-trips then returns no trips", rule.citation))
    # The trip itself is deleted, not only unmapped (its linked dropoff is not named by the doc).
    trip_uuid = request["body"]["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"]
    settled(target, lambda: filter_call(target, ledger, ctx, {
        "dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
        "eventUuids": [trip_uuid], "sortOrder": "APPT_TIME_ASC"}), lambda seen: check(
        trip_uuid not in event_uuids(seen[1]), seen[0],
        f"\"Deletes the existing trip\": filter by eventUuids no longer finds {trip_uuid}", rule.citation))


def update_trip_body(ctx: Ctx, pickup_uuid: str, **event: Any) -> dict:
    """update's update-existing-trip scenario for `pickup_uuid`, a pickup staying a pickup, at a new slot."""
    body = recreate_trip_body(ctx)
    ev = body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]
    ev.update(eventUUID=pickup_uuid, **event)
    body["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"] = pickup_uuid
    return body


def _update(target, ledger, ctx: Ctx, sar: str, body: dict, citation) -> Exchange:
    """Send an update-existing-trip and, within the settle window, wait until get-trips shows it
    (the trip at its new appointmentTime) before the caller reads what it left."""
    ex = send(target, ledger, ctx, "update", {"path": {"dealerUuid": ctx.ident("dealer_uuid"), "sarUUID": sar},
                                              "query": {}, "body": body})
    expect_success(ex, citation)
    event = body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]

    def shown(seen: tuple[Exchange, list[dict]]) -> None:
        view = next((t for t in seen[1] if t.get("eventUuid") == event["eventUUID"]), {})
        check(same_moment(view.get("appointmentTime"), event["appointmentTime"]), seen[0],
              f"get-trips shows the update of {event['eventUUID']}", citation)

    ready(lambda: get_trips(target, ctx, sar), shown, timeout=window(target), kind="update shown",
          memo=exhausted(target))
    return ex


@register.property(once=5)
def update_fields_round_trip(c: CheckContext) -> None:
    """optionalFields, customer and service advisor sent by an update come back (the tripStatus sent with them
    is judged by the inferred update_trip_status_kept: a trip service may set the status itself)."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_trip") as made:
        customer = ctx.identities.get("other_customer_uuid") or ctx.ident("customer_uuid")
        sent = {"tripStatus": "DRAFT", "optionalFields": {"pndProbe": probe()}, "customerUUID": customer,
                # a change: the setup's service advisor is the assigned user
                "serviceAdvisorUUID": ctx.ident("creator_user_uuid")}
        _update(target, ledger, ctx, made["sar_uuid"], update_trip_body(ctx, made["pickup_uuid"], **sent),
                rule.citation)

        def judge(where: str, ex: Exchange, view: Any) -> None:
            if not isinstance(view, dict):
                fail(ex, f"{where} returns the updated trip {made['pickup_uuid']}", rule.citation)
            check_optional_fields(ex, view, sent["optionalFields"], f"{where}: the updated trip", rule.citation)
            check(is_person(view.get("customer"), customer), ex, f"{where}: the customer is the updated "
                  f"customerUUID {customer}, got {view.get('customer')!r}", rule.citation)
            check(is_person(view.get("serviceAdvisor"), sent["serviceAdvisorUUID"]), ex, f"{where}: the service "
                  f"advisor is the updated serviceAdvisorUUID {sent['serviceAdvisorUUID']}, got "
                  f"{view.get('serviceAdvisor')!r}", rule.citation)

        trip_view(target, ctx, made["sar_uuid"], made["pickup_uuid"], rule.citation, partial(judge, "get-trips"))
        filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation,
                     lambda fx, views: judge("filter", fx, views.get(made["pickup_uuid"])))


def _names(view: Any) -> tuple[Any, Any]:
    c = object_of(object_of(view).get("customer"))
    return c.get("firstName"), c.get("lastName")


@register.property(once=5)
def update_customer_names_populated(c: CheckContext) -> None:
    """An update without customer names keeps the names of the customer's data the trip showed."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_trip") as made:
        sar, pickup = made["sar_uuid"], made["pickup_uuid"]
        gx, trips = get_trips(target, ctx, sar)
        before = _names(next((t for t in trips if t.get("eventUuid") == pickup), None))
        if not any(before):
            pytest.skip("the target's trip view shows no customer names (get-trips' `customer` has no "
                        "firstName/lastName), so their auto-population is not observable")
        _update(target, ledger, ctx, sar, update_trip_body(ctx, pickup), rule.citation)
        trip_view(target, ctx, sar, pickup, rule.citation, lambda gx, view: check(
            _names(view) == before, gx, f"without customerFirstName/customerLastName the names come from the "
            f"customer's data {before}, got {_names(view)}", rule.citation))


def _chain_judge(seen: tuple[Exchange, list[dict]], *, made: dict, who: str, citation, updated: bool) -> None:
    chain_intact(seen[0], seen[1], made, who, citation, updated=updated)


@register.property(once=7)
def update_leaves_others(c: CheckContext) -> None:
    """Updating A's pickup leaves A's dropoff and another appointment B of the same customer as they were."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        a = states.create(with_drop=True, settle=True)
        b = states.create(with_drop=True, settle=True)
        _update(target, ledger, ctx, a["sar_uuid"], update_trip_body(ctx, a["pickup_uuid"]), rule.citation)
        for made, who, updated in ((a, "the updated appointment", True), (b, "the other appointment", False)):
            settled(target, partial(get_trips, target, ctx, made["sar_uuid"]), partial(
                _chain_judge, made=made, who=who, citation=rule.citation, updated=updated))


@register.property(once=4)
def update_keeps_dropoff_link(c: CheckContext) -> None:
    """An update of a pickup that does not send linkedTripUuids keeps the pickup's link to its dropoff."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_drop") as made:
        _update(target, ledger, ctx, made["sar_uuid"], update_trip_body(ctx, made["pickup_uuid"]), rule.citation)
        trip_view(target, ctx, made["sar_uuid"], made["pickup_uuid"], rule.citation, lambda gx, pickup: check(
            made["dropoff_uuid"] in (pickup.get("linkedTripUuids") or []), gx,
            f"the updated pickup still lists its dropoff {made['dropoff_uuid']} in linkedTripUuids, got "
            f"{pickup.get('linkedTripUuids')!r}", rule.citation))


@register.property(once=5)
def update_created_trip_linked(c: CheckContext) -> None:
    """The trip update's create-new-trip scenario makes is linked to the appointment."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_without_trip") as made:
        ex = send(target, ledger, ctx, "update", {"path": {"dealerUuid": ctx.ident("dealer_uuid"),
                                                           "sarUUID": made["sar_uuid"]},
                                                  "query": {}, "body": recreate_trip_body(ctx)})
        new = expect_success(ex, rule.citation).get("eventUUID")

        def judge(seen: tuple[Exchange, list[dict]]) -> None:
            gx, trips = seen
            trip: Any = next((t for t in trips if t.get("eventUuid") == new), None)
            check(trip is not None, gx, f"get-trips returns the new trip {new}", rule.citation)
            check(trip.get("linkedAppointmentUuid") == made["sar_uuid"], gx, f"the new trip's linkedAppointmentUuid "
                  f"is the appointment {made['sar_uuid']}, got {trip.get('linkedAppointmentUuid')!r}", rule.citation)

        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), judge)


@register.property(once=4)
def update_updated_by_recorded(c: CheckContext) -> None:
    """filter's updatedBy names the user making the update (updatedByUserDetails or requester), not the creator."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_trip") as made:
        body = update_trip_body(ctx, made["pickup_uuid"])
        body["updateAppointmentForTripRequest"]["updatedByUserDetails"] = {"uuid": ctx.ident("assigned_user_uuid")}
        _update(target, ledger, ctx, made["sar_uuid"], body, rule.citation)
        users = (ctx.ident("assigned_user_uuid"), body["updatePickupDeliveryTripEventRequest"]["requesterUserUUID"])

        def judge(fx: Exchange, views: dict) -> None:
            got = views[made["pickup_uuid"]].get("updatedBy")
            check(any(is_person(got, u) for u in users), fx, f"updatedBy is the user making the update (one of "
                  f"{users}), got {got!r}", rule.citation)

        filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation, judge)


@register.property(once=4)
def update_unknown_appointment_changes_nothing(c: CheckContext) -> None:
    """An update of our pickup through a sarUUID naming no appointment is rejected and leaves the pickup as it was."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_trip") as made:
        ex = send(target, ledger, ctx, "update", {
            "path": {"dealerUuid": ctx.ident("dealer_uuid"), "sarUUID": ctx.ident("unknown_uuid")}, "query": {},
            "body": update_trip_body(ctx, made["pickup_uuid"])})
        expect_error(ex, 400, None, rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        pickup = next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]), None)
        sent = made["request"]["appointmentDateTime"]
        check(pickup is not None and same_moment(pickup.get("appointmentTime"), sent), gx,
              f"the rejected update changed no trip: the pickup keeps its appointmentTime {sent}, got {pickup!r}",
              rule.citation)


@register.property(once=4)
def update_trip_status_kept(c: CheckContext) -> None:
    """The tripStatus an update sends alone (no driver) is the status get-trips then shows (an inferred reading)."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_trip") as made:
        _update(target, ledger, ctx, made["sar_uuid"], update_trip_body(ctx, made["pickup_uuid"], tripStatus="DRAFT"),
                rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        view = next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]), {})
        check(view.get("tripStatus") == "DRAFT", gx, f"get-trips: tripStatus is the updated DRAFT, got "
              f"{view.get('tripStatus')!r}", rule.citation)


@register.property(once=0, per_example=7, explores=True)
def update_create_trip_other_ride_types(c: CheckContext) -> None:
    """The create-new-trip scenario with one of update's ride types other than PICKUP_VEHICLE creates that trip."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger

    @given(ride=st.sampled_from([r for r in UPDATE_RIDE_TYPES if r != "PICKUP_VEHICLE"]))
    def run(ride: str) -> None:
        with states.scope("appointment_without_trip") as made:
            body = recreate_trip_body(ctx)
            body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]["rideType"] = ride
            ex = send(target, ledger, ctx, "update", {
                "path": {"dealerUuid": ctx.ident("dealer_uuid"), "sarUUID": made["sar_uuid"]}, "query": {},
                "body": body})
            new = expect_success(ex, rule.citation).get("eventUUID")
            check(isinstance(new, str) and new, ex, "eventUUID of the created trip", rule.citation)
            settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: check(
                any(t.get("eventUuid") == new and t.get("rideType") == ride for t in seen[1]), seen[0],
                f"get-trips shows the created {ride} trip {new}, got "
                f"{[(t.get('eventUuid'), t.get('rideType')) for t in seen[1]]}", rule.citation))

    run()



def _by_uuid(trips: list[dict]) -> dict[Any, dict]:
    return {t.get("eventUuid"): t for t in trips}


@register.property(once=12)
def update_leaves_unnamed_whole(c: CheckContext) -> None:
    """Updating A's pickup (a new time, status and optionalFields) leaves every field of A's dropoff (but the
    appointment's own) and of another appointment B's trips as they were, in get-trips and in filter."""
    from pnd_conformance.checks.common import APPOINTMENT_FIELDS, views_unchanged, volatile

    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        a = states.create(with_drop=True, settle=True)
        b = states.create(with_drop=True, settle=True)
        unnamed = [a["dropoff_uuid"], b["pickup_uuid"], b["dropoff_uuid"]]
        _, first = filter_views(target, ledger, ctx, unnamed, rule.citation)
        _, second = filter_views(target, ledger, ctx, unnamed, rule.citation)
        moving = volatile(first, second)
        skip = {u: moving | (APPOINTMENT_FIELDS if u == a["dropoff_uuid"] else set()) for u in unnamed}
        got_a = {a["dropoff_uuid"]: _by_uuid(get_trips(target, ctx, a["sar_uuid"])[1]).get(a["dropoff_uuid"]) or {}}
        got_b = _by_uuid(get_trips(target, ctx, b["sar_uuid"])[1])
        sent = {"tripStatus": "DRAFT", "optionalFields": {"pndProbe": probe()}}
        _update(target, ledger, ctx, a["sar_uuid"], update_trip_body(ctx, a["pickup_uuid"], **sent), rule.citation)
        filter_views(target, ledger, ctx, unnamed, rule.citation, lambda fx, views: views_unchanged(
            fx, second, views, skip, "filter", rule.citation))
        def judge(seen: tuple[Exchange, list[dict]], before: dict[Any, dict]) -> None:
            views_unchanged(seen[0], before, _by_uuid(seen[1]), skip, "get-trips", rule.citation)

        for made, before in ((a, got_a), (b, got_b)):
            settled(target, partial(get_trips, target, ctx, made["sar_uuid"]), partial(judge, before=before))


@register.property(once=4)
def update_addresses_round_trip(c: CheckContext) -> None:
    """An update sending the origin and destination (address, latitude, longitude) shows them among the sub
    trips' places in filter's view (either leg), not blank."""
    from pnd_conformance.checks.create import _place_matches

    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_trip") as made:
        sent: dict[str, Any] = {"originAddress": "789 New Address, City, State 12345", "originLocationLat": 34.0522,
                                "originLocationLon": -118.2437, "destinationAddress": "456 Dealer Avenue, City, "
                                "State 12345", "destLocationLat": 34.0622, "destLocationLon": -118.2537}
        _update(target, ledger, ctx, made["sar_uuid"], update_trip_body(ctx, made["pickup_uuid"], **sent),
                rule.citation)

        def judge(fx: Exchange, views: dict) -> None:
            view = views[made["pickup_uuid"]]
            places = [p for s in view.get("subTrips") or [] if isinstance(s, dict)
                      for p in (s.get("origin"), s.get("destination"))]
            for prefix, lat, lon in (("origin", "originLocationLat", "originLocationLon"),
                                     ("destination", "destLocationLat", "destLocationLon")):
                address = sent[f"{prefix}Address"]
                check(any(_place_matches(p, address, sent[lat], sent[lon]) for p in places), fx,
                      f"after the update, a sub trip's place is the {prefix} it sent ({address}, {sent[lat]}, "
                      f"{sent[lon]}); places: {places}", rule.citation)

        filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation, judge)
