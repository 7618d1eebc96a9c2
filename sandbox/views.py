"""TripViewDto rendering (filter-trips.txt's response schema, plus get-trips' rideTime)."""
from __future__ import annotations

from typing import Any

from pnd_conformance.sandbox.store import Store, Trip


def _person(store: Store, uuid: str | None) -> dict[str, Any] | None:
    if not uuid:
        return None
    p = store.seed.associates.get(uuid)
    return {
        "uuid": uuid,
        "firstName": p.first_name if p else None,
        "lastName": p.last_name if p else None,
        "roleName": p.role_name if p else None,
        "departmentUuid": p.department_uuid if p else None,
        "userUuid": uuid if p else None,
    }


def _customer(store: Store, trip: Trip) -> dict[str, Any] | None:
    if not trip.customer_uuid:
        return None
    c = store.seed.customers.get(trip.customer_uuid)
    return {
        "uuid": trip.customer_uuid,
        "firstName": trip.customer_first_name or (c.first_name if c else None),
        "lastName": trip.customer_last_name or (c.last_name if c else None),
        "signatureUrl": None,
        "dlVerified": False,
        "insuranceVerified": False,
    }


def _vehicle(store: Store, trip: Trip) -> dict[str, Any] | None:
    v = trip.vehicle
    if not v:
        return None
    seeded = store.seed.vehicles.get(v.get("vehicleUuid") or "")
    return {
        "uuid": v.get("vehicleUuid"),
        "vin": v.get("vin") or (seeded.vin if seeded else None),
        "year": v.get("vehicleYear") or (seeded.year if seeded else None),
        "make": v.get("vehicleMake") or (seeded.make if seeded else None),
        "model": v.get("vehicleModel") or (seeded.model if seeded else None),
        "estimatedMileage": v.get("estimatedMileage"),
        "inspectionUuid": None,
        "inspectionByDaUuid": None,
    }


def _place(d: dict[str, Any]) -> dict[str, Any]:
    return {"address": d.get("address"), "latitudeDouble": d.get("lat"), "longitude": d.get("lon")}


def _loaner(uuid: str | None, trip: Trip, requested: bool) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "description": trip.loaner_description if requested else None,
        "model": trip.loaner_model if requested else None,
        "isDropCar": trip.is_drop_car if requested else None,
        "isLoanerRequested": trip.loaner_vehicle_required if requested else False,
        "inspectionUuid": None,
        "inspectionByDaUuid": None,
        "bookingStatus": None,
    }


def internal_ride_type(trip: Trip) -> str | None:
    if not trip.ride_type:
        return None
    if trip.loaner_vehicle_required:
        return f"{trip.ride_type}_WITH_LOANER"
    if trip.is_drop_car:
        return f"{trip.ride_type}_DROP_CAR"
    return f"{trip.ride_type}_NO_LOANER"


def trip_view(store: Store, trip: Trip) -> dict[str, Any]:
    dealer = store.seed.dealers.get(trip.dealer_uuid)
    dept = store.seed.departments.get(trip.department_uuid)
    out_status, in_status = trip.sub_trip_statuses()
    out_driver, in_driver = trip.sub_trip_drivers()
    transport = "LOANER_VEHICLE" if trip.loaner_vehicle_required else "THIRD_PARTY_VEHICLE"
    sub_trips = [
        {"subTripUuid": trip.sub_trip_uuids[0], "status": out_status, "transportType": transport,
         "rideType": "OUTBOUND", "driver": _person(store, out_driver), "origin": _place(trip.origin),
         "destination": _place(trip.destination), "distanceInMiles": None, "timeInMinutes": None},
        {"subTripUuid": trip.sub_trip_uuids[1], "status": in_status, "transportType": "CUSTOMER_VEHICLE",
         "rideType": "INBOUND", "driver": _person(store, in_driver), "origin": _place(trip.destination),
         "destination": _place(trip.origin), "distanceInMiles": None, "timeInMinutes": None},
    ]
    dealer_order = None
    if trip.dealer_order_uuid or trip.ro_number:
        dealer_order = {"uuid": trip.dealer_order_uuid, "orderNumber": trip.ro_number,
                        "serviceAdvisor": _person(store, trip.service_advisor_uuid)}
    advisor = _person(store, trip.service_advisor_uuid)
    if advisor is None and trip.service_advisor_name:
        advisor = {"uuid": None, "firstName": trip.service_advisor_name, "lastName": None, "roleName": None,
                   "departmentUuid": None, "userUuid": None}
    return {
        "eventUuid": trip.uuid,
        "version": trip.version,
        "appointmentTime": trip.appointment_time_text,
        "rideTime": trip.ride_time.text() if trip.ride_time else None,
        "mustStartBy": trip.must_start_by.text() if trip.must_start_by else None,
        "rideType": trip.ride_type,
        "tripStatus": trip.trip_status,
        "parentEventUuid": None,
        "subTrips": sub_trips,
        "internalRideType": internal_ride_type(trip),
        "optionalFields": dict(trip.optional_fields),
        "customer": _customer(store, trip),
        "vehicle": _vehicle(store, trip),
        "dealerOrder": dealer_order,
        "department": {
            "uuid": trip.department_uuid,
            "name": dept.name if dept else None,
            "dealer": {"uuid": trip.dealer_uuid, "name": dealer.name if dealer else None},
        },
        "loaner": _loaner(trip.loaner_vehicle_uuid, trip, True),
        "swappedLoaner": _loaner(trip.swapped_loaner_vehicle_uuid, trip, False),
        "assignedBy": _person(store, trip.assigned_by_uuid),
        "updatedBy": _person(store, trip.updated_by_uuid or trip.assigned_by_uuid),
        "serviceAdvisor": advisor,
        "primaryDriver": _person(store, trip.primary_driver_uuid),
        "secondaryDriver": _person(store, trip.secondary_driver_uuid),
        "isValid": trip.is_valid,
        "createdDate": trip.created_date,
        "driverPayments": [],
        "docStatus": None,
        "customerProfileToken": None,
        "linkedAppointmentUuid": trip.linked_appointment_uuid,
        "linkedTripUuids": list(trip.linked_trip_uuids),
    }
