"""The seeded world, read from profiles/sandbox.yaml (the suite's reference profile).

Seeds exactly the profile's identities and its four clients; the few things the profile does
not name (a non-service department for the dealer without service department, people's
names) are derived deterministically.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PROFILE = Path(str(resources.files("pnd_conformance.profiles").joinpath("sandbox.yaml")))

SCOPES = ("appointment.create", "appointment.trip.read", "pickupdelivery.trip.fetch")


@dataclass(frozen=True)
class Dealer:
    uuid: str
    name: str
    utc_offset: str
    slot_minutes: int
    service_department_uuid: str | None
    pnd_transport_option_uuid: str | None = None


@dataclass(frozen=True)
class Department:
    uuid: str
    dealer_uuid: str
    name: str
    is_service: bool


@dataclass(frozen=True)
class Person:
    uuid: str
    first_name: str
    last_name: str
    role_name: str | None = None
    department_uuid: str | None = None


@dataclass(frozen=True)
class Vehicle:
    uuid: str
    vin: str
    year: str
    make: str
    model: str


@dataclass(frozen=True)
class TransportOption:
    uuid: str
    dealer_uuid: str
    transportation: str


@dataclass(frozen=True)
class Client:
    name: str
    username: str
    password: str
    grants: frozenset[tuple[str, str, str]]  # (scope, level "dealer"|"department", uuid)


@dataclass
class Seed:
    identities: dict[str, Any]
    dealers: dict[str, Dealer] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    customers: dict[str, Person] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    associates: dict[str, Person] = field(default_factory=dict)
    transport_options: dict[str, TransportOption] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)


def _derived(*parts: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "pnd-sandbox:" + ":".join(parts)).hex


def load_seed(path: Path | None = None) -> Seed:
    data = yaml.safe_load(Path(path or DEFAULT_PROFILE).read_text(encoding="utf-8"))
    ids: dict[str, Any] = data["identities"]
    offset: str = data.get("utc_offset", "+0000")
    slot = int(ids.get("slot_minutes", 30))
    seed = Seed(identities=ids)

    dealer, dept = ids["dealer_uuid"], ids["department_uuid"]
    other_dealer, other_dept = ids.get("other_dealer_uuid"), ids.get("other_department_uuid")
    no_service = ids.get("dealer_without_service_department_uuid")

    seed.dealers[dealer] = Dealer(dealer, "Sandbox Motors", offset, slot, dept, ids.get("pnd_transport_option_uuid"))
    seed.departments[dept] = Department(dept, dealer, "Service", True)
    if other_dealer:
        seed.dealers[other_dealer] = Dealer(other_dealer, "Other Sandbox Motors", offset, slot, other_dept)
        if other_dept:
            seed.departments[other_dept] = Department(other_dept, other_dealer, "Service", True)
    if no_service:
        seed.dealers[no_service] = Dealer(no_service, "Sales-only Sandbox Motors", offset, slot, None)
        sales = _derived(no_service, "sales-department")
        seed.departments[sales] = Department(sales, no_service, "Sales", False)

    if ids.get("pnd_transport_option_uuid"):
        u = ids["pnd_transport_option_uuid"]
        seed.transport_options[u] = TransportOption(u, dealer, "PICKUP_AND_DELIVERY")
    if ids.get("other_transport_option_uuid"):
        u = ids["other_transport_option_uuid"]
        seed.transport_options[u] = TransportOption(u, dealer, "LOANER")

    seed.customers[ids["customer_uuid"]] = Person(ids["customer_uuid"], "Jane", "Doe")
    if ids.get("other_customer_uuid"):
        seed.customers[ids["other_customer_uuid"]] = Person(ids["other_customer_uuid"], "Renée", "Ångström")
    if ids.get("vehicle_uuid"):
        seed.vehicles[ids["vehicle_uuid"]] = Vehicle(ids["vehicle_uuid"], "4T1B11HK5KU000001", "2026", "Toyota",
                                                     "Camry")

    people = [("creator_user_uuid", "Casey", "Creator", "Service Advisor"),
              ("assigned_user_uuid", "Alex", "Advisor", "Service Advisor"),
              ("requester_user_uuid", "Riley", "Requester", "Service Manager")]
    for key, first, last, role in people:
        u = ids[key]
        seed.associates[u] = Person(u, first, last, role, dept)
    for i, u in enumerate(ids.get("driver_uuids") or []):
        seed.associates[u] = Person(u, "Driver", str(i + 1), "Driver", dept)

    every = frozenset(SCOPES)
    grants: dict[str, set[tuple[str, str, str]]] = {
        "full": {(s, "dealer", d) for s in every for d in (dealer, no_service) if d}
        | {(s, "department", dept) for s in every},
        "no_scopes": set(),
        "read_only": {("appointment.trip.read", "dealer", dealer), ("pickupdelivery.trip.fetch", "department", dept)},
        "other_dealer": ({(s, "dealer", other_dealer) for s in every if other_dealer}
                         | {(s, "department", other_dept) for s in every if other_dept}),
        # the right scopes at the wrong level (each operation's Authorization table names its level)
        "dealer_level": {(s, "dealer", dealer) for s in every},
        "department_level": {(s, "department", dept) for s in every},
        # a partner holding several dealers: the scopes of `full` at both dealers and both departments
        "two_dealers": ({(s, "dealer", d) for s in every for d in (dealer, other_dealer) if d}
                        | {(s, "department", d) for s in every for d in (dept, other_dept) if d}),
    }
    for name, ref in (data.get("credentials") or {}).items():
        if name not in grants or not ref.get("username") or not ref.get("password"):
            continue
        seed.clients[ref["username"]] = Client(name, ref["username"], str(ref["password"]), frozenset(grants[name]))
    return seed
