"""Checks of filter: every returned trip matches every filter sent, sorted and counted; pages partition
the result; each filter selects exactly our matching trips; a department restricts."""
from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pnd_conformance.checks import CheckContext, PostContext, register
from pnd_conformance.checks.common import (event_uuids, filter_call, filter_views, is_count, parse_time, sent_time,
    settled)
from pnd_conformance.http.client import Exchange
from pnd_conformance.target.send import send
from pnd_conformance.judging.verdict import check, expect_error, expect_success
from pnd_conformance.strategies import valid_request
from pnd_conformance.strategies.common import SUB_TRIP_STATUSES
from pnd_conformance.strategies.triggers import apply
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import create_body

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
        t, lo, hi = effective_time(trip), sent_time(req["startApptTime"]), sent_time(req["endApptTime"])
        if time_judged(trip) and (t is None or not (lo <= t <= hi)):
            out.append(f"time {trip.get('appointmentTime') or trip.get('rideTime')} outside "
                       f"[{req['startApptTime']}, {req['endApptTime']}]")
    return out


def check_sorted(ex: Exchange, trips: list[dict], order: str, citation) -> None:
    times = [effective_time(t) for t in trips]
    known = [t for t in times if t is not None]
    want = sorted(known, reverse=order == "APPT_TIME_DESC")
    check(known == want, ex, f"trips sorted by appointment time per sortOrder {order}", citation)


@register.post(requests=0)
def filter_results_match(c: PostContext) -> None:
    """Every returned trip satisfies every filter sent; order and counts hold."""
    rule, ex, body, request = c.rule, c.ex, c.body, c.request
    req = request["body"]
    trips = [t for t in (body.get("tripViewDtos") or []) if isinstance(t, dict)]
    for trip in trips:
        problems = trip_problems(trip, req)
        check(not problems, ex, f"every returned trip satisfies every filter sent; trip {trip.get('eventUuid')}: "
              + "; ".join(problems), rule.citation)
    check_sorted(ex, trips, req["sortOrder"], rule.citation)
    total = body.get("totalCount")
    check(is_count(total) and total >= len(trips), ex,
          "totalCount is the number of matching trips (at least the page's length)", rule.citation)
    if req.get("pageSize"):
        check(len(trips) <= req["pageSize"], ex, f"at most pageSize={req['pageSize']} trips", rule.citation)


def _seed_trips(states, ctx: Ctx, n: int = 3) -> list[dict]:
    """Create a few appointments (some with dropoffs) so filters have data of ours to find."""
    out = []
    for i in range(n):
        out.append(states.create(create_body(ctx, with_drop=i % 2 == 0, drivers=i == 1,
                                             trip_status="DRAFT" if i == 2 else None)))
    return out


MAX_PAGES = 8  # pages per paging pass; the page size grows with the number of matches


def _all_pages(target, ledger, ctx, base: dict, mode: str, size: int) -> tuple[list[Any], list[Any], Any]:
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


@register.property(once=6, per_example=4, explores=True)
def filter_pagination_partitions(c: CheckContext) -> None:
    """pageNumber (1-based) pages partition the unpaged result; totalCount = matches."""
    _partitions(c, "pageNumber")


@register.property(once=6, per_example=4, explores=True)
def filter_last_item_index_partitions(c: CheckContext) -> None:
    """lastItemIndex (read: items already returned) pages partition the unpaged result (inferred)."""
    _partitions(c, "lastItemIndex")


@register.property(once=6, per_example=4, explores=True)
def filter_last_item_index_no_overlap(c: CheckContext) -> None:
    """lastItemIndex pages (sent as the items already returned) repeat no trip and hold only matches, whichever
    item the server starts a page at: as many as were returned, or the one after (NOTES.md "lastItemIndex")."""
    _partitions(c, "lastItemIndex", exact=False)


def _partitions(c, mode: str, exact: bool = True) -> None:
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        mine = _seed_trips(states, ctx)
        times = sorted(sent_time(s["request"]["appointmentDateTime"]) for s in mine)
        start, end = times[0].replace(hour=0, minute=0), times[-1].replace(hour=23, minute=59)
        # Bound the window around our own trips; the dropoffs (a day later) may fall in it too.
        base = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "startApptTime": start.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "endApptTime": end.strftime("%Y-%m-%dT%H:%M:%S%z")}

        @given(order=st.sampled_from(["APPT_TIME_ASC", "APPT_TIME_DESC"]), size=st.integers(1, 4))
        def run(order, size):
            def judge(seen: tuple[Exchange, dict]) -> None:
                full_ex, full = seen
                everything = event_uuids(full)
                check(full.get("totalCount") == len(everything), full_ex,
                      "totalCount: the number of trips matching the filters", rule.citation)
                for s in mine:
                    check(s["pickup_uuid"] in everything, full_ex,
                          f"the filter returns our trip {s['pickup_uuid']} created in the time range", rule.citation)

            _, full = settled(target, lambda: filter_call(target, ledger, ctx, {**base, "sortOrder": order}), judge)
            everything = event_uuids(full)
            # Other people's trips in the window are normal on a shared target: pages stay few.
            size = max(size, -(-len(everything) // MAX_PAGES))
            ids, totals, last = _all_pages(target, ledger, ctx, {**base, "sortOrder": order}, mode, size)
            check(len(ids) == len(set(ids)), last, f"{mode} pages of {size} repeat no trip: {ids}", rule.citation)
            if not exact:
                extra = sorted(set(ids) - set(everything))
                check(not extra, last, f"{mode} pages of {size} hold only trips of the unpaged result "
                      f"{everything}, got also {extra}", rule.citation)
                return
            check(ids == everything, last, f"{mode} pages of {size} (1-based pageNumber; lastItemIndex = items "
                  f"already returned) concatenate to the unpaged result {everything}, got {ids}", rule.citation)
            check(all(t == len(everything) for t in totals), last,
                  f"every page's totalCount is the number of matches {len(everything)}, got {totals}", rule.citation)

        run()


@register.property(once=6, per_example=1, explores=True)
def filter_properties(c: CheckContext) -> None:
    """Any valid filter: every returned trip satisfies every filter sent, sorted, counted."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        _seed_trips(states, ctx)

        @given(data=st.data())
        def run(data):
            base = data.draw(st.sampled_from(["page_number", "last_item_index", "unpaged"]))
            request = data.draw(valid_request("filter", ctx, base))
            ex = send(target, ledger, ctx, "filter", request)
            body = expect_success(ex, rule.citation)
            filter_results_match(c.answered(ex, body, request))

        run()


def _window(made: list[dict], ctx: Ctx) -> dict:
    times = [sent_time(m["request"]["appointmentDateTime"]) for m in made]
    drops = [sent_time(m["request"]["dropTripInformation"]["rideTime"]) for m in made
             if m["request"].get("dropTripInformation")]
    lo, hi = min(times + drops), max(times + drops)
    return {"startApptTime": lo.strftime("%Y-%m-%dT%H:%M:%S%z"), "endApptTime": hi.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _ours(made: list[dict]) -> set[str]:
    return {u for m in made for u in (m["pickup_uuid"], m["dropoff_uuid"]) if u}


@register.property(once=8)
def filter_sort_order(c: CheckContext) -> None:
    """Our trips at distinct times come back ordered by appointment time in both orders."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = [states.create(create_body(ctx)) for _ in range(3)]
        ours = _ours(made)
        for order in ("APPT_TIME_ASC", "APPT_TIME_DESC"):
            asked = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")],
                     "dealerUuids": [ctx.ident("dealer_uuid")], "eventUuids": sorted(ours), "sortOrder": order}
            ex, body = settled(target, partial(filter_call, target, ledger, ctx, asked), lambda seen: check(
                set(event_uuids(seen[1])) >= ours, seen[0], f"all of our trips {sorted(ours)} are returned",
                rule.citation))
            trips = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict) and t.get("eventUuid") in ours]
            times = [time for time in map(effective_time, trips) if time is not None]
            check(len(times) == len(trips), ex, "every trip has an appointmentTime", rule.citation)
            check(times == sorted(times, reverse=order == "APPT_TIME_DESC"), ex,
                  f"{order}: trips ordered by appointment time, got {[t.isoformat() for t in times]}", rule.citation)


def _selectors(views: dict[str, dict], made: list[dict], ctx: Ctx) -> list[dict]:
    """One request fragment per documented filter, with values that split our trips where possible."""
    def values(get):
        return sorted({v for v in (get(t) for t in views.values()) if v})
    statuses = values(lambda t: t.get("tripStatus"))
    subs = values(lambda t: next((s.get("status") for s in t.get("subTrips") or [] if isinstance(s, dict)), None))
    first = made[0]
    day = sent_time(first["request"]["appointmentDateTime"])
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


@register.property(once=18)
def filter_each_filter_selects(c: CheckContext) -> None:
    """Each filter keeps exactly those of our trips that match it (judged on their unfiltered views)."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = [states.create(create_body(ctx, with_drop=True)),
                states.create(create_body(ctx, customer=ctx.ident("other_customer_uuid"), drivers=True)),
                states.create(create_body(ctx, trip_status="DRAFT"))]
        ours = _ours(made)
        base = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "sortOrder": "APPT_TIME_ASC", **_window(made, ctx)}
        ex, body = settled(target, lambda: filter_call(target, ledger, ctx, base), lambda seen: check(
            set(event_uuids(seen[1])) >= ours, seen[0], f"the unfiltered window returns all of our trips "
            f"{sorted(ours)}, got {sorted(set(event_uuids(seen[1])) & ours)}", rule.citation))
        views = {t["eventUuid"]: t for t in body.get("tripViewDtos") or []
                 if isinstance(t, dict) and t.get("eventUuid") in ours}
        for fragment in _selectors(views, made, ctx):
            req = {**base, **fragment}
            # A time range judges only trips with a documented filter time (not the dropoffs).
            judged = {u for u, t in views.items() if "startApptTime" not in fragment or time_judged(t)}
            want = {u for u, t in views.items() if u in judged and not trip_problems(t, req)}
            fx, fbody = filter_call(target, ledger, ctx, req)
            got = {str(t.get("eventUuid")) for t in fbody.get("tripViewDtos") or [] if isinstance(t, dict)}
            name = ", ".join(f"{k}={v}" for k, v in fragment.items())
            check(got & judged == want, fx, f"filter {name} keeps exactly our matching trips {sorted(want)}, "
                  f"got {sorted(got & judged)}", rule.citation)
            for trip in fbody.get("tripViewDtos") or []:
                problems = trip_problems(trip, req) if isinstance(trip, dict) else ["not an object"]
                shown = trip.get("eventUuid") if isinstance(trip, dict) else trip
                check(not problems, fx, f"filter {name}: trip {shown} does not match: {'; '.join(problems)}",
                      rule.citation)


@register.property(once=3)
def filter_department_restricts(c: CheckContext) -> None:
    """A trip of department_uuid is not returned to a filter of other_department_uuid."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    client = rule.credentials or "full"
    if not target.has_client(client):
        pytest.skip(f"the target profile provides no '{client}' client: "
                    f"{target.settings.missing_credential_hint(client)}")
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


@register.property(once=3)
def filter_out_of_grant_no_leak(c: CheckContext) -> None:
    """A client listing only a department outside its grant gets a 4xx or none of that department's trips."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    client = rule.credentials or "full"
    if not target.has_client(client):
        pytest.skip(f"the target profile provides no '{client}' client: "
                    f"{target.settings.missing_credential_hint(client)}")
    with states.scope("appointment_with_drop") as made:
        ours = sorted(_ours([made]))
        department = ctx.ident("department_uuid")
        ex = target.call("filter", client=client,
                         body={"dealerDepartmentUUIDList": [department], "dealerUuids": [ctx.ident("dealer_uuid")],
                               "eventUuids": ours, "sortOrder": "APPT_TIME_ASC"})
        if 400 <= ex.status < 500:
            expect_error(ex, ex.status, None, rule.citation)
            return
        body = expect_success(ex, rule.citation)
        trips = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)]
        leaked = [t.get("eventUuid") for t in trips if t.get("eventUuid") in ours
                  or (t.get("department") or {}).get("uuid") == department]
        check(not leaked, ex, f"a client without the scope for department {department} gets a 4xx or none of its "
              f"trips; got {leaked}", rule.citation)


SUB_TRIP_RIDE_TYPES = ("OUTBOUND", "INBOUND")


@register.property(once=3)
def filter_sub_trips_listed(c: CheckContext) -> None:
    """Each sub trip of our trips has a rideType of the two documented legs and a status of the sub-trip list."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_drop") as made:
        ex, views = filter_views(target, ledger, ctx, sorted(_ours([made])), rule.citation)
        odd = [(u, s.get("rideType"), s.get("status")) for u, v in views.items()
               for s in v.get("subTrips") or [] if isinstance(s, dict)
               and (s.get("rideType") not in (None, *SUB_TRIP_RIDE_TYPES)
                    or s.get("status") not in (None, *SUB_TRIP_STATUSES))]
        check(not odd, ex, f"each sub trip's rideType is OUTBOUND or INBOUND and its status one of the sub-trip "
              f"statuses; got (trip, rideType, status) {odd}", rule.citation)


@register.property(once=3)
def filter_rejected_or_selects_nothing_else(c: CheckContext) -> None:
    """The rule's trigger on a basic filter of our trips: a 4xx, or a 200 whose trips match what was asked (a
    listed rideType; none at all when no department, or no dealer and no event, is named)."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("appointment_with_drop"):
        base = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "sortOrder": "APPT_TIME_ASC"}
        request = apply({"path": {}, "query": {}, "body": base}, rule.trigger, ctx)
        ex = send(target, ledger, ctx, "filter", request)
        if 400 <= ex.status < 500:
            expect_error(ex, ex.status, None, rule.citation)
            return
        body = expect_success(ex, rule.citation)
        sent = request["body"]
        trips = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)]
        if not sent.get("dealerDepartmentUUIDList") or not (sent.get("dealerUuids") or sent.get("eventUuids")):
            check(not trips, ex, f"a filter naming no department, or no dealer and no event, selects no trip; got "
                  f"{[t.get('eventUuid') for t in trips]}", rule.citation)
        wrong = [(t.get("eventUuid"), t.get("rideType")) for t in trips
                 if sent.get("rideTypes") and t.get("rideType") not in sent["rideTypes"]]
        check(not wrong, ex, f"only trips of the listed rideTypes {sent.get('rideTypes')} are returned; got {wrong}",
              rule.citation)
# --- totalCount under every filter, and long lists (filter-trips.txt request table) --------------

COUNT_PAGE = 3  # page size when counting: a window of our few trips takes one or two pages


def _combined(views: dict[str, dict], made: list[dict], ctx: Ctx) -> list[dict]:
    """Filters sent together (AND across filters), each pair splitting our trips differently."""
    first = made[0]
    return [
        {"tripStatuses": ["DRAFT"], "rideTypes": ["PICKUP_VEHICLE"]},
        {"customerUuids": [ctx.ident("customer_uuid")], "rideTypes": ["PICKUP_VEHICLE", "DROPOFF_VEHICLE"],
         "tripStatuses": sorted({str(t.get("tripStatus")) for t in views.values() if t.get("tripStatus")})},
        {"customerUuids": [ctx.ident("other_customer_uuid")], "driverUuids": [ctx.ident("driver_uuids.0")]},
        {"tripStatuses": ["DRAFT"], "customerUuids": [first["request"]["customerUUID"]],
         "startApptTime": first["request"]["appointmentDateTime"],
         "endApptTime": first["request"]["appointmentDateTime"]},
    ]


def _paged(target, ledger, ctx: Ctx, req: dict) -> tuple[list[Any], list[Any], Exchange]:
    """Every page of `req` by pageNumber, COUNT_PAGE at a time: the ids in order, each page's totalCount."""
    ids: list[Any] = []
    totals: list[Any] = []
    page = 1
    while True:
        last, data = filter_call(target, ledger, ctx, {**req, "pageSize": COUNT_PAGE, "pageNumber": page})
        got = event_uuids(data)
        ids.extend(got)
        totals.append(data.get("totalCount"))
        if len(got) < COUNT_PAGE or page == MAX_PAGES:
            return ids, totals, last
        page += 1


@register.property(once=27)
def filter_total_count_every_filter(c: CheckContext) -> None:
    """Under each documented filter alone and several combined, every page's totalCount is the number of
    matches (the trips all pages hold), and the pages hold exactly our matching trips."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = [states.create(create_body(ctx, with_drop=True)),
                states.create(create_body(ctx, customer=ctx.ident("other_customer_uuid"), drivers=True)),
                states.create(create_body(ctx, trip_status="DRAFT"))]
        ours = _ours(made)
        base = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "sortOrder": "APPT_TIME_ASC", **_window(made, ctx)}
        _, body = settled(target, lambda: filter_call(target, ledger, ctx, base), lambda seen: check(
            set(event_uuids(seen[1])) >= ours, seen[0], f"the unfiltered window returns all of our trips "
            f"{sorted(ours)}, got {sorted(set(event_uuids(seen[1])) & ours)}", rule.citation))
        views = {t["eventUuid"]: t for t in body.get("tripViewDtos") or []
                 if isinstance(t, dict) and t.get("eventUuid") in ours}
        fragments = [f for f in _selectors(views, made, ctx) if "eventUuids" not in f]  # pageSize excludes them
        for fragment in [{}, *fragments, *_combined(views, made, ctx)]:
            req = {**base, **fragment}
            judged = {u for u, t in views.items() if "startApptTime" not in fragment or time_judged(t)}
            want = {u for u, t in views.items() if u in judged and not trip_problems(t, req)}
            ids, totals, last = _paged(target, ledger, ctx, req)
            name = ", ".join(f"{k}={v}" for k, v in fragment.items()) or "the window alone"
            check(len(ids) == len(set(ids)), last, f"filter {name}: pages repeat no trip, got {ids}", rule.citation)
            check(set(ids) & judged == want, last, f"filter {name}: the pages hold exactly our matching trips "
                  f"{sorted(want)}, got {sorted(set(ids) & judged)}", rule.citation)
            check(all(is_count(t) and t == len(ids) for t in totals), last, f"filter {name}: every page's "
                  f"totalCount is the number of matching trips ({len(ids)} on {len(totals)} page(s) of "
                  f"{COUNT_PAGE}), got {totals}", rule.citation)


LIST_SIZES = (1, 36, 100)  # what partners send: one trip, a few dozen, a hundred


def _long_list(ours: list[str], size: int) -> list[str]:
    """`size` UUIDs (at least our trips, the last of them at the end): well-formed UUIDs naming nothing
    between, then one of ours again (a duplicate) when there is room."""
    import uuid

    if size <= len(ours):
        return ours[-size:]
    out = [ours[0]] + [str(uuid.uuid4()) for _ in range(size - len(ours) - 1)]
    step = max(1, len(out) // len(ours))
    for i, u in enumerate(ours[1:], 1):
        out.insert(min(len(out), i * step), u)
    return out + [ours[0]]


@register.property(once=10)
def filter_long_lists(c: CheckContext) -> None:
    """eventUuids of 1, 36 and 100 members (our trips among unknown UUIDs, duplicates included) return
    exactly our listed trips; long customerUuids and driverUuids lists and a tripStatuses list naming every
    status twice keep every trip a member names."""
    from pnd_conformance.strategies.common import TRIP_STATUSES

    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = [states.create(create_body(ctx, with_drop=True, drivers=True)),
                states.create(create_body(ctx, customer=ctx.ident("other_customer_uuid"), trip_status="DRAFT"))]
        ours = sorted(_ours(made))
        dept = {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
                "sortOrder": "APPT_TIME_ASC"}
        for size in LIST_SIZES:
            listed = _long_list(ours, size)
            mine = set(listed) & set(ours)

            def judge(seen: tuple[Exchange, dict], listed=listed, mine=mine) -> None:
                ex, data = seen
                got = event_uuids(data)
                check(set(got) & set(ours) == mine, ex, f"eventUuids of {len(listed)} members returns every listed "
                      f"trip of ours {sorted(mine)}, got {sorted(set(got) & set(ours))}", rule.citation)
                check(set(got) <= set(listed) and len(got) == len(set(got)), ex, f"eventUuids of {len(listed)} "
                      f"members returns only listed trips, each once, got {got}", rule.citation)

            settled(target, partial(filter_call, target, ledger, ctx, {**dept, "eventUuids": listed}), judge)
        window = {**dept, **_window(made, ctx)}
        pickups = {m["pickup_uuid"] for m in made}
        customers = _long_list([m["request"]["customerUUID"] for m in made], 40)
        drivers = _long_list([ctx.ident("driver_uuids.1"), ctx.ident("driver_uuids.0")], 40)
        statuses = list(TRIP_STATUSES) * 2
        # judged on the pickups: a dropoff's place in a time range is open (NOTES.md "Time range: which time, bounds")
        for name, fragment, want in (("customerUuids", {"customerUuids": customers}, pickups),
                                     ("driverUuids", {"driverUuids": drivers}, {made[0]["pickup_uuid"]}),
                                     ("tripStatuses", {"tripStatuses": statuses}, pickups)):
            def judge_list(seen: tuple[Exchange, dict], name=name, fragment=fragment, want=want) -> None:
                ex, data = seen
                got = set(event_uuids(data))
                check(want <= got, ex, f"{name} of {len(fragment[name])} members keeps every trip a member names "
                      f"{sorted(want)}, missing {sorted(want - got)}", rule.citation)

            settled(target, partial(filter_call, target, ledger, ctx, {**window, **fragment}), judge_list)
