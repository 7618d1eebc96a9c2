"""delete: DELETE /appointment/v2/departments/{dealerDepartmentUUID}/partner-appointments-with-trip/{appointmentUuid}
(delete-partner-appointment-with-trip.txt)."""
from __future__ import annotations

from typing import Any

from pnd_conformance.sandbox import auth, envelopes
from pnd_conformance.sandbox.context import SOURCES, Call, Context
from pnd_conformance.sandbox.validation import ApiError, bad_request, blank

NOT_LINKED = ("PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT",
              "Pickup trip is not linked to the given appointment for the partner delete request")


def handle(ctx: Context, call: Call) -> tuple[int, dict[str, Any]]:
    store, seed = ctx.store, ctx.seed
    client = auth.authenticate(call.header("authorization"), seed, ctx.faults)
    department_uuid, sar_uuid = call.path("dealerDepartmentUUID"), call.path("appointmentUuid")
    department = seed.departments.get(department_uuid)
    if not blank(department_uuid) and department is None and ctx.variant("unknown-path-identity-403"):
        auth.require(client, "appointment.create", "department", [department_uuid], ctx.faults)
    if not blank(department_uuid) and department is None and ctx.fault("delete-unknown-department-wrong-code"):
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    if blank(department_uuid) or department is None:
        raise bad_request("INVALID_DEPT_UUID", "Invalid dealer department UUID is provided in the request")
    if blank(sar_uuid):
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    auth.require(client, "appointment.create", "department", [department_uuid], ctx.faults)

    # the dealer is resolved from the department; the appointment must belong to it
    appointment = store.appointment_of(department.dealer_uuid, sar_uuid)
    if appointment is None and ctx.fault("delete-ignores-path-department"):
        appointment = store.appointments.get(sar_uuid)
    if appointment is None and ctx.fault("delete-two-dealers-any-path"):
        appointment = auth.held_at_owner(client, store.appointments.get(sar_uuid), "appointment.create", "department")
    source = call.query("source")
    actor = call.query("updatedByDAUUID")
    if blank(actor):
        actor = None
        if source == "WEB" or (ctx.fault("delete-unlisted-source-as-web") and source not in (None, *SOURCES)):
            if appointment is not None and not ctx.fault("delete-web-no-fallback"):
                actor = appointment.assigned_user_uuid or appointment.creator_user_uuid
                if actor is None and ctx.variant("delete-web-fallback-any-actor"):
                    actor = "(derived by the API)"
        elif ctx.fault("delete-non-web-without-actor"):
            actor = "(none)"
        if actor is None and ctx.fault("error-bodies-name-ids") and appointment is not None:
            err = ApiError(400, "PARTNER_DELETE_REQUEST_FIELDS_MISSING", "updatedByDAUUID is required")
            return 400, {**envelopes.error("delete", err), "appointmentUuid": sar_uuid,
                         "pickupEventUUID": store.mapping.get(sar_uuid)}
        if actor is None:
            if ctx.fault("delete-rejection-deletes") and appointment is not None:
                store.delete_appointment(sar_uuid, keep_dropoffs=False)
            raise bad_request("PARTNER_DELETE_REQUEST_FIELDS_MISSING",
                              "updatedByDAUUID is required in the partner delete request unless source is WEB and "
                              "a fallback actor can be derived from the appointment")
    if appointment is None and ctx.variant("unknown-appointment-rejected"):
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    pickup_uuid = store.mapping.get(sar_uuid) if appointment is not None else None
    if pickup_uuid is None or pickup_uuid not in store.trips:
        if ctx.fault("delete-twice-succeeds"):
            return 200, envelopes.success("delete", pickupEventUUID=None, appointmentUuid=sar_uuid)
        if ctx.fault("delete-wrong-code-not-linked"):
            raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
        raise ApiError(404 if ctx.fault("delete-not-linked-404") else 400, *NOT_LINKED)

    named = call.query("tripUuid")
    if ctx.fault("delete-uses-sent-trip-uuid") and named in store.trips:
        owner = next((s for s, p in store.mapping.items() if p == named), None)
        if owner is not None:
            store.delete_appointment(owner, keep_dropoffs=False)
            return 200, envelopes.success("delete", pickupEventUUID=named, appointmentUuid=sar_uuid)
    store.delete_appointment(sar_uuid, keep_dropoffs=ctx.fault("delete-leaves-dropoff"))
    if ctx.fault("delete-removes-customer-dropoffs") and appointment is not None:
        for uuid, trip in list(store.trips.items()):
            if trip.ride_type == "DROPOFF_VEHICLE" and trip.customer_uuid == appointment.customer_uuid:
                del store.trips[uuid]
    return 200, envelopes.success("delete", pickupEventUUID=pickup_uuid, appointmentUuid=sar_uuid)
