"""Valid create requests, by construction (create-partner-appointment-with-trip.txt).

Rules respected: pickup rideType PICKUP_VEHICLE or omitted; drop rideType DROPOFF_VEHICLE or
omitted, rideTime always present; loanerVehicleRequired and isDropCar never both true;
secondary driver only beside a different primary; creatorUser.uuid and requesterUserUUID
whenever source is not WEB (null source counts as non-WEB); transportOption absent or
PICKUP_AND_DELIVERY; no linkedTripUuids/parentEventUUID on create. Valid under every reading of
the docs: date-times in their ±HHMM form, the transport option absent or by UUID (NOTES.md).
"""
from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from pnd_conformance.spec.operations import operation
from pnd_conformance.strategies.common import (CALLER_TRIP_STATUSES, SOURCES_NON_WEB, addresses, drop_none, fmt,
    latitudes, local_times, longitudes, optional, texts)
from pnd_conformance.strategies.context import Ctx

BASES = operation("create").bases


@st.composite
def _drivers(draw, ctx: Ctx) -> dict:
    primary, secondary = ctx.ident("driver_uuids")[:2]
    choice = draw(st.sampled_from(["none", "primary", "both", "both_swapped"]))
    if choice == "none":
        return {}
    if choice == "primary":
        return {"primaryDriverUUID": draw(st.sampled_from([primary, secondary]))}
    if choice == "both_swapped":
        primary, secondary = secondary, primary
    return {"primaryDriverUUID": primary, "secondaryDriverUUID": secondary}


@st.composite
def _loaner_flags(draw) -> dict:
    # Never both true ("Cannot be true simultaneously with isDropCar").
    pair = draw(st.sampled_from([(None, None), (False, False), (True, False), (False, True), (True, None),
                                 (None, True)]))
    return drop_none({"loanerVehicleRequired": pair[0], "isDropCar": pair[1]})


@st.composite
def _trip_common(draw, ctx: Ctx) -> dict:
    trip = {}
    if draw(st.booleans()):
        trip.update(drop_none({
            "originAddress": draw(optional(addresses)),
            "originLocationLat": draw(optional(latitudes)),
            "originLocationLon": draw(optional(longitudes)),
            "destinationAddress": draw(optional(addresses)),
            "destLocationLat": draw(optional(latitudes)),
            "destLocationLon": draw(optional(longitudes)),
        }))
    trip.update(draw(_loaner_flags()))
    trip.update(draw(_drivers(ctx)))
    if draw(st.booleans()):
        trip["optionalFields"] = draw(st.dictionaries(st.sampled_from(["note", "gate", "parking"]), texts, max_size=2))
    return trip


@st.composite
def pickup_trip(draw, ctx: Ctx, appointment) -> dict:
    trip = {}
    ride = draw(st.sampled_from(["PICKUP_VEHICLE", None]))  # omitted -> defaults to PICKUP_VEHICLE
    if ride:
        trip["rideType"] = ride
    if draw(st.booleans()):
        trip["mustStartBy"] = fmt(appointment - timedelta(minutes=15), ctx.utc_offset)
    status = draw(st.sampled_from(CALLER_TRIP_STATUSES))
    if status:
        trip["tripStatus"] = status
    if draw(st.booleans()):
        trip["serviceAdvisorName"] = draw(st.sampled_from(["Jane Smith", "Zoë Ångström"]))
    trip.update(draw(_trip_common(ctx)))
    return trip


@st.composite
def drop_trip(draw, ctx: Ctx, appointment) -> dict:
    ride_at = appointment + timedelta(hours=draw(st.integers(2, 72)))
    trip = {"rideTime": fmt(ride_at, ctx.utc_offset)}
    ride = draw(st.sampled_from(["DROPOFF_VEHICLE", None]))
    if ride:
        trip["rideType"] = ride
    if draw(st.booleans()):
        trip["mustStartBy"] = fmt(ride_at - timedelta(minutes=15), ctx.utc_offset)
    trip.update(draw(_trip_common(ctx)))
    return trip


@st.composite
def _transport_option(draw, ctx: Ctx) -> dict | None:
    # The two forms the doc's curls show: absent (minimal) and by UUID with `transportation: null`
    # (complete). Naming the option is one reading only (create-transport-option-pnd-name).
    uuid = ctx.identities.get("pnd_transport_option_uuid")
    if not uuid or draw(st.booleans()):
        return None
    return {"altTransportation": None, "transportation": None, "transportOptionUuid": uuid, "bookingID": None,
            "bookInThirdParty": False}


@st.composite
def create_request(draw, ctx: Ctx, base: str = "web") -> dict:
    if base not in BASES:
        raise ValueError(f"unknown create base {base!r}")
    web = base.startswith("web")
    with_drop = base.endswith("_with_drop")
    when = draw(local_times())
    body: dict = {
        "customerUUID": ctx.ident("customer_uuid"),
        "appointmentDateTime": fmt(when, ctx.utc_offset),
        "dealerDepartmentUUID": ctx.ident("department_uuid"),
        "pickupTripInformation": draw(pickup_trip(ctx, when)),
        "appointmentInformation": {"customerAppointmentPreference": {}},
    }
    info = body["appointmentInformation"]
    if web:
        body["source"] = "WEB"
    else:
        # null source is treated as non-WEB: both identity fields are then required.
        source = draw(st.sampled_from([*SOURCES_NON_WEB, None]))
        if source is not None:
            body["source"] = source
        info["creatorUser"] = {"uuid": ctx.ident("creator_user_uuid"), "deptUUID": ctx.ident("department_uuid")}
        body["requesterUserUUID"] = ctx.ident("requester_user_uuid")
    if draw(st.booleans()):
        info["assignedUser"] = {"uuid": ctx.ident("assigned_user_uuid"), "deptUUID": ctx.ident("department_uuid")}
    if web and draw(st.booleans()):
        info["creatorUser"] = {"uuid": ctx.ident("creator_user_uuid")}
    if web and draw(st.booleans()):
        body["requesterUserUUID"] = ctx.ident("requester_user_uuid")
    transport = draw(_transport_option(ctx))
    if transport is not None:
        info["transportOption"] = transport
    if draw(st.booleans()):
        info.update(drop_none({
            "comments": draw(optional(texts)),
            "internalNotes": draw(optional(texts)),
            "recall": draw(optional(st.booleans())),
            "pushToDms": draw(optional(st.booleans())),
            "errorOnDuplicate": False,
            "serviceList": draw(optional(st.just([{"title": "CECOIL", "description": "CECOIL",
                                                   "operationType": "OPCODE", "isCustomConcern": False,
                                                   "sortOrder": 2}]))),
        }))
    if draw(st.booleans()):
        info["customerAppointmentPreference"] = {"emailConfirmation": False, "textConfirmation": False,
                                                 "notifyCustomer": draw(st.booleans())}
    if with_drop:
        body["dropTripInformation"] = draw(drop_trip(ctx, when))
    if draw(st.booleans()) and ctx.identities.get("vehicle_uuid"):
        body["vehicleInformation"] = {"vehicleUuid": ctx.ident("vehicle_uuid")}
    if draw(st.booleans()):
        body["locale"] = draw(st.sampled_from(["en-US", "fr-CA"]))
    if draw(st.booleans()) and ctx.identities.get("pnd_transport_option_uuid"):
        body["pickupDeliveryTripMetadata"] = {
            "subTransportOptionRequest": {"transportOptionUuid": ctx.ident("pnd_transport_option_uuid")}}
    return {"path": {"dealerUuid": ctx.ident("dealer_uuid")}, "query": {}, "body": body}
