"""What the checks share: reading times, get-trips and filter after a write (judged once settled), the
create response's UUIDs, trip views compared with what was sent."""
from __future__ import annotations

import uuid as _uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeGuard, cast

from pnd_conformance.http.client import Exchange, Target
from pnd_conformance.target.ledger import Ledger
from pnd_conformance.target.send import send
from pnd_conformance.target.settle import eventually, window
from pnd_conformance.judging.verdict import check, expect_error, expect_success, object_of
from pnd_conformance.strategies.context import Ctx


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
    """A read that follows a write, judged once it has settled (conformance/target/settle.py)."""
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


def sent_time(value: str) -> datetime:
    """A date-time the suite itself sent (valid by construction), parsed."""
    return cast(datetime, parse_time(value))


def same_instant(a: Any, b: Any) -> bool:
    pa, pb = parse_time(a), parse_time(b)
    return pa is not None and pb is not None and pa == pb and pa.utcoffset() == pb.utcoffset()


def same_moment(a: Any, b: Any) -> bool:
    """Equal instants, whatever offset or form each is written in (a serializer's liberty)."""
    pa, pb = parse_time(a), parse_time(b)
    return pa is not None and pb is not None and pa == pb


def event_uuids(body: dict) -> list:
    return [t.get("eventUuid") for t in (body.get("tripViewDtos") or []) if isinstance(t, dict)]


def filter_call(target: Target, ledger: Ledger, ctx: Ctx, body: dict) -> tuple[Exchange, dict]:
    ex = send(target, ledger, ctx, "filter", {"body": body})
    return ex, expect_success(ex)


def is_person(view: Any, uuid: str) -> bool:
    """A person object of the trip view names `uuid` (as its uuid or its userUuid; the docs say neither)."""
    return isinstance(view, dict) and uuid in (view.get("uuid"), view.get("userUuid"))


def probe() -> str:
    return "pnd-" + _uuid.uuid4().hex[:12]


def filter_views(target, ledger, ctx: Ctx, uuids: list[str], citation,
                 judge: Callable[[Exchange, dict[Any, dict]], None] | None = None) -> tuple[Exchange, dict[Any, dict]]:
    """Filter's trip views of these trips (by eventUuids), keyed by eventUuid: a read that follows a
    write, so it is judged (every trip there, then `judge`) once settled."""
    def observe() -> tuple[Exchange, dict[Any, dict]]:
        ex, body = filter_call(target, ledger, ctx, {"dealerDepartmentUUIDList": [ctx.ident("department_uuid")],
                                                     "dealerUuids": [ctx.ident("dealer_uuid")],
                                                     "eventUuids": sorted(uuids), "sortOrder": "APPT_TIME_ASC"})
        return ex, {t.get("eventUuid"): t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)}

    def accept(seen: tuple[Exchange, dict[Any, dict]]) -> None:
        ex, views = seen
        missing = sorted(set(uuids) - set(views))
        check(not missing, ex, f"filter by eventUuids returns our trips; missing {missing}", citation)
        if judge is not None:
            judge(ex, views)

    return settled(target, observe, accept)


def trip_view(target: Target, ctx: Ctx, sar: str, uuid: str, citation,
              judge: Callable[[Exchange, dict], None]) -> tuple[Exchange, dict]:
    """get-trips' view of one trip of `sar`, judged by `judge` once settled (a read that follows a write)."""
    def accept(seen: tuple[Exchange, list[dict]]) -> None:
        ex, trips = seen
        view = next((t for t in trips if t.get("eventUuid") == uuid), None)
        check(isinstance(view, dict), ex, f"get-trips returns the trip {uuid}", citation)
        judge(ex, cast(dict, view))

    ex, trips = settled(target, lambda: get_trips(target, ctx, sar), accept)
    return ex, next(t for t in trips if t.get("eventUuid") == uuid)


def check_optional_fields(ex: Exchange, view: dict, sent: dict, who: str, citation) -> None:
    got = object_of(view.get("optionalFields"))
    lost = {k: v for k, v in sent.items() if got.get(k) != v}
    check(not lost, ex, f"{who}: optionalFields holds every pair sent {sent}, got {got or None}", citation)


def chain_intact(ex: Exchange, trips: list[dict], made: dict, who: str, citation, *, updated: bool = False) -> None:
    """`made`'s pickup and dropoff are there, linked both ways, with their times as created; for a pickup
    just `updated`, its own fields (its time, its linkedTripUuids) are not judged here."""
    by_id: dict[Any, dict] = {t.get("eventUuid"): t for t in trips}
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


def unknown_identity_rejected(ex: Exchange, rule) -> None:
    """A well-formed path identity that names nothing: the rule's 400 and code, or 403 FORBIDDEN, since which
    check runs first is open (NOTES.md "Path identity before scope"); the code of the 400 is stated."""
    expect = rule.expected
    check(ex.status in (expect.status, 403), ex, f"HTTP {expect.status} {expect.errorCode}, or 403 FORBIDDEN if the "
          "scope is checked first", rule.citation)
    if ex.status == 403:
        expect_error(ex, 403, "FORBIDDEN", rule.citation)
    else:
        expect_error(ex, expect.status, expect.errorCode, rule.citation)


def keeps_trips(target: Target, ctx: Ctx, made: dict, what: str, citation) -> None:
    """After a rejected write, get-trips still shows the appointment's pickup (and dropoff)."""
    gx, trips = get_trips(target, ctx, made["sar_uuid"])
    left = {t.get("eventUuid") for t in trips}
    kept = {u for u in (made.get("pickup_uuid"), made.get("dropoff_uuid")) if u}
    check(kept <= left, gx, f"{what}: the appointment keeps its trips {sorted(kept)}, got {sorted(map(str, left))}",
          citation)
def is_count(value: Any) -> TypeGuard[int | float]:
    """A JSON number with no fraction: 2 and 2.0 alike (JSON has one number type, JSON Schema counts 2.0 as an
    integer; spec/NOTES.md "Numbers with a zero fraction")."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()


#: Fields of a trip view that describe its appointment rather than the trip itself, or keep the books:
#: an update "Updates both the trip and the appointment", so the linked trip may show them changed
#: (spec/NOTES.md "Untouched state: every field of what a write did not name").
APPOINTMENT_FIELDS = frozenset({"appointmentTime", "customer", "serviceAdvisor", "vehicle", "dealerOrder", "updatedBy",
                                "version", "updatedDate", "lastModifiedDate"})


def volatile(first: dict[Any, dict], second: dict[Any, dict]) -> set[str]:
    """The view fields that differ between two reads with no write between (computed on read): not judged."""
    return {k for u in first.keys() & second.keys() for k in first[u].keys() | second[u].keys()
            if first[u].get(k) != second[u].get(k)}


def changed_fields(before: dict, after: dict, skip: set[str] | frozenset[str]) -> dict[str, tuple[Any, Any]]:
    """Every field of a trip view that differs between two reads (absent and null alike), but `skip`."""
    return {k: (before.get(k), after.get(k)) for k in sorted(before.keys() | after.keys())
            if k not in skip and before.get(k) != after.get(k)}


def views_unchanged(ex: Exchange, before: dict[Any, dict], after: dict[Any, dict], skip: dict[Any, set[str]],
                    where: str, citation) -> None:
    """Each trip of `before` is in `after` with every field as it was (but its `skip` fields)."""
    for uuid, was in before.items():
        now = after.get(uuid)
        check(isinstance(now, dict), ex, f"{where}: the trip {uuid} the write did not name is still there", citation)
        # a trip not valid yet may be marked valid meanwhile ("The trip is marked valid later")
        later = {"isValid"} if was.get("isValid") is not True else set()
        diff = changed_fields(was, cast(dict, now), skip.get(uuid, set()) | later)
        check(not diff, ex, f"{where}: the trip {uuid} the write did not name is unchanged; changed (before, after): "
              f"{diff}", citation)
