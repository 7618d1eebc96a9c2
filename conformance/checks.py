"""Named checks the catalogue refers to (`check:`): post-conditions and properties.

Post-checks run after a successful acceptance request: `fn(rule, ex, body, request, ctx, target, ledger)`.
Properties are whole tests: `fn(rule, target, ctx, states, ledger)`; they draw with Hypothesis
where there is something to draw. Each cites its documentation through the rule.
"""
from __future__ import annotations

import uuid as _uuid
from datetime import datetime, timedelta
from typing import Any, Callable

from hypothesis import given, strategies as st

from conformance.client import Exchange, Target
from conformance.ledger import Ledger
from conformance.runner import send
from conformance.settle import eventually, ready, window
from conformance.verdict import body_of, check, error_entries, expect_error, expect_success, fail
from strategies import valid_request
from strategies.context import Ctx
from strategies.common import fmt
from strategies.fixed import create_body, next_slot, recreate_trip_body

POST_CHECKS: dict[str, Callable] = {}
PROPERTIES: dict[str, Callable] = {}


def post_check(name: str):
    def register(fn):
        POST_CHECKS[name] = fn
        return fn
    return register


def prop(name: str):
    def register(fn):
        PROPERTIES[name] = fn
        return fn
    return register


def names() -> set[str]:
    return set(POST_CHECKS) | set(PROPERTIES)


def run_post_check(rule, ex, body, request, ctx, target, ledger) -> None:
    POST_CHECKS[rule.check](rule, ex, body, request, ctx, target, ledger)


def run_property(rule, target, ctx, states, ledger) -> None:
    PROPERTIES[rule.check](rule, target, ctx, states, ledger)


# --- helpers ---------------------------------------------------------------------------------

def parse_time(value: Any) -> datetime | None:
    """ISO-8601 with an offset written ±HHMM, ±HH:MM or Z (the docs use ±HHMM)."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def settled(target: Target, observe: Callable[[], Any], accept: Callable[[Any], None]) -> Any:
    """A read that follows a write, judged once it has settled (conformance/settle.py)."""
    return eventually(observe, accept, timeout=window(target))


def get_trips(target: Target, ctx: Ctx, sar: str) -> tuple[Exchange, list[dict]]:
    ex = target.call("get-trips", path={"dealerUuid": ctx.ident("dealer_uuid"), "sarUUID": sar})
    return get_trips_answer(ex)


def trips_of_gone(target: Target, ctx: Ctx, sar: str) -> tuple[Exchange, list[dict]]:
    """get-trips of a deleted appointment: 200 with its trips (none, as documented), or a 4xx rejection,
    since what get-trips answers for an appointment that no longer exists is not documented (NOTES.md
    "Unknown appointment on get-trips")."""
    ex = target.call("get-trips", path={"dealerUuid": ctx.ident("dealer_uuid"), "sarUUID": sar})
    if 400 <= ex.status < 500:
        expect_error(ex, ex.status, None)
        return ex, []
    return get_trips_answer(ex)


def get_trips_answer(ex: Exchange) -> tuple[Exchange, list[dict]]:
    body = expect_success(ex)
    trips = body.get("tripViewDtos") or []
    check(isinstance(trips, list), ex, "tripViewDtos is a list (or null when there are no trips)")
    return ex, [t for t in trips if isinstance(t, dict)]


def created_ids(ex: Exchange, body: dict, with_drop: bool, citation) -> dict:
    """The create response's UUIDs, consistent as documented."""
    sar, event, pickup, drop = (body.get(k) for k in ("appointmentUUID", "eventUUID", "pickupEventUUID",
                                                       "dropoffEventUUID"))
    check(isinstance(sar, str) and sar, ex, "appointmentUUID: UUID of the created appointment", citation)
    check(isinstance(event, str) and event, ex, "eventUUID: UUID of the created pickup and delivery trip event",
          citation)
    # "returned for newer partner integrations": when present it is the alias; its presence is
    # the inferred rule create-pickup-event-uuid-returned.
    check(pickup in (None, event), ex, "pickupEventUUID: Alias for eventUUID (when returned)", citation)
    if with_drop:
        check(isinstance(drop, str) and drop and drop != event, ex,
              "dropoffEventUUID: UUID of the created dropoff trip event, when dropTripInformation was provided",
              citation)
    else:
        check(drop in (None, ""), ex, "no dropoffEventUUID without dropTripInformation", citation)
    return {"sar_uuid": sar, "pickup_uuid": event, "dropoff_uuid": drop}


def same_instant(a: Any, b: Any) -> bool:
    pa, pb = parse_time(a), parse_time(b)
    return pa is not None and pb is not None and pa == pb and pa.utcoffset() == pb.utcoffset()


def _event_uuids(body: dict) -> list:
    return [t.get("eventUuid") for t in (body.get("tripViewDtos") or []) if isinstance(t, dict)]


def filter_call(target: Target, ledger: Ledger, ctx: Ctx, body: dict) -> tuple[Exchange, dict]:
    ex = send(target, ledger, ctx, "filter", {"body": body})
    return ex, expect_success(ex)


# --- post-checks after create ----------------------------------------------------------------

@post_check("create_state")
def create_state(rule, ex, body, request, ctx, target, ledger):
    """Response UUIDs consistent; get-trips shows the pickup (and the dropoff, linked both ways)."""
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


@post_check("create_trips_valid")
def create_trips_valid(rule, ex, body, request, ctx, target, ledger):
    """create_state, and get-trips shows every trip isValid true within the settle window (marked valid
    "later", an inferred reading of how much later: NOTES.md)."""
    create_state(rule, ex, body, request, ctx, target, ledger)

    def judge(seen: tuple[Exchange, list[dict]]) -> None:
        invalid = [t.get("eventUuid") for t in seen[1] if t.get("isValid") is not True]
        check(not invalid, seen[0], "isValid true after creation (\"The trip is marked valid later during the "
              f"SAR-Trip mapping step\"); not: {invalid}", rule.citation)

    settled(target, lambda: get_trips(target, ctx, body["appointmentUUID"]), judge)


@post_check("create_pickup_alias")
def create_pickup_alias(rule, ex, body, request, ctx, target, ledger):
    """create_state, and pickupEventUUID is returned, equal to eventUUID."""
    create_state(rule, ex, body, request, ctx, target, ledger)
    check(body.get("pickupEventUUID") == body.get("eventUUID"), ex,
          "pickupEventUUID: Alias for eventUUID, returned (read: to every partner client)", rule.citation)


@post_check("create_trip_status_kept")
def create_trip_status_kept(rule, ex, body, request, ctx, target, ledger):
    """create_state, and get-trips shows the pickup's tripStatus as sent."""
    create_state(rule, ex, body, request, ctx, target, ledger)
    sent = request["body"]["pickupTripInformation"].get("tripStatus")
    gx, pickup = _pickup_of(target, ctx, rule, body["appointmentUUID"], body["eventUUID"])
    check(pickup.get("tripStatus") == sent, gx, f"the pickup's tripStatus is the one sent ({sent}), got "
          f"{pickup.get('tripStatus')!r}", rule.citation)


# --- post-checks after update ----------------------------------------------------------------

def _update_parts(request):
    ev_req = request["body"]["updatePickupDeliveryTripEventRequest"]
    return ev_req.get("pickupDeliveryTripEvent"), request["path"]["sarUUID"]


@post_check("update_trip_applied")
def update_trip_applied(rule, ex, body, request, ctx, target, ledger):
    """Update existing trip: the trip now has the sent appointmentTime and rideType."""
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


@post_check("update_trip_created")
def update_trip_created(rule, ex, body, request, ctx, target, ledger):
    """Create new trip: a new trip is linked to the appointment."""
    _, sar = _update_parts(request)
    new = body.get("eventUUID")
    check(isinstance(new, str) and new, ex, "eventUUID of the created trip", rule.citation)
    settled(target, lambda: get_trips(target, ctx, sar), lambda seen: check(
        new in [t.get("eventUuid") for t in seen[1]], seen[0],
        "\"Creates a new trip and links it to the appointment\": get-trips shows it", rule.citation))


@post_check("update_trip_deleted")
def update_trip_deleted(rule, ex, body, request, ctx, target, ledger):
    """Delete existing trip: the appointment has no mapped trip any more."""
    _, sar = _update_parts(request)
    settled(target, lambda: get_trips(target, ctx, sar), lambda seen: check(
        not seen[1], seen[0], "\"Deletes the existing trip\": get-trips then returns no trips", rule.citation))
    # The trip itself is deleted, not only unmapped (its linked dropoff is not named by the doc).
    trip_uuid = request["body"]["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"]
    settled(target, lambda: filter_call(target, ledger, ctx, {
        "dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
        "eventUuids": [trip_uuid], "sortOrder": "APPT_TIME_ASC"}), lambda seen: check(
        trip_uuid not in _event_uuids(seen[1]), seen[0],
        f"\"Deletes the existing trip\": filter by eventUuids no longer finds {trip_uuid}", rule.citation))


# --- post-checks after delete ----------------------------------------------------------------

@post_check("delete_chain_removed")
def delete_chain_removed(rule, ex, body, request, ctx, target, ledger):
    """Delete removes the appointment's whole chain; a second delete is not linked."""
    sar = request["path"]["appointmentUuid"]
    state = ctx.state
    check(body.get("appointmentUuid") == sar, ex, "appointmentUuid: UUID of the deleted appointment", rule.citation)
    check(body.get("pickupEventUUID") == state.get("pickup_uuid"), ex,
          "pickupEventUUID: UUID of the deleted pickup trip event", rule.citation)
    ledger.forget(sar)
    settled(target, lambda: trips_of_gone(target, ctx, sar), lambda seen: check(
        not seen[1], seen[0], "after delete, the appointment has no trips", rule.citation))
    gone = [u for u in (state.get("pickup_uuid"), state.get("dropoff_uuid")) if u]

    def judge(seen: tuple[Exchange, dict]) -> None:
        left = _event_uuids(seen[1])
        check(not left, seen[0], f"the deleted pickup and linked dropoff(s) are gone (filter by eventUuids found "
              f"{left})", rule.citation)

    settled(target, lambda: filter_call(target, ledger, ctx, {
        "dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
        "eventUuids": gone, "sortOrder": "APPT_TIME_ASC"}), judge)


@post_check("delete_twice_not_linked")
def delete_twice_not_linked(rule, ex, body, request, ctx, target, ledger):
    """delete_chain_removed, then a second delete of the same appointment is not linked (an inferred reading)."""
    delete_chain_removed(rule, ex, body, request, ctx, target, ledger)
    # The second delete names its actor: a WEB fallback actor cannot be derived from a deleted appointment.
    query = {**request["query"], "updatedByDAUUID": request["query"].get("updatedByDAUUID")
             or ctx.ident("creator_user_uuid")}
    again = target.call("delete", path=request["path"], query=query)
    expect_error(again, 400, "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT", rule.citation)


# --- post-checks after filter ----------------------------------------------------------------

#: Ride types whose place in filter's time range and sort order the documents leave open: their view
#: carries `rideTime` only in get-trips' example, and filter's key is "appointment time" (NOTES.md
#: "Sort key and ties", "Time range: which time, bounds"): such trips are not judged on time.
DROPOFF_RIDE_TYPES = frozenset({"DROPOFF_VEHICLE", "DROPOFF_CUSTOMER"})


def time_judged(trip: dict) -> bool:
    return trip.get("rideType") not in DROPOFF_RIDE_TYPES


def effective_time(trip: dict) -> datetime | None:
    """The time a trip is filtered and sorted by: its appointmentTime (else rideTime); None for a dropoff."""
    if not time_judged(trip):
        return None
    return parse_time(trip.get("appointmentTime")) or parse_time(trip.get("rideTime"))


def trip_problems(trip: dict, req: dict) -> list[str]:
    """What in `trip` contradicts a filter of `req` (filter-trips.txt request table)."""
    out = []

    def nested(*path):
        node: Any = trip
        for p in path:
            node = node.get(p) if isinstance(node, dict) else None
        return node

    dept = nested("department", "uuid")
    if dept is not None and dept not in req["dealerDepartmentUUIDList"]:
        out.append(f"department {dept} not in dealerDepartmentUUIDList")
    if req.get("dealerUuids") and nested("department", "dealer", "uuid") not in req["dealerUuids"]:
        out.append(f"dealer {nested('department', 'dealer', 'uuid')} not in dealerUuids")
    if req.get("eventUuids") and trip.get("eventUuid") not in req["eventUuids"]:
        out.append("eventUuid not in eventUuids")
    if req.get("rideTypes") and trip.get("rideType") not in req["rideTypes"]:
        out.append(f"rideType {trip.get('rideType')} not in rideTypes")
    if req.get("tripStatuses") and trip.get("tripStatus") not in req["tripStatuses"]:
        out.append(f"tripStatus {trip.get('tripStatus')} not in tripStatuses")
    if req.get("customerUuids") and nested("customer", "uuid") not in req["customerUuids"]:
        out.append(f"customer {nested('customer', 'uuid')} not in customerUuids")
    if req.get("docStatuses") and trip.get("docStatus") not in req["docStatuses"]:
        out.append(f"docStatus {trip.get('docStatus')} not in docStatuses")
    subs = [s for s in (trip.get("subTrips") or []) if isinstance(s, dict)]
    if req.get("subTripStatuses") and not any(s.get("status") in req["subTripStatuses"] for s in subs):
        out.append("no sub trip has a status in subTripStatuses")
    if req.get("driverUuids"):
        drivers = {nested("primaryDriver", "uuid"), nested("secondaryDriver", "uuid")}
        drivers |= {(s.get("driver") or {}).get("uuid") for s in subs if isinstance(s.get("driver"), dict)}
        if not drivers & set(req["driverUuids"]):
            out.append("no driver of the trip is in driverUuids")
    if req.get("startApptTime") and req.get("endApptTime"):
        t, lo, hi = effective_time(trip), parse_time(req["startApptTime"]), parse_time(req["endApptTime"])
        if time_judged(trip) and (t is None or not (lo <= t <= hi)):
            out.append(f"time {trip.get('appointmentTime') or trip.get('rideTime')} outside "
                       f"[{req['startApptTime']}, {req['endApptTime']}]")
    return out


def check_sorted(ex: Exchange, trips: list[dict], order: str, citation) -> None:
    times = [effective_time(t) for t in trips]
    known = [t for t in times if t is not None]
    want = sorted(known, reverse=order == "APPT_TIME_DESC")
    check(known == want, ex, f"trips sorted by appointment time per sortOrder {order}", citation)


@post_check("filter_results_match")
def filter_results_match(rule, ex, body, request, ctx, target, ledger):
    """Every returned trip satisfies every filter sent; order and counts hold."""
    req = request["body"]
    trips = [t for t in (body.get("tripViewDtos") or []) if isinstance(t, dict)]
    for trip in trips:
        problems = trip_problems(trip, req)
        check(not problems, ex, f"every returned trip satisfies every filter sent; trip {trip.get('eventUuid')}: "
              + "; ".join(problems), rule.citation)
    check_sorted(ex, trips, req["sortOrder"], rule.citation)
    total = body.get("totalCount")
    check(isinstance(total, int) and total >= len(trips), ex,
          "totalCount is the number of matching trips (at least the page's length)", rule.citation)
    if req.get("pageSize"):
        check(len(trips) <= req["pageSize"], ex, f"at most pageSize={req['pageSize']} trips", rule.citation)
    # Without pageSize the documents do not say that every match comes back (a server may cap an
    # unpaged answer), so totalCount is only bounded below here.


# --- properties ------------------------------------------------------------------------------

def _seed_trips(states, ctx: Ctx, n: int = 3) -> list[dict]:
    """Create a few appointments (some with dropoffs) so filters have data of ours to find."""
    out = []
    for i in range(n):
        out.append(states.create(create_body(ctx, with_drop=i % 2 == 0, drivers=i == 1,
                                             trip_status="DRAFT" if i == 2 else None)))
    return out


MAX_PAGES = 8  # pages per paging pass; the page size grows with the number of matches


def _all_pages(target, ledger, ctx, base: dict, mode: str, size: int) -> tuple[list[str], list[int], Exchange]:
    ids, totals, last = [], [], None
    page, index = 1, 0
    for _ in range(200):
        body = {**base, "pageSize": size}
        if mode == "pageNumber":
            body["pageNumber"] = page
        else:
            body["lastItemIndex"] = index
        ex, data = filter_call(target, ledger, ctx, body)
        last = ex
        trips = [t.get("eventUuid") for t in (data.get("tripViewDtos") or []) if isinstance(t, dict)]
        totals.append(data.get("totalCount"))
        ids.extend(trips)
        if len(trips) < size:
            break
        page, index = page + 1, index + len(trips)
    return ids, totals, last


@prop("filter_pagination_partitions")
def filter_pagination_partitions(rule, target, ctx, states, ledger):
    """pageNumber (1-based) pages partition the unpaged result; totalCount = matches."""
    _partitions(rule, target, ctx, states, ledger, "pageNumber")


@prop("filter_last_item_index_partitions")
def filter_last_item_index_partitions(rule, target, ctx, states, ledger):
    """lastItemIndex (read: items already returned) pages partition the unpaged result (inferred)."""
    _partitions(rule, target, ctx, states, ledger, "lastItemIndex")


def _partitions(rule, target, ctx, states, ledger, mode: str) -> None:
    with states.scope("none"):
        mine = _seed_trips(states, ctx)
        times = sorted(parse_time(s["request"]["appointmentDateTime"]) for s in mine)
        start, end = times[0].replace(hour=0, minute=0), times[-1].replace(hour=23, minute=59)
        # Bound the window around our own trips; the dropoffs (a day later) may fall in it too.
        base = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "startApptTime": start.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "endApptTime": end.strftime("%Y-%m-%dT%H:%M:%S%z")}

        @given(order=st.sampled_from(["APPT_TIME_ASC", "APPT_TIME_DESC"]), size=st.integers(1, 4))
        def run(order, size):
            def judge(seen: tuple[Exchange, dict]) -> None:
                full_ex, full = seen
                everything = _event_uuids(full)
                check(full.get("totalCount") == len(everything), full_ex,
                      "totalCount: the number of trips matching the filters", rule.citation)
                for s in mine:
                    check(s["pickup_uuid"] in everything, full_ex,
                          f"the filter returns our trip {s['pickup_uuid']} created in the time range", rule.citation)

            _, full = settled(target, lambda: filter_call(target, ledger, ctx, {**base, "sortOrder": order}), judge)
            everything = _event_uuids(full)
            # Other people's trips in the window are normal on a shared target: pages stay few.
            size = max(size, -(-len(everything) // MAX_PAGES))
            ids, totals, last = _all_pages(target, ledger, ctx, {**base, "sortOrder": order}, mode, size)
            check(len(ids) == len(set(ids)), last, f"{mode} pages of {size} repeat no trip: {ids}", rule.citation)
            check(ids == everything, last, f"{mode} pages of {size} (1-based pageNumber; lastItemIndex = items "
                  f"already returned) concatenate to the unpaged result {everything}, got {ids}", rule.citation)
            check(all(t == len(everything) for t in totals), last,
                  f"every page's totalCount is the number of matches {len(everything)}, got {totals}", rule.citation)

        run()


@prop("filter_properties")
def filter_properties(rule, target, ctx, states, ledger):
    """Any valid filter: every returned trip satisfies every filter sent, sorted, counted."""
    with states.scope("none"):
        _seed_trips(states, ctx)

        @given(data=st.data())
        def run(data):
            base = data.draw(st.sampled_from(["page_number", "last_item_index", "unpaged"]))
            request = data.draw(valid_request("filter", ctx, base))
            ex = send(target, ledger, ctx, "filter", request)
            body = expect_success(ex, rule.citation)
            filter_results_match(rule, ex, body, request, ctx, target, ledger)

        run()



# --- post-checks after create (defaults, replacement) -------------------------------------------

def _pickup_of(target, ctx, rule, sar: str, pickup_uuid: str) -> tuple[Exchange, dict]:
    gx, trips = settled(target, lambda: get_trips(target, ctx, sar), lambda seen: check(
        pickup_uuid in [t.get("eventUuid") for t in seen[1]], seen[0],
        f"get-trips returns the created pickup trip {pickup_uuid}", rule.citation))
    return gx, next(t for t in trips if t.get("eventUuid") == pickup_uuid)


@post_check("service_advisor_derived")
def service_advisor_derived(rule, ex, body, request, ctx, target, ledger):
    """The created trip's serviceAdvisor is appointmentInformation.assignedUser."""
    create_state(rule, ex, body, request, ctx, target, ledger)
    assigned = request["body"]["appointmentInformation"]["assignedUser"]["uuid"]
    gx, pickup = _pickup_of(target, ctx, rule, body["appointmentUUID"], body["eventUUID"])
    advisor = pickup.get("serviceAdvisor") if isinstance(pickup.get("serviceAdvisor"), dict) else {}
    check(assigned in (advisor.get("uuid"), advisor.get("userUuid")), gx,
          f"the trip's serviceAdvisor is the assignedUser {assigned} (\"Also drives the service advisor UUID on "
          f"the trip\"), got {advisor or None}", rule.citation)


@post_check("replaced_appointment_deleted")
def replaced_appointment_deleted(rule, ex, body, request, ctx, target, ledger):
    """regularServiceApptUuid names an appointment that is deleted after the new one is created."""
    create_state(rule, ex, body, request, ctx, target, ledger)
    old = request["query"]["regularServiceApptUuid"]
    settled(target, lambda: trips_of_gone(target, ctx, old), lambda seen: check(
        not seen[1], seen[0], f"the replaced appointment {old} has no trip any more (it is deleted after creating "
        "the new appointment with trip)", rule.citation))
    ledger.forget(old)


# --- post-checks after get-trips -----------------------------------------------------------------

def _trips_of(ex: Exchange, body: dict, rule) -> dict:
    trips = body.get("tripViewDtos")
    check(trips is None or isinstance(trips, list), ex, "tripViewDtos is a list (or null)", rule.citation)
    return {t.get("eventUuid"): t for t in trips or [] if isinstance(t, dict)}


@post_check("get_trips_pickup")
def get_trips_pickup(rule, ex, body, request, ctx, target, ledger):
    """Exactly the mapped pickup, linked to the appointment."""
    sar, pickup_uuid = ctx.state["sar_uuid"], ctx.state["pickup_uuid"]
    trips = _trips_of(ex, body, rule)
    check(list(trips) == [pickup_uuid], ex, f"exactly the mapped pickup trip {pickup_uuid}, got {list(trips)}",
          rule.citation)
    pickup = trips[pickup_uuid]
    check(pickup.get("rideType") == "PICKUP_VEHICLE", ex, "the pickup's rideType is PICKUP_VEHICLE", rule.citation)
    check(pickup.get("linkedAppointmentUuid") == sar, ex, f"linkedAppointmentUuid is the appointment {sar}",
          rule.citation)


@post_check("get_trips_linked_both_ways")
def get_trips_linked_both_ways(rule, ex, body, request, ctx, target, ledger):
    """The pickup and its linked dropoff, each listing the other."""
    sar, p, d = ctx.state["sar_uuid"], ctx.state["pickup_uuid"], ctx.state["dropoff_uuid"]
    trips = _trips_of(ex, body, rule)
    check(bool(d), ex, "the create of this test's setup sent dropTripInformation but its response named no "
          "dropoffEventUUID", rule.citation)
    check(set(trips) == {p, d}, ex, f"both the pickup {p} and the linked dropoff {d}, got {list(trips)}",
          rule.citation)
    check(d in (trips[p].get("linkedTripUuids") or []), ex, "the pickup's linkedTripUuids lists the dropoff",
          rule.citation)
    check(p in (trips[d].get("linkedTripUuids") or []), ex, "the dropoff's linkedTripUuids lists the pickup",
          rule.citation)
    for uuid in (p, d):
        check(trips[uuid].get("linkedAppointmentUuid") == sar, ex,
              f"trip {uuid}'s linkedAppointmentUuid is the appointment {sar}", rule.citation)
    check(trips[d].get("rideType") == "DROPOFF_VEHICLE", ex, "the dropoff's rideType is DROPOFF_VEHICLE",
          rule.citation)
    sent = ctx.state["request"]["dropTripInformation"]["rideTime"]
    check(same_instant(trips[d].get("rideTime"), sent), ex, f"the dropoff's rideTime is the one sent ({sent})",
          rule.citation)


@post_check("get_trips_all_valid")
def get_trips_all_valid(rule, ex, body, request, ctx, target, ledger):
    trips = _trips_of(ex, body, rule)
    check(bool(trips), ex, "the appointment's trips are returned", rule.citation)
    invalid = [u for u, t in trips.items() if t.get("isValid") is not True]
    check(not invalid, ex, f"every trip has isValid true after the SAR-trip mapping; not: {invalid}", rule.citation)


@post_check("get_trips_total_count")
def get_trips_total_count(rule, ex, body, request, ctx, target, ledger):
    trips = _trips_of(ex, body, rule)
    check(body.get("totalCount") == len(trips), ex,
          f"totalCount is the number of trips returned ({len(trips)}), got {body.get('totalCount')!r}", rule.citation)


@post_check("get_trips_empty")
def get_trips_empty(rule, ex, body, request, ctx, target, ledger):
    trips = _trips_of(ex, body, rule)
    check(not trips, ex, f"no trip data for an appointment without a mapped pickup, got {list(trips)}",
          rule.citation)
    check(body.get("totalCount") in (None, 0), ex,
          f"totalCount 0 (or absent) when no trips are returned, got {body.get('totalCount')!r}", rule.citation)


# --- delete: the WEB fallback actor ------------------------------------------------------------------

def _web_create(states, ctx: Ctx, creator: bool) -> dict:  # settled: a delete follows
    """An appointment created with source WEB: with or without a creator user, never an assigned user."""
    body = create_body(ctx)
    body["source"] = "WEB"
    info = body["appointmentInformation"]
    del info["assignedUser"]
    if not creator:
        del info["creatorUser"]
    return states.create(body, settle=True)


def _web_delete(target, ctx, sar: str) -> Exchange:
    return target.call("delete", path={"dealerDepartmentUUID": ctx.ident("department_uuid"), "appointmentUuid": sar},
                       query={"source": "WEB"})


@prop("delete_web_no_fallback_actor")
def delete_web_no_fallback_actor(rule, target, ctx, states, ledger):
    """source=WEB, no updatedByDAUUID, no assigned or creator user: rejected, nothing deleted."""
    with states.scope("none"):
        made = _web_create(states, ctx, creator=False)
        ex = _web_delete(target, ctx, made["sar_uuid"])
        if ex.status == 200:
            ledger.forget(made["sar_uuid"])
        expect_error(ex, rule.expect.status, rule.expect.errorCode, rule.citation)
        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: check(
            made["pickup_uuid"] in [t.get("eventUuid") for t in seen[1]], seen[0],
            "a rejected delete leaves the appointment's pickup in place", rule.citation))


@prop("delete_web_fallback_creator")
def delete_web_fallback_creator(rule, target, ctx, states, ledger):
    """source=WEB, no updatedByDAUUID, a creator but no assigned user: the creator is the actor."""
    with states.scope("none"):
        made = _web_create(states, ctx, creator=True)
        ex = _web_delete(target, ctx, made["sar_uuid"])
        body = expect_success(ex, rule.citation)
        ledger.forget(made["sar_uuid"])
        check(body.get("appointmentUuid") == made["sar_uuid"], ex, "appointmentUuid: UUID of the deleted appointment",
              rule.citation)
        settled(target, lambda: trips_of_gone(target, ctx, made["sar_uuid"]), lambda seen: check(
            not seen[1], seen[0], "after the delete the appointment has no trips", rule.citation))


# --- filter: order and selection over trips of our own ------------------------------------------------

def _window(made: list[dict], ctx: Ctx) -> dict:
    times = [parse_time(m["request"]["appointmentDateTime"]) for m in made]
    drops = [parse_time(m["request"]["dropTripInformation"]["rideTime"]) for m in made
             if m["request"].get("dropTripInformation")]
    lo, hi = min(times + drops), max(times + drops)
    return {"startApptTime": lo.strftime("%Y-%m-%dT%H:%M:%S%z"), "endApptTime": hi.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _ours(made: list[dict]) -> set[str]:
    return {u for m in made for u in (m["pickup_uuid"], m["dropoff_uuid"]) if u}


@prop("filter_sort_order")
def filter_sort_order(rule, target, ctx, states, ledger):
    """Our trips at distinct times come back ordered by appointment time in both orders."""
    with states.scope("none"):
        made = [states.create(create_body(ctx)) for _ in range(3)]
        ours = _ours(made)
        for order in ("APPT_TIME_ASC", "APPT_TIME_DESC"):
            ex, body = settled(target, lambda: filter_call(target, ledger, ctx, {
                "dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "eventUuids": sorted(ours), "sortOrder": order}), lambda seen: check(
                set(_event_uuids(seen[1])) >= ours, seen[0], f"all of our trips {sorted(ours)} are returned",
                rule.citation))
            trips = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict) and t.get("eventUuid") in ours]
            times = [effective_time(t) for t in trips]
            check(None not in times, ex, "every trip has an appointmentTime", rule.citation)
            check(times == sorted(times, reverse=order == "APPT_TIME_DESC"), ex,
                  f"{order}: trips ordered by appointment time, got {[t.isoformat() for t in times]}", rule.citation)


def _selectors(views: dict[str, dict], made: list[dict], ctx: Ctx) -> list[dict]:
    """One request fragment per documented filter, with values that split our trips where possible."""
    def values(get):
        return sorted({v for v in (get(t) for t in views.values()) if v})
    statuses = values(lambda t: t.get("tripStatus"))
    subs = values(lambda t: next((s.get("status") for s in t.get("subTrips") or [] if isinstance(s, dict)), None))
    first = made[0]
    day = parse_time(first["request"]["appointmentDateTime"])
    return [
        {"eventUuids": [first["pickup_uuid"]]},
        {"rideTypes": ["DROPOFF_VEHICLE"]},
        {"rideTypes": ["PICKUP_VEHICLE", "LOANER_SWAP"]},
        {"tripStatuses": ["DRAFT"]},
        {"tripStatuses": [s for s in statuses if s != "DRAFT"][:1] or ["COMPLETED"]},
        {"subTripStatuses": subs[:1] or ["COMPLETED"]},
        {"customerUuids": [ctx.ident("other_customer_uuid")]},
        {"driverUuids": [ctx.ident("driver_uuids.0")]},
        {"docStatuses": ["VERIFIED"]},
        {"dealerUuids": [ctx.ident("other_dealer_uuid")]},
        {"startApptTime": day.strftime("%Y-%m-%dT%H:%M:%S%z"), "endApptTime": day.strftime("%Y-%m-%dT%H:%M:%S%z")},
    ]


@prop("filter_each_filter_selects")
def filter_each_filter_selects(rule, target, ctx, states, ledger):
    """Each filter keeps exactly those of our trips that match it (judged on their unfiltered views)."""
    with states.scope("none"):
        made = [states.create(create_body(ctx, with_drop=True)),
                states.create(create_body(ctx, customer=ctx.ident("other_customer_uuid"), drivers=True)),
                states.create(create_body(ctx, trip_status="DRAFT"))]
        ours = _ours(made)
        base = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "sortOrder": "APPT_TIME_ASC", **_window(made, ctx)}
        ex, body = settled(target, lambda: filter_call(target, ledger, ctx, base), lambda seen: check(
            set(_event_uuids(seen[1])) >= ours, seen[0], f"the unfiltered window returns all of our trips "
            f"{sorted(ours)}, got {sorted(set(_event_uuids(seen[1])) & ours)}", rule.citation))
        views = {t["eventUuid"]: t for t in body.get("tripViewDtos") or []
                 if isinstance(t, dict) and t.get("eventUuid") in ours}
        for fragment in _selectors(views, made, ctx):
            req = {**base, **fragment}
            # A time range judges only trips with a documented filter time (not the dropoffs).
            judged = {u for u, t in views.items() if "startApptTime" not in fragment or time_judged(t)}
            want = {u for u, t in views.items() if u in judged and not trip_problems(t, req)}
            fx, fbody = filter_call(target, ledger, ctx, req)
            got = {t.get("eventUuid") for t in fbody.get("tripViewDtos") or [] if isinstance(t, dict)}
            name = ", ".join(f"{k}={v}" for k, v in fragment.items())
            check(got & judged == want, fx, f"filter {name} keeps exactly our matching trips {sorted(want)}, "
                  f"got {sorted(got & judged)}", rule.citation)
            for trip in fbody.get("tripViewDtos") or []:
                problems = trip_problems(trip, req) if isinstance(trip, dict) else ["not an object"]
                check(not problems, fx, f"filter {name}: trip {trip.get('eventUuid') if isinstance(trip, dict) else trip}"
                      f" does not match: {'; '.join(problems)}", rule.citation)


@prop("filter_department_restricts")
def filter_department_restricts(rule, target, ctx, states, ledger):
    """A trip of department_uuid is not returned to a filter of other_department_uuid."""
    import pytest
    if not target.has_client(rule.credentials):
        pytest.skip(f"the target profile provides no '{rule.credentials}' client: "
                    f"{target.settings.missing_credential_hint(rule.credentials)}")
    with states.scope("appointment_with_drop") as made:
        ours = sorted(_ours([made]))
        other = ctx.ident("other_department_uuid")
        ex = target.call("filter", client=rule.credentials,
                         body={"dealerDepartmentUUIDList": [other], "dealerUuids": [ctx.ident("dealer_uuid")],
                               "eventUuids": ours, "sortOrder": "APPT_TIME_ASC"})
        body = expect_success(ex, rule.citation)
        trips = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)]
        leaked = [t.get("eventUuid") for t in trips if t.get("eventUuid") in ours
                  or (t.get("department") or {}).get("uuid") != other]
        check(not leaked, ex, f"only trips of the listed department {other} are returned; got trips of other "
              f"departments: {leaked}", rule.citation)


# === Documented behaviours that had no rule, untouched state, tenancy (issue 13, parts 6 and 8) ===
# Each builds its own small state (one or two creates) and reads it back with as few requests as the
# property allows. Times compare as instants where the docs do not fix their rendering.

def same_moment(a: Any, b: Any) -> bool:
    """Equal instants, whatever offset or form each is written in (a serializer's liberty)."""
    pa, pb = parse_time(a), parse_time(b)
    return pa is not None and pb is not None and pa == pb


def _is_person(view: Any, uuid: str) -> bool:
    """A person object of the trip view names `uuid` (as its uuid or its userUuid; the docs say neither)."""
    return isinstance(view, dict) and uuid in (view.get("uuid"), view.get("userUuid"))


def _probe() -> str:
    return "pnd-" + _uuid.uuid4().hex[:12]


def _filter_views(target, ledger, ctx: Ctx, uuids: list[str], citation) -> tuple[Exchange, dict[str, dict]]:
    """Filter's trip views of these trips (by eventUuids), keyed by eventUuid."""
    ex, body = filter_call(target, ledger, ctx, {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")],
                                                 "dealerUuids": [ctx.ident("dealer_uuid")],
                                                 "eventUuids": sorted(uuids), "sortOrder": "APPT_TIME_ASC"})
    views = {t.get("eventUuid"): t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)}
    missing = sorted(set(uuids) - set(views))
    check(not missing, ex, f"filter by eventUuids returns our trips; missing {missing}", citation)
    return ex, views


def _check_optional_fields(ex: Exchange, view: dict, sent: dict, who: str, citation) -> None:
    got = view.get("optionalFields") if isinstance(view.get("optionalFields"), dict) else {}
    lost = {k: v for k, v in sent.items() if got.get(k) != v}
    check(not lost, ex, f"{who}: optionalFields holds every pair sent {sent}, got {got or None}", citation)


def _rich_create_body(ctx: Ctx, *, drivers: bool = False) -> dict:
    """A create with a dropoff and the round-trippable fields the docs list, in the docs' forms."""
    body = create_body(ctx, with_drop=True, drivers=drivers)
    when = parse_time(body["appointmentDateTime"]).replace(tzinfo=None)
    pickup, drop = body["pickupTripInformation"], body["dropTripInformation"]
    # no tripStatus: a server may derive one from the drivers (create_state checks a status sent alone)
    pickup.update(mustStartBy=fmt(when - timedelta(minutes=15), ctx.utc_offset),
                  optionalFields={"pndProbe": _probe()})
    drop.update(mustStartBy=fmt(when + timedelta(days=1, minutes=-15), ctx.utc_offset),
                optionalFields={"pndProbe": _probe()})
    if drivers:
        pickup["secondaryDriverUUID"] = ctx.ident("driver_uuids.1")
    return body


def _check_created_fields(ex: Exchange, views: dict, made: dict, citation, *, filter_view: bool) -> None:
    req = made["request"]
    for uuid, info, who in ((made["pickup_uuid"], req["pickupTripInformation"], "the pickup"),
                            (made["dropoff_uuid"], req["dropTripInformation"], "the dropoff")):
        view = views.get(uuid)
        check(isinstance(view, dict), ex, f"{who} {uuid} is returned", citation)
        check(same_moment(view.get("mustStartBy"), info["mustStartBy"]), ex,
              f"{who}'s mustStartBy is the instant sent ({info['mustStartBy']}), got {view.get('mustStartBy')!r}",
              citation)
        _check_optional_fields(ex, view, info["optionalFields"], who, citation)
        check(_is_person(view.get("customer"), req["customerUUID"]), ex,
              f"{who}'s customer is the customerUUID sent {req['customerUUID']}, got {view.get('customer')!r}",
              citation)
        if filter_view:
            check(view.get("linkedAppointmentUuid") == made["sar_uuid"], ex,
                  f"{who}'s linkedAppointmentUuid is the appointment {made['sar_uuid']}", citation)
            for key, field in (("primaryDriverUUID", "primaryDriver"), ("secondaryDriverUUID", "secondaryDriver")):
                if info.get(key):
                    check(_is_person(view.get(field), info[key]), ex,
                          f"{who}'s {field} is the {key} sent {info[key]}, got {view.get(field)!r}", citation)


@prop("create_fields_in_get_trips")
def create_fields_in_get_trips(rule, target, ctx, states, ledger):
    """mustStartBy, optionalFields, customer and vehicle of both trips come back in get-trips."""
    with states.scope("none"):
        made = states.create(_rich_create_body(ctx), settle=True)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        _check_created_fields(gx, {t.get("eventUuid"): t for t in trips}, made, rule.citation, filter_view=False)


@prop("create_fields_in_filter")
def create_fields_in_filter(rule, target, ctx, states, ledger):
    """The same fields, tripStatus, the drivers and the appointment link come back in filter."""
    with states.scope("none"):
        made = states.create(_rich_create_body(ctx, drivers=True), settle=True)
        fx, views = _filter_views(target, ledger, ctx, [made["pickup_uuid"], made["dropoff_uuid"]], rule.citation)
        _check_created_fields(fx, views, made, rule.citation, filter_view=True)


def _place_matches(place: Any, address: str, lat: float, lon: float) -> bool:
    if not isinstance(place, dict) or place.get("address") != address:
        return False
    plat, plon = place.get("latitudeDouble", place.get("latitude")), place.get("longitude")
    return all(isinstance(v, (int, float)) and abs(v - w) < 1e-6 for v, w in ((plat, lat), (plon, lon)))


@prop("create_trip_details_in_filter")
def create_trip_details_in_filter(rule, target, ctx, states, ledger):
    """Loaner details, the RO number and the origin/destination come back in filter's trip view."""
    with states.scope("none"):
        body = create_body(ctx)
        sent = {"loanerVehicleRequired": True, "isDropCar": False, "loanerDescription": "Courtesy loaner " + _probe(),
                "loanerModel": "2026 Camry", "roNumber": "RO-" + _probe(),
                "originAddress": "123 Customer Street, City, State 12345", "originLocationLat": 34.0522,
                "originLocationLon": -118.2437, "destinationAddress": "456 Dealer Avenue, City, State 12345",
                "destLocationLat": 34.0622, "destLocationLon": -118.2537}
        body["pickupTripInformation"].update(sent)
        vehicle = ctx.identities.get("vehicle_uuid")
        if vehicle:  # the appointment's vehicle, read as the trip's (create has no trip-level vehicle)
            body["vehicleInformation"] = {"vehicleUuid": vehicle}
        made = states.create(body, settle=True)
        fx, views = _filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation)
        view = views[made["pickup_uuid"]]
        loaner = view.get("loaner") if isinstance(view.get("loaner"), dict) else {}
        for key, field in (("loanerDescription", "description"), ("loanerModel", "model"),
                           ("loanerVehicleRequired", "isLoanerRequested")):
            check(loaner.get(field) == sent[key], fx, f"loaner.{field} is the {key} sent ({sent[key]!r}), got "
                  f"{loaner.get(field)!r}", rule.citation)
        if vehicle:
            check(isinstance(view.get("vehicle"), dict) and view["vehicle"].get("uuid") == vehicle, fx,
                  f"the trip's vehicle is the vehicleUuid sent {vehicle}, got {view.get('vehicle')!r}", rule.citation)
        order = view.get("dealerOrder") if isinstance(view.get("dealerOrder"), dict) else {}
        check(order.get("orderNumber") == sent["roNumber"], fx, f"dealerOrder.orderNumber is the roNumber sent "
              f"({sent['roNumber']}), got {order.get('orderNumber')!r}", rule.citation)
        places = [p for s in view.get("subTrips") or [] if isinstance(s, dict) for p in (s.get("origin"),
                                                                                          s.get("destination"))]
        for prefix, lat, lon in (("origin", "originLocationLat", "originLocationLon"),
                                 ("destination", "destLocationLat", "destLocationLon")):
            address = sent[f"{prefix}Address"]
            check(any(_place_matches(p, address, sent[lat], sent[lon]) for p in places), fx,
                  f"a sub trip's place is the {prefix} sent ({address}, {sent[lat]}, {sent[lon]}); places: {places}",
                  rule.citation)


@prop("assigned_by_from_creator")
def assigned_by_from_creator(rule, target, ctx, states, ledger):
    """filter's assignedBy is appointmentInformation.creatorUser (distinct from requester and assigned user)."""
    with states.scope("none"):
        made = states.create(create_body(ctx), settle=True)
        creator = made["request"]["appointmentInformation"]["creatorUser"]["uuid"]
        fx, views = _filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation)
        got = views[made["pickup_uuid"]].get("assignedBy")
        check(_is_person(got, creator), fx, f"the trip's assignedBy is the creatorUser {creator} (\"Drives the "
              f"trip's assignedByDealerAssociateUUID\"), got {got!r}", rule.citation)


@prop("create_rejected_leaves_no_trip")
def create_rejected_leaves_no_trip(rule, target, ctx, states, ledger):
    """A create the partner gate rejects (dropoff without rideTime) leaves no trip of the customer behind."""
    body = create_body(ctx, with_drop=True)
    del body["dropTripInformation"]["rideTime"]
    at = parse_time(body["appointmentDateTime"])
    window = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
              "customerUuids": [body["customerUUID"]], "sortOrder": "APPT_TIME_ASC",
              "startApptTime": (at - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z"),
              "endApptTime": (at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z")}

    def trips_in_window() -> tuple[Exchange, set[str]]:
        ex, data = filter_call(target, ledger, ctx, window)
        return ex, {t.get("eventUuid") for t in data.get("tripViewDtos") or [] if isinstance(t, dict)}

    with states.scope("none"):
        _, before = trips_in_window()  # other people's trips at that time are not ours to judge
        # a create that is wrongly accepted is recorded by send() and deleted when the scope ends
        ex = send(target, ledger, ctx, "create", {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "body": body})
        expect_error(ex, rule.expect.status, rule.expect.errorCode, rule.citation)
        fx, after = trips_in_window()
        left = sorted(after - before)
        check(not left, fx, f"the rejected create left no trip behind (validation runs \"before the downstream trip "
              f"and appointment flows run\"); new trips of the customer at {body['appointmentDateTime']}: {left}",
              rule.citation)


# --- update: round trip, customer names, untouched state -------------------------------------------

def _update_trip_body(ctx: Ctx, pickup_uuid: str, **event: Any) -> dict:
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

    ready(lambda: get_trips(target, ctx, sar), shown, timeout=window(target))
    return ex


@prop("update_fields_round_trip")
def update_fields_round_trip(rule, target, ctx, states, ledger):
    """tripStatus, optionalFields, customer and service advisor sent by an update come back (no driver: a
    server may derive the status from one)."""
    with states.scope("appointment_with_trip") as made:
        customer = ctx.identities.get("other_customer_uuid") or ctx.ident("customer_uuid")
        sent = {"tripStatus": "DRAFT", "optionalFields": {"pndProbe": _probe()}, "customerUUID": customer,
                # a change: the setup's service advisor is the assigned user
                "serviceAdvisorUUID": ctx.ident("creator_user_uuid")}
        _update(target, ledger, ctx, made["sar_uuid"], _update_trip_body(ctx, made["pickup_uuid"], **sent),
                rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        fx, fviews = _filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation)
        for where, ex, view in (("get-trips", gx, next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]),
                                                        None)),
                                ("filter", fx, fviews.get(made["pickup_uuid"]))):
            check(isinstance(view, dict), ex, f"{where} returns the updated trip {made['pickup_uuid']}", rule.citation)
            check(view.get("tripStatus") == sent["tripStatus"], ex, f"{where}: tripStatus is the updated "
                  f"{sent['tripStatus']}, got {view.get('tripStatus')!r}", rule.citation)
            _check_optional_fields(ex, view, sent["optionalFields"], f"{where}: the updated trip", rule.citation)
            check(_is_person(view.get("customer"), customer), ex, f"{where}: the customer is the updated "
                  f"customerUUID {customer}, got {view.get('customer')!r}", rule.citation)
            check(_is_person(view.get("serviceAdvisor"), sent["serviceAdvisorUUID"]), ex, f"{where}: the service "
                  f"advisor is the updated serviceAdvisorUUID {sent['serviceAdvisorUUID']}, got "
                  f"{view.get('serviceAdvisor')!r}", rule.citation)


def _names(view: Any) -> tuple[Any, Any]:
    c = view.get("customer") if isinstance(view, dict) and isinstance(view.get("customer"), dict) else {}
    return c.get("firstName"), c.get("lastName")


@prop("update_customer_names_populated")
def update_customer_names_populated(rule, target, ctx, states, ledger):
    """An update without customer names keeps the names of the customer's data the trip showed."""
    import pytest
    with states.scope("appointment_with_trip") as made:
        sar, pickup = made["sar_uuid"], made["pickup_uuid"]
        gx, trips = get_trips(target, ctx, sar)
        before = _names(next((t for t in trips if t.get("eventUuid") == pickup), None))
        if not any(before):
            pytest.skip("the target's trip view shows no customer names (get-trips' `customer` has no "
                        "firstName/lastName), so their auto-population is not observable")
        _update(target, ledger, ctx, sar, _update_trip_body(ctx, pickup), rule.citation)
        gx, trips = get_trips(target, ctx, sar)
        after = _names(next((t for t in trips if t.get("eventUuid") == pickup), None))
        check(after == before, gx, f"without customerFirstName/customerLastName the names come from the customer's "
              f"data {before}, got {after}", rule.citation)


def _chain_intact(ex: Exchange, trips: list[dict], made: dict, who: str, citation, *, updated: bool = False) -> None:
    """`made`'s pickup and dropoff are there, linked both ways, with their times as created; for a pickup
    just `updated`, its own fields (its time, its linkedTripUuids) are not judged here."""
    by_id = {t.get("eventUuid"): t for t in trips}
    p, d, sar = made["pickup_uuid"], made["dropoff_uuid"], made["sar_uuid"]
    check(set(by_id) == {p, d}, ex, f"{who}: get-trips returns its pickup {p} and dropoff {d}, got {sorted(by_id)}",
          citation)
    check(p in (by_id[d].get("linkedTripUuids") or []), ex, f"{who}: the dropoff still lists the pickup in "
          f"linkedTripUuids, got {by_id[d].get('linkedTripUuids')!r}", citation)
    if not updated:
        check(d in (by_id[p].get("linkedTripUuids") or []), ex, f"{who}: the pickup still lists the dropoff in "
              f"linkedTripUuids, got {by_id[p].get('linkedTripUuids')!r}", citation)
    for u in (p, d):
        check(by_id[u].get("linkedAppointmentUuid") == sar, ex, f"{who}: trip {u} still links to {sar}", citation)
    req = made["request"]
    check(same_moment(by_id[d].get("rideTime"), req["dropTripInformation"]["rideTime"]), ex,
          f"{who}: the dropoff keeps its rideTime {req['dropTripInformation']['rideTime']}, got "
          f"{by_id[d].get('rideTime')!r}", citation)
    if not updated:
        check(same_moment(by_id[p].get("appointmentTime"), req["appointmentDateTime"]), ex,
              f"{who}: the pickup keeps its appointmentTime {req['appointmentDateTime']}, got "
              f"{by_id[p].get('appointmentTime')!r}", citation)


@prop("update_leaves_others")
def update_leaves_others(rule, target, ctx, states, ledger):
    """Updating A's pickup leaves A's dropoff and another appointment B of the same customer as they were."""
    with states.scope("none"):
        a = states.create(create_body(ctx, with_drop=True), settle=True)
        b = states.create(create_body(ctx, with_drop=True), settle=True)
        _update(target, ledger, ctx, a["sar_uuid"], _update_trip_body(ctx, a["pickup_uuid"]), rule.citation)
        for made, who, updated in ((a, "the updated appointment", True), (b, "the other appointment", False)):
            gx, trips = get_trips(target, ctx, made["sar_uuid"])
            _chain_intact(gx, trips, made, who, rule.citation, updated=updated)


@prop("update_keeps_dropoff_link")
def update_keeps_dropoff_link(rule, target, ctx, states, ledger):
    """An update of a pickup that does not send linkedTripUuids keeps the pickup's link to its dropoff."""
    with states.scope("appointment_with_drop") as made:
        _update(target, ledger, ctx, made["sar_uuid"], _update_trip_body(ctx, made["pickup_uuid"]), rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        pickup = next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]), {})
        check(made["dropoff_uuid"] in (pickup.get("linkedTripUuids") or []), gx,
              f"the updated pickup still lists its dropoff {made['dropoff_uuid']} in linkedTripUuids, got "
              f"{pickup.get('linkedTripUuids')!r}", rule.citation)


@prop("delete_leaves_others")
def delete_leaves_others(rule, target, ctx, states, ledger):
    """Deleting A leaves another appointment B of the same customer, its trips, times and links."""
    with states.scope("none"):
        a = states.create(create_body(ctx, with_drop=True), settle=True)
        b = states.create(create_body(ctx, with_drop=True), settle=True)
        ex = send(target, ledger, ctx, "delete", {
            "path": {"dealerDepartmentUUID": ctx.ident("department_uuid"), "appointmentUuid": a["sar_uuid"]},
            "query": {"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"}})
        expect_success(ex, rule.citation)
        ledger.forget(a["sar_uuid"])
        gx, trips = get_trips(target, ctx, b["sar_uuid"])
        _chain_intact(gx, trips, b, "the other appointment", rule.citation)


@prop("update_created_trip_linked")
def update_created_trip_linked(rule, target, ctx, states, ledger):
    """The trip update's create-new-trip scenario makes is linked to the appointment."""
    with states.scope("appointment_without_trip") as made:
        ex = send(target, ledger, ctx, "update", {"path": {"dealerUuid": ctx.ident("dealer_uuid"),
                                                           "sarUUID": made["sar_uuid"]},
                                                  "query": {}, "body": recreate_trip_body(ctx)})
        new = expect_success(ex, rule.citation).get("eventUUID")

        def judge(seen: tuple[Exchange, list[dict]]) -> None:
            gx, trips = seen
            trip = next((t for t in trips if t.get("eventUuid") == new), None)
            check(trip is not None, gx, f"get-trips returns the new trip {new}", rule.citation)
            check(trip.get("linkedAppointmentUuid") == made["sar_uuid"], gx, f"the new trip's linkedAppointmentUuid "
                  f"is the appointment {made['sar_uuid']}, got {trip.get('linkedAppointmentUuid')!r}", rule.citation)

        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), judge)


@prop("update_updated_by_recorded")
def update_updated_by_recorded(rule, target, ctx, states, ledger):
    """filter's updatedBy names the user making the update (updatedByUserDetails or requester), not the creator."""
    with states.scope("appointment_with_trip") as made:
        body = _update_trip_body(ctx, made["pickup_uuid"])
        body["updateAppointmentForTripRequest"]["updatedByUserDetails"] = {"uuid": ctx.ident("assigned_user_uuid")}
        _update(target, ledger, ctx, made["sar_uuid"], body, rule.citation)
        fx, views = _filter_views(target, ledger, ctx, [made["pickup_uuid"]], rule.citation)
        got = views[made["pickup_uuid"]].get("updatedBy")
        users = (ctx.ident("assigned_user_uuid"), body["updatePickupDeliveryTripEventRequest"]["requesterUserUUID"])
        check(any(_is_person(got, u) for u in users), fx, f"updatedBy is the user making the update (one of {users}), "
              f"got {got!r}", rule.citation)


# --- tenancy: another dealer's or department's path, a client holding every scope there -------------

def _other_tenant(rule, target, ctx) -> None:
    import pytest
    if not target.has_client(rule.credentials):
        pytest.skip(f"the target profile provides no '{rule.credentials}' client: "
                    f"{target.settings.missing_credential_hint(rule.credentials)}")
    for name in ("other_dealer_uuid", "other_department_uuid"):
        if not ctx.identities.get(name):
            pytest.skip(f"the target profile names no {name}")


def _rejected(ex: Exchange, what: str, citation) -> None:
    check(400 <= ex.status < 500, ex, f"{what} is rejected with a 4xx", citation)


@prop("get_trips_other_dealer_path")
def get_trips_other_dealer_path(rule, target, ctx, states, ledger):
    """Our appointment's trips are not returned through other_dealer's path to other_dealer's client."""
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        ours = {made["pickup_uuid"], made["dropoff_uuid"]}
        ex = target.call("get-trips", client=rule.credentials,
                         path={"dealerUuid": ctx.ident("other_dealer_uuid"), "sarUUID": made["sar_uuid"]})
        if ex.status == 200:
            body = body_of(ex, rule.citation)
            trips = body.get("tripViewDtos") if isinstance(body.get("tripViewDtos"), list) else []
            leaked = sorted({t.get("eventUuid") for t in trips if isinstance(t, dict)} & ours)
            check(not leaked and not trips, ex, f"another dealer's path shows none of the appointment's trips, "
                  f"got {len(trips)} trip(s), ours among them: {leaked}", rule.citation)
        else:
            _rejected(ex, "reading another dealer's appointment", rule.citation)


@prop("update_other_dealer_path")
def update_other_dealer_path(rule, target, ctx, states, ledger):
    """other_dealer's client cannot update our appointment through other_dealer's path."""
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_trip") as made:
        body = _update_trip_body(ctx, made["pickup_uuid"], dealerUUID=ctx.ident("other_dealer_uuid"),
                                 dealerDepartmentUUID=ctx.ident("other_department_uuid"))
        body["updatePickupDeliveryTripEventRequest"]["dealerDepartmentUUIDList"] = [ctx.ident("other_department_uuid")]
        body["updatePickupDeliveryTripEventRequest"]["source"] = "WEB"
        ex = target.call("update", client=rule.credentials, body=body,
                         path={"dealerUuid": ctx.ident("other_dealer_uuid"), "sarUUID": made["sar_uuid"]})
        _rejected(ex, "updating another dealer's appointment through its own path", rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        pickup = next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]), None)
        check(pickup is not None and same_moment(pickup.get("appointmentTime"), made["request"]["appointmentDateTime"]),
              gx, f"the appointment's pickup is unchanged (appointmentTime {made['request']['appointmentDateTime']}), "
              f"got {pickup!r}", rule.citation)


@prop("delete_other_department_path")
def delete_other_department_path(rule, target, ctx, states, ledger):
    """other_dealer's client cannot delete our appointment through other_department's path."""
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        ex = target.call("delete", client=rule.credentials,
                         path={"dealerDepartmentUUID": ctx.ident("other_department_uuid"),
                               "appointmentUuid": made["sar_uuid"]},
                         query={"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"})
        _rejected(ex, "deleting another dealer's appointment through its own department's path", rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        left = {t.get("eventUuid") for t in trips}
        check({made["pickup_uuid"], made["dropoff_uuid"]} <= left, gx,
              f"the appointment keeps its pickup and dropoff, got {sorted(left)}", rule.citation)
