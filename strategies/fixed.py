"""Deterministic valid requests for setting up state and cleaning up (no Hypothesis draw).

Used where a test needs an appointment to exist before the drawn request, and by the cleanup
sweep, which must work outside any test.
"""
from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta

from pnd_conformance.strategies.common import fmt
from pnd_conformance.strategies.context import Ctx

# Distinct slots per process (xdist workers, concurrent runs) so setups never collide.
_slots = itertools.count(int.from_bytes(os.urandom(2), "big") + os.getpid() % 997 * 50)
_BASE_DAY = datetime(2029, 3, 5, 8, 0, 0)


def next_slot() -> datetime:
    n = next(_slots)
    return _BASE_DAY + timedelta(days=n // 36, minutes=15 * (n % 36))


def create_body(ctx: Ctx, *, with_drop: bool = False, when: datetime | None = None,
                customer: str | None = None, drivers: bool = False, trip_status: str | None = None) -> dict:
    when = when or next_slot()
    body = {
        "customerUUID": customer or ctx.ident("customer_uuid"),
        "appointmentDateTime": fmt(when, ctx.utc_offset),
        "dealerDepartmentUUID": ctx.ident("department_uuid"),
        "source": "DEALER_APP",
        "requesterUserUUID": ctx.ident("requester_user_uuid"),
        "pickupTripInformation": {"rideType": "PICKUP_VEHICLE"},
        "appointmentInformation": {
            "customerAppointmentPreference": {},
            "creatorUser": {"uuid": ctx.ident("creator_user_uuid")},
            "assignedUser": {"uuid": ctx.ident("assigned_user_uuid")},
        },
    }
    if trip_status:
        body["pickupTripInformation"]["tripStatus"] = trip_status
    if drivers:
        body["pickupTripInformation"]["primaryDriverUUID"] = ctx.ident("driver_uuids.0")
    if with_drop:
        body["dropTripInformation"] = {"rideType": "DROPOFF_VEHICLE",
                                       "rideTime": fmt(when + timedelta(days=1), ctx.utc_offset)}
    return body


def recreate_trip_body(ctx: Ctx, when: datetime | None = None) -> dict:
    """update's create-new-trip scenario: gives a trip-less appointment a trip again."""
    when = when or next_slot()
    return {
        "updatePickupDeliveryTripEventRequest": {
            "pickupDeliveryTripEvent": {
                "appointmentTime": fmt(when, ctx.utc_offset), "rideType": "PICKUP_VEHICLE",
                "dealerUUID": ctx.ident("dealer_uuid"), "dealerDepartmentUUID": ctx.ident("department_uuid"),
                "customerUUID": ctx.ident("customer_uuid"),
                "assignedByDealerAssociateUUID": ctx.ident("creator_user_uuid"),
            },
            "requesterUserUUID": ctx.ident("requester_user_uuid"),
            "dealerDepartmentUUIDList": [ctx.ident("department_uuid")],
            "source": "DEALER_APP",
        },
        "updateAppointmentForTripRequest": {
            "appointmentInformation": {"appointmentDate": when.strftime("%Y-%m-%d"),
                                       "appointmentStartTime": when.strftime("%H:%M:%S")},
            "pickupDeliveryTripMetadata": {"tripUUID": None},
        },
    }


def delete_trip_body(ctx: Ctx, trip_uuid: str) -> dict:
    """update's delete-existing-trip scenario: null event, the mapped tripUUID."""
    body = recreate_trip_body(ctx)
    body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"] = None
    body["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"] = trip_uuid
    return body
