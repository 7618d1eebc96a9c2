"""update: POST /appointment/v2/dealer/{dealerUuid}/sar/{sarUUID}/appointment-trip
(update-appointment-with-trip.txt). The doc gives no error codes: the ones here are the
sandbox's choice (sandbox/README.md lists them), all HTTP 400."""
from __future__ import annotations

import json
import copy
from datetime import datetime, time as dtime
from typing import Any

from pnd_conformance.sandbox import auth, envelopes
from pnd_conformance.sandbox.context import MESSAGING_SUPPRESSED, SOURCES, UPDATE_RIDE_TYPES, Call, Context
from pnd_conformance.sandbox.routes_create import METADATA, PREFERENCE, USER, VEHICLE
from pnd_conformance.sandbox.store import UNDO_AFTER, Trip, new_uuid
from pnd_conformance.sandbox.trips import (EVENT_SCHEMA, apply_fields, check_downstream, loaner_and_drop_car,
    same_drivers)
from pnd_conformance.sandbox.validation import (ANY, add_minutes, bad_request, blank, check_types, coerce_scalars,
    format_local, obj, parse_date, parse_json_object, parse_offset_datetime, parse_time)

APPOINTMENT_INFO = {"appointmentDate": str, "appointmentStartTime": str, "appointmentEndTime": str,
                    "userUuid": str, "comments": str, "internalNotes": str, "altTransportation": str, "source": str}
UPDATE_SCHEMA = {
    "updatePickupDeliveryTripEventRequest": {
        "pickupDeliveryTripEvent": EVENT_SCHEMA, "requesterUserUUID": str, "dealerDepartmentUUIDList": [str],
        "source": str,
    },
    "updateAppointmentForTripRequest": {
        "appointmentInformation": APPOINTMENT_INFO, "customerAppointmentPreference": PREFERENCE,
        "serviceList": [ANY], "vehicleInformation": VEHICLE, "updatedByUserDetails": USER,
        "pickupDeliveryTripMetadata": METADATA,
    },
}


def handle(ctx: Context, call: Call) -> tuple[int, dict[str, Any]]:
    store, seed = ctx.store, ctx.seed
    client = auth.authenticate(call.header("authorization"), seed, ctx.faults)
    dealer_uuid, sar_uuid = call.path("dealerUuid"), call.path("sarUUID")
    dealer = seed.dealers.get(dealer_uuid)
    if blank(dealer_uuid) or dealer is None:
        raise bad_request("INVALID_DEALER_UUID", "Invalid dealer UUID is provided in the request")
    if blank(sar_uuid):
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    auth.require(client, "appointment.create", "dealer", [dealer_uuid], ctx.faults)
    appointment = store.appointment_of(dealer_uuid, sar_uuid)
    if appointment is None and ctx.fault("update-ignores-path-dealer"):
        appointment = store.appointments.get(sar_uuid)
    if appointment is None and ctx.fault("update-two-dealers-any-path"):
        appointment = auth.held_at_owner(client, store.appointments.get(sar_uuid), "appointment.create", "dealer")
    if appointment is None and ctx.fault("update-unknown-appointment-applies"):
        _touch_named_trip(ctx, call)
    if appointment is None:
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request "
                                              "(no such appointment for this dealer)")
    enforce = call.query("enforcePreferences")
    if enforce is not None and enforce.lower() not in ("true", "false"):
        raise bad_request("INVALID_QUERY_PARAMETER", "enforcePreferences must be true or false")

    body = parse_json_object(call.raw)
    events = body.get("updatePickupDeliveryTripEventRequest")
    if isinstance(events, dict) and isinstance(events.get("dealerDepartmentUUIDList"), str) \
            and ctx.variant("single-value-as-list"):
        events["dealerDepartmentUUIDList"] = [events["dealerDepartmentUUIDList"]]
    if ctx.variant("scalars-coerced"):
        body = coerce_scalars(body, UPDATE_SCHEMA)
    check_types(body, UPDATE_SCHEMA, "")
    event_request = body.get("updatePickupDeliveryTripEventRequest")
    appt_request = body.get("updateAppointmentForTripRequest")
    if event_request is None:
        raise bad_request("UPDATE_TRIP_EVENT_REQUEST_REQUIRED", "updatePickupDeliveryTripEventRequest is required")
    if appt_request is None:
        raise bad_request("UPDATE_APPOINTMENT_REQUEST_REQUIRED", "updateAppointmentForTripRequest is required")
    if blank(event_request.get("requesterUserUUID")):
        raise bad_request("USER_TOKEN_IS_BLANK", "updatePickupDeliveryTripEventRequest.requesterUserUUID is required")
    departments = event_request.get("dealerDepartmentUUIDList")
    if not departments:
        raise bad_request("DEALER_DEPARTMENT_UUID_LIST_REQUIRED",
                          "updatePickupDeliveryTripEventRequest.dealerDepartmentUUIDList is required")
    if not all(store.department_of(dealer_uuid, d) for d in departments):
        raise bad_request("INVALID_DEPT_UUID", "Invalid dealer department UUID is provided in the request")
    source = event_request.get("source")
    if source is not None and source not in SOURCES:
        raise bad_request("INVALID_SOURCE", f"source must be one of {', '.join(SOURCES)}")
    info = appt_request.get("appointmentInformation")
    if info is None:
        raise bad_request("INVALID_APPOINTMENT_INFORMATION", "Invalid request. appointmentInformation is blank.")
    if blank(info.get("appointmentDate")):
        raise bad_request("APPOINTMENT_DATE_REQUIRED", "appointmentInformation.appointmentDate is required")
    day = parse_date(info["appointmentDate"])
    if day is None:
        raise bad_request("INVALID_APPOINTMENT_DATE", "appointmentInformation.appointmentDate must be yyyy-MM-dd")
    if blank(info.get("appointmentStartTime")):
        raise bad_request("APPOINTMENT_START_TIME_REQUIRED", "appointmentInformation.appointmentStartTime is required")
    start = parse_time(info["appointmentStartTime"])
    if start is None:
        raise bad_request("INVALID_APPOINTMENT_START_TIME",
                          "appointmentInformation.appointmentStartTime must be HH:mm:ss")
    end = None
    if not blank(info.get("appointmentEndTime")):
        end = parse_time(info["appointmentEndTime"])
        if end is None:
            raise bad_request("INVALID_APPOINTMENT_END_TIME",
                              "appointmentInformation.appointmentEndTime must be HH:mm:ss")
    metadata = appt_request.get("pickupDeliveryTripMetadata")
    if metadata is None:
        raise bad_request("PICKUP_DELIVERY_TRIP_METADATA_REQUIRED",
                          "updateAppointmentForTripRequest.pickupDeliveryTripMetadata is required")

    event = event_request.get("pickupDeliveryTripEvent")
    trip_uuid: Any = None if blank(metadata.get("tripUUID")) else metadata["tripUUID"]
    mapped = store.mapping.get(sar_uuid)
    if event is None and trip_uuid is None:
        if not ctx.fault("update-both-null-accepted"):
            raise bad_request("TRIP_EVENT_OR_TRIP_UUID_REQUIRED",
                              "pickupDeliveryTripEvent and pickupDeliveryTripMetadata.tripUUID cannot both be null")
        scenario = "appointment-only"
    elif event is not None:
        scenario = "update" if trip_uuid is not None else "create"
    else:
        scenario = "delete"

    event_time = None
    target: Trip | None = None
    if event is not None:
        event_time = _check_event(ctx, event, source, dealer_uuid, scenario, trip_uuid)
    if scenario == "update":
        target = store.trips.get(trip_uuid)
        if target is None or not target.is_valid:
            raise bad_request("INVALID_TRIP_UUID", "The trip does not exist or is not valid")
        if target.uuid not in {t.uuid for t in store.chain(mapped)}:
            raise bad_request("TRIP_NOT_LINKED_TO_APPOINTMENT", "The trip is not linked to this appointment")
    elif scenario == "create":
        if mapped is not None and mapped in store.trips and not ctx.fault("update-create-new-when-trip-exists"):
            raise bad_request("TRIP_ALREADY_EXISTS_FOR_APPOINTMENT",
                              "The appointment already has a trip; send its tripUUID to update it")
    elif scenario == "delete":
        if trip_uuid != mapped or mapped not in store.trips:
            raise bad_request("TRIP_NOT_LINKED_TO_APPOINTMENT", "The trip is not linked to this appointment")

    # --- state ----------------------------------------------------------------------------------
    # appointmentDate + "T" + appointmentStartTime; the end from the caller or the dealer's slot size
    start_dt = datetime.combine(day, dtime(*start))
    end_dt = datetime.combine(day, dtime(*end)) if end is not None else add_minutes(start_dt, dealer.slot_minutes)
    appointment.start_local = format_local(start_dt)
    appointment.end_local = format_local(end_dt) if end_dt else appointment.start_local
    if not blank(info.get("userUuid")):
        appointment.assigned_user_uuid = info["userUuid"]
    for key, attr in (("comments", "comments"), ("internalNotes", "internal_notes")):
        if info.get(key) is not None:
            setattr(appointment, attr, info[key])
    vehicle = {k: v for k, v in obj(appt_request.get("vehicleInformation")).items() if v is not None}
    if vehicle:
        appointment.vehicle = vehicle
    updater = obj(appt_request.get("updatedByUserDetails")).get("uuid") or event_request["requesterUserUUID"]

    event_uuid = None
    if scenario == "update":
        assert target is not None and event is not None
        if ctx.fault("update-reverts"):  # shown at once, then the old values come back
            store.later(UNDO_AFTER, store.restore_trip, copy.deepcopy(target))
        _apply_event(ctx, target, event, event_time, vehicle)
        if ctx.fault("update-blanks-addresses"):
            target.origin, target.destination = {}, {}
        if ctx.fault("update-unlinks-dropoff"):
            target.linked_trip_uuids = []
        if ctx.fault("update-cascades-status-to-dropoff"):
            for linked in target.linked_trip_uuids:
                if linked in store.trips:
                    store.trips[linked].trip_status = target.trip_status
        if ctx.fault("update-shifts-customer-trips"):
            for other in store.trips.values():
                if other is not target and other.uuid in store.mapping.values() \
                        and other.customer_uuid == target.customer_uuid and other.dealer_uuid == target.dealer_uuid:
                    other.appointment_time, other.appointment_time_text = target.appointment_time, \
                        target.appointment_time_text
        if not ctx.fault("update-keeps-updated-by"):
            target.updated_by_uuid = updater
        target.version += 1
        event_uuid = target.uuid
    elif scenario == "create":
        assert event is not None
        trip = Trip(uuid=new_uuid(), dealer_uuid=dealer_uuid, department_uuid=event["dealerDepartmentUUID"],
                    ride_type=event["rideType"], trip_status="UNASSIGNED", is_valid=False)
        _apply_event(ctx, trip, event, event_time, vehicle or appointment.vehicle, creating=True)
        trip.updated_by_uuid = updater
        store.add_trip(trip)
        if mapped is not None and mapped in store.trips:   # only with update-create-new-when-trip-exists
            store.delete_trip_chain(mapped)
        store.mapping[sar_uuid] = trip.uuid
        trip.linked_appointment_uuid = None if ctx.fault("update-created-trip-unlinked") else sar_uuid
        if not ctx.fault("is-valid-never-set"):
            trip.is_valid = True
            trip.send_message_to_customer = trip.trip_status not in MESSAGING_SUPPRESSED
        event_uuid = trip.uuid
    elif scenario == "delete":
        del store.mapping[sar_uuid]
        if not ctx.fault("update-delete-leaves-trip"):
            store.delete_trip_chain(trip_uuid)
        event_uuid = trip_uuid
    return 200, envelopes.success("update", eventUUID=event_uuid, appointmentUUID=sar_uuid)


def _check_event(ctx: Context, event: dict[str, Any], source: str | None, dealer_uuid: str, scenario: str,
                 trip_uuid: str | None):
    store = ctx.store
    if blank(event.get("appointmentTime")):
        raise bad_request("MISSING_START_TIME", "pickupDeliveryTripEvent.appointmentTime is required")
    when = parse_offset_datetime(event["appointmentTime"], allow_colon=not ctx.variant("offset-without-colon-only"))
    if when is None:
        raise bad_request("MISSING_START_TIME", "pickupDeliveryTripEvent.appointmentTime must be "
                                                "yyyy-MM-dd'T'HH:mm:ssZ, e.g. 2024-10-25T11:15:00-0700")
    ride_type = event.get("rideType")
    if blank(ride_type):
        raise bad_request("RIDE_TYPE_REQUIRED", "pickupDeliveryTripEvent.rideType is required")
    if ride_type not in UPDATE_RIDE_TYPES or (ride_type == "RIDE_SHARE" and ctx.fault("update-rejects-ride-share")):
        raise bad_request("INVALID_RIDE_TYPE", f"pickupDeliveryTripEvent.rideType must be one of "
                                               f"{', '.join(UPDATE_RIDE_TYPES)}")
    if (scenario == "update" and ctx.variant("pickup-stays-pickup") and ride_type not in ("PICKUP_VEHICLE",
                                                                                         "PICKUP_CUSTOMER")) \
            or (scenario == "create" and ctx.variant("created-trip-is-pickup-vehicle")
                and ride_type != "PICKUP_VEHICLE"):
        raise bad_request("INVALID_RIDE_TYPE", "the partner pickup trip stays a pickup ride type")
    if blank(event.get("dealerUUID")):
        raise bad_request("MISSING_DEALER_UUID", "pickupDeliveryTripEvent.dealerUUID is required")
    if event["dealerUUID"] != dealer_uuid:
        raise bad_request("DEALER_UUID_MISMATCH", "pickupDeliveryTripEvent.dealerUUID must be the dealer in the path")
    if blank(event.get("dealerDepartmentUUID")):
        raise bad_request("MISSING_DEALER_DEPARTMENT_UUID", "pickupDeliveryTripEvent.dealerDepartmentUUID is required")
    if not store.department_of(dealer_uuid, event["dealerDepartmentUUID"]):
        raise bad_request("INVALID_DEPT_UUID", "Invalid dealer department UUID is provided in the request")
    if blank(event.get("customerUUID")) and (ride_type != "MISCELLANEOUS"
                                             or ctx.fault("update-rejects-miscellaneous-without-customer")):
        raise bad_request("MISSING_CUSTOMER_UUID",
                          "pickupDeliveryTripEvent.customerUUID is required for all ride types except MISCELLANEOUS")
    if blank(event.get("assignedByDealerAssociateUUID")) and source != "WEB":
        raise bad_request("MISSING_ASSIGNED_BY_DEALER_ASSOCIATE_UUID",
                          "pickupDeliveryTripEvent.assignedByDealerAssociateUUID is required unless source is WEB")
    if scenario == "update":
        if blank(event.get("eventUUID")):
            raise bad_request("MISSING_EVENT_UUID", "pickupDeliveryTripEvent.eventUUID is required to update a trip")
        if event["eventUUID"] != trip_uuid:
            raise bad_request("EVENT_UUID_MISMATCH",
                              "pickupDeliveryTripEvent.eventUUID must match pickupDeliveryTripMetadata.tripUUID")
    if loaner_and_drop_car(event):
        raise bad_request("DROP_CAR_AND_LOANER_REQUESTED_BOTH_CAN_NOT_TRUE",
                          "loanerVehicleRequired and isDropCar cannot both be true")
    if same_drivers(event):
        raise bad_request("PRIMARY_AND_SECONDARY_DRIVER_CANNOT_BE_SAME",
                          "primaryDriverUUID and secondaryDriverUUID cannot be the same")
    check_downstream(store, event, ride_type, "pickupDeliveryTripEvent", any_status=ctx.fault("trip-status-unchecked"))
    return when


def _apply_event(ctx: Context, trip: Trip, event: dict[str, Any], when, vehicle: dict[str, Any],
                 creating: bool = False) -> None:
    trip.ride_type = event["rideType"]
    if creating and ctx.fault("update-created-trip-type-ignored"):
        trip.ride_type = "PICKUP_VEHICLE"
    old_status = trip.trip_status
    if creating or not ctx.fault("update-ignores-appointment-time"):
        trip.appointment_time = when
        trip.appointment_time_text = when.text()
    trip.department_uuid = event["dealerDepartmentUUID"]
    if not blank(event.get("customerUUID")):
        trip.customer_uuid = event["customerUUID"]
    for key, attr in (("customerFirstName", "customer_first_name"), ("customerLastName", "customer_last_name"),
                      ("serviceAdvisorUUID", "service_advisor_uuid"),
                      ("assignedByDealerAssociateUUID", "assigned_by_uuid"), ("tripStatus", "trip_status")):
        if not blank(event.get(key)):
            setattr(trip, attr, event[key])
    if ctx.fault("update-ignores-trip-status") and not creating:
        trip.trip_status = old_status
    if ctx.fault("update-customer-names-from-associate") and blank(event.get("customerFirstName")) \
            and blank(event.get("customerLastName")):
        person = ctx.seed.associates.get(event.get("assignedByDealerAssociateUUID") or "")
        if person is not None:
            trip.customer_first_name, trip.customer_last_name = person.first_name, person.last_name
    if not blank(event.get("rideTime")):
        trip.ride_time = parse_offset_datetime(event["rideTime"])
    apply_fields(trip, event)
    if ctx.fault("optional-fields-dropped"):
        trip.optional_fields = {}
    for u in event.get("linkedTripUuids") or []:
        if u not in trip.linked_trip_uuids and u != trip.uuid:
            trip.linked_trip_uuids.append(u)
    if vehicle:
        trip.vehicle = dict(vehicle)


def _touch_named_trip(ctx: Context, call: Call) -> None:
    """Fault update-unknown-appointment-applies: the named trip takes the new time before the rejection."""
    try:
        event = json.loads(call.raw)["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]
        trip = ctx.store.trips[event["eventUUID"]]
        when = parse_offset_datetime(event["appointmentTime"])
    except (ValueError, KeyError, TypeError):
        return
    if when is not None:
        trip.appointment_time, trip.appointment_time_text = when, when.text()
