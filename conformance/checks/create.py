"""Checks of create: the state a create leaves (UUIDs, trips, links, defaults, the replaced appointment),
the fields it round-trips into get-trips and filter, and a rejected create leaving nothing."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from pnd_conformance.checks import CheckContext, PostContext, register
from pnd_conformance.checks.common import (
    check_optional_fields,
    created_ids,
    filter_call,
    filter_views,
    get_trips,
    is_person,
    probe,
    same_instant,
    same_moment,
    sent_time,
    settled,
    trips_of_gone,
    unknown_identity_rejected,
)
from pnd_conformance.http.client import Exchange
from pnd_conformance.target.send import send
from pnd_conformance.judging.verdict import check, expect_error, expect_success, object_of
from pnd_conformance.strategies.common import fmt
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import create_body


@register.post(requests=1)
def create_state(c: PostContext) -> tuple[Exchange, list[dict]]:
    """Response UUIDs consistent; get-trips shows the pickup (and the dropoff, linked both ways).
    Returns the get-trips answer it judged."""
    rule, ex, body, request, ctx, target = c.rule, c.ex, c.body, c.request, c.ctx, c.target
    req = request["body"]
    with_drop = isinstance(req.get("dropTripInformation"), dict)
    ids = created_ids(ex, body, with_drop, rule.citation)

    def judge(seen: tuple[Exchange, list[dict]]) -> None:
        gx, trips = seen
        by_id = {t.get("eventUuid"): t for t in trips}
        check(ids["pickup_uuid"] in by_id, gx, f"get-trips returns the created pickup trip {ids['pickup_uuid']}",
              rule.citation)
        pickup = by_id[ids["pickup_uuid"]]
        check(pickup.get("rideType") == "PICKUP_VEHICLE", gx, "the pickup trip's rideType is PICKUP_VEHICLE",
              rule.citation)
        check(pickup.get("linkedAppointmentUuid") == ids["sar_uuid"], gx,
              "the pickup's linkedAppointmentUuid is the appointment", rule.citation)
        check(same_instant(pickup.get("appointmentTime"), req["appointmentDateTime"]), gx,
              f"the trip's appointmentTime is appointmentDateTime with its offset ({req['appointmentDateTime']}: "
              "\"The full value with timezone is used as appointmentTime for the trip\")", rule.citation)
        body_total = gx.json.get("totalCount")
        check(body_total == len(trips), gx, f"totalCount equals the number of trips returned ({len(trips)})",
              rule.citation)
        if with_drop:
            check(len(trips) == 2 and ids["dropoff_uuid"] in by_id, gx,
                  "get-trips returns the pickup and the linked dropoff", rule.citation)
            drop = by_id[ids["dropoff_uuid"]]
            check(drop.get("rideType") == "DROPOFF_VEHICLE", gx, "the dropoff's rideType is DROPOFF_VEHICLE",
                  rule.citation)
            check(ids["dropoff_uuid"] in (pickup.get("linkedTripUuids") or []), gx,
                  "the pickup's linkedTripUuids lists the dropoff", rule.citation)
            check(ids["pickup_uuid"] in (drop.get("linkedTripUuids") or []), gx,
                  "the dropoff's linkedTripUuids lists the pickup", rule.citation)
            check(drop.get("linkedAppointmentUuid") == ids["sar_uuid"], gx,
                  "the dropoff's linkedAppointmentUuid is the appointment", rule.citation)
            check(same_instant(drop.get("rideTime"), req["dropTripInformation"]["rideTime"]), gx,
                  "the dropoff's rideTime is the one sent", rule.citation)
        else:
            check(len(trips) == 1, gx, "get-trips returns only the pickup when no dropoff was created", rule.citation)

    return settled(target, lambda: get_trips(target, ctx, ids["sar_uuid"]), judge)


# Costed as create_state's read: get-trips is read again only while a trip is not yet valid.
@register.post(requests=1)
def create_trips_valid(c: PostContext) -> None:
    """create_state, and get-trips shows every trip isValid true within the settle window (marked valid
    "later", an inferred reading of how much later: NOTES.md)."""
    rule, body, ctx, target = c.rule, c.body, c.ctx, c.target

    def invalid(trips: list[dict]) -> list:
        return [t.get("eventUuid") for t in trips if t.get("isValid") is not True]

    def judge(seen: tuple[Exchange, list[dict]]) -> None:
        check(not invalid(seen[1]), seen[0], "isValid true after creation (\"The trip is marked valid later during "
              f"the SAR-Trip mapping step\"); not: {invalid(seen[1])}", rule.citation)

    if invalid(create_state(c)[1]):
        settled(target, lambda: get_trips(target, ctx, body["appointmentUUID"]), judge)


@register.post(requests=1)
def create_pickup_alias(c: PostContext) -> None:
    """create_state, and pickupEventUUID is returned, equal to eventUUID."""
    rule, ex, body = c.rule, c.ex, c.body
    create_state(c)
    check(body.get("pickupEventUUID") == body.get("eventUUID"), ex,
          "pickupEventUUID: Alias for eventUUID, returned (read: to every partner client)", rule.citation)


def _pickup_of(target, ctx, rule, sar: str, pickup_uuid: str) -> tuple[Exchange, dict]:
    gx, trips = settled(target, lambda: get_trips(target, ctx, sar), lambda seen: check(
        pickup_uuid in [t.get("eventUuid") for t in seen[1]], seen[0],
        f"get-trips returns the created pickup trip {pickup_uuid}", rule.citation))
    return gx, next(t for t in trips if t.get("eventUuid") == pickup_uuid)


@register.post(requests=2)
def create_trip_status_kept(c: PostContext) -> None:
    """create_state, and get-trips shows the pickup's tripStatus as sent."""
    rule, body, request, ctx, target = c.rule, c.body, c.request, c.ctx, c.target
    create_state(c)
    sent = request["body"]["pickupTripInformation"].get("tripStatus")
    gx, pickup = _pickup_of(target, ctx, rule, body["appointmentUUID"], body["eventUUID"])
    check(pickup.get("tripStatus") == sent, gx, f"the pickup's tripStatus is the one sent ({sent}), got "
          f"{pickup.get('tripStatus')!r}", rule.citation)


@register.post(requests=2)
def service_advisor_derived(c: PostContext) -> None:
    """The created trip's serviceAdvisor is appointmentInformation.assignedUser."""
    rule, body, request, ctx, target = c.rule, c.body, c.request, c.ctx, c.target
    create_state(c)
    assigned = request["body"]["appointmentInformation"]["assignedUser"]["uuid"]
    gx, pickup = _pickup_of(target, ctx, rule, body["appointmentUUID"], body["eventUUID"])
    advisor = object_of(pickup.get("serviceAdvisor"))
    check(assigned in (advisor.get("uuid"), advisor.get("userUuid")), gx,
          f"the trip's serviceAdvisor is the assignedUser {assigned} (\"Also drives the service advisor UUID on "
          f"the trip\"), got {advisor or None}", rule.citation)


# Cleanup: the target deletes the replaced appointment.
@register.post(requests=2, leaves="none")
def replaced_appointment_deleted(c: PostContext) -> None:
    """regularServiceApptUuid names an appointment that is deleted after the new one is created."""
    rule, request, ctx, target, ledger = c.rule, c.request, c.ctx, c.target, c.ledger
    create_state(c)
    old = request["query"]["regularServiceApptUuid"]
    settled(target, lambda: trips_of_gone(target, ctx, old), lambda seen: check(
        not seen[1], seen[0], f"the replaced appointment {old} has no trip any more (it is deleted after creating "
        "the new appointment with trip)", rule.citation))
    ledger.forget(old)


def _rich_create_body(ctx: Ctx, *, drivers: bool = False) -> dict:
    """A create with a dropoff and the round-trippable fields the docs list, in the docs' forms."""
    body = create_body(ctx, with_drop=True, drivers=drivers)
    when = sent_time(body["appointmentDateTime"]).replace(tzinfo=None)
    pickup, drop = body["pickupTripInformation"], body["dropTripInformation"]
    # no tripStatus: a server may derive one from the drivers (create_state checks a status sent alone)
    pickup.update(mustStartBy=fmt(when - timedelta(minutes=15), ctx.utc_offset),
                  optionalFields={"pndProbe": probe()})
    drop.update(mustStartBy=fmt(when + timedelta(days=1, minutes=-15), ctx.utc_offset),
                optionalFields={"pndProbe": probe()})
    if drivers:
        pickup["secondaryDriverUUID"] = ctx.ident("driver_uuids.1")
    return body


def _check_created_fields(ex: Exchange, views: dict, made: dict, citation, *, filter_view: bool) -> None:
    req = made["request"]
    for uuid, info, who in ((made["pickup_uuid"], req["pickupTripInformation"], "the pickup"),
                            (made["dropoff_uuid"], req["dropTripInformation"], "the dropoff")):
        view: Any = views.get(uuid)
        check(isinstance(view, dict), ex, f"{who} {uuid} is returned", citation)
        check(same_moment(view.get("mustStartBy"), info["mustStartBy"]), ex,
              f"{who}'s mustStartBy is the instant sent ({info['mustStartBy']}), got {view.get('mustStartBy')!r}",
              citation)
        check_optional_fields(ex, view, info["optionalFields"], who, citation)
        check(is_person(view.get("customer"), req["customerUUID"]), ex,
              f"{who}'s customer is the customerUUID sent {req['customerUUID']}, got {view.get('customer')!r}",
              citation)
        if filter_view:
            check(view.get("linkedAppointmentUuid") == made["sar_uuid"], ex,
                  f"{who}'s linkedAppointmentUuid is the appointment {made['sar_uuid']}", citation)
            for key, field in (("primaryDriverUUID", "primaryDriver"), ("secondaryDriverUUID", "secondaryDriver")):
                if info.get(key):
                    check(is_person(view.get(field), info[key]), ex,
                          f"{who}'s {field} is the {key} sent {info[key]}, got {view.get(field)!r}", citation)


@register.property(once=3)
def create_fields_in_get_trips(c: CheckContext) -> None:
    """mustStartBy, optionalFields, customer and vehicle of both trips come back in get-trips."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    with states.scope("none"):
        made = states.create(_rich_create_body(ctx), settle=True)
        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: _check_created_fields(
            seen[0], {t.get("eventUuid"): t for t in seen[1]}, made, rule.citation, filter_view=False))


@register.property(once=3)
def create_fields_in_filter(c: CheckContext) -> None:
    """The same fields, tripStatus, the drivers and the appointment link come back in filter."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = states.create(_rich_create_body(ctx, drivers=True), settle=True)
        filter_views(target, ledger, ctx, [made["pickup_uuid"], made["dropoff_uuid"]], rule.citation,
                     lambda fx, views: _check_created_fields(fx, views, made, rule.citation, filter_view=True))


def _place_matches(place: Any, address: str, lat: float, lon: float) -> bool:
    if not isinstance(place, dict) or place.get("address") != address:
        return False
    plat, plon = place.get("latitudeDouble", place.get("latitude")), place.get("longitude")
    return all(isinstance(v, (int, float)) and abs(v - w) < 1e-6 for v, w in ((plat, lat), (plon, lon)))


@register.property(once=3)
def create_trip_details_in_filter(c: CheckContext) -> None:
    """Loaner details, the RO number and the origin/destination come back in filter's trip view."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        body = create_body(ctx)
        sent: dict[str, Any] = {
            "loanerVehicleRequired": True, "isDropCar": False, "loanerDescription": "Courtesy loaner " + probe(),
            "loanerModel": "2026 Camry", "roNumber": "RO-" + probe(),
            "originAddress": "123 Customer Street, City, State 12345", "originLocationLat": 34.0522,
            "originLocationLon": -118.2437, "destinationAddress": "456 Dealer Avenue, City, State 12345",
            "destLocationLat": 34.0622, "destLocationLon": -118.2537}
        body["pickupTripInformation"].update(sent)
        vehicle = ctx.identities.get("vehicle_uuid")
        if vehicle:  # the appointment's vehicle, read as the trip's (create has no trip-level vehicle)
            body["vehicleInformation"] = {"vehicleUuid": vehicle}
        made = states.create(body, settle=True)
        filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation,
                     lambda fx, views: _check_trip_details(fx, views[made["pickup_uuid"]], sent, vehicle,
                                                           rule.citation))


def _check_trip_details(fx: Exchange, view: dict, sent: dict, vehicle: Any, citation) -> None:
    """Loaner details, the RO number, the vehicle and the places sent, in one filter view."""
    loaner = object_of(view.get("loaner"))
    for key, field in (("loanerDescription", "description"), ("loanerModel", "model"),
                       ("loanerVehicleRequired", "isLoanerRequested")):
        check(loaner.get(field) == sent[key], fx, f"loaner.{field} is the {key} sent ({sent[key]!r}), got "
              f"{loaner.get(field)!r}", citation)
    if vehicle:
        check(isinstance(view.get("vehicle"), dict) and view["vehicle"].get("uuid") == vehicle, fx,
              f"the trip's vehicle is the vehicleUuid sent {vehicle}, got {view.get('vehicle')!r}", citation)
    order = object_of(view.get("dealerOrder"))
    check(order.get("orderNumber") == sent["roNumber"], fx, f"dealerOrder.orderNumber is the roNumber sent "
          f"({sent['roNumber']}), got {order.get('orderNumber')!r}", citation)
    places = [p for s in view.get("subTrips") or [] if isinstance(s, dict) for p in (s.get("origin"),
                                                                                      s.get("destination"))]
    for prefix, lat, lon in (("origin", "originLocationLat", "originLocationLon"),
                             ("destination", "destLocationLat", "destLocationLon")):
        address = sent[f"{prefix}Address"]
        check(any(_place_matches(p, address, sent[lat], sent[lon]) for p in places), fx,
              f"a sub trip's place is the {prefix} sent ({address}, {sent[lat]}, {sent[lon]}); places: {places}",
              citation)


@register.property(once=3)
def assigned_by_from_creator(c: CheckContext) -> None:
    """filter's assignedBy is appointmentInformation.creatorUser (distinct from requester and assigned user)."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = states.create(settle=True)
        creator = made["request"]["appointmentInformation"]["creatorUser"]["uuid"]

        def judge(fx: Exchange, views: dict) -> None:
            got = views[made["pickup_uuid"]].get("assignedBy")
            check(is_person(got, creator), fx, f"the trip's assignedBy is the creatorUser {creator} (\"Drives the "
                  f"trip's assignedByDealerAssociateUUID\"), got {got!r}", rule.citation)

        filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation, judge)


@register.property(once=4)
def create_rejected_leaves_no_trip(c: CheckContext) -> None:
    """A create the partner gate rejects (dropoff without rideTime) leaves no trip of the customer behind."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    body = create_body(ctx, with_drop=True)
    del body["dropTripInformation"]["rideTime"]
    at = sent_time(body["appointmentDateTime"])
    window = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
              "customerUuids": [body["customerUUID"]], "sortOrder": "APPT_TIME_ASC",
              "startApptTime": (at - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z"),
              "endApptTime": (at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z")}

    def trips_in_window() -> tuple[Exchange, set[Any]]:
        ex, data = filter_call(target, ledger, ctx, window)
        return ex, {t.get("eventUuid") for t in data.get("tripViewDtos") or [] if isinstance(t, dict)}

    with states.scope("none"):
        _, before = trips_in_window()  # other people's trips at that time are not ours to judge
        # a create that is wrongly accepted is recorded by send() and deleted when the scope ends
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body})
        expect_error(ex, rule.expected.status, rule.expected.errorCode, rule.citation)
        fx, after = trips_in_window()
        left = sorted(after - before)
        check(not left, fx, f"the rejected create left no trip behind (validation runs \"before the downstream trip "
              f"and appointment flows run\"); new trips of the customer at {body['appointmentDateTime']}: {left}",
              rule.citation)


@register.property(once=2)
def create_unknown_dealer(c: CheckContext) -> None:
    """A dealerUuid naming no dealer: 400 INVALID_DEALER_UUID, or 403 when the scope is checked first."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("unknown_uuid")},
                                                  "body": create_body(ctx)})
        unknown_identity_rejected(ex, rule)


def _no_ids(ex: Exchange, body: dict, fields: tuple[str, ...], what: str, citation) -> None:
    named = {k: body.get(k) for k in fields if body.get(k) not in (None, "")}
    check(not named, ex, f"{what}: the error body names no created object ({', '.join(fields)} null, as in the "
          f"error response example), got {named}", citation)


@register.property(once=2)
def create_rejection_names_nothing(c: CheckContext) -> None:
    """A create the partner gate rejects answers null ids; one that fails on its linked trips, no appointment."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        body = create_body(ctx)
        del body["customerUUID"]
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body})
        expect_error(ex, 400, "CUSTOMER_INFO_MISSING", rule.citation)
        _no_ids(ex, object_of(ex.json), ("eventUUID", "pickupEventUUID", "dropoffEventUUID", "appointmentUUID"),
                "a create rejected by the partner validation", rule.citation)
        body = create_body(ctx)
        body["pickupTripInformation"]["linkedTripUuids"] = [ctx.ident("unknown_uuid")]
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body})
        expect_error(ex, 400, None, rule.citation)
        _no_ids(ex, object_of(ex.json), ("appointmentUUID",), "a create that fails on its linked trips", rule.citation)


@register.property(once=3)
def create_body_dealer_uuid_ignored(c: CheckContext) -> None:
    """A dealerUuid in the body (another dealer's) is rejected, or ignored: the appointment is the path dealer's."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        body = create_body(ctx)
        body["dealerUuid"] = ctx.identities.get("other_dealer_uuid") or ctx.ident("unknown_uuid")
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body})
        if 400 <= ex.status < 500:
            expect_error(ex, ex.status, None, rule.citation)
            return
        made = created_ids(ex, expect_success(ex, rule.citation), False, rule.citation)
        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: check(
            made["pickup_uuid"] in [t.get("eventUuid") for t in seen[1]], seen[0],
            f"the appointment belongs to the path's dealer {ctx.ident('dealer_uuid')}, not the body's dealerUuid: "
            "get-trips through the path's dealer shows its pickup", rule.citation))


def _duplicate_pair(c: CheckContext, error_on_duplicate: bool | None) -> tuple[Exchange, Exchange]:
    """The same create twice (same customer, dealer, time and body), errorOnDuplicate as given."""
    target, ctx, ledger = c.target, c.ctx, c.ledger
    body = create_body(ctx)
    if error_on_duplicate is not None:
        body["appointmentInformation"]["errorOnDuplicate"] = error_on_duplicate
    request = {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body}
    first = send(target, ledger, ctx, "create", request)
    expect_success(first, c.rule.citation)
    return first, send(target, ledger, ctx, "create", request)


@register.property(once=8)
def create_duplicate_allowed_by_default(c: CheckContext) -> None:
    """Without errorOnDuplicate (default false), and with false, a duplicate create succeeds."""
    with c.states.scope("none"):
        for flag in (None, False):
            _, again = _duplicate_pair(c, flag)
            expect_success(again, c.rule.citation)
            c.states.cleanup(object_of(again.json)["appointmentUUID"])


@register.property(once=4)
def create_error_on_duplicate(c: CheckContext) -> None:
    """errorOnDuplicate true: the same create a second time is rejected, and creates nothing."""
    rule = c.rule
    with c.states.scope("none"):
        _, again = _duplicate_pair(c, True)
        expect_error(again, 400, None, rule.citation)
        _no_ids(again, object_of(again.json), ("appointmentUUID",), "the rejected duplicate", rule.citation)
@register.property(once=6)
def create_rejected_replaces_nothing(c: CheckContext) -> None:
    """A create the partner gate rejects, naming an appointment in regularServiceApptUuid and
    mobileServiceApptUuid, leaves that appointment and its trips as they were."""
    from pnd_conformance.checks.common import views_unchanged

    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        old = states.create(settle=True)
        _, trips = get_trips(target, ctx, old["sar_uuid"])
        before = {t.get("eventUuid"): t for t in trips}
        body = create_body(ctx, with_drop=True)
        del body["dropTripInformation"]["rideTime"]
        # a create that is wrongly accepted is recorded by send() and deleted when the scope ends
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body,
                                                  "query": {"regularServiceApptUuid": old["sar_uuid"],
                                                            "mobileServiceApptUuid": old["sar_uuid"]}})
        expect_error(ex, rule.expected.status, rule.expected.errorCode, rule.citation)

        def judge(seen: tuple[Exchange, list[dict]]) -> None:
            gx, now = seen
            check(old["pickup_uuid"] in [t.get("eventUuid") for t in now], gx, f"the appointment {old['sar_uuid']} "
                  "a rejected create named for replacement still has its pickup (a rejected create creates no "
                  "appointment, so there is no \"after creating the new appointment\")", rule.citation)
            views_unchanged(gx, before, {t.get("eventUuid"): t for t in now}, {}, "get-trips", rule.citation)

        settled(target, lambda: get_trips(target, ctx, old["sar_uuid"]), judge)
