"""Every sandbox fault starts the app and changes an observable behaviour (smoke check).

For each fault a probe drives the documented behaviour the fault breaks and returns an
observation; the observation must differ between the faithful sandbox and the faulted one.
(The real mutant-kill proof is the conformance suite run against each fault.)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pnd_conformance.sandbox import FAULTS, create_app
from pnd_conformance.sandbox.examples import (SandboxClient, create_minimal, create_minimal_with_drop,
    delete_explicit_actor, update_minimal)

D1, D2 = "6b4cb2424a234596a217beaddbc496cb", "922766581e2741c08a6a63ec24ede6a4"


def non_web(api: SandboxClient, drop: bool = False, **top: Any) -> dict:
    ids = api.ids
    body = create_minimal_with_drop(ids) if drop else create_minimal(ids)
    body.update(source="DEALER_APP", requesterUserUUID=ids["requester_user_uuid"])
    body["appointmentInformation"]["creatorUser"] = {"uuid": ids["creator_user_uuid"]}
    body["appointmentInformation"]["assignedUser"] = {"uuid": ids["assigned_user_uuid"]}
    body.update(top)
    return body


def status(r) -> int:
    return r.status_code


def codes(r) -> tuple:
    body = r.json()
    items = body.get("errors") if "errors" in body else [body.get("error")]
    return tuple(e["errorCode"] for e in items or [] if e)


def create_status(edit: Callable[[dict, SandboxClient], Any], drop: bool = False):
    def probe(api: SandboxClient):
        body = non_web(api, drop)
        edit(body, api)
        return status(api.create(body))
    return probe


def trips_of(api: SandboxClient, created: dict) -> list[dict]:
    return api.get_trips(created["appointmentUUID"]).json()["tripViewDtos"] or []


def filter_body(api: SandboxClient, **extra) -> dict:
    body = {"dealerDepartmentUUIDList": [api.ids["department_uuid"]], "dealerUuids": [api.ids["dealer_uuid"]],
            "sortOrder": "APPT_TIME_ASC"}
    body.update(extra)
    return body


def filtered(api: SandboxClient, **extra) -> tuple:
    r = api.filter(filter_body(api, **extra))
    return status(r), r.json().get("totalCount"), tuple(t["eventUuid"] for t in r.json().get("tripViewDtos") or [])


def three_trips(api: SandboxClient) -> list[str]:
    out = []
    for i, (customer, driver, status_) in enumerate([("customer_uuid", D1, "ASSIGNED"),
                                                     ("other_customer_uuid", D2, "COMPLETED"),
                                                     ("customer_uuid", None, None)]):
        body = non_web(api, appointmentDateTime=f"2030-01-0{i + 1}T09:00:00-0700", customerUUID=api.ids[customer])
        if driver:
            body["pickupTripInformation"]["primaryDriverUUID"] = driver
        if status_:
            body["pickupTripInformation"]["tripStatus"] = status_
        out.append(api.created(body)["pickupEventUUID"])
    return out


def update_edit(edit: Callable[[dict], Any], *, observe: Callable = status):
    def probe(api: SandboxClient):
        created = api.created()
        body = update_minimal(api.ids, created["pickupEventUUID"])
        edit(body)
        return observe(api.update(created["appointmentUUID"], body))
    return probe


def _event(body: dict) -> dict:
    return body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]


def _both_null(body: dict) -> None:
    body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"] = None
    body["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"] = None


def _create_scenario(body: dict) -> None:
    del _event(body)["eventUUID"]
    body["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"] = None


def _update_time(api: SandboxClient):
    created = api.created()
    api.update(created["appointmentUUID"], update_minimal(api.ids, created["pickupEventUUID"]))
    return trips_of(api, created)[0]["appointmentTime"]


def _delete_leaves_dropoff(api: SandboxClient):
    created = api.created(non_web(api, drop=True))
    api.delete(created["appointmentUUID"], delete_explicit_actor(api.ids))
    return filtered(api, eventUuids=[created["dropoffEventUUID"]], dealerUuids=None)[1]


def _update_delete_leaves_trip(api: SandboxClient):
    created = api.created()
    body = update_minimal(api.ids, created["pickupEventUUID"])
    _event(body).clear()
    body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"] = None
    api.update(created["appointmentUUID"], body)
    return filtered(api, eventUuids=[created["pickupEventUUID"]], dealerUuids=None)[1]


def _rejected_create_leaves(api: SandboxClient):
    body = non_web(api, drop=True, appointmentDateTime="2030-02-01T09:00:00-0700")
    body["dropTripInformation"].pop("rideTime")
    api.create(body)
    return filtered(api, startApptTime="2030-02-01T00:00:00-0700", endApptTime="2030-02-01T23:00:00-0700")[1]


def _after_update(api: SandboxClient, edit: Callable[[dict], Any], drop: bool = False) -> list[dict]:
    created = api.created(non_web(api, drop=drop))
    body = update_minimal(api.ids, created["pickupEventUUID"])
    edit(body)
    assert api.update(created["appointmentUUID"], body).status_code == 200
    return trips_of(api, created)


def _other_pickup_time(api: SandboxClient):
    first, other = api.created(), api.created(non_web(api, appointmentDateTime="2030-03-01T09:00:00-0700"))
    api.update(first["appointmentUUID"], update_minimal(api.ids, first["pickupEventUUID"]))
    return trips_of(api, other)[0]["appointmentTime"]


def _other_dropoff_kept(api: SandboxClient):
    first, other = api.created(non_web(api, drop=True)), api.created(non_web(api, drop=True))
    api.delete(first["appointmentUUID"], delete_explicit_actor(api.ids))
    return len(trips_of(api, other))


def _update_other_dealer(api: SandboxClient):
    ids, created = api.ids, api.created()
    body = update_minimal(ids, created["pickupEventUUID"])
    _event(body).update(dealerUUID=ids["other_dealer_uuid"], dealerDepartmentUUID=ids["other_department_uuid"])
    body["updatePickupDeliveryTripEventRequest"]["dealerDepartmentUUIDList"] = [ids["other_department_uuid"]]
    return status(api.update(created["appointmentUUID"], body, dealer=ids["other_dealer_uuid"], client="other_dealer"))


def _recreated_trip_link(api: SandboxClient):
    created = api.created()
    body = update_minimal(api.ids, created["pickupEventUUID"])
    body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"] = None
    api.update(created["appointmentUUID"], body)
    _create_scenario(body := update_minimal(api.ids, created["pickupEventUUID"]))
    assert api.update(created["appointmentUUID"], body).status_code == 200
    return trips_of(api, created)[0]["linkedAppointmentUuid"]


def _filter_department(api: SandboxClient):
    ids = api.ids
    other = non_web(api, dealerDepartmentUUID=ids["other_department_uuid"])
    api.create(other, dealer=ids["other_dealer_uuid"], client="other_dealer")
    api.created()
    return filtered(api, dealerUuids=[ids["dealer_uuid"], ids["other_dealer_uuid"]])[1]


def _filter_ordering(**extra):
    def probe(api: SandboxClient):
        names = {u: i for i, u in enumerate(three_trips(api))}
        s, total, found = filtered(api, **extra)
        return s, total, tuple(names.get(u) for u in found)
    return probe


def _end_exclusive(api: SandboxClient):
    three_trips(api)
    return filtered(api, startApptTime="2030-01-01T00:00:00-0700", endApptTime="2030-01-02T09:00:00-0700")[1]


def _rejected_delete_leaves(api: SandboxClient):
    created = api.created()
    api.delete(created["appointmentUUID"], {"source": "DEALER_APP"})
    return len(trips_of(api, created))


def _update_unknown_appointment(api: SandboxClient):
    created = api.created()
    api.update(api.ids["unknown_uuid"], update_minimal(api.ids, created["pickupEventUUID"]))
    return trips_of(api, created)[0]["appointmentTime"]


def _created_trip_type(api: SandboxClient):
    created = api.created()
    body = update_minimal(api.ids, created["pickupEventUUID"])
    body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"] = None
    api.update(created["appointmentUUID"], body)
    _create_scenario(body := update_minimal(api.ids, created["pickupEventUUID"]))
    _event(body)["rideType"] = "DROPOFF_VEHICLE"
    assert api.update(created["appointmentUUID"], body).status_code == 200
    return trips_of(api, created)[0]["rideType"]


def _delete_sent_trip_uuid(api: SandboxClient):
    ours, other = api.created(), api.created()
    api.delete(ours["appointmentUUID"], {**delete_explicit_actor(api.ids), "tripUuid": other["pickupEventUUID"]})
    return len(trips_of(api, other))


def _error_on_duplicate(api: SandboxClient):
    body = non_web(api)
    body["appointmentInformation"]["errorOnDuplicate"] = True
    return status(api.create(body)), status(api.create(body))


PROBES: dict[str, Callable[[SandboxClient], Any]] = {
    "create-accepts-missing-customer": create_status(lambda b, a: b.pop("customerUUID")),
    "create-accepts-non-pickup-ride-type": create_status(lambda b, a: b["pickupTripInformation"].update(
        rideType="PICKUP_CUSTOMER")),
    "create-accepts-loaner-and-drop-car": create_status(lambda b, a: b["pickupTripInformation"].update(
        loanerVehicleRequired=True, isDropCar=True)),
    "create-accepts-same-drivers-on-drop": create_status(lambda b, a: b["dropTripInformation"].update(
        primaryDriverUUID=D1, secondaryDriverUUID=D1), drop=True),
    "create-accepts-drop-without-ride-time": create_status(lambda b, a: b["dropTripInformation"].pop("rideTime"),
                                                           drop=True),
    "create-non-web-without-creator": create_status(lambda b, a: b["appointmentInformation"].pop("creatorUser")),
    "create-non-pnd-transport-accepted": create_status(lambda b, a: b["appointmentInformation"].update(
        transportOption={"transportOptionUuid": a.ids["other_transport_option_uuid"]})),
    "create-with-drop-no-requester-accepted": create_status(lambda b, a: b.pop("requesterUserUUID"), drop=True),
    "update-both-null-accepted": update_edit(_both_null),
    "update-create-new-when-trip-exists": update_edit(_create_scenario),
    "delete-non-web-without-actor": lambda a: status(a.delete(a.created()["appointmentUUID"], {"source": "PND_API"})),
    "filter-page-size-with-event-uuids": lambda a: filtered(a, eventUuids=["x"], pageSize=5, pageNumber=1)[0],
    "filter-half-time-range": lambda a: filtered(a, startApptTime="2030-01-01T00:00:00Z")[0],
    "filter-bad-date-accepted": lambda a: filtered(a, startApptTime="yesterday", endApptTime="today")[0],
    "create-rejects-omitted-ride-type": create_status(lambda b, a: b["pickupTripInformation"].pop("rideType")),
    "create-web-requires-creator": lambda a: status(a.create(create_minimal(a.ids))),
    "update-rejects-ride-share": update_edit(lambda b: _event(b).update(rideType="RIDE_SHARE")),
    "update-rejects-miscellaneous-without-customer": update_edit(
        lambda b: (_event(b).update(rideType="MISCELLANEOUS"), _event(b).pop("customerUUID"))),
    "filter-rejects-empty-dealer-uuids-with-events": lambda a: filtered(a, eventUuids=["x"], dealerUuids=[])[0],
    "create-rejects-colon-offset": create_status(
        lambda b, a: b.update(appointmentDateTime="2026-04-06T13:00:00-07:00")),
    "create-wrong-code-dept": lambda a: codes(a.create(non_web(a, dealerDepartmentUUID=None))),
    "delete-wrong-code-not-linked": lambda a: codes(a.delete(a.ids["unknown_uuid"], delete_explicit_actor(a.ids))),
    "get-trips-wrong-code-sar": lambda a: codes(a.get_trips("%20")),
    "create-validation-422": lambda a: status(a.create(non_web(a, customerUUID=None))),
    "delete-not-linked-404": lambda a: status(a.delete(a.ids["unknown_uuid"], delete_explicit_actor(a.ids))),
    "update-errors-with-200": update_edit(lambda b: _event(b).pop("rideType")),
    "filter-validation-500": lambda a: filtered(a, sortOrder=None)[0],
    "get-trips-errors-list": lambda a: tuple(sorted(a.get_trips("%20").json())),
    "create-status-code-mismatch": lambda a: a.created()["statusCode"],
    "create-pickup-uuid-alias-missing": lambda a: (lambda c: c["pickupEventUUID"] == c["eventUUID"])(a.created()),
    "create-dropoff-uuid-missing": lambda a: a.created(non_web(a, drop=True))["dropoffEventUUID"] is not None,
    "get-trips-total-count-zero": lambda a: a.get_trips(a.created()["appointmentUUID"]).json()["totalCount"],
    "dropoff-not-linked-back": lambda a: len(trips_of(a, a.created(non_web(a, drop=True)))[0]["linkedTripUuids"]),
    "delete-leaves-dropoff": _delete_leaves_dropoff,
    "is-valid-never-set": lambda a: trips_of(a, a.created())[0]["isValid"],
    "create-ignores-timezone": lambda a: trips_of(a, a.created())[0]["appointmentTime"],
    "update-ignores-appointment-time": _update_time,
    "get-trips-missing-dropoff": lambda a: len(trips_of(a, a.created(non_web(a, drop=True)))),
    "linked-appointment-missing": lambda a: (lambda c: trips_of(a, c)[0]["linkedAppointmentUuid"]
                                             == c["appointmentUUID"])(a.created()),
    "filter-ignores-ride-types": lambda a: (a.created(), filtered(a, rideTypes=["LOANER_SWAP"])[1])[1],
    "filter-ignores-customer-uuids": _filter_ordering(customerUuids=["907a70c310124037b64ce4228c38fb29"]),
    "filter-sort-reversed": _filter_ordering(),
    "filter-page-number-zero-based": _filter_ordering(pageSize=2, pageNumber=1),
    "filter-last-item-index-skips": _filter_ordering(pageSize=2, lastItemIndex=0),
    "filter-total-count-is-page-size": _filter_ordering(pageSize=2, pageNumber=2),
    "filter-ignores-department": _filter_department,
    "filter-ignores-driver-uuids": _filter_ordering(driverUuids=[D2]),
    "filter-ignores-trip-statuses": _filter_ordering(tripStatuses=["COMPLETED"]),
    "filter-end-exclusive": _end_exclusive,
    "auth-no-credentials-accepted": lambda a: status(a.get_trips(a.ids["unknown_uuid"], client=None)),
    "auth-scope-not-checked": lambda a: status(a.get_trips(a.ids["unknown_uuid"], client="no_scopes")),
    "auth-dealer-scope-any-dealer": lambda a: status(a.create(non_web(a), client="other_dealer")),
    "auth-401-as-403": lambda a: status(a.filter(filter_body(a), client=None)),
    "auth-department-scope-not-checked": lambda a: status(a.filter(filter_body(a), client="other_dealer")),
    "malformed-json-500": lambda a: status(a.request("POST", "/pickupdelivery/v3/trip-view/list", content=b"{")),
    "unknown-field-400": lambda a: status(a.create(non_web(a, surprise=True))),
    "wrong-content-type": lambda a: a.get_trips(a.ids["unknown_uuid"]).headers["content-type"],
    "get-trips-unknown-sar-400": lambda a: status(a.get_trips(a.ids["unknown_uuid"])),
    "delete-web-no-fallback": lambda a: status(a.delete(a.created()["appointmentUUID"], {"source": "WEB"})),
    "create-trip-status-ignored": lambda a: trips_of(a, a.created(non_web(
        a, pickupTripInformation={"tripStatus": "DRAFT"})))[0]["tripStatus"],
    "update-delete-leaves-trip": _update_delete_leaves_trip,
    # --- scope levels, rejected creates, round trips, untouched state, tenancy ---
    "auth-scope-level-ignored": lambda a: (status(a.create(non_web(a), client="department_level")),
                                           status(a.filter(filter_body(a), client="dealer_level"))),
    "create-rejected-leaves-pickup": _rejected_create_leaves,
    "trip-status-unchecked": create_status(lambda b, a: b["pickupTripInformation"].update(tripStatus="NOPE")),
    "optional-fields-dropped": lambda a: trips_of(a, a.created(non_web(
        a, pickupTripInformation={"optionalFields": {"k": "v"}})))[0]["optionalFields"],
    "loaner-description-dropped": lambda a: trips_of(a, a.created(non_web(a, pickupTripInformation={
        "loanerVehicleRequired": True, "loanerDescription": "d"})))[0]["loaner"]["description"],
    "assigned-by-from-requester": lambda a: trips_of(a, a.created(non_web(a)))[0]["assignedBy"]["uuid"],
    "update-ignores-trip-status": lambda a: _after_update(a, lambda b: _event(b).update(tripStatus="DRAFT"))[0][
        "tripStatus"],
    "update-customer-names-from-associate": lambda a: _after_update(a, lambda b: _event(b).update(
        assignedByDealerAssociateUUID=a.ids["creator_user_uuid"]))[0]["customer"]["firstName"],
    "update-unlinks-dropoff": lambda a: _after_update(a, lambda b: None, drop=True)[0]["linkedTripUuids"],
    "update-shifts-customer-trips": _other_pickup_time,
    "delete-removes-customer-dropoffs": _other_dropoff_kept,
    "delete-unlisted-source-as-web": lambda a: status(a.delete(a.created()["appointmentUUID"], {"source": "KIOSK"})),
    "get-trips-ignores-path-dealer": lambda a: a.get_trips(a.created()["appointmentUUID"], dealer=a.ids[
        "other_dealer_uuid"], client="other_dealer").json()["totalCount"],
    "update-ignores-path-dealer": _update_other_dealer,
    "update-created-trip-unlinked": _recreated_trip_link,
    "update-keeps-updated-by": lambda a: _after_update(a, lambda b: b["updateAppointmentForTripRequest"].update(
        updatedByUserDetails={"uuid": a.ids["assigned_user_uuid"]}))[0]["updatedBy"]["uuid"],
    "delete-ignores-path-department": lambda a: status(a.delete(a.created()["appointmentUUID"], delete_explicit_actor(
        a.ids), department=a.ids["other_department_uuid"], client="other_dealer")),
    "create-unknown-dealer-wrong-code": lambda a: codes(a.create(non_web(a), dealer=a.ids["unknown_uuid"])),
    "delete-unknown-department-wrong-code": lambda a: codes(a.delete(a.ids["unknown_uuid"], delete_explicit_actor(
        a.ids), department=a.ids["unknown_uuid"])),
    "delete-twice-succeeds": lambda a: status(a.delete(a.ids["unknown_uuid"], delete_explicit_actor(a.ids))),
    "delete-rejection-deletes": _rejected_delete_leaves,
    "filter-last-item-index-overlaps": _filter_ordering(pageSize=2, lastItemIndex=1),
    "filter-out-of-grant-served": lambda a: status(a.filter(filter_body(a), client="other_dealer")),
    "create-pickup-only-no-requester-accepted": create_status(lambda b, a: b.pop("requesterUserUUID")),
    "create-accepts-unknown-customer": create_status(lambda b, a: b.update(customerUUID=a.ids["unknown_uuid"])),
    "filter-page-number-zero-accepted": lambda a: filtered(a, pageSize=2, pageNumber=0)[0],
    "error-bodies-name-ids": lambda a: a.create(non_web(a, customerUUID=None)).json()["appointmentUUID"],
    "update-unknown-appointment-applies": _update_unknown_appointment,
    "get-trips-status-unlisted": lambda a: trips_of(a, a.created())[0]["tripStatus"],
    "filter-sub-trip-ride-type-unlisted": lambda a: [s["rideType"] for t in a.filter(filter_body(
        a, eventUuids=[a.created()["pickupEventUUID"]])).json()["tripViewDtos"] for s in t["subTrips"]],
    "update-created-trip-type-ignored": _created_trip_type,
    "create-body-dealer-uuid-used": lambda a: len(trips_of(
        a, a.created(non_web(a, dealerUuid=a.ids["other_dealer_uuid"])))),
    "delete-uses-sent-trip-uuid": _delete_sent_trip_uuid,
    "create-duplicates-rejected-by-default": lambda a: (status(a.create(non_web(a))), status(a.create(non_web(a)))),
    "create-error-on-duplicate-ignored": _error_on_duplicate,
    "create-accepts-unknown-department": create_status(
        lambda b, a: b.update(dealerDepartmentUUID=a.ids["unknown_uuid"])),
    "get-trips-unknown-dealer-wrong-code": lambda a: codes(
        a.get_trips(a.ids["unknown_uuid"], dealer=a.ids["unknown_uuid"])),
    "filter-empty-lists-serve-all": lambda a: a.created() and filtered(a, dealerDepartmentUUIDList=[])[:2],
}


def test_every_fault_has_a_probe_and_a_description():
    assert set(PROBES) == set(FAULTS)
    assert all(isinstance(d, str) and d.strip() and "\n" not in d for d in FAULTS.values())


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_changes_behaviour(fault):
    """The faithful sandbox and the faulted one answer the probe differently."""
    probe = PROBES[fault]
    faithful = probe(SandboxClient())
    faulted = probe(SandboxClient(faults=[fault]))
    assert faithful != faulted, f"{fault}: both observed {faithful!r}"


def test_unknown_fault_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown sandbox fault.*no-such-fault"):
        create_app(faults=["no-such-fault"])


def test_faults_accept_a_comma_separated_string():
    app = create_app(faults="wrong-content-type, is-valid-never-set")
    assert app.state.sandbox.faults == {"wrong-content-type", "is-valid-never-set"}


import time  # noqa: E402  (these probes wait for a write to be undone)


def _count_under_status(api: SandboxClient) -> Any:
    api.created(non_web(api, pickupTripInformation={"tripStatus": "DRAFT"}))
    api.created()
    return filtered(api, tripStatuses=["DRAFT"], pageSize=5, pageNumber=1)


def _eleventh_event(api: SandboxClient) -> Any:
    made = api.created()
    listed = [f"{i:032x}" for i in range(10)] + [made["eventUUID"]]
    return filtered(api, eventUuids=listed)


def _rejected_create_replaces(api: SandboxClient) -> Any:
    old = api.created()
    body = non_web(api, drop=True)
    del body["dropTripInformation"]["rideTime"]
    api.create(body, query={"regularServiceApptUuid": old["appointmentUUID"]})
    return len(trips_of(api, old))


def _moved(api: SandboxClient, created: dict) -> dict:
    body = update_minimal(api.ids, created["pickupEventUUID"])
    _event(body)["appointmentTime"] = "2031-06-01T09:00:00-0700"
    return body


# --- servers built to differ ---
PROBES.update({
    "filter-total-count-ignores-trip-statuses": _count_under_status,
    "filter-event-uuids-first-ten": _eleventh_event,
    "update-cascades-status-to-dropoff": lambda a: [t["tripStatus"] for t in _after_update(
        a, lambda b: _event(b).update(tripStatus="DRAFT"), drop=True) if t["rideType"] == "DROPOFF_VEHICLE"],
    "create-rejected-still-replaces": _rejected_create_replaces,
    "trips-vanish-after-create": lambda a: (lambda c: (time.sleep(1.3), len(trips_of(a, c)))[1])(a.created()),
    "update-reverts": lambda a: (lambda c: (a.update(c["appointmentUUID"], _moved(a, c)), time.sleep(1.3),
                                            trips_of(a, c)[0]["appointmentTime"])[2])(a.created()),
    "update-blanks-addresses": lambda a: _after_update(a, lambda b: _event(b).update(originAddress="1 Main St"))[0][
        "subTrips"][0]["origin"]["address"],
    "create-string-booleans-dropped": create_status(lambda b, a: b["pickupTripInformation"].update(
        loanerVehicleRequired=True, isDropCar="true")),
})


# --- a client holding several dealers (the two_dealers client) ---
def _two_dealers_filter(api: SandboxClient) -> Any:
    ids, made = api.ids, api.created()
    return api.filter(filter_body(api, dealerDepartmentUUIDList=[ids["other_department_uuid"]],
                                  dealerUuids=[ids["dealer_uuid"], ids["other_dealer_uuid"]],
                                  eventUuids=[made["pickupEventUUID"]]), client="two_dealers").json()["totalCount"]


def _two_dealers_update(api: SandboxClient) -> int:
    ids, created = api.ids, api.created()
    body = update_minimal(ids, created["pickupEventUUID"])
    _event(body).update(dealerUUID=ids["other_dealer_uuid"], dealerDepartmentUUID=ids["other_department_uuid"])
    body["updatePickupDeliveryTripEventRequest"]["dealerDepartmentUUIDList"] = [ids["other_department_uuid"]]
    return status(api.update(created["appointmentUUID"], body, dealer=ids["other_dealer_uuid"], client="two_dealers"))


def _two_dealers_replacement(api: SandboxClient) -> int:
    """Trips left of an appointment named for replacement by a create through the other dealer's path."""
    ids, ours = api.ids, api.created()
    body = non_web(api, False)
    body["dealerDepartmentUUID"] = ids["other_department_uuid"]
    api.create(body, dealer=ids["other_dealer_uuid"], client="two_dealers",
               query={"regularServiceApptUuid": ours["appointmentUUID"]})
    return api.get_trips(ours["appointmentUUID"]).json()["totalCount"]


PROBES.update({
    "create-two-dealers-any-dealer-replacement": _two_dealers_replacement,
    "get-trips-two-dealers-any-path": lambda a: a.get_trips(a.created()["appointmentUUID"], dealer=a.ids[
        "other_dealer_uuid"], client="two_dealers").json()["totalCount"],
    "update-two-dealers-any-path": _two_dealers_update,
    "delete-two-dealers-any-path": lambda a: status(a.delete(a.created()["appointmentUUID"], delete_explicit_actor(
        a.ids), department=a.ids["other_department_uuid"], client="two_dealers")),
    "filter-two-dealers-granted-departments": _two_dealers_filter,
})
