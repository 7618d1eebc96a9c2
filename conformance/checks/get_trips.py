"""Checks of get-trips: the trips a prepared appointment shows, linked, valid and counted."""
from __future__ import annotations

from pnd_conformance.checks import CheckContext, PostContext, register
from pnd_conformance.checks.common import get_trips, same_instant, unknown_identity_rejected
from pnd_conformance.strategies.common import TRIP_STATUSES
from pnd_conformance.http.client import Exchange
from pnd_conformance.judging.verdict import check, expect_error, object_of


def _trips_of(ex: Exchange, body: dict, rule) -> dict:
    trips = body.get("tripViewDtos")
    check(trips is None or isinstance(trips, list), ex, "tripViewDtos is a list (or null)", rule.citation)
    return {t.get("eventUuid"): t for t in trips or [] if isinstance(t, dict)}


@register.post(requests=0)
def get_trips_pickup(c: PostContext) -> None:
    """Exactly the mapped pickup, linked to the appointment."""
    rule, ex, body, ctx = c.rule, c.ex, c.body, c.ctx
    sar, pickup_uuid = ctx.state["sar_uuid"], ctx.state["pickup_uuid"]
    trips = _trips_of(ex, body, rule)
    check(list(trips) == [pickup_uuid], ex, f"exactly the mapped pickup trip {pickup_uuid}, got {list(trips)}",
          rule.citation)
    pickup = trips[pickup_uuid]
    check(pickup.get("rideType") == "PICKUP_VEHICLE", ex, "the pickup's rideType is PICKUP_VEHICLE", rule.citation)
    check(pickup.get("linkedAppointmentUuid") == sar, ex, f"linkedAppointmentUuid is the appointment {sar}",
          rule.citation)


@register.post(requests=0)
def get_trips_linked_both_ways(c: PostContext) -> None:
    """The pickup and its linked dropoff, each listing the other."""
    rule, ex, body, ctx = c.rule, c.ex, c.body, c.ctx
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


@register.post(requests=0)
def get_trips_all_valid(c: PostContext) -> None:
    rule, ex, body = c.rule, c.ex, c.body
    trips = _trips_of(ex, body, rule)
    check(bool(trips), ex, "the appointment's trips are returned", rule.citation)
    invalid = [u for u, t in trips.items() if t.get("isValid") is not True]
    check(not invalid, ex, f"every trip has isValid true after the SAR-trip mapping; not: {invalid}", rule.citation)


@register.post(requests=0)
def get_trips_total_count(c: PostContext) -> None:
    rule, ex, body = c.rule, c.ex, c.body
    trips = _trips_of(ex, body, rule)
    check(body.get("totalCount") == len(trips), ex,
          f"totalCount is the number of trips returned ({len(trips)}), got {body.get('totalCount')!r}", rule.citation)


@register.post(requests=0)
def get_trips_empty(c: PostContext) -> None:
    rule, ex, body = c.rule, c.ex, c.body
    trips = _trips_of(ex, body, rule)
    check(not trips, ex, f"no trip data for an appointment without a mapped pickup, got {list(trips)}",
          rule.citation)
    check(body.get("totalCount") in (None, 0), ex,
          f"totalCount 0 (or absent) when no trips are returned, got {body.get('totalCount')!r}", rule.citation)


@register.property(once=1)
def get_trips_rejection_no_trips(c: CheckContext) -> None:
    """A rejected get-trips (blank sarUUID) returns no trips: tripViewDtos null (or empty), totalCount 0."""
    rule, target, ctx = c.rule, c.target, c.ctx
    ex = target.call("get-trips", path={"dealerUuid": ctx.ident("dealer_uuid"), "sarUUID": " "})
    expect_error(ex, 400, "INVALID_SAR_UUID", rule.citation)
    body = object_of(ex.json)
    check(body.get("tripViewDtos") in (None, []), ex, f"a rejected get-trips returns no trips (tripViewDtos null, "
          f"as in the error response example), got {body.get('tripViewDtos')!r}", rule.citation)
    check(body.get("totalCount") in (None, 0), ex, f"a rejected get-trips counts no trips (totalCount 0 or absent), "
          f"got {body.get('totalCount')!r}", rule.citation)


@register.property(once=3)
def get_trips_statuses_listed(c: CheckContext) -> None:
    """Each trip get-trips returns has a tripStatus of the documented list (filter's tripStatuses)."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    with states.scope("appointment_with_drop") as made:
        ex, trips = get_trips(target, ctx, made["sar_uuid"])
        odd = {t.get("eventUuid"): t.get("tripStatus") for t in trips
               if t.get("tripStatus") is not None and t.get("tripStatus") not in TRIP_STATUSES}
        check(not odd, ex, f"each trip's tripStatus is one of {', '.join(TRIP_STATUSES)}; got {odd}", rule.citation)


@register.property(once=1)
def get_trips_unknown_dealer(c: CheckContext) -> None:
    """A dealerUuid naming no dealer: 400 INVALID_DEALER_UUID, or 403 when the scope is checked first."""
    unknown = c.ctx.ident("unknown_uuid")
    ex = c.target.call("get-trips", path={"dealerUuid": unknown, "sarUUID": unknown})
    unknown_identity_rejected(ex, c.rule)
# --- writes that last (spec/NOTES.md "Writes that last, and \"later\" within a run") -----------------

LASTING_AGE = 2.0  # seconds at least between the last write and the re-read (longer: the settle window)


def aged(target, since: float) -> None:
    """Wait until the last write (`since`, monotonic) is LASTING_AGE old, or the settle window if longer."""
    import time

    from pnd_conformance.target.settle import window

    left = max(LASTING_AGE, window(target)) - (time.monotonic() - since)
    if left > 0:
        time.sleep(left)


def lasting_problems(trips: dict, want: dict) -> list[str]:
    """What in these trip views (by eventUuid) differs from what was last written: `want` maps a trip's
    eventUuid to {field: value} (times compared as instants)."""
    from pnd_conformance.checks.common import same_moment

    out = []
    for uuid, fields in want.items():
        view = trips.get(uuid)
        if not isinstance(view, dict):
            out.append(f"trip {uuid} is gone")
            continue
        for key, value in fields.items():
            got = view.get(key)
            same = same_moment(got, value) if key in ("appointmentTime", "rideTime") else got == value
            if not same:
                out.append(f"trip {uuid}: {key} is {got!r}, last written {value!r}")
    return out


@register.property(once=9)
def writes_last(c) -> None:
    """Trips a create made and the values an update wrote are still shown, as last written, some seconds
    later in get-trips and filter; and by then every trip is valid."""
    import time
    from functools import partial

    from pnd_conformance.checks.common import filter_views, get_trips, settled
    from pnd_conformance.checks.update import _update, update_trip_body
    from pnd_conformance.judging.verdict import check
    from pnd_conformance.strategies.common import fmt
    from pnd_conformance.strategies.fixed import next_slot

    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        a = states.create(with_drop=True, settle=True)
        b = states.create(settle=True)
        moved = fmt(next_slot(), ctx.utc_offset)
        _update(target, ledger, ctx, b["sar_uuid"], update_trip_body(ctx, b["pickup_uuid"], appointmentTime=moved,
                                                                     tripStatus="DRAFT"), rule.citation)
        last = time.monotonic()
        want = {a["pickup_uuid"]: {"appointmentTime": a["request"]["appointmentDateTime"],
                                   "linkedAppointmentUuid": a["sar_uuid"]},
                a["dropoff_uuid"]: {"rideTime": a["request"]["dropTripInformation"]["rideTime"],
                                    "linkedAppointmentUuid": a["sar_uuid"]},
                b["pickup_uuid"]: {"appointmentTime": moved, "tripStatus": "DRAFT",
                                   "linkedAppointmentUuid": b["sar_uuid"]}}
        aged(target, last)

        def judge(ex, views: dict, where: str) -> None:
            mine = {u: v for u, v in views.items() if u in want}
            problems = lasting_problems(mine, {u: f for u, f in want.items() if u in mine or where == "filter"})
            check(not problems, ex, f"{where}, {LASTING_AGE:.0f} s or more after the last write: what the run "
                  f"wrote is still there as written; {'; '.join(problems)}", rule.citation)

        for made in (a, b):
            ours = {u for u in (made["pickup_uuid"], made["dropoff_uuid"]) if u}

            def shown(s, ours=ours) -> None:
                check(ours <= {t.get("eventUuid") for t in s[1]}, s[0], f"get-trips still returns the trips "
                      f"{sorted(ours)} the run made", rule.citation)
                judge(s[0], {t.get("eventUuid"): t for t in s[1]}, "get-trips")

            seen = settled(target, partial(get_trips, target, ctx, made["sar_uuid"]), shown)
            invalid = [t.get("eventUuid") for t in seen[1] if t.get("isValid") is not True]
            if invalid:  # "marked valid later": one more read, then judged
                seen = get_trips(target, ctx, made["sar_uuid"])
                invalid = [t.get("eventUuid") for t in seen[1] if t.get("isValid") is not True]
            check(not invalid, seen[0], f"the trips are marked valid \"later\": still not valid seconds after the "
                  f"write, near the end of a run: {invalid}", rule.citation)
        filter_views(target, ledger, ctx, sorted(want), rule.citation, lambda fx, views: judge(fx, views, "filter"))
