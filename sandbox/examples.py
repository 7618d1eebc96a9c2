"""The docs' example requests, adapted to the seeded identities, and a small in-process client.

Each builder returns `(path, query, body)` for one documented curl example; the sandbox's own
tests (tests/test_sandbox_*.py) drive them, and they make a quick manual check easy:

    >>> from pnd_conformance.sandbox.examples import SandboxClient, create_minimal
    >>> api = SandboxClient()
    >>> api.create(create_minimal(api.ids)).json()["statusCode"]
    200
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from pnd_conformance.sandbox.seed import load_seed

DEALER_PATH = "/appointment/v2/dealers/{dealer}/partner-appointments-with-trip"


# --- create-partner-appointment-with-trip.txt ----------------------------------------------------
def create_minimal(ids: dict[str, Any]) -> dict[str, Any]:
    """"Minimal Curl (required fields only)"."""
    return {
        "customerUUID": ids["customer_uuid"],
        "appointmentDateTime": "2026-04-06T13:00:00-0700",
        "dealerDepartmentUUID": ids["department_uuid"],
        "source": "WEB",
        "pickupTripInformation": {"rideType": "PICKUP_VEHICLE"},
        "appointmentInformation": {"customerAppointmentPreference": {}},
    }


def create_minimal_with_drop(ids: dict[str, Any]) -> dict[str, Any]:
    """"Minimal Curl With Dropoff"."""
    body = create_minimal(ids)
    body["pickupTripInformation"]["mustStartBy"] = "2026-04-06T12:45:00-0700"
    body["dropTripInformation"] = {"rideType": "DROPOFF_VEHICLE", "rideTime": "2026-04-08T15:00:00-0700",
                                   "mustStartBy": "2026-04-08T14:45:00-0700"}
    return body


def create_complete(ids: dict[str, Any]) -> dict[str, Any]:
    """"Complete Curl" (identities replaced by seeded ones, transportOptionUuid by the dealer's PnD option)."""
    dept = ids["department_uuid"]
    return {
        "customerUUID": ids["customer_uuid"],
        "appointmentDateTime": "2026-04-06T13:00:00-0700",
        "dealerDepartmentUUID": dept,
        "requesterUserUUID": ids["requester_user_uuid"],
        "source": "WEB",
        "locale": "en-US",
        "vehicleInformation": {"vehicleUuid": ids["vehicle_uuid"], "vin": "VEHICLE_VIN", "vehicleKey": None,
                               "vehicleYear": "2026", "vehicleMake": "Toyota", "vehicleModel": "Camry",
                               "estimatedMileage": "25000"},
        "pickupTripInformation": {
            "rideType": "PICKUP_VEHICLE", "tripStatus": None, "loanerVehicleRequired": False, "isDropCar": False,
            "serviceAdvisorName": "Jane Smith", "originAddress": "123 Customer Street, City, State 12345",
            "originLocationLat": 34.0522, "originLocationLon": -118.2437,
            "destinationAddress": "456 Dealer Avenue, City, State 12345", "destLocationLat": 34.0622,
            "destLocationLon": -118.2537,
        },
        "dropTripInformation": {
            "rideType": "DROPOFF_VEHICLE", "rideTime": "2026-04-06T17:00:00-0700",
            "mustStartBy": "2026-04-06T16:45:00-0700", "loanerVehicleRequired": False, "isDropCar": False,
            "originAddress": "456 Dealer Avenue, City, State 12345", "originLocationLat": 34.0622,
            "originLocationLon": -118.2537, "destinationAddress": "123 Customer Street, City, State 12345",
            "destLocationLat": 34.0522, "destLocationLon": -118.2437,
        },
        "appointmentInformation": {
            "transportOption": {"altTransportation": None, "transportation": None,
                                "transportOptionUuid": ids["pnd_transport_option_uuid"], "bookingID": None,
                                "bookInThirdParty": False},
            "assignedUser": {"uuid": ids["assigned_user_uuid"], "deptUUID": dept, "teamUuid": None},
            "creatorUser": {"uuid": ids["creator_user_uuid"], "deptUUID": dept, "teamUuid": None},
            "appointmentKey": None, "mileageText": None, "comments": "", "internalNotes": "",
            "serviceList": [{
                "title": "CECOIL", "description": "CECOIL", "opCodeName": None, "price": None, "laborTotal": None,
                "partsTotal": None, "shopFees": None, "taxes": None, "payType": None, "sortOrder": 2,
                "recallID": None, "parentTitle": None, "menuUuid": None, "operationType": "OPCODE",
                "operationUuid": None, "isCustomConcern": False, "durationInMins": None, "parentOpcodeUuid": None,
            }],
            "customerAppointmentPreference": {
                "emailConfirmation": False, "textConfirmation": False, "emailReminder": False, "textReminder": False,
                "confirmationEmail": "test@gmail.com", "confirmationPhoneNumber": "310XXXXXXX", "notifyCustomer": True,
                "sendCommunicationToDA": True,
            },
            "status": None, "recall": False, "pushToDms": True,
        },
        "pickupDeliveryTripMetadata": {"subTransportOptionRequest": {
            "transportOptionUuid": ids["pnd_transport_option_uuid"]}},
    }


# --- update-appointment-with-trip.txt ------------------------------------------------------------
def update_minimal(ids: dict[str, Any], trip_uuid: str) -> dict[str, Any]:
    """"Minimal Curl (update scenario, required fields only)"."""
    return {
        "updatePickupDeliveryTripEventRequest": {
            "pickupDeliveryTripEvent": {
                "eventUUID": trip_uuid, "appointmentTime": "2024-10-26T10:00:00-0700", "rideType": "PICKUP_CUSTOMER",
                "dealerUUID": ids["dealer_uuid"], "dealerDepartmentUUID": ids["department_uuid"],
                "customerUUID": ids["customer_uuid"],
            },
            "requesterUserUUID": ids["requester_user_uuid"],
            "dealerDepartmentUUIDList": [ids["department_uuid"]],
            "source": "WEB",
        },
        "updateAppointmentForTripRequest": {
            "appointmentInformation": {"appointmentDate": "2024-10-26", "appointmentStartTime": "10:00:00"},
            "pickupDeliveryTripMetadata": {"tripUUID": trip_uuid},
        },
    }


def update_complete(ids: dict[str, Any], trip_uuid: str) -> dict[str, Any]:
    """"Complete Curl"."""
    dept = ids["department_uuid"]
    return {
        "updatePickupDeliveryTripEventRequest": {
            "pickupDeliveryTripEvent": {
                "eventUUID": trip_uuid, "appointmentTime": "2024-10-26T10:00:00-0700", "rideType": "PICKUP_CUSTOMER",
                "dealerUUID": ids["dealer_uuid"], "dealerDepartmentUUID": dept, "customerUUID": ids["customer_uuid"],
                "assignedByDealerAssociateUUID": ids["creator_user_uuid"],
                "originAddress": "789 New Address, City, State 12345", "originLocationLat": 34.0522,
                "originLocationLon": -118.2437, "destinationAddress": "456 Dealer Avenue, City, State 12345",
                "destLocationLat": 34.0622, "destLocationLon": -118.2537,
                "serviceAdvisorUUID": ids["assigned_user_uuid"],
            },
            "requesterUserUUID": ids["requester_user_uuid"],
            "dealerDepartmentUUIDList": [dept],
            "source": "WEB",
        },
        "updateAppointmentForTripRequest": {
            "appointmentInformation": {
                "appointmentDate": "2024-10-26", "appointmentStartTime": "10:00:00", "appointmentEndTime": "10:29:59",
                "userUuid": ids["assigned_user_uuid"], "comments": "", "internalNotes": "",
            },
            "vehicleInformation": {"vehicleUuid": ids["vehicle_uuid"]},
            "customerAppointmentPreference": {
                "emailConfirmation": False, "textConfirmation": False, "emailReminder": False, "textReminder": False,
                "notifyCustomer": True, "sendCommunicationToDA": True,
            },
            "serviceList": [{"title": "CECOIL", "operationUuid": "op-cecoil", "operationType": "OPCODE",
                             "isCustomConcern": False}],
            "updatedByUserDetails": {"uuid": ids["creator_user_uuid"], "deptUUID": dept},
            "pickupDeliveryTripMetadata": {
                "tripUUID": trip_uuid,
                "subTransportOptionRequest": {"transportOptionUuid": ids["pnd_transport_option_uuid"]},
            },
        },
    }


# --- delete-partner-appointment-with-trip.txt ----------------------------------------------------
def delete_explicit_actor(ids: dict[str, Any]) -> dict[str, str]:
    """"Delete with explicit actor": ?updatedByDAUUID=…&source=WEB."""
    return {"updatedByDAUUID": ids["creator_user_uuid"], "source": "WEB"}


def delete_web_fallback(ids: dict[str, Any]) -> dict[str, str]:
    """"Delete with WEB fallback actor": ?source=WEB."""
    return {"source": "WEB"}


def delete_non_web(ids: dict[str, Any]) -> dict[str, str]:
    """"Delete with non-WEB source": ?updatedByDAUUID=…&source=DEALER_APP."""
    return {"updatedByDAUUID": ids["creator_user_uuid"], "source": "DEALER_APP"}


# --- filter-trips.txt --------------------------------------------------------------------------
def filter_example(ids: dict[str, Any]) -> dict[str, Any]:
    """"Example Request"."""
    return {
        "dealerDepartmentUUIDList": [ids["department_uuid"]],
        "dealerUuids": [ids["dealer_uuid"]],
        "sortOrder": "APPT_TIME_ASC",
        "pageSize": 10,
        "lastItemIndex": 0,
        "startApptTime": "2025-10-31T00:00:00+0530",
        "endApptTime": "2025-10-31T23:59:59+0530",
        "tripStatuses": ["ASSIGNED", "AT_DEALERSHIP", "AT_DESTINATION", "AUTO_DRAFT", "CANCELLED", "COMPLETED",
                         "DRAFT", "INBOUND", "OUTBOUND", "READY_TO_DRIVE", "UNASSIGNED"],
        "rideTypes": ["PICKUP_CUSTOMER", "PICKUP_VEHICLE", "DROPOFF_CUSTOMER", "DROPOFF_VEHICLE", "LOANER_SWAP",
                      "MISCELLANEOUS"],
    }


def filter_endpoint_template(ids: dict[str, Any]) -> dict[str, Any]:
    """The "Endpoint" curl's body (placeholders filled)."""
    return {
        "requesterUserUUID": ids["requester_user_uuid"],
        "dealerDepartmentUUIDList": [ids["department_uuid"]],
        "dealerUuids": [ids["dealer_uuid"]],
        "eventUuids": [],
        "startApptTime": "2026-04-01T00:00:00-0700",
        "endApptTime": "2026-04-30T23:59:59-0700",
        "driverUuids": [], "customerUuids": [], "tripStatuses": [], "subTripStatuses": [],
        "rideTypes": ["PICKUP_VEHICLE"], "docStatuses": [],
        "lastItemIndex": None, "pageNumber": None, "pageSize": None,
        "sortOrder": "APPT_TIME_DESC",
    }


class SandboxClient:
    """A fresh in-process sandbox and a Starlette TestClient speaking to it, per client name."""

    def __init__(self, faults: Iterable[str] = (), app: Any = None) -> None:
        from pnd_conformance.sandbox.app import create_app

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # starlette's note about httpx vs httpx2
            from starlette.testclient import TestClient

        seed = load_seed()
        self.ids: dict[str, Any] = dict(seed.identities)
        self.credentials = {c.name: (c.username, c.password) for c in seed.clients.values()}
        self.app = app if app is not None else create_app(faults)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # starlette's note about httpx vs httpx2
            self.http = TestClient(self.app, raise_server_exceptions=False)

    def _auth(self, client: str | None):
        return self.credentials[client] if client else None

    def request(self, method: str, url: str, *, client: str | None = "full", **kw: Any):
        if client is not None:
            kw.setdefault("auth", self._auth(client))
        return self.http.request(method, url, **kw)

    def create(self, body: Any, *, dealer: str | None = None, query: dict[str, str] | None = None,
               client: str | None = "full", **kw: Any):
        url = DEALER_PATH.format(dealer=self.ids["dealer_uuid"] if dealer is None else dealer)
        return self.request("POST", url, json=body, params=query, client=client, **kw)

    def update(self, sar: str, body: Any, *, dealer: str | None = None, client: str | None = "full",
               query: dict[str, str] | None = None, **kw: Any):
        dealer = self.ids["dealer_uuid"] if dealer is None else dealer
        url = f"/appointment/v2/dealer/{dealer}/sar/{sar}/appointment-trip"
        return self.request("POST", url, json=body, params=query, client=client, **kw)

    def get_trips(self, sar: str, *, dealer: str | None = None, client: str | None = "full", **kw: Any):
        url = DEALER_PATH.format(dealer=self.ids["dealer_uuid"] if dealer is None else dealer) + f"/{sar}/trips"
        return self.request("GET", url, client=client, **kw)

    def delete(self, sar: str, query: dict[str, str] | None = None, *, department: str | None = None,
               client: str | None = "full", **kw: Any):
        dept = self.ids["department_uuid"] if department is None else department
        url = f"/appointment/v2/departments/{dept}/partner-appointments-with-trip/{sar}"
        return self.request("DELETE", url, params=query, client=client, **kw)

    def filter(self, body: Any, *, client: str | None = "full", **kw: Any):
        return self.request("POST", "/pickupdelivery/v3/trip-view/list", json=body, client=client, **kw)

    def created(self, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Create (default: the non-WEB minimal with creator and assigned user) and return the body; asserts 200."""
        if body is None:
            body = create_minimal(self.ids)
            body["source"] = "DEALER_APP"
            body["requesterUserUUID"] = self.ids["requester_user_uuid"]
            body["appointmentInformation"]["creatorUser"] = {"uuid": self.ids["creator_user_uuid"]}
            body["appointmentInformation"]["assignedUser"] = {"uuid": self.ids["assigned_user_uuid"]}
        r = self.create(body, **kw)
        assert r.status_code == 200, r.text
        return r.json()
