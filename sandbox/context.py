"""What every route handler receives: the store, the seed and the active faults."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from pnd_conformance.sandbox.seed import Client, Seed
from pnd_conformance.sandbox.store import Store

SOURCES = ("DEALER_APP", "WEB", "PND_API", "EXTERNAL_CONTROLLER")
TRIP_STATUSES = ("DRAFT", "AUTO_DRAFT", "ASSIGNED", "UNASSIGNED", "OUTBOUND", "INBOUND", "READY_TO_DRIVE",
                 "AT_DESTINATION", "AT_DEALERSHIP", "COMPLETED", "CANCELLED")
SUB_TRIP_STATUSES = ("DRAFT", "AUTO_DRAFT", "ASSIGNED", "UNASSIGNED", "READY_TO_DRIVE", "STARTED", "IN_PROGRESS",
                     "AT_DEALERSHIP", "COMPLETED", "CANCELLED")
UPDATE_RIDE_TYPES = ("PICKUP_CUSTOMER", "PICKUP_VEHICLE", "DROPOFF_CUSTOMER", "DROPOFF_VEHICLE", "LOANER_SWAP",
                     "MISCELLANEOUS", "RIDE_SHARE")
FILTER_RIDE_TYPES = UPDATE_RIDE_TYPES[:-1]  # filter-trips.txt lists no RIDE_SHARE
DOC_STATUSES = ("UPLOAD_PENDING", "VERIFICATION_PENDING", "VERIFIED", "REQUEST_ITEMS", "VERIFY_ITEMS",
                "PREVIEW_ITEMS")
MESSAGING_SUPPRESSED = ("DRAFT", "AUTO_DRAFT")


@dataclass
class Context:
    store: Store
    seed: Seed
    faults: frozenset[str]
    variants: frozenset[str] = frozenset()

    #: trips created under variant trips-valid-later that get-trips has not shown yet
    not_yet_valid: set[str] = field(default_factory=set)

    def fault(self, name: str) -> bool:
        return name in self.faults

    def variant(self, name: str) -> bool:
        """A conformant variant (sandbox/variants.py) is on."""
        return name in self.variants


@dataclass
class Call:
    """One request as the handlers see it."""

    request: Request
    raw: bytes
    client: Client | None = None

    def path(self, name: str) -> str:
        return self.request.path_params.get(name, "")

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def header(self, name: str) -> Any:
        return self.request.headers.get(name)
