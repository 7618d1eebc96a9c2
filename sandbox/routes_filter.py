"""filter: POST /pickupdelivery/v3/trip-view/list (filter-trips.txt). The doc names the
validation rules without error codes: the codes here are the sandbox's choice (README.md)."""
from __future__ import annotations

from typing import Any

from pnd_conformance.sandbox import auth, envelopes
from pnd_conformance.sandbox.context import (DOC_STATUSES, FILTER_RIDE_TYPES, SUB_TRIP_STATUSES, TRIP_STATUSES, Call,
    Context)
from pnd_conformance.sandbox.store import Trip
from pnd_conformance.sandbox.validation import INT, OffsetDateTime, bad_request, blank, check_types, coerce_scalars, \
    parse_json_object, parse_offset_datetime
from pnd_conformance.sandbox.views import trip_view

SCOPE = "pickupdelivery.trip.fetch"
FILTER_SCHEMA = {
    "dealerDepartmentUUIDList": [str], "sortOrder": str, "dealerUuids": [str], "eventUuids": [str],
    "startApptTime": str, "endApptTime": str, "driverUuids": [str], "customerUuids": [str],
    "tripStatuses": [str], "subTripStatuses": [str], "rideTypes": [str], "docStatuses": [str],
    "lastItemIndex": INT, "pageNumber": INT, "pageSize": INT, "requesterUserUUID": str,
}
SORT_ORDERS = ("APPT_TIME_ASC", "APPT_TIME_DESC")
ENUM_LISTS = (("rideTypes", FILTER_RIDE_TYPES, "INVALID_RIDE_TYPE"),
              ("tripStatuses", TRIP_STATUSES, "INVALID_TRIP_STATUS"),
              ("subTripStatuses", SUB_TRIP_STATUSES, "INVALID_SUB_TRIP_STATUS"),
              ("docStatuses", DOC_STATUSES, "INVALID_DOC_STATUS"))


def handle(ctx: Context, call: Call) -> tuple[int, dict[str, Any]]:
    store, seed = ctx.store, ctx.seed
    client = auth.authenticate(call.header("authorization"), seed, ctx.faults)
    auth.require_some(client, SCOPE, "department", ctx.faults)
    body = parse_json_object(call.raw)
    if isinstance(body.get("dealerDepartmentUUIDList"), str) and ctx.variant("single-value-as-list"):
        body["dealerDepartmentUUIDList"] = [body["dealerDepartmentUUIDList"]]
    if ctx.variant("scalars-coerced"):
        body = coerce_scalars(body, FILTER_SCHEMA)
    check_types(body, FILTER_SCHEMA, "")
    if ctx.fault("filter-empty-lists-serve-all"):  # served as if the list (or RIDE_SHARE) had not been sent
        if body.get("dealerDepartmentUUIDList") == []:
            body["dealerDepartmentUUIDList"] = [seed.identities["department_uuid"]]
        if body.get("eventUuids") == [] and not body.get("dealerUuids"):
            body["dealerUuids"] = [seed.identities["dealer_uuid"]]
        if "RIDE_SHARE" in (body.get("rideTypes") or []):
            body["rideTypes"] = []

    departments: Any = body.get("dealerDepartmentUUIDList")  # its type checked above (check_types)
    lenient_empty = ctx.variant("filter-empty-lists-lenient")
    select_nothing = lenient_empty and departments == []
    if not departments and not select_nothing:
        raise bad_request("DEALER_DEPARTMENT_UUID_LIST_REQUIRED", "dealerDepartmentUUIDList is required and must "
                                                                  "not be empty")
    if any(blank(d) for d in departments):
        raise bad_request("INVALID_DEPT_UUID", "Invalid dealer department UUID is provided in the request")
    if ctx.variant("filter-department-out-of-grant-ignored"):
        departments = [d for d in departments if (SCOPE, "department", d) in client.grants]
    elif not ctx.fault("filter-out-of-grant-served"):
        auth.require(client, SCOPE, "department", departments, ctx.faults)
    sort_order = body.get("sortOrder")
    if blank(sort_order):
        raise bad_request("SORT_ORDER_REQUIRED", "sortOrder is required: APPT_TIME_ASC or APPT_TIME_DESC")
    if sort_order not in SORT_ORDERS:
        raise bad_request("INVALID_SORT_ORDER", "sortOrder must be APPT_TIME_ASC or APPT_TIME_DESC")

    event_uuids = body.get("eventUuids") or []
    page_size: Any = body.get("pageSize")
    page_number: Any = body.get("pageNumber")
    last_index: Any = body.get("lastItemIndex")
    if page_size is not None and event_uuids and not ctx.fault("filter-page-size-with-event-uuids"):
        raise bad_request("PAGINATION_NOT_ALLOWED_WITH_EVENT_UUIDS",
                          "pageSize cannot be used together with a non-empty eventUuids")
    start_text, end_text = body.get("startApptTime"), body.get("endApptTime")
    if (start_text is None) != (end_text is None) and not ctx.fault("filter-half-time-range"):
        raise bad_request("START_AND_END_APPT_TIME_REQUIRED_TOGETHER",
                          "startApptTime and endApptTime must be both present or both absent")
    if page_size is not None and (page_number is None) == (last_index is None):
        raise bad_request("EXACTLY_ONE_OF_PAGE_NUMBER_OR_LAST_ITEM_INDEX_REQUIRED",
                          "When pageSize is provided, exactly one of pageNumber or lastItemIndex must be provided")
    if page_size is not None and page_size <= 0:
        raise bad_request("INVALID_PAGE_SIZE", "pageSize must be a positive integer")
    if page_number is not None and page_number <= 0 and ctx.fault("filter-page-number-zero-accepted"):
        page_number = 1
    if page_number is not None and page_number <= 0:
        raise bad_request("INVALID_PAGE_NUMBER", "pageNumber must be a positive integer (1-based)")
    if last_index is not None and last_index < 0:
        raise bad_request("INVALID_LAST_ITEM_INDEX", "lastItemIndex must not be negative")
    start = _time_bound(ctx, "startApptTime", start_text)
    end = _time_bound(ctx, "endApptTime", end_text)
    dealer_uuids = body.get("dealerUuids") or []
    if not dealer_uuids and lenient_empty and body.get("eventUuids") == []:
        select_nothing = True
    elif not dealer_uuids and (not event_uuids or ctx.fault("filter-rejects-empty-dealer-uuids-with-events")):
        raise bad_request("DEALER_UUIDS_REQUIRED", "dealerUuids must be non-empty when eventUuids is not provided")
    for name, allowed, code in ENUM_LISTS:
        for value in body.get(name) or []:
            if value not in allowed and not (value == "RIDE_SHARE" and name == "rideTypes"
                                             and ctx.variant("filter-accepts-ride-share")):
                raise bad_request(code, f"{name} values must be among {', '.join(allowed)}")

    # --- matching: AND across filters, OR within a list, an empty list filters nothing --------
    def as_set(name: str) -> set[str]:
        return set(body.get(name) or [])

    dept_set, dealer_set, event_set = set(departments), set(dealer_uuids), set(event_uuids)
    granted = {u for s, level, u in client.grants if s == SCOPE and level == "department"}
    if ctx.fault("filter-two-dealers-granted-departments") and len(granted) > 1:
        dept_set = granted
    if ctx.fault("filter-event-uuids-first-ten"):
        event_set = set(event_uuids[:10])
    drivers, customers = as_set("driverUuids"), as_set("customerUuids")
    statuses, sub_statuses = as_set("tripStatuses"), as_set("subTripStatuses")
    ride_types, doc_statuses = as_set("rideTypes"), as_set("docStatuses")
    if ctx.fault("filter-ignores-ride-types"):
        ride_types = set()
    if ctx.fault("filter-ignores-customer-uuids"):
        customers = set()
    if ctx.fault("filter-ignores-driver-uuids"):
        drivers = set()
    if ctx.fault("filter-ignores-trip-statuses"):
        statuses = set()
    end_exclusive = ctx.fault("filter-end-exclusive")

    def filter_time(t: Trip):
        if (t.ride_type or "").startswith("DROPOFF") and ctx.variant("dropoff-filtered-by-appointment-time"):
            pickup = store.trips.get(store.mapping.get(t.linked_appointment_uuid or "") or "")
            return pickup.appointment_time if pickup is not None else None
        return t.effective_time()

    def matches(t: Trip) -> bool:
        if select_nothing:
            return False
        if t.department_uuid not in dept_set and not ctx.fault("filter-ignores-department"):
            return False
        if dealer_set and t.dealer_uuid not in dealer_set:
            return False
        if event_set and t.uuid not in event_set:
            return False
        if drivers and not drivers & (t.driver_uuids() | {d for d in t.sub_trip_drivers() if d}):
            return False
        if customers and t.customer_uuid not in customers:
            return False
        if statuses and t.trip_status not in statuses:
            return False
        if sub_statuses and not sub_statuses & set(t.sub_trip_statuses()):
            return False
        if ride_types and t.ride_type not in ride_types:
            return False
        if doc_statuses:
            return False  # no trip of the sandbox has a document status
        if start is not None or end is not None:
            when = filter_time(t)
            if when is None:
                return False
            if start is not None and when.key < start.key:
                return False
            if end is not None and (when.key > end.key or (end_exclusive and when.key == end.key)):
                return False
        return True

    descending = sort_order == "APPT_TIME_DESC"
    if ctx.fault("filter-sort-reversed"):
        descending = not descending
    # effective time, then eventUuid (ascending in both orders) as a stable tie-break;
    # trips without a time sort last
    sign = -1 if descending else 1
    decorated = []
    for t in store.trips.values():
        if matches(t):
            when = filter_time(t)
            decorated.append((0, sign * when.key, t.uuid, t) if when is not None else (1, 0, t.uuid, t))
    decorated.sort(key=lambda d: d[:3])
    found = [d[3] for d in decorated]
    total = len(found)
    if page_size is not None:
        if page_number is not None:
            offset = (page_number if ctx.fault("filter-page-number-zero-based") else page_number - 1) * page_size
        else:
            skips = ctx.fault("filter-last-item-index-skips") or ctx.variant("last-item-index-of-last-item")
            offset = last_index + (1 if skips else 0)
            if ctx.fault("filter-last-item-index-overlaps"):
                offset = max(last_index - 1, 0)
        found = found[offset:offset + page_size]
    if ctx.fault("filter-total-count-is-page-size"):
        total = len(found)
    if ctx.fault("filter-total-count-ignores-trip-statuses"):
        statuses = set()  # matches() reads it when called: the count ignores the statuses, the trips do not
        total = sum(1 for t in store.trips.values() if matches(t))
    views = [trip_view(store, t) for t in found]
    if ctx.fault("filter-sub-trip-ride-type-unlisted"):
        for view in views:
            for sub, leg in zip(view.get("subTrips") or [], ("PICKUP_LEG", "RETURN_LEG"), strict=False):
                sub["rideType"] = leg
    return 200, envelopes.success("filter", totalCount=total, tripViewDtos=views)


def _time_bound(ctx: Context, name: str, text: str | None) -> OffsetDateTime | None:
    if text is None:
        return None
    parsed = parse_offset_datetime(text, allow_colon=not ctx.variant("offset-without-colon-only"))
    if parsed is None and not ctx.fault("filter-bad-date-accepted"):
        raise bad_request("INVALID_DATE_FORMAT", f"{name} must be an ISO-8601 date-time with offset, "
                                                 "e.g. 2023-01-01T00:00:00+0530")
    return parsed
