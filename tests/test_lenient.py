"""What a lenient deserializer may read a request body as (conformance/judging/lenient_reading.py), so that the
Schemathesis negative-data check does not fail a target for accepting what the documents permit
(spec/NOTES.md "Unknown and loosely typed request fields"): a single value for a list, a number for
a string, a numeric string for a number. Anything else stays negative data."""
from __future__ import annotations

import copy

import pytest

from pnd_conformance.judging.lenient_reading import reads_as_valid
from pnd_conformance.sandbox.examples import create_minimal, filter_example
from pnd_conformance.spec.operations import operation



@pytest.fixture(scope="module")
def ids() -> dict:
    import yaml

    from pnd_conformance.settings import DEFAULT_PROFILE

    return yaml.safe_load(DEFAULT_PROFILE.read_text(encoding="utf-8"))["identities"]


def _reads(key: str, body) -> bool:
    op = operation(key)
    return reads_as_valid(op.path, op.method, body)


def test_valid_bodies_read_as_valid(ids):
    assert _reads("create", create_minimal(ids)) and _reads("filter", filter_example(ids))


def test_a_single_value_for_a_list_is_read_as_a_one_element_list(ids):
    body = filter_example(ids)
    body["dealerDepartmentUUIDList"] = ids["department_uuid"]
    body["rideTypes"] = "PICKUP_VEHICLE"
    assert _reads("filter", body)


def test_a_number_for_a_string_and_a_numeric_string_for_a_number_are_read(ids):
    body = create_minimal(ids)
    body["customerUUID"] = 12345
    assert _reads("create", body)
    page = filter_example(ids)
    page["pageSize"] = "10"
    assert _reads("filter", page)


@pytest.mark.parametrize("change", [
    pytest.param(lambda b: b.update(customerUUID={"uuid": "x"}), id="object-for-a-string"),
    pytest.param(lambda b: b.pop("customerUUID"), id="required-missing"),
    pytest.param(lambda b: b.update(appointmentDateTime="yesterday"), id="not-a-date-time"),
    pytest.param(lambda b: b.update(source="NOT_A_SOURCE"), id="not-in-the-enum"),
    pytest.param(lambda b: b.update(pickupTripInformation="PICKUP_VEHICLE"), id="string-for-an-object"),
])
def test_other_faults_stay_negative(ids, change):
    body = copy.deepcopy(create_minimal(ids))
    change(body)
    assert not _reads("create", body)


def test_a_body_of_the_wrong_type_or_an_operation_without_one_is_not_read(ids):
    assert not _reads("create", [create_minimal(ids)])
    assert not _reads("create", "text")
    assert not _reads("delete", {"source": "WEB"})


def test_coercion_is_no_back_door(ids):
    """A body that reads as valid only once coerced must satisfy every rule as coerced: `isDropCar: "true"`
    beside `loanerVehicleRequired: true` is refused under either reading (spec/NOTES.md "Coercion is no back
    door")."""
    from pnd_conformance.judging.lenient_reading import broken_as_coerced, read_as

    op = operation("create")
    body = create_minimal(ids)
    body["pickupTripInformation"].update(loanerVehicleRequired=True, isDropCar="true")
    assert read_as(op.path, op.method, body)["pickupTripInformation"]["isDropCar"] is True
    assert broken_as_coerced(op.path, op.method, read_as(op.path, op.method, body)) == [
        "create-loaner-and-drop-car-pickup"]
    assert not _reads("create", body)
    body["pickupTripInformation"]["isDropCar"] = "false"
    assert _reads("create", body), "as coerced it breaks no rule: a target may accept it"
    page = filter_example(ids)
    page.update(pageSize="10", eventUuids=[ids["unknown_uuid"]])
    assert broken_as_coerced(operation("filter").path, "POST", read_as(operation("filter").path, "POST", page)) == [
        "filter-page-size-with-event-uuids"]
    assert not _reads("filter", page), "pageSize (coerced) beside eventUuids is still refused"
