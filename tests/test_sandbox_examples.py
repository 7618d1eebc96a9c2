"""The docs' example requests, adapted to the seeded identities, through the in-process sandbox.

Each test names the example it drives and asserts the documented response shape and status.
"""
from __future__ import annotations

import pytest

from pnd_conformance.sandbox.examples import (SandboxClient, create_complete, create_minimal, create_minimal_with_drop,
                              delete_explicit_actor, delete_non_web, delete_web_fallback, filter_endpoint_template,
                              filter_example, update_complete, update_minimal)

CREATE_KEYS = {"eventUUID", "pickupEventUUID", "dropoffEventUUID", "appointmentUUID", "statusCode", "errors",
               "warnings"}
LIST_KEYS = {"totalCount", "tripViewDtos", "statusCode", "error", "warnings"}


@pytest.fixture
def api() -> SandboxClient:
    return SandboxClient()


def test_create_minimal(api):
    """create doc, "Minimal Curl (required fields only)" and "Response Example": 200, eventUUID ==
    pickupEventUUID, dropoffEventUUID null without dropTripInformation, errors/warnings null."""
    r = api.create(create_minimal(api.ids))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == CREATE_KEYS
    assert body["statusCode"] == 200 and body["errors"] is None and body["warnings"] is None
    assert body["eventUUID"] and body["eventUUID"] == body["pickupEventUUID"]
    assert body["dropoffEventUUID"] is None and body["appointmentUUID"]


def test_create_minimal_with_dropoff_links_both_ways(api):
    """create doc, "Minimal Curl With Dropoff": "The API links the created dropoff trip to the created
    pickup trip automatically"; get-trips doc "Response Example": both trips, mutual linkedTripUuids."""
    body = api.created(create_minimal_with_drop(api.ids))
    assert body["dropoffEventUUID"] and body["dropoffEventUUID"] != body["pickupEventUUID"]
    trips = api.get_trips(body["appointmentUUID"]).json()
    assert trips["totalCount"] == 2
    pickup, drop = trips["tripViewDtos"]
    assert pickup["eventUuid"] == body["pickupEventUUID"] and drop["eventUuid"] == body["dropoffEventUUID"]
    assert pickup["linkedTripUuids"] == [drop["eventUuid"]] and drop["linkedTripUuids"] == [pickup["eventUuid"]]
    assert pickup["rideType"] == "PICKUP_VEHICLE" and drop["rideType"] == "DROPOFF_VEHICLE"
    assert pickup["appointmentTime"] == "2026-04-06T13:00:00-0700"
    assert pickup["mustStartBy"] == "2026-04-06T12:45:00-0700"
    assert drop["rideTime"] == "2026-04-08T15:00:00-0700" and drop["mustStartBy"] == "2026-04-08T14:45:00-0700"
    assert all(t["isValid"] is True and t["linkedAppointmentUuid"] == body["appointmentUUID"]
               and t["tripStatus"] == "UNASSIGNED" for t in (pickup, drop))


def test_create_complete_with_query_params_deletes_replaced_appointments(api):
    """create doc, "Complete Curl" with ?mobileServiceApptUuid=…&regularServiceApptUuid=…: "UUID of an
    existing mobile/regular service appointment to delete after creating the new appointment"."""
    mobile = api.created()["appointmentUUID"]
    regular = api.created()["appointmentUUID"]
    r = api.create(create_complete(api.ids), query={"mobileServiceApptUuid": mobile,
                                                    "regularServiceApptUuid": regular})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dropoffEventUUID"] and body["eventUUID"] == body["pickupEventUUID"]
    for old in (mobile, regular):
        gone = api.get_trips(old).json()
        assert gone["statusCode"] == 200 and gone["tripViewDtos"] is None and gone["totalCount"] == 0
    pickup = api.get_trips(body["appointmentUUID"]).json()["tripViewDtos"][0]
    assert pickup["serviceAdvisor"]["uuid"] == api.ids["assigned_user_uuid"]       # from assignedUser
    assert pickup["assignedBy"]["uuid"] == api.ids["creator_user_uuid"]            # from creatorUser
    assert pickup["vehicle"]["uuid"] == api.ids["vehicle_uuid"]
    assert pickup["loaner"]["isDropCar"] is False


def test_create_error_response_example(api):
    """create doc, "Error response example": PARTNER_TRIP_INFORMATION_REQUIRED in the errors list, ids null."""
    body = create_minimal(api.ids)
    del body["pickupTripInformation"]
    r = api.create(body)
    assert r.status_code == 400
    assert r.json() == {
        "eventUUID": None, "pickupEventUUID": None, "dropoffEventUUID": None, "appointmentUUID": None,
        "statusCode": 400,
        "errors": [{"errorCode": "PARTNER_TRIP_INFORMATION_REQUIRED",
                    "errorDescription": "pickupTripInformation is required in the partner appointment request"}],
        "warnings": None,
    }


@pytest.mark.parametrize("example", [update_minimal, update_complete])
def test_update_examples_after_create(api, example):
    """update doc, "Minimal Curl" / "Complete Curl" (update scenario) after a create; "Response Example":
    eventUUID and appointmentUUID, statusCode 200; the trip carries the new appointmentTime and rideType."""
    created = api.created()
    sar, trip = created["appointmentUUID"], created["pickupEventUUID"]
    r = api.update(sar, example(api.ids, trip))
    assert r.status_code == 200, r.text
    assert r.json() == {"eventUUID": trip, "appointmentUUID": sar, "statusCode": 200, "errors": None,
                        "warnings": None}
    view = api.get_trips(sar).json()["tripViewDtos"][0]
    assert view["appointmentTime"] == "2024-10-26T10:00:00-0700" and view["rideType"] == "PICKUP_CUSTOMER"
    assert view["isValid"] is True


def test_get_trips_curl_example(api):
    """get-trips doc, "Curl Example" / "Response Example" (a pickup-only appointment: one trip)."""
    created = api.created()
    r = api.get_trips(created["appointmentUUID"])
    assert r.status_code == 200
    body = r.json()
    assert set(body) == LIST_KEYS and body["error"] is None and body["warnings"] is None
    assert body["totalCount"] == 1 and body["tripViewDtos"][0]["eventUuid"] == created["pickupEventUUID"]
    assert body["tripViewDtos"][0]["linkedTripUuids"] == []


def test_get_trips_error_response_example(api):
    """get-trips doc, "Error response example": a blank sarUUID → 400 INVALID_SAR_UUID in `error`."""
    r = api.get_trips("%20")
    assert r.status_code == 400
    assert r.json() == {"totalCount": 0, "tripViewDtos": None, "statusCode": 400,
                        "error": {"errorCode": "INVALID_SAR_UUID",
                                  "errorDescription": "Invalid SAR UUID is provided in the request",
                                  "metadata": None},
                        "warnings": None}


@pytest.mark.parametrize("example", [delete_explicit_actor, delete_web_fallback, delete_non_web])
def test_delete_curl_examples(api, example):
    """delete doc, the three "Curl Examples" and "Response Example": pickupEventUUID, appointmentUuid,
    statusCode 200; the appointment, its pickup and linked dropoff are gone."""
    created = api.created(_with_users(create_minimal_with_drop(api.ids), api.ids))
    sar = created["appointmentUUID"]
    r = api.delete(sar, example(api.ids))
    assert r.status_code == 200, r.text
    assert r.json() == {"pickupEventUUID": created["pickupEventUUID"], "appointmentUuid": sar, "statusCode": 200,
                        "errors": None, "warnings": None}
    assert api.get_trips(sar).json()["tripViewDtos"] is None
    leftover = api.filter({"dealerDepartmentUUIDList": [api.ids["department_uuid"]], "sortOrder": "APPT_TIME_ASC",
                           "eventUuids": [created["pickupEventUUID"], created["dropoffEventUUID"]]}).json()
    assert leftover["totalCount"] == 0


def test_delete_error_response_example(api):
    """delete doc, "Error response example": no mapped pickup → 400 PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT."""
    r = api.delete(api.ids["unknown_uuid"], delete_explicit_actor(api.ids))
    assert r.status_code == 400
    assert r.json() == {"pickupEventUUID": None, "appointmentUuid": None, "statusCode": 400,
                        "errors": [{"errorCode": "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT",
                                    "errorDescription": "Pickup trip is not linked to the given appointment for "
                                                        "the partner delete request"}],
                        "warnings": None}


def test_filter_example(api):
    """filter doc, "Example Request" (pageSize 10, lastItemIndex 0, a +0530 day) and "Example Response":
    statusCode 200, error null, trips in the window, totalCount = all matches."""
    inside = []
    for local in ("2025-10-30T12:00:00-0700", "2025-10-30T18:30:00-0700", "2025-10-30T11:30:00-0700"):
        body = _with_users(create_minimal(api.ids), api.ids)
        body["appointmentDateTime"] = local
        inside.append(api.created(body)["pickupEventUUID"])
    outside = _with_users(create_minimal(api.ids), api.ids)
    outside["appointmentDateTime"] = "2025-10-31T12:00:00-0700"   # 2025-11-01T00:30+0530: after the window
    api.created(outside)
    r = api.filter(filter_example(api.ids))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["statusCode"] == 200 and body["error"] is None
    assert body["totalCount"] == 3
    # APPT_TIME_ASC: 11:30 (= 2025-10-31T00:00+0530, the inclusive start), 12:00, 18:30
    assert [t["eventUuid"] for t in body["tripViewDtos"]] == [inside[2], inside[0], inside[1]]
    view = body["tripViewDtos"][0]
    for key in ("eventUuid", "version", "appointmentTime", "mustStartBy", "rideType", "tripStatus", "parentEventUuid",
                "subTrips", "internalRideType", "optionalFields", "customer", "vehicle", "dealerOrder", "department",
                "loaner", "swappedLoaner", "assignedBy", "updatedBy", "serviceAdvisor", "primaryDriver",
                "secondaryDriver", "isValid", "createdDate", "driverPayments", "docStatus", "customerProfileToken",
                "linkedAppointmentUuid", "linkedTripUuids"):
        assert key in view, key
    assert [s["rideType"] for s in view["subTrips"]] == ["OUTBOUND", "INBOUND"]


def test_filter_endpoint_template(api):
    """filter doc, "Endpoint" curl: empty lists filter nothing, null pagination returns everything."""
    ids = [api.created()["pickupEventUUID"] for _ in range(2)]
    r = api.filter(filter_endpoint_template(api.ids))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totalCount"] == 2 and {t["eventUuid"] for t in body["tripViewDtos"]} == set(ids)


def _with_users(body: dict, ids: dict) -> dict:
    body["appointmentInformation"]["creatorUser"] = {"uuid": ids["creator_user_uuid"]}
    body["appointmentInformation"]["assignedUser"] = {"uuid": ids["assigned_user_uuid"]}
    return body
