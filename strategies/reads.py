"""Valid get-trips, delete and filter requests, by construction.

get-partner-trips-for-appointment.txt, delete-partner-appointment-with-trip.txt, filter-trips.txt.
Filter rules respected: sortOrder always; pageSize never beside non-empty eventUuids; with
pageSize exactly one of pageNumber/lastItemIndex; start and end together, ISO-8601;
dealerUuids non-empty unless eventUuids is.
"""
from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from pnd_conformance.spec.operations import operation
from pnd_conformance.strategies.common import (DOC_STATUSES, FILTER_RIDE_TYPES, SOURCES_NON_WEB, SUB_TRIP_STATUSES,
    TRIP_STATUSES, fmt, local_times)
from pnd_conformance.strategies.context import Ctx

DELETE_BASES = operation("delete").bases
FILTER_BASES = operation("filter").bases


def get_trips_request(ctx: Ctx, base: str = "default") -> st.SearchStrategy[dict]:
    # Nothing to draw: the path names the dealer and the appointment of the setup state.
    return st.just({"path": {"dealerUuid": ctx.ident("dealer_uuid"),
                             "sarUUID": ctx.state.get("sar_uuid", ctx.ident("unknown_uuid"))},
                    "query": {}, "body": None})


@st.composite
def delete_request(draw, ctx: Ctx, base: str = "explicit_actor") -> dict:
    if base not in DELETE_BASES:
        raise ValueError(f"unknown delete base {base!r}")
    actor = draw(st.sampled_from([ctx.ident("creator_user_uuid"), ctx.ident("assigned_user_uuid")]))
    if base == "explicit_actor":
        query = {"updatedByDAUUID": actor}
        source = draw(st.sampled_from(["WEB", *SOURCES_NON_WEB, None]))
        if source:
            query["source"] = source
    elif base == "web_fallback":
        # Needs an appointment with an assigned or creator user: every setup state has one.
        query = {"source": "WEB"}
    else:
        query = {"updatedByDAUUID": actor, "source": draw(st.sampled_from(SOURCES_NON_WEB))}
    return {"path": {"dealerDepartmentUUID": ctx.ident("department_uuid"),
                     "appointmentUuid": ctx.state.get("sar_uuid", ctx.ident("unknown_uuid"))},
            "query": query, "body": None}


def _subset(values):
    return st.lists(st.sampled_from(values), unique=True, max_size=3)


@st.composite
def filter_request(draw, ctx: Ctx, base: str = "unpaged") -> dict:
    if base not in FILTER_BASES:
        raise ValueError(f"unknown filter base {base!r}")
    body: dict = {
        "dealerDepartmentUUIDList": [ctx.ident("department_uuid")],
        "sortOrder": draw(st.sampled_from(["APPT_TIME_ASC", "APPT_TIME_DESC"])),
    }
    if base == "event_uuids":
        known = [u for u in (ctx.state.get("pickup_uuid"), ctx.state.get("dropoff_uuid")) if u]
        body["eventUuids"] = known or [ctx.ident("unknown_uuid")]
        if draw(st.booleans()):
            body["dealerUuids"] = [ctx.ident("dealer_uuid")]
    else:
        body["dealerUuids"] = [ctx.ident("dealer_uuid")]
    if base == "page_number":
        body["pageSize"] = draw(st.integers(1, 20))
        body["pageNumber"] = draw(st.integers(1, 3))
    elif base == "last_item_index":
        body["pageSize"] = draw(st.integers(1, 20))
        body["lastItemIndex"] = draw(st.integers(0, 40))
    if draw(st.booleans()):
        start = draw(local_times())
        end = start + timedelta(days=draw(st.integers(0, 400)))
        offset = ctx.utc_offset
        # The docs' form (±HHMM) only: the colon form is probed by its own inferred rule.
        body["startApptTime"] = fmt(start, offset)
        body["endApptTime"] = fmt(end, offset)
    if draw(st.booleans()):
        body["rideTypes"] = draw(_subset(FILTER_RIDE_TYPES))
    if draw(st.booleans()):
        body["tripStatuses"] = draw(_subset(TRIP_STATUSES))
    if draw(st.booleans()):
        body["subTripStatuses"] = draw(_subset(SUB_TRIP_STATUSES))
    if draw(st.booleans()):
        body["customerUuids"] = draw(st.lists(st.sampled_from(
            [u for u in (ctx.identities.get("customer_uuid"), ctx.identities.get("other_customer_uuid")) if u]),
            unique=True, max_size=2))
    if draw(st.booleans()):
        body["driverUuids"] = draw(st.lists(st.sampled_from(ctx.ident("driver_uuids")), unique=True, max_size=2))
    if draw(st.booleans()):
        body["docStatuses"] = draw(_subset(DOC_STATUSES))
    if draw(st.booleans()):
        body["requesterUserUUID"] = ctx.ident("requester_user_uuid")
    return {"path": {}, "query": {}, "body": body}
