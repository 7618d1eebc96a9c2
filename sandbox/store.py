"""In-memory state: appointments, trips (each with OUTBOUND/INBOUND sub trips), the
appointment→pickup-trip mapping and the pickup→dropoff chains. One lock guards it all."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from pnd_conformance.sandbox.seed import Seed
from pnd_conformance.sandbox.validation import OffsetDateTime


def new_uuid() -> str:
    return uuid.uuid4().hex


# Sub trip statuses mirror the trip's status: (OUTBOUND leg, INBOUND leg).
SUB_TRIP_STATUS = {
    "DRAFT": ("DRAFT", "DRAFT"),
    "AUTO_DRAFT": ("AUTO_DRAFT", "AUTO_DRAFT"),
    "UNASSIGNED": ("UNASSIGNED", "UNASSIGNED"),
    "ASSIGNED": ("ASSIGNED", "ASSIGNED"),
    "READY_TO_DRIVE": ("READY_TO_DRIVE", "ASSIGNED"),
    "OUTBOUND": ("IN_PROGRESS", "ASSIGNED"),
    "AT_DESTINATION": ("COMPLETED", "READY_TO_DRIVE"),
    "INBOUND": ("COMPLETED", "STARTED"),
    "AT_DEALERSHIP": ("COMPLETED", "AT_DEALERSHIP"),
    "COMPLETED": ("COMPLETED", "COMPLETED"),
    "CANCELLED": ("CANCELLED", "CANCELLED"),
}


@dataclass
class Trip:
    uuid: str
    dealer_uuid: str
    department_uuid: str
    ride_type: str | None
    trip_status: str
    appointment_time: OffsetDateTime | None = None
    appointment_time_text: str | None = None
    ride_time: OffsetDateTime | None = None
    must_start_by: OffsetDateTime | None = None
    customer_uuid: str | None = None
    customer_first_name: str | None = None
    customer_last_name: str | None = None
    vehicle: dict[str, Any] = field(default_factory=dict)
    service_advisor_uuid: str | None = None
    service_advisor_name: str | None = None
    assigned_by_uuid: str | None = None
    updated_by_uuid: str | None = None
    primary_driver_uuid: str | None = None
    secondary_driver_uuid: str | None = None
    is_valid: bool = False
    send_message_to_customer: bool = False
    linked_appointment_uuid: str | None = None
    linked_trip_uuids: list[str] = field(default_factory=list)
    dropoff_uuids: list[str] = field(default_factory=list)   # the chain (internal, independent of links)
    pickup_uuid: str | None = None                           # on a dropoff: its pickup
    sub_trip_uuids: tuple[str, str] = field(default_factory=lambda: (new_uuid(), new_uuid()))
    optional_fields: dict[str, Any] = field(default_factory=dict)
    loaner_vehicle_required: bool = False
    is_drop_car: bool = False
    loaner_vehicle_uuid: str | None = None
    swapped_loaner_vehicle_uuid: str | None = None
    loaner_description: str | None = None
    loaner_model: str | None = None
    origin: dict[str, Any] = field(default_factory=dict)
    destination: dict[str, Any] = field(default_factory=dict)
    ro_number: str | None = None
    dealer_order_uuid: str | None = None
    created_date: str = ""
    version: int = 0

    def effective_time(self) -> OffsetDateTime | None:
        """The time the filter sorts and ranges on: appointmentTime, else rideTime (dropoffs)."""
        return self.appointment_time or self.ride_time

    def driver_uuids(self) -> set[str]:
        return {u for u in (self.primary_driver_uuid, self.secondary_driver_uuid) if u}

    def sub_trip_statuses(self) -> tuple[str, str]:
        return SUB_TRIP_STATUS.get(self.trip_status, ("UNASSIGNED", "UNASSIGNED"))

    def sub_trip_drivers(self) -> tuple[str | None, str | None]:
        return self.primary_driver_uuid, self.secondary_driver_uuid or self.primary_driver_uuid


@dataclass
class Appointment:
    uuid: str
    dealer_uuid: str
    department_uuid: str
    customer_uuid: str | None
    start_local: str                     # yyyy-MM-dd'T'HH:mm:ss, no offset
    end_local: str
    assigned_user_uuid: str | None = None
    creator_user_uuid: str | None = None
    vehicle: dict[str, Any] = field(default_factory=dict)
    transport_option: dict[str, Any] | None = None
    source: str | None = None
    locale: str | None = None
    comments: str | None = None
    internal_notes: str | None = None
    status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Store:
    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.lock = threading.RLock()
        self.trips: dict[str, Trip] = {}
        self.appointments: dict[str, Appointment] = {}
        self.mapping: dict[str, str] = {}   # appointment UUID → mapped (pickup) trip UUID

    # --- lookups ---------------------------------------------------------------------------------
    def department_of(self, dealer_uuid: str, department_uuid: Any) -> bool:
        dept = self.seed.departments.get(department_uuid) if isinstance(department_uuid, str) else None
        return dept is not None and dept.dealer_uuid == dealer_uuid

    def appointment_of(self, dealer_uuid: str, sar_uuid: str) -> Appointment | None:
        appt = self.appointments.get(sar_uuid)
        return appt if appt is not None and appt.dealer_uuid == dealer_uuid else None

    def chain(self, pickup_uuid: str | None) -> list[Trip]:
        """The mapped trip and its linked dropoffs that still exist, pickup first."""
        pickup = self.trips.get(pickup_uuid) if pickup_uuid else None
        if pickup is None:
            return []
        return [pickup] + [self.trips[u] for u in pickup.dropoff_uuids if u in self.trips]

    def now_text(self, dealer_uuid: str) -> str:
        dealer = self.seed.dealers.get(dealer_uuid)
        offset = dealer.utc_offset if dealer else "+0000"
        minutes = (int(offset[1:3]) * 60 + int(offset[3:5])) * (-1 if offset[0] == "-" else 1)
        now = datetime.now(timezone(timedelta(minutes=minutes)))
        return now.strftime("%Y-%m-%dT%H:%M:%S") + offset

    # --- mutations (callers hold the lock) ----------------------------------------------------
    def add_trip(self, trip: Trip) -> Trip:
        trip.created_date = trip.created_date or self.now_text(trip.dealer_uuid)
        self.trips[trip.uuid] = trip
        return trip

    def delete_trip_chain(self, pickup_uuid: str, *, keep_dropoffs: bool = False) -> None:
        pickup = self.trips.pop(pickup_uuid, None)
        if pickup is None:
            return
        for u in pickup.dropoff_uuids:
            if keep_dropoffs:
                drop = self.trips.get(u)
                if drop is not None:
                    drop.pickup_uuid = None
            else:
                self.trips.pop(u, None)

    def delete_appointment(self, sar_uuid: str, *, keep_dropoffs: bool = False) -> str | None:
        """Remove an appointment, its mapping and its trip chain; the mapped trip UUID."""
        self.appointments.pop(sar_uuid, None)
        pickup = self.mapping.pop(sar_uuid, None)
        if pickup:
            self.delete_trip_chain(pickup, keep_dropoffs=keep_dropoffs)
        return pickup

    # --- writes that do not last (faults trips-vanish-after-create, update-reverts) ----------------
    def later(self, seconds: float, change: Any, *args: Any) -> None:
        """Apply `change(*args)` under the lock `seconds` from now (a write the server undoes by itself)."""
        def run() -> None:
            with self.lock:
                change(*args)

        timer = threading.Timer(seconds, run)
        timer.daemon = True
        timer.start()

    def forget_trips(self, sar_uuid: str, uuids: list[str]) -> None:
        """The trips are gone (the appointment stays, trip-less)."""
        for u in uuids:
            self.trips.pop(u, None)
        if self.mapping.get(sar_uuid) in uuids:
            self.mapping.pop(sar_uuid, None)

    def restore_trip(self, old: Trip) -> None:
        """The trip as it was before an update (when it still exists)."""
        if old.uuid in self.trips:
            self.trips[old.uuid] = old


UNDO_AFTER = 1.0  # seconds after which a write that does not last is undone
