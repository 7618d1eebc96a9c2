"""Trip rules and field handling shared by create (pickup/drop information) and update (the event)."""
from __future__ import annotations

from typing import Any

from pnd_conformance.sandbox.context import TRIP_STATUSES
from pnd_conformance.sandbox.store import Store, Trip
from pnd_conformance.sandbox.validation import (ANY, MAP_STR, NUM, OBJ, ApiError, bad_request, blank,
    parse_offset_datetime)

VEHICLE_RIDE_TYPES = ("PICKUP_VEHICLE", "DROPOFF_VEHICLE")

# JSON types of a trip's fields (create's pickup/drop information and update's event share them).
TRIP_SCHEMA: dict[str, Any] = {
    "eventUUID": str, "rideType": str, "loanerVehicleRequired": bool, "mustStartBy": str, "rideTime": str,
    "tripStatus": str, "serviceAdvisorName": str, "originAddress": str, "originLocationLat": NUM,
    "originLocationLon": NUM, "destinationAddress": str, "destLocationLat": NUM, "destLocationLon": NUM,
    "isDropCar": bool, "loanerVehicleUuid": str, "swappedLoanerVehicleUuid": str, "loanerDescription": str,
    "loanerModel": str, "roNumber": str, "dealerOrderUUID": str, "primaryDriverUUID": str,
    "secondaryDriverUUID": str, "linkedAppointmentUuid": str, "linkedTripUuids": [str], "subTrips": [ANY],
    "optionalFields": MAP_STR, "parentEventUUID": str, "sendMessageToCustomer": bool, "isValid": bool,
}
EVENT_SCHEMA: dict[str, Any] = {
    **TRIP_SCHEMA, "appointmentTime": str, "customerUUID": str, "dealerUUID": str, "dealerDepartmentUUID": str,
    "assignedByDealerAssociateUUID": str, "customerFirstName": str, "customerLastName": str,
    "vehicleIdentifiers": OBJ, "serviceAdvisorUUID": str,
}


def loaner_and_drop_car(info: dict[str, Any]) -> bool:
    return info.get("loanerVehicleRequired") is True and info.get("isDropCar") is True


def same_drivers(info: dict[str, Any]) -> bool:
    p, s = info.get("primaryDriverUUID"), info.get("secondaryDriverUUID")
    return not blank(p) and not blank(s) and p == s


def check_downstream(store: Store, info: dict[str, Any], ride_type: str | None, where: str,
                     *, check_times: bool = True, allow_colon: bool = True, any_status: bool = False) -> None:
    """The PnD service's own trip rules (after the partner gate)."""
    if check_times:
        for name, code in (("mustStartBy", "INVALID_MUST_START_BY"), ("rideTime", "INVALID_RIDE_TIME")):
            value = info.get(name)
            if not blank(value) and parse_offset_datetime(value, allow_colon=allow_colon) is None:
                raise bad_request(code, f"{where}.{name} must be an ISO-8601 date-time with offset, "
                                        "e.g. 2026-04-06T13:00:00-0700")
    status = info.get("tripStatus")
    if status is not None and status not in TRIP_STATUSES and not any_status:
        raise bad_request("INVALID_TRIP_STATUS", f"{where}.tripStatus must be one of {', '.join(TRIP_STATUSES)}")
    if ride_type in VEHICLE_RIDE_TYPES and blank(info.get("primaryDriverUUID")) \
            and not blank(info.get("secondaryDriverUUID")):
        raise bad_request("PRIMARY_DRIVER_REQUIRED_WITH_SECONDARY",
                          f"{where}.primaryDriverUUID cannot be blank if secondaryDriverUUID is present "
                          "for PICKUP_VEHICLE/DROPOFF_VEHICLE")
    if ride_type == "LOANER_SWAP" and not blank(info.get("loanerVehicleUuid")) \
            and info.get("loanerVehicleUuid") == info.get("swappedLoanerVehicleUuid"):
        raise bad_request("LOANER_AND_SWAPPED_LOANER_CANNOT_BE_SAME",
                          "For LOANER_SWAP, loanerVehicleUuid cannot be the same as swappedLoanerVehicleUuid")
    for u in info.get("linkedTripUuids") or []:
        linked = store.trips.get(u)
        if linked is None or not linked.is_valid:
            raise ApiError(400, "INVALID_LINKED_TRIP_UUID",
                           f"{where}.linkedTripUuids: each must correspond to a valid existing trip")


def apply_fields(trip: Trip, info: dict[str, Any]) -> None:
    """Copy the caller's optional trip fields (present, non-null ones) onto the trip."""
    def has(k: str) -> bool:
        return info.get(k) is not None

    for key, attr in (("loanerVehicleRequired", "loaner_vehicle_required"), ("isDropCar", "is_drop_car"),
                      ("loanerVehicleUuid", "loaner_vehicle_uuid"),
                      ("swappedLoanerVehicleUuid", "swapped_loaner_vehicle_uuid"),
                      ("loanerDescription", "loaner_description"), ("loanerModel", "loaner_model"),
                      ("roNumber", "ro_number"), ("dealerOrderUUID", "dealer_order_uuid"),
                      ("serviceAdvisorName", "service_advisor_name")):
        if has(key):
            setattr(trip, attr, info[key])
    for key, attr in (("primaryDriverUUID", "primary_driver_uuid"), ("secondaryDriverUUID", "secondary_driver_uuid")):
        if key in info:
            setattr(trip, attr, None if blank(info[key]) else info[key])
    if has("optionalFields"):
        trip.optional_fields = {k: v for k, v in info["optionalFields"].items()}
    if has("mustStartBy") and not blank(info["mustStartBy"]):
        trip.must_start_by = parse_offset_datetime(info["mustStartBy"])
    for prefix, target, lat, lon in (("origin", trip.origin, "originLocationLat", "originLocationLon"),
                                     ("destination", trip.destination, "destLocationLat", "destLocationLon")):
        if has(f"{prefix}Address"):
            target["address"] = info[f"{prefix}Address"]
        if has(lat):
            target["lat"] = info[lat]
        if has(lon):
            target["lon"] = info[lon]
