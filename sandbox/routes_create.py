"""create: POST /appointment/v2/dealers/{dealerUuid}/partner-appointments-with-trip
(create-partner-appointment-with-trip.txt)."""
from __future__ import annotations

from typing import Any

from pnd_conformance.sandbox import auth, envelopes
from pnd_conformance.sandbox.context import MESSAGING_SUPPRESSED, SOURCES, Call, Context
from pnd_conformance.sandbox.store import UNDO_AFTER, Appointment, Trip, new_uuid
from pnd_conformance.sandbox.trips import TRIP_SCHEMA, apply_fields, check_downstream, loaner_and_drop_car, same_drivers
from pnd_conformance.sandbox.validation import (ANY, OBJ, ApiError, add_minutes, bad_request, blank, check_types,
    coerce_scalars, format_local, obj, parse_json_object, parse_offset_datetime)

USER = {"uuid": str, "deptUUID": str, "teamUuid": str}
TRANSPORT = {"transportation": str, "transportOptionUuid": str, "altTransportation": str, "bookingID": str,
             "bookInThirdParty": bool}
PREFERENCE = {"emailConfirmation": bool, "textConfirmation": bool, "emailReminder": bool, "textReminder": bool,
              "confirmationEmail": str, "confirmationPhoneNumber": str, "notifyCustomer": bool,
              "sendCommunicationToDA": bool}
VEHICLE = {"vehicleUuid": str, "vin": str, "vehicleKey": str, "vehicleYear": str, "vehicleMake": str,
           "vehicleModel": str, "estimatedMileage": str}
METADATA = {"subTransportOptionRequest": TRANSPORT, "tripUUID": str}
APPOINTMENT_INFO = {
    "customerAppointmentPreference": PREFERENCE, "assignedUser": USER, "creatorUser": USER,
    "transportOption": TRANSPORT, "serviceList": [ANY], "appointmentKey": str, "mileageText": str,
    "comments": str, "internalNotes": str, "status": str, "recall": bool, "pushToDms": bool,
    "shouldAutoComputeSlot": bool, "skipBrandValidation": bool, "isDiagnostic": bool, "errorOnDuplicate": bool,
    "overrideExistingAppointment": bool, "draftUuid": str, "sdSessionId": str,
}
CREATE_SCHEMA = {
    "customerUUID": str, "appointmentDateTime": str, "dealerDepartmentUUID": str,
    "pickupTripInformation": TRIP_SCHEMA, "dropTripInformation": TRIP_SCHEMA,
    "appointmentInformation": APPOINTMENT_INFO, "vehicleInformation": VEHICLE, "requesterUserUUID": str,
    "source": str, "appointmentMetaData": OBJ, "pickupDeliveryTripMetadata": METADATA, "locale": str,
}

INVALID_DEALER = ("INVALID_DEALER_UUID", "Invalid dealer UUID is provided in the request")
INVALID_DEPT = ("INVALID_DEPT_UUID", "Invalid dealer department UUID is provided in the request")


def handle(ctx: Context, call: Call) -> tuple[int, dict[str, Any]]:
    store, seed = ctx.store, ctx.seed
    client = auth.authenticate(call.header("authorization"), seed, ctx.faults)
    dealer_uuid = call.path("dealerUuid")
    dealer = seed.dealers.get(dealer_uuid)
    if not blank(dealer_uuid) and dealer is None and ctx.variant("unknown-path-identity-403"):
        auth.require(client, "appointment.create", "dealer", [dealer_uuid], ctx.faults)
    if blank(dealer_uuid) or dealer is None:
        if not blank(dealer_uuid) and ctx.fault("create-unknown-dealer-wrong-code"):
            raise bad_request(*INVALID_DEPT)
        raise bad_request(*INVALID_DEALER)
    auth.require(client, "appointment.create", "dealer", [dealer_uuid], ctx.faults)

    body = parse_json_object(call.raw)
    if ctx.fault("unknown-field-400") or ctx.variant("unknown-fields-rejected"):
        unknown = sorted(set(body) - CREATE_SCHEMA.keys())
        if unknown:
            raise bad_request("UNKNOWN_FIELD", f"Unrecognized field \"{unknown[0]}\"")
    if ctx.fault("create-string-booleans-dropped"):  # no type error, and no rule sees them
        for info in (body.get("pickupTripInformation"), body.get("dropTripInformation")):
            for key in ("loanerVehicleRequired", "isDropCar"):
                if isinstance(info, dict) and isinstance(info.get(key), str):
                    info[key] = None
    if ctx.variant("scalars-coerced"):
        body = coerce_scalars(body, CREATE_SCHEMA)
    check_types(body, CREATE_SCHEMA, "")
    if ctx.fault("create-rejected-still-replaces"):  # the replaced appointments go before the request is validated
        for name in ("mobileServiceApptUuid", "regularServiceApptUuid"):
            if call.query(name) and store.appointment_of(dealer_uuid, call.query(name) or "") is not None:
                store.delete_appointment(call.query(name) or "")

    info = body.get("appointmentInformation")
    pickup = body.get("pickupTripInformation")
    drop = body.get("dropTripInformation")
    source = body.get("source")
    web = source == "WEB"
    allow_colon = not (ctx.fault("create-rejects-colon-offset") or ctx.variant("offset-without-colon-only"))

    # --- the partner request validation table, in the doc's order ---------------------------
    if not store.department_of(dealer_uuid, body.get("dealerDepartmentUUID")) \
            and not (ctx.fault("create-accepts-unknown-department") and not blank(body.get("dealerDepartmentUUID"))):
        if not blank(body.get("dealerDepartmentUUID")) and ctx.variant("unknown-department-downstream-code"):
            raise bad_request("INVALID_CREATE_EVENT_REQUEST", "The transformed trip-create payload is invalid")
        raise bad_request(*(INVALID_DEALER if ctx.fault("create-wrong-code-dept") else INVALID_DEPT))
    if blank(body.get("customerUUID")) and ctx.fault("error-bodies-name-ids"):
        err = ApiError(400, "CUSTOMER_INFO_MISSING", "customerUUID is missing from the partner request.")
        return 400, {**envelopes.error("create", err), "appointmentUUID": new_uuid(), "eventUUID": new_uuid()}
    if blank(body.get("customerUUID")) and not ctx.fault("create-accepts-missing-customer"):
        raise bad_request("CUSTOMER_INFO_MISSING",
                          "minimum info required to match customer: (FirstName OR LastName) AND At least any one "
                          "Customer Communication (phone/email) OR (FirstName AND LastName) "
                          "OR VIN(FirstName OR LastName)")
    if not blank(body.get("customerUUID")) and body["customerUUID"] not in seed.customers \
            and not ctx.fault("create-accepts-unknown-customer"):
        raise bad_request("CUSTOMER_INFO_MISSING", "minimum info required to match customer: no customer of the "
                                                   "dealer has this customerUUID")
    if blank(body.get("appointmentDateTime")):
        raise bad_request("PARTNER_APPOINTMENT_DATETIME_REQUIRED",
                          "appointmentDateTime is required in the partner appointment request")
    if info is None:
        raise bad_request("INVALID_APPOINTMENT_INFORMATION", "Invalid request. appointmentInformation is blank.")
    if pickup is None:
        raise bad_request("PARTNER_TRIP_INFORMATION_REQUIRED",
                          "pickupTripInformation is required in the partner appointment request")
    transport = info.get("transportOption")
    if transport is not None and not _is_pnd(ctx, dealer_uuid, transport) \
            and not ctx.fault("create-non-pnd-transport-accepted"):
        raise bad_request("PICKUP_AND_DELIVERY_TRANSPORT_OPTION_REQUIRED",
                          "Pickup and Delivery transport option is required when pickupTripInformation or "
                          "dropTripInformation is present")
    pickup_type = pickup.get("rideType")
    if (pickup_type is None and ctx.fault("create-rejects-omitted-ride-type")) or \
            (pickup_type is not None and pickup_type != "PICKUP_VEHICLE"
             and not ctx.fault("create-accepts-non-pickup-ride-type")):
        raise bad_request("PICKUP_RIDE_TYPE_MUST_BE_PICKUP_VEHICLE", "Pickup trip rideType must be PICKUP_VEHICLE")
    if drop is not None:
        drop_type = drop.get("rideType")
        if (drop_type is None and ctx.fault("create-rejects-omitted-ride-type")) or \
                (drop_type is not None and drop_type != "DROPOFF_VEHICLE"):
            raise bad_request("DROPOFF_RIDE_TYPE_MUST_BE_DROPOFF_VEHICLE",
                              "Dropoff trip rideType must be DROPOFF_VEHICLE")
        if blank(drop.get("rideTime")) and not ctx.fault("create-accepts-drop-without-ride-time"):
            if ctx.fault("create-rejected-leaves-pickup"):
                _orphan_pickup(ctx, dealer_uuid, body)
            raise bad_request("DROPOFF_RIDE_TIME_REQUIRED",
                              "dropTripInformation.rideTime is required for dropoff ride types")
    creator = obj(info.get("creatorUser")).get("uuid")
    if blank(creator) and ((not web and not ctx.fault("create-non-web-without-creator"))
                           or (web and ctx.fault("create-web-requires-creator"))):
        raise bad_request("VALID_CREATOR_USER_UUID_REQUIRED",
                          "appointmentInformation.creatorUser.uuid is required when source is not WEB")
    for trip_info in (pickup, drop):
        if trip_info is not None and loaner_and_drop_car(trip_info) \
                and not ctx.fault("create-accepts-loaner-and-drop-car"):
            raise bad_request("LOANER_AND_DROP_CAR_CANNOT_BOTH_BE_TRUE",
                              "loanerVehicleRequired and isDropCar cannot both be true")
    for trip_info, is_drop in ((pickup, False), (drop, True)):
        if trip_info is not None and same_drivers(trip_info) \
                and not (is_drop and ctx.fault("create-accepts-same-drivers-on-drop")):
            raise bad_request("PRIMARY_AND_SECONDARY_DRIVER_CANNOT_BE_SAME",
                              "primaryDriverUUID and secondaryDriverUUID cannot be the same")

    # --- downstream (PnD trip service, then appointment service) ----------------------------
    if source is not None and source not in SOURCES:
        raise bad_request("INVALID_SOURCE", f"source must be one of {', '.join(SOURCES)}")
    when = parse_offset_datetime(body["appointmentDateTime"], allow_colon=allow_colon)
    end_local = add_minutes(when.local, dealer.slot_minutes) if when else None
    if when is None or end_local is None:
        raise bad_request("MISSING_START_TIME", "The pickup trip request does not contain a valid appointmentTime "
                                                "(appointmentDateTime must be ISO-8601 with offset, e.g. "
                                                "2026-04-06T13:00:00-0700)")
    if drop is not None and not web and blank(body.get("requesterUserUUID")) \
            and not ctx.fault("create-with-drop-no-requester-accepted"):
        raise bad_request("USER_TOKEN_IS_BLANK", "requesterUserUUID (user token) is required when source is not WEB")
    # the table and the minimal-request note require it for the pickup-only flow too
    if drop is None and not web and blank(body.get("requesterUserUUID")) \
            and not ctx.fault("create-pickup-only-no-requester-accepted"):
        raise bad_request("USER_TOKEN_IS_BLANK", "requesterUserUUID (user token) is required when source is not WEB")
    pickup_type = pickup_type or "PICKUP_VEHICLE"
    any_status = ctx.fault("trip-status-unchecked")
    check_downstream(store, pickup, pickup_type, "pickupTripInformation", allow_colon=allow_colon,
                     any_status=any_status)
    if drop is not None:
        check_downstream(store, drop, drop.get("rideType") or "DROPOFF_VEHICLE", "dropTripInformation",
                         allow_colon=allow_colon, any_status=any_status)
    if info.get("customerAppointmentPreference") is None:
        raise bad_request("CUSTOMER_APPOINTMENT_PREFERENCE_REQUIRED",
                          "appointmentInformation.customerAppointmentPreference must be provided (can be empty {})")

    # errorOnDuplicate (default false): the sandbox's duplicate is an appointment of the same dealer and
    # customer at the same local start time (the doc does not define one)
    duplicate = any(a.dealer_uuid == dealer_uuid and a.customer_uuid == body.get("customerUUID")
                    and a.start_local == when.local_text() for a in store.appointments.values())
    wants_error = info.get("errorOnDuplicate") is True or ctx.fault("create-duplicates-rejected-by-default")
    if duplicate and wants_error and not ctx.fault("create-error-on-duplicate-ignored"):
        raise bad_request("DUPLICATE_APPOINTMENT", "An appointment for this customer at this time already exists")

    # --- state ----------------------------------------------------------------------------------
    if ctx.fault("create-body-dealer-uuid-used") and body.get("dealerUuid") in seed.dealers:
        dealer_uuid = body["dealerUuid"]
    department_uuid = body["dealerDepartmentUUID"]
    customer = None if blank(body.get("customerUUID")) else body["customerUUID"]
    vehicle = {k: v for k, v in obj(body.get("vehicleInformation")).items() if v is not None}
    advisor = obj(info.get("assignedUser")).get("uuid")
    advisor = None if blank(advisor) else advisor
    creator = None if blank(creator) else creator
    assigned_by = body.get("requesterUserUUID") or creator if ctx.fault("assigned-by-from-requester") else creator

    def new_trip(trip_info: dict[str, Any], ride_type: str) -> Trip:
        status = trip_info.get("tripStatus")
        if ctx.fault("create-trip-status-ignored") or ctx.variant("trip-status-set-by-server"):
            status = None
        trip = Trip(uuid=new_uuid(), dealer_uuid=dealer_uuid, department_uuid=department_uuid, ride_type=ride_type,
                    trip_status=status or "UNASSIGNED", customer_uuid=customer, vehicle=dict(vehicle),
                    service_advisor_uuid=advisor, assigned_by_uuid=assigned_by,
                    # forced false on creation, whatever the caller sends; set at the mapping step
                    is_valid=False, send_message_to_customer=False)
        apply_fields(trip, trip_info)
        if ctx.fault("optional-fields-dropped"):
            trip.optional_fields = {}
        if ctx.fault("loaner-description-dropped"):
            trip.loaner_description = None
        trip.linked_trip_uuids = list(trip_info.get("linkedTripUuids") or [])
        return store.add_trip(trip)

    pickup_trip = new_trip(pickup, pickup_type)
    pickup_trip.appointment_time = when
    pickup_trip.appointment_time_text = when.with_offset_text("+0000") if ctx.fault("create-ignores-timezone") \
        else when.text()
    drop_trip = None
    if drop is not None:
        drop_trip = new_trip(drop, drop.get("rideType") or "DROPOFF_VEHICLE")
        drop_trip.ride_time = parse_offset_datetime(drop.get("rideTime"))
        drop_trip.pickup_uuid = pickup_trip.uuid
        drop_trip.linked_trip_uuids = _with(drop_trip.linked_trip_uuids, pickup_trip.uuid)
        pickup_trip.dropoff_uuids.append(drop_trip.uuid)
        if not ctx.fault("dropoff-not-linked-back"):
            pickup_trip.linked_trip_uuids = _with(pickup_trip.linked_trip_uuids, drop_trip.uuid)
        else:
            pickup_trip.linked_trip_uuids = []

    appointment = Appointment(
        uuid=new_uuid(), dealer_uuid=dealer_uuid, department_uuid=department_uuid, customer_uuid=customer,
        start_local=when.local_text(), end_local=format_local(end_local), assigned_user_uuid=advisor,
        creator_user_uuid=creator, vehicle=dict(vehicle), transport_option=transport, source=source,
        locale=body.get("locale"), comments=info.get("comments"), internal_notes=info.get("internalNotes"),
        status=info.get("status"),
    )
    store.appointments[appointment.uuid] = appointment
    # the SAR-trip mapping step: map, link to the appointment, mark valid
    store.mapping[appointment.uuid] = pickup_trip.uuid
    for trip in filter(None, (pickup_trip, drop_trip)):
        trip.linked_appointment_uuid = None if ctx.fault("linked-appointment-missing") else appointment.uuid
        if not ctx.fault("is-valid-never-set"):
            trip.is_valid = True
            if ctx.variant("trips-valid-later"):
                ctx.not_yet_valid.add(trip.uuid)
            trip.send_message_to_customer = trip.trip_status not in MESSAGING_SUPPRESSED

    if ctx.fault("trips-vanish-after-create"):
        store.later(UNDO_AFTER, store.forget_trips, appointment.uuid, [t.uuid for t in (pickup_trip, drop_trip) if t])
    for name in ("mobileServiceApptUuid", "regularServiceApptUuid"):
        old = call.query(name)
        named = store.appointment_of(dealer_uuid, old) if old else None
        if old and named is None and ctx.fault("create-two-dealers-any-dealer-replacement"):
            named = auth.held_at_owner(client, store.appointments.get(old), "appointment.create", "dealer")
        if old and old != appointment.uuid and named is not None \
                and not (ctx.variant("replaced-partner-appointment-kept") and store.mapping.get(old)):
            store.delete_appointment(old)

    body_out = envelopes.success(
        "create", eventUUID=pickup_trip.uuid,
        pickupEventUUID=None if ctx.fault("create-pickup-uuid-alias-missing") or ctx.variant("pickup-alias-omitted")
        else pickup_trip.uuid,
        dropoffEventUUID=drop_trip.uuid if drop_trip and not ctx.fault("create-dropoff-uuid-missing") else None,
        appointmentUUID=appointment.uuid)
    if ctx.fault("create-status-code-mismatch"):
        body_out["statusCode"] = 201
    return 200, body_out


def _orphan_pickup(ctx: Context, dealer_uuid: str, body: dict[str, Any]) -> None:
    """create-rejected-leaves-pickup: the pickup trip made before a later check rejects the request."""
    when = parse_offset_datetime(body.get("appointmentDateTime"))
    if when is None:
        return
    ctx.store.add_trip(Trip(uuid=new_uuid(), dealer_uuid=dealer_uuid, department_uuid=body["dealerDepartmentUUID"],
                            ride_type="PICKUP_VEHICLE", trip_status="UNASSIGNED", appointment_time=when,
                            appointment_time_text=when.text(), customer_uuid=body.get("customerUUID"), is_valid=True))


def _with(items: list[str], item: str) -> list[str]:
    return items if item in items else [*items, item]


def _is_pnd(ctx: Context, dealer_uuid: str, transport: dict[str, Any]) -> bool:
    """PICKUP_AND_DELIVERY by name, or the dealer's PnD transport option by UUID."""
    if transport.get("transportation") == "PICKUP_AND_DELIVERY" and not ctx.variant("transport-option-by-uuid-only"):
        return True
    option = ctx.seed.transport_options.get(transport.get("transportOptionUuid") or "")
    return option is not None and option.dealer_uuid == dealer_uuid and option.transportation == "PICKUP_AND_DELIVERY"


def status_for_error(ctx: Context, err: ApiError) -> tuple[int, int]:
    """(HTTP status, body statusCode) for a create error, faults applied."""
    status = 422 if err.status == 400 and ctx.fault("create-validation-422") else err.status
    body_status = 200 if ctx.fault("create-status-code-mismatch") else status
    return status, body_status
