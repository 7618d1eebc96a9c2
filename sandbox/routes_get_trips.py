"""get-trips: GET /appointment/v2/dealers/{dealerUuid}/partner-appointments-with-trip/{sarUUID}/trips
(get-partner-trips-for-appointment.txt)."""
from __future__ import annotations

from typing import Any

from pnd_conformance.sandbox import auth, envelopes
from pnd_conformance.sandbox.context import Call, Context
from pnd_conformance.sandbox.validation import ApiError, bad_request, blank
from pnd_conformance.sandbox.views import trip_view


def handle(ctx: Context, call: Call) -> tuple[int, dict[str, Any]]:
    store, seed = ctx.store, ctx.seed
    client = auth.authenticate(call.header("authorization"), seed, ctx.faults)
    dealer_uuid, sar_uuid = call.path("dealerUuid"), call.path("sarUUID")
    dealer = seed.dealers.get(dealer_uuid)
    if not blank(dealer_uuid) and dealer is None and ctx.variant("unknown-path-identity-403"):
        auth.require(client, "appointment.trip.read", "dealer", [dealer_uuid], ctx.faults)
    if not blank(dealer_uuid) and dealer is None and ctx.fault("get-trips-unknown-dealer-wrong-code"):
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    if blank(dealer_uuid) or dealer is None:
        raise bad_request("INVALID_DEALER_UUID", "Invalid dealer UUID is provided in the request")
    if blank(sar_uuid):
        if ctx.fault("error-bodies-name-ids"):
            err = ApiError(400, "INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
            return 400, {**envelopes.error("get-trips", err), "totalCount": 1, "tripViewDtos": []}
        if ctx.fault("get-trips-wrong-code-sar"):
            raise bad_request("INVALID_APPOINTMENT_UUID", "Invalid appointment UUID is provided in the request")
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    if dealer.service_department_uuid is None:
        raise bad_request("INVALID_DEPT_UUID", "Invalid dealer department UUID is provided in the request")
    auth.require(client, "appointment.trip.read", "dealer", [dealer_uuid], ctx.faults)

    appointment = store.appointment_of(dealer_uuid, sar_uuid)
    if appointment is None and ctx.fault("get-trips-ignores-path-dealer"):
        appointment = store.appointments.get(sar_uuid)
    if appointment is None and ctx.fault("get-trips-two-dealers-any-path"):
        appointment = auth.held_at_owner(client, store.appointments.get(sar_uuid), "appointment.trip.read", "dealer")
    if appointment is None and (ctx.fault("get-trips-unknown-sar-400") or ctx.variant("unknown-appointment-rejected")):
        raise bad_request("INVALID_SAR_UUID", "Invalid SAR UUID is provided in the request")
    trips = store.chain(store.mapping.get(sar_uuid)) if appointment is not None else []
    if ctx.fault("get-trips-missing-dropoff"):
        trips = trips[:1]
    views = [trip_view(store, t) for t in trips]
    if ctx.fault("get-trips-status-unlisted"):
        for view in views:
            view["tripStatus"] = "PENDING"
    for view in views:  # variant trips-valid-later: the first read shows the trip not yet valid
        if view.get("eventUuid") in ctx.not_yet_valid:
            ctx.not_yet_valid.discard(view["eventUuid"])
            view["isValid"] = False
    total = 0 if ctx.fault("get-trips-total-count-zero") else len(views)
    return 200, envelopes.success("get-trips", totalCount=total, tripViewDtos=views or None)
