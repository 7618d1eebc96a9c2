"""The sandbox implements each documented rule (and its own documented choices, sandbox/README.md).

Table-driven: one row per rule, each citing the doc's words in its id or comment.
"""
from __future__ import annotations

import copy
import json

import pytest

from pnd_conformance.sandbox.examples import (SandboxClient, create_minimal, create_minimal_with_drop,
    delete_explicit_actor, update_minimal)


@pytest.fixture
def api() -> SandboxClient:
    return SandboxClient()


def non_web(ids: dict, drop: bool = False) -> dict:
    body = create_minimal_with_drop(ids) if drop else create_minimal(ids)
    body["source"] = "DEALER_APP"
    body["requesterUserUUID"] = ids["requester_user_uuid"]
    body["appointmentInformation"]["creatorUser"] = {"uuid": ids["creator_user_uuid"]}
    body["appointmentInformation"]["assignedUser"] = {"uuid": ids["assigned_user_uuid"]}
    return body


def codes(response) -> list[str]:
    body = response.json()
    items = body.get("errors") if "errors" in body else [body.get("error")]
    return [e["errorCode"] for e in items or [] if e]


def _set(body: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return body


def _del(body: dict, path: str) -> dict:
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[p]
    node.pop(last, None)
    return body


# --- create: "Partner request validation errors" (in the table's order) and downstream -----------
D1, D2 = "6b4cb2424a234596a217beaddbc496cb", "922766581e2741c08a6a63ec24ede6a4"
CREATE_VIOLATIONS = [
    # (id, drop?, edit(body, ids), errorCode)
    ("dept-missing", False, lambda b, i: _del(b, "dealerDepartmentUUID"), "INVALID_DEPT_UUID"),
    ("dept-unknown", False, lambda b, i: _set(b, "dealerDepartmentUUID", i["unknown_uuid"]), "INVALID_DEPT_UUID"),
    ("dept-of-other-dealer", False, lambda b, i: _set(b, "dealerDepartmentUUID", i["other_department_uuid"]),
     "INVALID_DEPT_UUID"),
    ("customer-missing", False, lambda b, i: _del(b, "customerUUID"), "CUSTOMER_INFO_MISSING"),
    ("customer-blank", False, lambda b, i: _set(b, "customerUUID", "  "), "CUSTOMER_INFO_MISSING"),
    ("datetime-missing", False, lambda b, i: _del(b, "appointmentDateTime"), "PARTNER_APPOINTMENT_DATETIME_REQUIRED"),
    ("appointment-information-missing", False, lambda b, i: _del(b, "appointmentInformation"),
     "INVALID_APPOINTMENT_INFORMATION"),
    ("pickup-missing", False, lambda b, i: _del(b, "pickupTripInformation"), "PARTNER_TRIP_INFORMATION_REQUIRED"),
    ("transport-loaner-by-uuid", False,
     lambda b, i: _set(b, "appointmentInformation.transportOption",
                       {"transportOptionUuid": i["other_transport_option_uuid"]}),
     "PICKUP_AND_DELIVERY_TRANSPORT_OPTION_REQUIRED"),
    ("transport-empty", False, lambda b, i: _set(b, "appointmentInformation.transportOption", {}),
     "PICKUP_AND_DELIVERY_TRANSPORT_OPTION_REQUIRED"),
    ("pickup-ride-type", False, lambda b, i: _set(b, "pickupTripInformation.rideType", "DROPOFF_VEHICLE"),
     "PICKUP_RIDE_TYPE_MUST_BE_PICKUP_VEHICLE"),
    ("pickup-ride-type-unknown", False, lambda b, i: _set(b, "pickupTripInformation.rideType", "HELICOPTER"),
     "PICKUP_RIDE_TYPE_MUST_BE_PICKUP_VEHICLE"),
    ("drop-ride-type", True, lambda b, i: _set(b, "dropTripInformation.rideType", "PICKUP_VEHICLE"),
     "DROPOFF_RIDE_TYPE_MUST_BE_DROPOFF_VEHICLE"),
    ("drop-ride-time-missing", True, lambda b, i: _del(b, "dropTripInformation.rideTime"),
     "DROPOFF_RIDE_TIME_REQUIRED"),
    ("creator-missing-non-web", False, lambda b, i: _del(b, "appointmentInformation.creatorUser"),
     "VALID_CREATOR_USER_UUID_REQUIRED"),
    ("creator-blank-null-source", False,
     lambda b, i: _set(_del(b, "source"), "appointmentInformation.creatorUser.uuid", ""),
     "VALID_CREATOR_USER_UUID_REQUIRED"),
    ("loaner-and-drop-car-pickup", False,
     lambda b, i: _set(_set(b, "pickupTripInformation.loanerVehicleRequired", True),
                       "pickupTripInformation.isDropCar", True),
     "LOANER_AND_DROP_CAR_CANNOT_BOTH_BE_TRUE"),
    ("loaner-and-drop-car-drop", True,
     lambda b, i: _set(_set(b, "dropTripInformation.loanerVehicleRequired", True),
                       "dropTripInformation.isDropCar", True),
     "LOANER_AND_DROP_CAR_CANNOT_BOTH_BE_TRUE"),
    ("same-drivers-pickup", False,
     lambda b, i: _set(_set(b, "pickupTripInformation.primaryDriverUUID", D1),
                       "pickupTripInformation.secondaryDriverUUID", D1),
     "PRIMARY_AND_SECONDARY_DRIVER_CANNOT_BE_SAME"),
    ("same-drivers-drop", True,
     lambda b, i: _set(_set(b, "dropTripInformation.primaryDriverUUID", D2),
                       "dropTripInformation.secondaryDriverUUID", D2),
     "PRIMARY_AND_SECONDARY_DRIVER_CANNOT_BE_SAME"),
    # downstream
    ("drop-no-requester-non-web", True, lambda b, i: _del(b, "requesterUserUUID"), "USER_TOKEN_IS_BLANK"),
    ("pickup-only-no-requester-non-web", False, lambda b, i: _del(b, "requesterUserUUID"), "USER_TOKEN_IS_BLANK"),
    ("customer-unknown", False, lambda b, i: _set(b, "customerUUID", i["unknown_uuid"]), "CUSTOMER_INFO_MISSING"),
    ("secondary-without-primary", False, lambda b, i: _set(b, "pickupTripInformation.secondaryDriverUUID", D1),
     "PRIMARY_DRIVER_REQUIRED_WITH_SECONDARY"),
    ("linked-trip-unknown", False, lambda b, i: _set(b, "pickupTripInformation.linkedTripUuids", [i["unknown_uuid"]]),
     "INVALID_LINKED_TRIP_UUID"),
    ("datetime-no-offset", False, lambda b, i: _set(b, "appointmentDateTime", "2026-04-06T13:00:00"),
     "MISSING_START_TIME"),
    ("datetime-garbage", False, lambda b, i: _set(b, "appointmentDateTime", "next tuesday"), "MISSING_START_TIME"),
    ("datetime-month-13", False, lambda b, i: _set(b, "appointmentDateTime", "2026-13-06T13:00:00-0700"),
     "MISSING_START_TIME"),
    ("ride-time-garbage", True, lambda b, i: _set(b, "dropTripInformation.rideTime", "2026-04-08 15:00"),
     "INVALID_RIDE_TIME"),
    ("must-start-by-garbage", False, lambda b, i: _set(b, "pickupTripInformation.mustStartBy", "soon"),
     "INVALID_MUST_START_BY"),
    ("trip-status-unknown", False, lambda b, i: _set(b, "pickupTripInformation.tripStatus", "PARKED"),
     "INVALID_TRIP_STATUS"),
    ("source-unknown", False, lambda b, i: _set(b, "source", "FAX"), "INVALID_SOURCE"),
    ("preference-missing", False, lambda b, i: _del(b, "appointmentInformation.customerAppointmentPreference"),
     "CUSTOMER_APPOINTMENT_PREFERENCE_REQUIRED"),
    ("wrong-type", False, lambda b, i: _set(b, "pickupTripInformation.isDropCar", "yes"), "INVALID_REQUEST_BODY"),
]


@pytest.mark.parametrize("drop,edit,code", [pytest.param(d, e, c, id=i) for i, d, e, c in CREATE_VIOLATIONS])
def test_create_violation(api, drop, edit, code):
    """create doc, "Partner request validation errors" / "Downstream … validation errors": 400 + errorCode."""
    r = api.create(edit(non_web(api.ids, drop), api.ids))
    assert r.status_code == 400 and codes(r) == [code], r.text
    assert r.json()["statusCode"] == 400 and r.json()["eventUUID"] is None


def test_create_first_failing_rule_wins(api):
    """create doc: the partner table is checked in order (dealerDepartmentUUID before customerUUID)."""
    body = _del(_del(non_web(api.ids), "dealerDepartmentUUID"), "customerUUID")
    assert codes(api.create(body)) == ["INVALID_DEPT_UUID"]


@pytest.mark.parametrize("dealer", ["%20", "907a70c310124037b64ce4228c38fb29"])
def test_create_invalid_dealer(api, dealer):
    """create doc: "dealerUuid path param is blank or invalid." → 400 INVALID_DEALER_UUID (before scopes)."""
    r = api.create(non_web(api.ids), dealer=dealer, client="no_scopes")
    assert r.status_code == 400 and codes(r) == ["INVALID_DEALER_UUID"]


CREATE_ACCEPTED = [
    ("web-without-creator-and-requester", lambda b, i: create_minimal(i)),
    ("web-drop-without-requester", lambda b, i: create_minimal_with_drop(i)),
    ("ride-types-omitted", lambda b, i: _del(_del(non_web(i, True), "pickupTripInformation.rideType"),
                                             "dropTripInformation.rideType")),
    ("transport-pnd-by-name", lambda b, i: _set(b, "appointmentInformation.transportOption",
                                                {"transportation": "PICKUP_AND_DELIVERY"})),
    ("transport-pnd-by-uuid", lambda b, i: _set(b, "appointmentInformation.transportOption",
                                                {"transportOptionUuid": i["pnd_transport_option_uuid"]})),
    ("colon-offset", lambda b, i: _set(b, "appointmentDateTime", "2026-04-06T13:00:00-07:00")),
    ("zulu", lambda b, i: _set(b, "appointmentDateTime", "2026-04-06T20:00:00Z")),
    ("two-different-drivers", lambda b, i: _set(_set(b, "pickupTripInformation.primaryDriverUUID", D1),
                                                "pickupTripInformation.secondaryDriverUUID", D2)),
    ("unknown-fields-tolerated", lambda b, i: _set(_set(b, "somethingNew", {"x": [1, 2]}),
                                                   "pickupTripInformation.extra", 1)),
    ("unicode-and-long-strings", lambda b, i: _set(_set(b, "appointmentInformation.comments", "Zoë 東京 " * 5000),
                                                   "pickupTripInformation.originAddress", "\u2603" * 1000)),
]


@pytest.mark.parametrize("edit", [pytest.param(e, id=i) for i, e in CREATE_ACCEPTED])
def test_create_accepted(api, edit):
    """create doc: WEB relaxes creatorUser/requesterUserUUID; rideType defaults; ISO-8601 offsets; unknown fields."""
    r = api.create(edit(non_web(api.ids), api.ids))
    assert r.status_code == 200, r.text


def test_create_error_on_duplicate(api):
    """errorOnDuplicate defaults to false ("No (defaults to false)"): a second identical create succeeds; with it
    true the sandbox's duplicate (same dealer, customer and local start time) is 400 DUPLICATE_APPOINTMENT."""
    body = non_web(api.ids)
    assert [api.create(body).status_code for _ in range(2)] == [200, 200]
    body["appointmentInformation"]["errorOnDuplicate"] = True
    r = api.create(body)
    assert r.status_code == 400 and r.json()["errors"][0]["errorCode"] == "DUPLICATE_APPOINTMENT"
    assert r.json()["appointmentUUID"] is None
    body["appointmentDateTime"] = "2031-01-01T09:00:00-0700"
    assert api.create(body).status_code == 200


def test_create_defaults_and_overrides(api):
    """create doc: rideType "defaults it to PICKUP_VEHICLE"/"DROPOFF_VEHICLE"; isDropCar "defaults to false";
    isValid "forced to false" then "marked valid later during the SAR-Trip mapping step"; the full
    appointmentDateTime with timezone "is used as appointmentTime for the trip"; tripStatus as sent."""
    body = non_web(api.ids, drop=True)
    _del(body, "pickupTripInformation.rideType")
    _del(body, "dropTripInformation.rideType")
    body["pickupTripInformation"].update(isValid=False, sendMessageToCustomer=True, tripStatus="DRAFT",
                                         linkedAppointmentUuid=api.ids["unknown_uuid"])
    body["appointmentDateTime"] = "2026-04-06T13:00:00+05:30"
    created = api.created(body)
    pickup, drop = api.get_trips(created["appointmentUUID"]).json()["tripViewDtos"]
    assert pickup["rideType"] == "PICKUP_VEHICLE" and drop["rideType"] == "DROPOFF_VEHICLE"
    assert pickup["loaner"]["isDropCar"] is False and pickup["isValid"] is True
    assert pickup["appointmentTime"] == "2026-04-06T13:00:00+0530"
    assert pickup["tripStatus"] == "DRAFT" and drop["tripStatus"] == "UNASSIGNED"
    assert pickup["linkedAppointmentUuid"] == created["appointmentUUID"]
    assert api.app.state.sandbox.store.appointments[created["appointmentUUID"]].start_local == "2026-04-06T13:00:00"
    assert api.app.state.sandbox.store.appointments[created["appointmentUUID"]].end_local == "2026-04-06T13:30:00"


# --- auth ----------------------------------------------------------------------------------------
def _requests(api: SandboxClient, sar: str, trip: str):
    ids = api.ids
    return {
        "create": lambda **kw: api.create(non_web(ids), **kw),
        "update": lambda **kw: api.update(sar, update_minimal(ids, trip), **kw),
        "get-trips": lambda **kw: api.get_trips(sar, **kw),
        "delete": lambda **kw: api.delete(sar, delete_explicit_actor(ids), **kw),
        "filter": lambda **kw: api.filter({"dealerDepartmentUUIDList": [ids["department_uuid"]],
                                           "dealerUuids": [ids["dealer_uuid"]], "sortOrder": "APPT_TIME_ASC"}, **kw),
    }


AUTH_MATRIX = {
    # client: expected status per operation (create, update, get-trips, delete, filter)
    None: (401, 401, 401, 401, 401),
    "bad-password": (401, 401, 401, 401, 401),
    "malformed": (401, 401, 401, 401, 401),
    "no_scopes": (403, 403, 403, 403, 403),
    "read_only": (403, 403, 200, 403, 200),
    "other_dealer": (403, 403, 403, 403, 403),
    "two_dealers": (200, 200, 200, 200, 200),  # the scopes of full, here as at other_dealer
    "full": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("who", list(AUTH_MATRIX), ids=str)
def test_auth_matrix(api, who):
    """Each doc's "Authentication and authorization errors": 401 UNAUTHORIZED for missing/invalid Basic
    credentials, 403 FORBIDDEN without the scope at the operation's level for the dealer/department."""
    ops = ["create", "update", "get-trips", "delete", "filter"]
    for op, expected in zip(ops, AUTH_MATRIX[who], strict=True):
        created = api.created()
        call = _requests(api, created["appointmentUUID"], created["pickupEventUUID"])[op]
        if who == "bad-password":
            r = call(client=None, auth=(api.credentials["full"][0], "nope"))
        elif who == "malformed":
            r = call(client=None, headers={"Authorization": "Basic !!!not-base64"})
        else:
            r = call(client=who)
        assert r.status_code == expected, (op, r.text)
        assert r.json()["statusCode"] == expected
        if expected != 200:
            assert codes(r) == ["UNAUTHORIZED" if expected == 401 else "FORBIDDEN"], (op, r.text)


def test_other_dealer_client_serves_its_own_dealer(api):
    """The other_dealer client holds every scope for other_dealer/other_department."""
    ids = api.ids
    body = non_web(ids)
    body["dealerDepartmentUUID"] = ids["other_department_uuid"]
    r = api.create(body, dealer=ids["other_dealer_uuid"], client="other_dealer")
    assert r.status_code == 200, r.text
    sar = r.json()["appointmentUUID"]
    assert api.get_trips(sar, dealer=ids["other_dealer_uuid"], client="other_dealer").json()["totalCount"] == 1
    # the appointment is not the dealer's: invisible there, and not deletable through dealer's department
    assert api.get_trips(sar).json()["totalCount"] == 0
    assert codes(api.delete(sar, delete_explicit_actor(ids))) == ["PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"]
    r = api.delete(sar, delete_explicit_actor(ids), department=ids["other_department_uuid"], client="other_dealer")
    assert r.status_code == 200, r.text


def test_two_dealers_client_serves_each_dealer_through_its_own_path_only(api):
    """The two_dealers client holds every scope at both dealers; an appointment is still its dealer's alone."""
    ids = api.ids
    body = non_web(ids)
    body["dealerDepartmentUUID"] = ids["other_department_uuid"]
    r = api.create(body, dealer=ids["other_dealer_uuid"], client="two_dealers")
    assert r.status_code == 200, r.text
    sar = r.json()["appointmentUUID"]
    assert api.get_trips(sar, dealer=ids["other_dealer_uuid"], client="two_dealers").json()["totalCount"] == 1
    assert api.get_trips(sar, client="two_dealers").json()["totalCount"] == 0
    assert codes(api.delete(sar, delete_explicit_actor(ids), client="two_dealers")) == [
        "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"]
    r = api.delete(sar, delete_explicit_actor(ids), department=ids["other_department_uuid"], client="two_dealers")
    assert r.status_code == 200, r.text


# --- update --------------------------------------------------------------------------------------
UPDATE_VIOLATIONS = [
    ("event-request-missing", lambda b, i: _del(b, "updatePickupDeliveryTripEventRequest"),
     "UPDATE_TRIP_EVENT_REQUEST_REQUIRED"),
    ("appointment-request-missing", lambda b, i: _del(b, "updateAppointmentForTripRequest"),
     "UPDATE_APPOINTMENT_REQUEST_REQUIRED"),
    ("requester-missing", lambda b, i: _del(b, "updatePickupDeliveryTripEventRequest.requesterUserUUID"),
     "USER_TOKEN_IS_BLANK"),
    ("department-list-empty", lambda b, i: _set(b, "updatePickupDeliveryTripEventRequest.dealerDepartmentUUIDList", []),
     "DEALER_DEPARTMENT_UUID_LIST_REQUIRED"),
    ("appointment-information-missing", lambda b, i: _del(b, "updateAppointmentForTripRequest.appointmentInformation"),
     "INVALID_APPOINTMENT_INFORMATION"),
    ("appointment-date-missing",
     lambda b, i: _del(b, "updateAppointmentForTripRequest.appointmentInformation.appointmentDate"),
     "APPOINTMENT_DATE_REQUIRED"),
    ("appointment-date-format",
     lambda b, i: _set(b, "updateAppointmentForTripRequest.appointmentInformation.appointmentDate", "10/26/2024"),
     "INVALID_APPOINTMENT_DATE"),
    ("start-time-format",
     lambda b, i: _set(b, "updateAppointmentForTripRequest.appointmentInformation.appointmentStartTime", "10:00"),
     "INVALID_APPOINTMENT_START_TIME"),
    ("metadata-missing", lambda b, i: _del(b, "updateAppointmentForTripRequest.pickupDeliveryTripMetadata"),
     "PICKUP_DELIVERY_TRIP_METADATA_REQUIRED"),
    ("both-null", lambda b, i: _set(_set(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent", None),
                                    "updateAppointmentForTripRequest.pickupDeliveryTripMetadata.tripUUID", None),
     "TRIP_EVENT_OR_TRIP_UUID_REQUIRED"),
    ("appointment-time-format",
     lambda b, i: _set(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.appointmentTime", "2024-10-26"),
     "MISSING_START_TIME"),
    ("ride-type-unknown",
     lambda b, i: _set(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.rideType", "TAXI"),
     "INVALID_RIDE_TYPE"),
    ("dealer-missing", lambda b, i: _del(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.dealerUUID"),
     "MISSING_DEALER_UUID"),
    ("customer-missing",
     lambda b, i: _del(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.customerUUID"),
     "MISSING_CUSTOMER_UUID"),
    ("assigned-by-missing-non-web",
     lambda b, i: _set(b, "updatePickupDeliveryTripEventRequest.source", "DEALER_APP"),
     "MISSING_ASSIGNED_BY_DEALER_ASSOCIATE_UUID"),
    ("event-uuid-missing",
     lambda b, i: _del(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.eventUUID"),
     "MISSING_EVENT_UUID"),
    ("loaner-and-drop-car",
     lambda b, i: _set(_set(b, "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.isDropCar", True),
                       "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.loanerVehicleRequired", True),
     "DROP_CAR_AND_LOANER_REQUESTED_BOTH_CAN_NOT_TRUE"),
    ("loaner-swap-same",
     lambda b, i: b["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"].update(
         rideType="LOANER_SWAP", loanerVehicleUuid="L1", swappedLoanerVehicleUuid="L1") or b,
     "LOANER_AND_SWAPPED_LOANER_CANNOT_BE_SAME"),
    ("trip-uuid-unknown",
     lambda b, i: _set(_set(b, "updateAppointmentForTripRequest.pickupDeliveryTripMetadata.tripUUID",
                            i["unknown_uuid"]),
                       "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.eventUUID", i["unknown_uuid"]),
     "INVALID_TRIP_UUID"),
    ("create-when-trip-exists",
     lambda b, i: _del(_del(b, "updateAppointmentForTripRequest.pickupDeliveryTripMetadata.tripUUID"),
                       "updatePickupDeliveryTripEventRequest.pickupDeliveryTripEvent.eventUUID"),
     "TRIP_ALREADY_EXISTS_FOR_APPOINTMENT"),
]


@pytest.mark.parametrize("edit,code", [pytest.param(e, c, id=i) for i, e, c in UPDATE_VIOLATIONS])
def test_update_violation(api, edit, code):
    """update doc: required fields, formats, enums and the "Update Scenarios" table (codes: sandbox/README.md)."""
    created = api.created()
    r = api.update(created["appointmentUUID"], edit(update_minimal(api.ids, created["pickupEventUUID"]), api.ids))
    assert r.status_code == 400 and codes(r) == [code], r.text
    assert set(r.json()) == {"eventUUID", "appointmentUUID", "statusCode", "errors", "warnings"}


def test_update_scenarios_delete_then_create(api):
    """update doc, "Delete existing trip" (null event + tripUUID) then "Create new trip" (event, null tripUUID)."""
    created = api.created(non_web(api.ids, drop=True))
    sar, pickup = created["appointmentUUID"], created["pickupEventUUID"]
    body = update_minimal(api.ids, pickup)
    body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"] = None
    r = api.update(sar, body)
    assert r.status_code == 200 and r.json()["eventUUID"] == pickup, r.text
    assert api.get_trips(sar).json()["tripViewDtos"] is None
    assert codes(api.delete(sar, delete_explicit_actor(api.ids))) == ["PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"]
    body = update_minimal(api.ids, pickup)
    del body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]["eventUUID"]
    body["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"] = None
    r = api.update(sar, body)
    assert r.status_code == 200, r.text
    new = r.json()["eventUUID"]
    assert new != pickup
    view = api.get_trips(sar).json()["tripViewDtos"]
    assert [t["eventUuid"] for t in view] == [new] and view[0]["isValid"] and view[0]["linkedAppointmentUuid"] == sar
    assert api.delete(sar, delete_explicit_actor(api.ids)).status_code == 200


@pytest.mark.parametrize("ride_type,drop_customer", [("RIDE_SHARE", False), ("MISCELLANEOUS", True)])
def test_update_ride_share_and_miscellaneous(api, ride_type, drop_customer):
    """update doc: rideType "Must be one of: … MISCELLANEOUS, RIDE_SHARE"; customerUUID "Required for all
    ride types except MISCELLANEOUS"."""
    created = api.created()
    body = update_minimal(api.ids, created["pickupEventUUID"])
    event = body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]
    event["rideType"] = ride_type
    if drop_customer:
        del event["customerUUID"]
    assert api.update(created["appointmentUUID"], body).status_code == 200


def test_update_unknown_sar(api):
    """update: an appointment that does not exist for the dealer → 400 INVALID_SAR_UUID (sandbox choice)."""
    r = api.update(api.ids["unknown_uuid"], update_minimal(api.ids, api.ids["unknown_uuid"]))
    assert r.status_code == 400 and codes(r) == ["INVALID_SAR_UUID"]


# --- get-trips -----------------------------------------------------------------------------------
def test_get_trips_validation(api):
    """get-trips doc, "Request validation errors" and "200 with null or no trip data"."""
    ids = api.ids
    assert codes(api.get_trips("x", dealer="%20")) == ["INVALID_DEALER_UUID"]
    assert codes(api.get_trips("x", dealer=ids["unknown_uuid"])) == ["INVALID_DEALER_UUID"]
    assert codes(api.get_trips("%20%20")) == ["INVALID_SAR_UUID"]
    r = api.get_trips("x", dealer=ids["dealer_without_service_department_uuid"])
    assert r.status_code == 400 and codes(r) == ["INVALID_DEPT_UUID"]
    r = api.get_trips(ids["unknown_uuid"])
    assert r.status_code == 200 and r.json() == {"totalCount": 0, "tripViewDtos": None, "statusCode": 200,
                                                 "error": None, "warnings": None}


# --- delete --------------------------------------------------------------------------------------
def test_delete_validation(api):
    """delete doc, "Request validation errors" and the WEB fallback actor rules."""
    ids = api.ids
    created = api.created()
    sar = created["appointmentUUID"]
    assert codes(api.delete(sar, delete_explicit_actor(ids), department=ids["unknown_uuid"])) == ["INVALID_DEPT_UUID"]
    assert codes(api.delete(sar, delete_explicit_actor(ids), department="%20")) == ["INVALID_DEPT_UUID"]
    assert codes(api.delete("%20", delete_explicit_actor(ids))) == ["INVALID_SAR_UUID"]
    # "If source is omitted, the request is treated as non-WEB, so updatedByDAUUID is required."
    assert codes(api.delete(sar, {})) == ["PARTNER_DELETE_REQUEST_FIELDS_MISSING"]
    assert codes(api.delete(sar, {"source": "PND_API"})) == ["PARTNER_DELETE_REQUEST_FIELDS_MISSING"]
    # WEB without a derivable actor (created WEB without assigned/creator user)
    bare = api.created(create_minimal(ids))["appointmentUUID"]
    assert codes(api.delete(bare, {"source": "WEB"})) == ["PARTNER_DELETE_REQUEST_FIELDS_MISSING"]
    assert api.delete(bare, delete_explicit_actor(ids)).status_code == 200
    # WEB falls back to the creator when there is no assigned user
    body = create_minimal(ids)
    body["appointmentInformation"]["creatorUser"] = {"uuid": ids["creator_user_uuid"]}
    only_creator = api.created(body)["appointmentUUID"]
    assert api.delete(only_creator, {"source": "WEB"}).status_code == 200
    # twice: nothing linked any more
    assert api.delete(sar, delete_explicit_actor(ids)).status_code == 200
    r = api.delete(sar, delete_explicit_actor(ids))
    assert r.status_code == 400 and codes(r) == ["PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"]


# --- filter --------------------------------------------------------------------------------------
def _filter(ids: dict, **extra) -> dict:
    body = {"dealerDepartmentUUIDList": [ids["department_uuid"]], "dealerUuids": [ids["dealer_uuid"]],
            "sortOrder": "APPT_TIME_ASC"}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


FILTER_VIOLATIONS = [
    ("departments-missing", dict(dealerDepartmentUUIDList=None), "DEALER_DEPARTMENT_UUID_LIST_REQUIRED"),
    ("departments-empty", dict(dealerDepartmentUUIDList=[]), "DEALER_DEPARTMENT_UUID_LIST_REQUIRED"),
    ("sort-missing", dict(sortOrder=None), "SORT_ORDER_REQUIRED"),
    ("sort-unknown", dict(sortOrder="NEWEST"), "INVALID_SORT_ORDER"),
    ("page-size-with-events", dict(pageSize=5, pageNumber=1, eventUuids=["e1"]),
     "PAGINATION_NOT_ALLOWED_WITH_EVENT_UUIDS"),
    ("start-without-end", dict(startApptTime="2025-10-31T00:00:00+0530"), "START_AND_END_APPT_TIME_REQUIRED_TOGETHER"),
    ("end-without-start", dict(endApptTime="2025-10-31T00:00:00+0530"), "START_AND_END_APPT_TIME_REQUIRED_TOGETHER"),
    ("page-size-alone", dict(pageSize=5), "EXACTLY_ONE_OF_PAGE_NUMBER_OR_LAST_ITEM_INDEX_REQUIRED"),
    ("page-number-and-last-index", dict(pageSize=5, pageNumber=1, lastItemIndex=0),
     "EXACTLY_ONE_OF_PAGE_NUMBER_OR_LAST_ITEM_INDEX_REQUIRED"),
    ("page-size-zero", dict(pageSize=0, pageNumber=1), "INVALID_PAGE_SIZE"),
    ("page-number-zero", dict(pageSize=5, pageNumber=0), "INVALID_PAGE_NUMBER"),
    ("last-index-negative", dict(pageSize=5, lastItemIndex=-1), "INVALID_LAST_ITEM_INDEX"),
    ("bad-date", dict(startApptTime="2025-10-31", endApptTime="2025-11-01"), "INVALID_DATE_FORMAT"),
    ("dealer-uuids-empty", dict(dealerUuids=[]), "DEALER_UUIDS_REQUIRED"),
    ("ride-share-not-a-filter-ride-type", dict(rideTypes=["RIDE_SHARE"]), "INVALID_RIDE_TYPE"),
    ("trip-status-unknown", dict(tripStatuses=["PARKED"]), "INVALID_TRIP_STATUS"),
    ("sub-trip-status-unknown", dict(subTripStatuses=["OUTBOUND"]), "INVALID_SUB_TRIP_STATUS"),
    ("doc-status-unknown", dict(docStatuses=["LOST"]), "INVALID_DOC_STATUS"),
    ("page-size-not-integer", dict(pageSize="10", pageNumber=1), "INVALID_REQUEST_BODY"),
]


@pytest.mark.parametrize("extra,code", [pytest.param(e, c, id=i) for i, e, c in FILTER_VIOLATIONS])
def test_filter_violation(api, extra, code):
    """filter doc, "Validation Rules" (codes: sandbox/README.md): 400 in the `error` object."""
    r = api.filter(_filter(api.ids, **extra))
    assert r.status_code == 400 and codes(r) == [code], r.text
    assert r.json()["tripViewDtos"] is None and r.json()["error"]["metadata"] is None


def test_filter_event_uuids_without_dealer_uuids(api):
    """filter doc: "If eventUuids is not provided, dealerUuids must be non-empty" — with eventUuids it may be empty."""
    trip = api.created()["pickupEventUUID"]
    r = api.filter(_filter(api.ids, dealerUuids=None, eventUuids=[trip]))
    assert r.status_code == 200 and [t["eventUuid"] for t in r.json()["tripViewDtos"]] == [trip]


def test_filter_semantics(api):
    """filter doc: every documented filter (AND across, OR within, empty list = no filter), sort by
    appointment time (dropoffs by rideTime), 1-based pageNumber, lastItemIndex offset, totalCount = matches."""
    ids = api.ids
    a = non_web(ids, drop=True)
    a["appointmentDateTime"] = "2030-01-01T09:00:00-0700"
    a["dropTripInformation"]["rideTime"] = "2030-01-03T09:00:00-0700"
    a["pickupTripInformation"].update(primaryDriverUUID=D1, tripStatus="ASSIGNED")
    ta = api.created(a)
    b = non_web(ids)
    b["appointmentDateTime"] = "2030-01-02T09:00:00-0700"
    b["customerUUID"] = ids["other_customer_uuid"]
    b["pickupTripInformation"].update(primaryDriverUUID=D2, secondaryDriverUUID=D1, tripStatus="COMPLETED")
    tb = api.created(b)
    pa, da, pb = ta["pickupEventUUID"], ta["dropoffEventUUID"], tb["pickupEventUUID"]

    def found(**extra):
        r = api.filter(_filter(ids, **extra))
        assert r.status_code == 200, r.text
        return r.json()["totalCount"], [t["eventUuid"] for t in r.json()["tripViewDtos"]]

    assert found() == (3, [pa, pb, da])
    assert found(sortOrder="APPT_TIME_DESC") == (3, [da, pb, pa])
    assert found(rideTypes=["DROPOFF_VEHICLE"]) == (1, [da])
    assert found(rideTypes=["DROPOFF_VEHICLE", "PICKUP_VEHICLE"],
                 customerUuids=[ids["other_customer_uuid"]]) == (1, [pb])
    assert found(driverUuids=[D1]) == (2, [pa, pb])
    assert found(driverUuids=[D2]) == (1, [pb])
    assert found(tripStatuses=["COMPLETED", "UNASSIGNED"]) == (2, [pb, da])
    assert found(subTripStatuses=["ASSIGNED"]) == (1, [pa])
    assert found(docStatuses=["VERIFIED"]) == (0, [])
    assert found(eventUuids=[pa, da], customerUuids=[]) == (2, [pa, da])
    assert found(startApptTime="2030-01-02T16:00:00Z", endApptTime="2030-01-03T16:00:00Z") == (2, [pb, da])
    assert found(startApptTime="2030-01-02T16:00:01Z", endApptTime="2030-01-03T15:59:59Z") == (0, [])
    assert found(pageSize=2, pageNumber=1) == (3, [pa, pb])
    assert found(pageSize=2, pageNumber=2) == (3, [da])
    assert found(pageSize=2, lastItemIndex=0) == (3, [pa, pb])
    assert found(pageSize=2, lastItemIndex=2) == (3, [da])
    assert found(pageSize=2, pageNumber=9) == (3, [])
    assert found(dealerUuids=[ids["other_dealer_uuid"]]) == (0, [])


def test_filter_department_scope(api):
    """filter doc: pickupdelivery.trip.fetch "Department" level — every listed department must be in scope."""
    ids = api.ids
    r = api.filter(_filter(ids, dealerDepartmentUUIDList=[ids["department_uuid"], ids["other_department_uuid"]]))
    assert r.status_code == 403 and codes(r) == ["FORBIDDEN"]
    r = api.filter(_filter(ids, dealerDepartmentUUIDList=[ids["other_department_uuid"]],
                           dealerUuids=[ids["other_dealer_uuid"]]), client="other_dealer")
    assert r.status_code == 200


# --- robustness ----------------------------------------------------------------------------------
GARBAGE = [b"", b"{", b"null", b"[]", b"42", b'"text"', b'{"a": NaN}', b'{"a": 1e999}', b"\xff\xfe\x00",
           b"[" * 100_000, json.dumps({"customerUUID": "\ud800"}).encode(), b'{"customerUUID": "\\ud800"}']


@pytest.mark.parametrize("raw", GARBAGE, ids=lambda r: repr(r[:12]))
def test_garbage_bodies_get_a_400_envelope(api, raw):
    """Never a 500: a body that is not a JSON object gets the operation's 400 envelope."""
    created = api.created()
    for r in (api.request("POST", f"/appointment/v2/dealers/{api.ids['dealer_uuid']}/partner-appointments-with-trip",
                          content=raw),
              api.request("POST", f"/appointment/v2/dealer/{api.ids['dealer_uuid']}/sar/"
                          f"{created['appointmentUUID']}/appointment-trip", content=raw),
              api.request("POST", "/pickupdelivery/v3/trip-view/list", content=raw)):
        assert r.status_code in (200, 400), r.text
        assert r.headers["content-type"] == "application/json"
        assert r.json()["statusCode"] == r.status_code


WRONG_TYPES = [1, 1.5, True, "s", [], {}, [None], ["s"], [{}], {"k": 1}, "\ud800" * 3, "x" * 200_000, -2**63]


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))


@pytest.mark.parametrize("value", WRONG_TYPES, ids=lambda v: type(v).__name__ + repr(v)[:10])
def test_any_value_anywhere_never_500(api, value):
    """Never a 500: every field of the complete create/update bodies replaced by a value of another type."""
    from pnd_conformance.sandbox.examples import create_complete, update_complete

    created = api.created()
    base_create = create_complete(api.ids)
    base_update = update_complete(api.ids, created["pickupEventUUID"])
    create_url = f"/appointment/v2/dealers/{api.ids['dealer_uuid']}/partner-appointments-with-trip"
    update_url = f"/appointment/v2/dealer/{api.ids['dealer_uuid']}/sar/{created['appointmentUUID']}/appointment-trip"

    def sender(url):  # json.dumps escapes lone surrogates (\\ud800), as a careless client might send them
        return lambda b: api.request("POST", url, content=json.dumps(b).encode(),
                                     headers={"Content-Type": "application/json"})

    for base, send in ((base_create, sender(create_url)), (base_update, sender(update_url))):
        for path in list(_paths(base)):
            body = copy.deepcopy(base)
            node = body
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = value
            r = send(body)
            assert r.status_code in (200, 400), (path, r.text[:300])
            assert r.json()["statusCode"] == r.status_code


def test_unknown_route_and_method(api):
    """Unknown routes → 404 JSON; a known route with another method → 405 JSON."""
    r = api.request("GET", "/nowhere")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    r = api.request("PUT", "/pickupdelivery/v3/trip-view/list", json={})
    assert r.status_code == 405 and r.headers["content-type"] == "application/json"
