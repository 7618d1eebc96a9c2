"""Self-tests of spec/openapi.yaml (and the operations table read from it) against the API documents.

The five documents in spec/docs/ are the only source of truth. Three of them write
their tables with pipes (`name | Value | Description | Required |`); two (create, delete) lost
their separators and run the cells together (`customerUUIDStringUnique token...Yes`). Both forms
are parsed here; every row line of every property/parameter table must parse, so no row can be
silently skipped.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from pnd_conformance.spec.catalogue import DOCS_DIR
from pnd_conformance.spec.doctables import Row, parse_tables
from pnd_conformance.spec.openapi import SPEC_PATH, load_openapi, operation_by_key
from pnd_conformance.spec.operations import OPERATIONS as KEYS, operation as operation_row

ROOT = Path(__file__).resolve().parents[1]
SPEC_URI = "urn:pnd:openapi"

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def doc_text(key: str) -> str:
    return (DOCS_DIR / operation_row(key).doc).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- doc table parsing

# Both table forms are read by spec/doctables.py (one reader for the lints, doc units and drift).


# Where each property/parameter table of each doc lands in the spec, in document order:
# "path" / "query" = the operation's parameters in that location; otherwise a component schema.
TABLE_TARGETS: dict[str, list[str]] = {
    "create": [
        "path", "query",
        "CreateAppointmentWithTripPartnerRequest",
        "PickupTripInformation",
        "DropTripInformation",
        "AppointmentInformation",
        "VehicleInformation",
        "PickupDeliveryTripMetadata",
        "SubTransportOptionRequest",
        "SaveAppointmentWithTripResponse",
    ],
    "update": [
        "path", "query",
        "UpdateAppointmentWithTripRequest",
        "UpdatePickupDeliveryTripEventRequest",
        "PickupDeliveryTripEvent",
        "UpdateAppointmentForTripRequest",
        "UpdateAppointmentInformation",
        "DealerAssociate",  # updatedByUserDetails
        "CustomerAppointmentPreference",
        "UpdatePickupDeliveryTripMetadata",
        "SaveAppointmentWithTripResponse",
    ],
    "get-trips": ["path", "PickupDeliveryTripViewDtoResponse", "TripViewDto"],
    "delete": ["path", "query", "DeleteAppointmentWithTripResponse"],
    "filter": ["FilterTripsRequest"],
}

# The two docs whose tables lost their separators: the property names by hand, table by table
# (same order as TABLE_TARGETS), so the parser above is checked against a human reading.
HAND_NAMES: dict[str, list[list[str]]] = {
    "create": [
        ["dealerUuid"],
        ["mobileServiceApptUuid", "regularServiceApptUuid"],
        ["customerUUID", "appointmentDateTime", "dealerDepartmentUUID", "pickupTripInformation",
         "dropTripInformation", "appointmentInformation", "vehicleInformation", "requesterUserUUID",
         "source", "appointmentMetaData", "pickupDeliveryTripMetadata", "locale"],
        ["rideType", "loanerVehicleRequired", "mustStartBy", "tripStatus", "serviceAdvisorName",
         "originAddress", "originLocationLat", "originLocationLon", "destinationAddress",
         "destLocationLat", "destLocationLon", "isDropCar", "loanerVehicleUuid",
         "swappedLoanerVehicleUuid", "loanerDescription", "loanerModel", "roNumber",
         "dealerOrderUUID", "primaryDriverUUID", "secondaryDriverUUID", "linkedAppointmentUuid",
         "linkedTripUuids", "subTrips", "optionalFields"],
        ["rideType", "rideTime", "mustStartBy", "originAddress", "originLocationLat",
         "originLocationLon", "optionalFields"],
        ["customerAppointmentPreference", "assignedUser", "creatorUser", "transportOption",
         "serviceList", "appointmentKey", "mileageText", "comments", "internalNotes", "status",
         "recall", "pushToDms", "shouldAutoComputeSlot", "skipBrandValidation", "isDiagnostic",
         "errorOnDuplicate", "overrideExistingAppointment", "draftUuid", "sdSessionId"],
        ["vehicleUuid", "vin", "vehicleKey", "vehicleYear", "vehicleMake", "vehicleModel",
         "estimatedMileage"],
        ["subTransportOptionRequest"],
        ["transportation", "transportOptionUuid", "altTransportation", "bookingID",
         "bookInThirdParty"],
        ["eventUUID", "pickupEventUUID", "dropoffEventUUID", "appointmentUUID", "statusCode",
         "errors", "warnings"],
    ],
    "delete": [
        ["dealerDepartmentUUID", "appointmentUuid"],
        ["updatedByDAUUID", "source"],
        ["pickupEventUUID", "appointmentUuid", "statusCode", "errors", "warnings"],
    ],
}


def spec() -> dict[str, Any]:
    return load_openapi()


def deref(ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec()
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def schema_named(name: str) -> dict[str, Any]:
    return spec()["components"]["schemas"][name]


def parameters_of(key: str, location: str) -> dict[str, dict[str, Any]]:
    _, _, operation = operation_by_key(key)
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == location}


def all_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def reachable_property_names(schema: Any, seen: set[str] | None = None) -> set[str]:
    """Every property name reachable from a schema, following $ref, anyOf/oneOf/allOf, items."""
    seen = set() if seen is None else seen
    names: set[str] = set()
    if isinstance(schema, dict):
        if "$ref" in schema:
            if schema["$ref"] not in seen:
                seen.add(schema["$ref"])
                names |= reachable_property_names(deref(schema["$ref"]), seen)
        for name, sub in schema.get("properties", {}).items():
            names.add(name)
            names |= reachable_property_names(sub, seen)
        for keyword in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(keyword, []):
                names |= reachable_property_names(sub, seen)
        for keyword in ("items", "additionalProperties"):
            if isinstance(schema.get(keyword), dict):
                names |= reachable_property_names(schema[keyword], seen)
    return names


# --------------------------------------------------------------------------- validity

def test_spec_is_valid_openapi_31():
    """The spec is a valid OpenAPI 3.1 document (openapi-spec-validator, OAS 3.1 rules)."""
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    assert spec()["openapi"] == "3.1.0"
    validate(spec(), cls=OpenAPIV31SpecValidator)


def test_loader_contract():
    """pnd_conformance.spec.openapi: SPEC_PATH points at spec/openapi.yaml, load_openapi() is cached and equals
    yaml.safe_load of the file, operation_by_key returns (METHOD, path, operation) by
    x-pnd-operation and raises KeyError for an unknown key."""
    assert SPEC_PATH == ROOT / "spec" / "openapi.yaml"
    assert load_openapi() is load_openapi()
    assert load_openapi() == yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    for key in KEYS:
        method, path, operation = operation_by_key(key)
        assert method == method.upper()
        assert spec()["paths"][path][method.lower()] is operation
    with pytest.raises(KeyError):
        operation_by_key("no-such-operation")


# --------------------------------------------------------------------------- operations

@pytest.mark.parametrize("key", KEYS)
def test_operation_row_reads_the_spec(key):
    """spec/operations.py's row of <key> is the spec's operation (method, path, operationId,
    x-pnd-doc naming an existing document, x-pnd-scope, a declared tag's display name), and a scope
    the document states is the one the spec gives ("... scope at the dealer level ...")."""
    row = operation_row(key)
    method, path, operation = operation_by_key(key)
    assert (row.method, row.path, row.operation_id, row.doc) == (method, path, operation["operationId"],
                                                                  operation["x-pnd-doc"])
    assert (DOCS_DIR / row.doc).is_file()
    assert operation["x-pnd-scope"] == {"scope": row.scope, "level": row.scope_level}
    stated = re.findall(r"([a-z.]+) scope at the (dealer|department) level", doc_text(key))
    assert all(found == (row.scope, row.scope_level) for found in stated), stated
    tags = {t["name"]: t for t in spec()["tags"]}
    assert operation.get("tags") and set(operation["tags"]) <= set(tags), "every operation has a declared tag"
    assert row.api == tags[operation["tags"][0]]["x-displayName"]


@pytest.mark.parametrize("key", KEYS)
def test_operation_envelope_is_the_documents(key):
    """The envelope of spec/operations.py is the key the document's JSON examples use:
    `"errors"` (a list) or `"error"` (an object), never the other."""
    keys = set(re.findall(r'"(errors?)"\s*:', doc_text(key)))
    assert keys == {operation_row(key).envelope}, keys


def test_exactly_five_operations():
    """The spec holds exactly the five documented operations, each key once."""
    keys = [op["x-pnd-operation"] for _, _, op in all_operations()]
    assert sorted(keys) == sorted(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_operation_matches_doc_http_request(key):
    """Method and path equal the doc's own "HTTP request" line (e.g. update's singular
    /dealer/, delete's /departments/, filter's /pickupdelivery/v3/...)."""
    m = re.search(r"^(GET|POST|PUT|DELETE|PATCH)\s+https://api\.mykaarma\.com(\S+)$", doc_text(key), re.M)
    assert m, "doc has an HTTP request line"
    method, path, _ = operation_by_key(key)
    assert (method, path) == (m[1], m[2])


@pytest.mark.parametrize("key", KEYS)
def test_scope_matches_doc(key):
    """x-pnd-scope equals the scope and level of the doc's Authorization table."""
    text = doc_text(key)
    m = re.search(r"^([a-z]+(?:\.[a-z]+)+)(?: \| |)(Dealer|Department)(?: \| |)[A-Z]", text, re.M)
    assert m, "doc has a scope row"
    _, _, operation = operation_by_key(key)
    assert operation["x-pnd-scope"] == {"scope": m[1], "level": m[2].lower()}


@pytest.mark.parametrize("key", KEYS)
def test_path_parameters_match_template(key):
    """Every {placeholder} of the path is a required path parameter, and nothing else is."""
    _, path, _ = operation_by_key(key)
    params = parameters_of(key, "path")
    assert set(params) == set(re.findall(r"{(\w+)}", path))
    assert all(p["required"] is True for p in params.values())


def test_documented_query_parameters():
    """The documented query parameters exist with their types: create's mobileServiceApptUuid
    and regularServiceApptUuid, update's boolean enforcePreferences, delete's updatedByDAUUID and
    source (the open list WEB/DEALER_APP/PND_API/EXTERNAL_CONTROLLER); none is required."""
    expected = {
        "create": {"mobileServiceApptUuid": "string", "regularServiceApptUuid": "string"},
        "update": {"enforcePreferences": "boolean"},
        "get-trips": {},
        "delete": {"updatedByDAUUID": "string", "source": "string"},
        "filter": {},
    }
    for key, names in expected.items():
        params = parameters_of(key, "query")
        assert {n: p["schema"]["type"] for n, p in params.items()} == names, key
        assert not any(p.get("required") for p in params.values()), key
        assert all(p.get("description") for p in params.values()), key
    source = parameters_of("delete", "query")["source"]
    # "Supported values include": an open list (NOTES.md), the values as examples, not an enum.
    assert source.get("x-pnd-open-enum") is True and "enum" not in source["schema"]
    assert set(source["schema"]["examples"]) == {"WEB", "DEALER_APP", "PND_API", "EXTERNAL_CONTROLLER"}


# --------------------------------------------------------------------------- doc tables

def test_doc_tables_map_to_targets():
    """Each doc's property/parameter tables (parsed from both table forms, every row line
    parsed) are exactly as many as the spec locations they are checked against."""
    for key, targets in TABLE_TARGETS.items():
        tables = parse_tables(doc_text(key))
        assert len(tables) == len(targets), (key, [t.header for t in tables])
        assert all(t.rows for t in tables), key


@pytest.mark.parametrize("key", sorted(HAND_NAMES))
def test_hand_lists_match_run_together_docs(key):
    """For the two docs whose table separators were lost, the hand-extracted property names
    occur verbatim in the doc text and equal what the run-together parser reads, table by
    table, so neither the list nor the parser can drift from the doc."""
    text = doc_text(key)
    for names in HAND_NAMES[key]:
        for name in names:
            assert name in text, name
    parsed = [[row.name for row in table.rows] for table in parse_tables(text)]
    assert parsed == HAND_NAMES[key]


def doc_rows() -> Iterator[tuple[str, str, Row]]:
    for key, targets in TABLE_TARGETS.items():
        for target, table in zip(targets, parse_tables(doc_text(key)), strict=True):
            for row in table.rows:
                yield key, target, row


@pytest.mark.parametrize(
    "key,target,row", list(doc_rows()), ids=lambda v: v.name if isinstance(v, Row) else str(v)
)
def test_doc_property_in_spec(key, target, row):
    """Every name in a doc's property/parameter table is in the spec where the table puts it,
    with a description, and is `required` exactly when the doc's Required cell says "Yes"
    (Conditional and No rows are not required)."""
    documented_required = row.required is not None and row.required.startswith("Yes")
    if target in ("path", "query"):
        params = parameters_of(key, target)
        assert row.name in params
        assert params[row.name].get("description")
        if row.required is not None:
            assert bool(params[row.name].get("required")) == documented_required
        return
    schema = schema_named(target)
    assert row.name in schema["properties"], f"{row.name} missing from {target}"
    prop = schema["properties"][row.name]
    if row.required is not None:
        assert (row.name in schema.get("required", [])) == documented_required
        assert prop.get("description"), f"{target}.{row.name} has no description"


@pytest.mark.parametrize("key", KEYS)
def test_doc_names_reachable_from_operation(key):
    """Every table name of a doc is reachable from its own operation: request-table names from
    its parameters or request body, response-table names from its response schemas."""
    _, _, operation = operation_by_key(key)
    request_names = {p["name"] for p in operation.get("parameters", [])}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    request_names |= reachable_property_names(body.get("schema", {}))
    response_names: set[str] = set()
    for response in operation["responses"].values():
        for media in response.get("content", {}).values():
            response_names |= reachable_property_names(media["schema"])
    for table in parse_tables(doc_text(key)):
        pool = request_names if table.has_required else response_names
        missing = {row.name for row in table.rows} - pool
        assert not missing, (table.header, missing)


def test_filter_requester_user_uuid():
    """Filter's requesterUserUUID (in the doc's request template, not its table) is present,
    optional, and its description says it is not in the table."""
    assert '"requesterUserUUID"' in doc_text("filter")
    schema = schema_named("FilterTripsRequest")
    assert "requesterUserUUID" in schema["properties"]
    assert "requesterUserUUID" not in schema["required"]
    assert "table" in schema["properties"]["requesterUserUUID"]["description"]


def test_get_trips_ride_time_in_trip_view():
    """get-trips' rideTime (absent from the filter doc's schema) is a TripViewDto field."""
    assert "rideTime" in schema_named("TripViewDto")["properties"]


def test_filter_trip_view_fields_complete():
    """Every key of the filter doc's response schema template (the "Response" JSON, nested
    objects included) is a property of the corresponding response schema."""
    text = doc_text("filter")
    start = text.index("Response\n{") + len("Response\n")
    template, _ = json.JSONDecoder().raw_decode(text[start:])
    names = reachable_property_names(schema_named("PickupDeliveryTripViewDtoResponse"))

    def keys(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)

    assert set(keys(template)) <= names


# --------------------------------------------------------------------------- enums and types

ENUM_PHRASE = re.compile(r"(?:Possible values:|Must be one of:|Supported values include)(.*)")


def documented_enum(description: str) -> set[str] | None:
    m = ENUM_PHRASE.search(description)
    if not m:
        return None
    tail = m[1].split(". If")[0]  # create's source: "... EXTERNAL_CONTROLLER. If WEB, ..."
    return set(re.findall(r"\b[A-Z][A-Z_]+[A-Z]\b", tail))


def test_enums_match_docs():
    """Every table row listing its values ("Possible values:", "Must be one of:", "Supported
    values include") is an enum in the spec (on the value, or on array items) with exactly those
    values (null aside, where the property is nullable); delete's open "Supported values include"
    list is the parameter's examples, marked x-pnd-open-enum (NOTES.md)."""
    checked = 0
    for key, target, row in doc_rows():
        values = documented_enum(row.description)
        if not values:
            continue
        open_list = False
        if target in ("path", "query"):
            param = parameters_of(key, target)[row.name]
            schema, open_list = param["schema"], param.get("x-pnd-open-enum") is True
        else:
            schema = schema_named(target)["properties"][row.name]
        if "$ref" in schema:
            schema = deref(schema["$ref"])
        enum = schema.get("enum") or schema.get("items", {}).get("enum")
        if open_list:  # "Supported values include" an open list: the values are the examples
            assert "Supported values include" in row.description, (key, row.name)
            enum = schema.get("examples")
        assert enum is not None, f"{key} {target}.{row.name} has no enum"
        assert {v for v in enum if v is not None} == values, (key, target, row.name)
        checked += 1
    assert checked >= 9  # create source, update source+rideType, delete source, filter x5


def test_create_ride_types_are_not_schema_enums():
    """Create's pickup/drop rideType is a plain string (another value is the documented 400
    PICKUP_RIDE_TYPE_MUST_BE_PICKUP_VEHICLE / DROPOFF_..., not a schema error) and says so."""
    for name, value in (("PickupTripInformation", "PICKUP_VEHICLE"), ("DropTripInformation", "DROPOFF_VEHICLE")):
        ride_type = schema_named(name)["properties"]["rideType"]
        assert ride_type["type"] == "string" and "enum" not in ride_type
        assert value in ride_type["description"]


def test_update_ride_type_and_filter_ride_types():
    """Update's rideType has the seven values including RIDE_SHARE; filter's rideTypes items have
    the six without RIDE_SHARE."""
    update = schema_named("PickupDeliveryTripEvent")["properties"]["rideType"]["enum"]
    filter_ = schema_named("FilterTripsRequest")["properties"]["rideTypes"]["items"]["enum"]
    assert set(update) - set(filter_) == {"RIDE_SHARE"} and len(update) == 7


DATE_TIME = re.compile(schema_named("OffsetDateTime")["pattern"])


@pytest.mark.parametrize(
    "value,ok",
    [
        ("2026-04-06T13:00:00-0700", True),   # create/update docs
        ("2023-01-01T00:00:00+0530", True),   # filter doc
        ("2026-04-06T13:00:00-07:00", True),  # RFC 3339 offset
        ("2026-04-06T13:00:00Z", True),
        ("2026-04-06T13:00:00", False),       # no offset
        ("2026-04-06 13:00:00-0700", False),
        ("2026-13-06T13:00:00-0700", False),
        ("2026-04-06T25:00:00-0700", False),
        ("2026-04-06T13:00:00.123-0700", False),  # yyyy-MM-dd'T'HH:mm:ssZ has no fraction
        ("not a date", False),
    ],
)
def test_offset_date_time_pattern(value, ok):
    """OffsetDateTime accepts ISO-8601 with the offset written ±HHMM (as the docs), ±HH:MM or Z,
    and rejects values without an offset or not in yyyy-MM-dd'T'HH:mm:ss form."""
    assert bool(DATE_TIME.match(value)) is ok


def test_date_time_fields_use_offset_pattern():
    """The documented ISO-8601-with-offset request fields reference OffsetDateTime (not
    `format: date-time`), and update's separate date/time fields carry yyyy-MM-dd / HH:mm:ss
    patterns."""
    fields = {
        "CreateAppointmentWithTripPartnerRequest": ["appointmentDateTime"],
        "PickupTripInformation": ["mustStartBy"],
        "DropTripInformation": ["rideTime", "mustStartBy"],
    }
    for schema, names in fields.items():
        for name in names:
            ref = schema_named(schema)["properties"][name]["$ref"]
            assert ref == "#/components/schemas/OffsetDateTime", (schema, name)
    # update names the Java pattern; filter says "valid ISO 8601 formatted date-time strings"
    assert schema_named("PickupDeliveryTripEvent")["properties"]["appointmentTime"]["$ref"] == \
        "#/components/schemas/JavaOffsetDateTime"
    for name in ("startApptTime", "endApptTime"):
        ref = schema_named("FilterTripsRequest")["properties"][name]["$ref"]
        assert ref == "#/components/schemas/IsoOffsetDateTime"
    java = re.compile(schema_named("JavaOffsetDateTime")["pattern"])
    assert java.match("2024-10-25T11:15:00-0700") and not java.match("2024-10-25T11:15:00-07:00")
    iso = re.compile(schema_named("IsoOffsetDateTime")["pattern"])
    for ok in ("2023-01-01T00:00:00+0530", "2023-01-01T00:00:00+05:30", "2023-01-01T00:00:00Z",
               "2023-01-01T00:00+05:30", "2023-01-01T00:00:00.250+05", "2023-01-01T00:00:00,5-0700"):
        assert iso.match(ok), ok
    for bad in ("2023-01-01T00:00:00", "2023-01-01", "not a date", "2023-01-01 00:00:00+0530"):
        assert not iso.match(bad), bad
    info = schema_named("UpdateAppointmentInformation")["properties"]
    assert re.match(info["appointmentDate"]["pattern"], "2024-10-26")
    assert not re.match(info["appointmentDate"]["pattern"], "2024-10-26T10:00:00")
    for name in ("appointmentStartTime", "appointmentEndTime"):
        assert re.match(info[name]["pattern"], "10:29:59")
        assert not re.match(info[name]["pattern"], "10:29")
    assert '"format": "date-time"' not in json.dumps(spec())


# --------------------------------------------------------------------------- responses

@pytest.mark.parametrize("key", KEYS)
def test_responses_and_envelopes(key):
    """Every operation documents 200, 400, 401, 403 and 500 (create and delete also 4XX/5XX,
    their docs saying "4xx or 5xx"; update 4XX, its doc listing no errors at all), each but 401
    and 403 with a JSON body in the operation's envelope (spec/operations.py), `statusCode`
    required: an `errors` list of {errorCode, errorDescription} or an `error` object
    {errorCode, errorDescription, metadata}, never the other one. No document shows a 401 or
    403 body, so those declare none (any body passes)."""
    _, _, operation = operation_by_key(key)
    expected = {"200", "400", "401", "403", "500"}
    if "4xx or 5xx" in doc_text(key):
        expected |= {"4XX", "5XX"}
    if key == "update":
        expected |= {"4XX"}
    assert set(operation["responses"]) == expected
    envelope = operation_row(key).envelope
    for status, response in operation["responses"].items():
        if status in ("401", "403"):
            assert "content" not in response, status
            continue
        schema = deref(response["content"]["application/json"]["schema"]["$ref"])
        assert "statusCode" in schema["properties"] and "statusCode" in schema["required"], status
        other = "error" if envelope == "errors" else "errors"
        assert schema["properties"][other] == {"type": "null",
                                               "description": schema["properties"][other]["description"]}
        if envelope == "errors":
            errors = schema["properties"]["errors"]
            assert errors["type"] == ["array", "null"]
            item = deref(errors["items"]["$ref"])
            assert {"errorCode", "errorDescription"} <= set(item["properties"])
        else:
            error = schema["properties"]["error"]["anyOf"][0]
            assert set(deref(error["$ref"])["properties"]) == {"errorCode", "errorDescription", "metadata"}


def test_response_schemas_stay_open():
    """No schema reachable from a response closes additionalProperties, so extra fields returned
    by a target are tolerated."""

    def walk(node: Any, seen: set[str]) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "$ref" in node:
                if node["$ref"] not in seen:
                    seen.add(node["$ref"])
                    yield from walk(deref(node["$ref"]), seen)
                return
            yield node
            for value in node.values():
                yield from walk(value, seen)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value, seen)

    for _, _, operation in all_operations():
        for response in operation["responses"].values():
            for media in response.get("content", {}).values():
                for schema in walk(media["schema"], set()):
                    assert schema.get("additionalProperties", True) is not False


def test_security_is_global_http_basic():
    """HTTP Basic is the only security scheme and applies to every operation."""
    assert spec()["components"]["securitySchemes"] == {
        "basicAuth": {**spec()["components"]["securitySchemes"]["basicAuth"], "type": "http", "scheme": "basic"}
    }
    assert spec()["security"] == [{"basicAuth": []}]
    assert not any("security" in op for _, _, op in all_operations())


# --------------------------------------------------------------------------- examples

def registry(document: dict[str, Any]) -> Registry:
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(document))


def iter_examples() -> Iterator[tuple[str, str, str, str, Any]]:
    """(key, where, name, schema pointer, value) for every example of every operation."""
    for method, path, operation in all_operations():
        key = operation["x-pnd-operation"]
        escaped = path.replace("~", "~0").replace("/", "~1")
        base = f"#/paths/{escaped}/{method.lower()}"
        body = operation.get("requestBody")
        if body:
            for media, content in body["content"].items():
                for name, example in content.get("examples", {}).items():
                    pointer = f"{base}/requestBody/content/{media.replace('/', '~1')}/schema"
                    yield key, "request", name, pointer, example["value"]
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    pointer = f"{base}/responses/{status}/content/{media.replace('/', '~1')}/schema"
                    yield key, f"response {status}", name, pointer, example["value"]


EXAMPLES = list(iter_examples())
EXAMPLE_IDS = [f"{k}-{w.replace(' ', '')}-{n}" for k, w, n, _, _ in EXAMPLES]


def test_expected_examples_present():
    """The docs' examples are all embedded: create's minimal, minimal-with-dropoff and complete
    bodies, response and error; update's minimal and complete bodies and response; get-trips'
    response and error; delete's response and error; filter's example request and response."""
    found = {(k, w) for k, w, _, _, _ in EXAMPLES}
    counts: dict[tuple[str, str], int] = {}
    for k, w, _, _, _ in EXAMPLES:
        counts[(k, w)] = counts.get((k, w), 0) + 1
    assert counts == {
        ("create", "request"): 3, ("create", "response 200"): 1, ("create", "response 400"): 1,
        ("update", "request"): 2, ("update", "response 200"): 1,
        ("get-trips", "response 200"): 1, ("get-trips", "response 400"): 1,
        ("delete", "response 200"): 1, ("delete", "response 400"): 1,
        ("filter", "request"): 1, ("filter", "response 200"): 1,
    }, found


@pytest.mark.parametrize("key,where,name,pointer,value", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_validates(key, where, name, pointer, value):
    """The example validates (JSON Schema 2020-12, $refs resolved against the whole document)
    against the schema it is attached to."""
    validator = Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=registry(spec()))
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def closed_copy(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every object schema closed (additionalProperties: false)."""
    closed = copy.deepcopy(document)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for k, v in node.items():
                if k not in ("examples", "example"):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(closed)
    return closed


@pytest.mark.parametrize("key,where,name,pointer,value", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_uses_only_declared_properties(key, where, name, pointer, value):
    """Every field the docs' examples send or return is declared in the spec (the example still
    validates when every object schema is closed), e.g. all serviceList fields of the create
    doc's Complete Curl."""
    closed = closed_copy(spec())
    validator = Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=registry(closed))
    errors = list(validator.iter_errors(value))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


# Values that replaced the docs' {{placeholders}} (sandbox identities where one fits).
PLACEHOLDER_VALUES = {
    "{{customer_uuid}}": "8d116ece173847d9bd9c172411e20b8f",
    "{{department_uuid}}": "d23f0824128b4f338c5c7fd0a6a3a450",
    "{{dealer_uuid}}": "6513270e269e4d37b2a74de452e6b438",
    "{{requester_uuid}}": "8e81973e0bec47b0b898d190f9ebdacc",
    "{{da_uuid}}": "0fd630f1f29d4da9953f48f1a09f76b5",
    "{{updater_uuid}}": "0fd630f1f29d4da9953f48f1a09f76b5",
    "{{advisor_uuid}}": "0cb1e29c658c4a1495e60af593bd04cf",
    "{{vehicle_uuid}}": "a170b33839264059b28c105d1fb17c23",
    "{{event_uuid}}": "5c0f4e1a9b7d4e2f8a6b3c1d0e9f8a7b",
    "{{trip_uuid}}": "5c0f4e1a9b7d4e2f8a6b3c1d0e9f8a7b",
    "{{labor_opcode}}": "CECOIL",
    "{{operation_uuid}}": "7d3e9a1c5b2f4c6e8a0b1d2c3e4f5a6b",
    # create's Complete Curl: the same transport option as its appointmentInformation.transportOption
    "{{transport_option_uuid}}": "dfsdsf43tfxs-pCn0VBtnCur1AsjPwkH2RHUpf89LiMU",
    "{{pickup_trip_uuid}}": "3b9e2c7d1f4a4b6c8d0e2f4a6b8c0d1e",
    "{{dropoff_trip_uuid}}": "9a8b7c6d5e4f4a3b9c2d1e0f9a8b7c6d",
    "{{sar_uuid}}": "4e1d7c9a2b3f4e5d8c6b7a8f9e0d1c2b",
    "{{appointment_uuid}}": "4e1d7c9a2b3f4e5d8c6b7a8f9e0d1c2b",
}
# update's Complete Curl uses the sandbox's PnD transport option for {{transport_option_uuid}}.
UPDATE_TRANSPORT_OPTION = "ae97ba94d0ed482f8f6d05584ef8aa38"


def leaves(value: Any) -> Iterator[str]:
    """Every object key and string value of an example."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("key,where,name,pointer,value", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_is_verbatim_from_doc(key, where, name, pointer, value):
    """Each example is the doc's own: every key and string value occurs quoted in the doc, or
    replaces a {{placeholder}} that occurs in the doc; no placeholder is left."""
    text = doc_text(key)
    allowed = {v for p, v in PLACEHOLDER_VALUES.items() if p in text}
    if key == "update":
        allowed.add(UPDATE_TRANSPORT_OPTION)
    for leaf in leaves(value):
        assert "{{" not in leaf
        if leaf == "":
            continue
        assert f'"{leaf}"' in text or leaf in allowed, leaf


# --------------------------------------------------------------------------- links

EXPECTED_LINKS = {
    ("create", "GetTripsOfCreatedAppointment"): "getPartnerTripsOfAppointment",
    ("create", "UpdateCreatedAppointment"): "updateAppointmentWithTrip",
    ("create", "DeleteCreatedAppointment"): "deletePartnerAppointmentWithTrip",
    ("create", "FilterCreatedTrip"): "filterTrips",
    ("update", "GetTripsOfUpdatedAppointment"): "getPartnerTripsOfAppointment",
    ("update", "DeleteUpdatedAppointment"): "deletePartnerAppointmentWithTrip",
    ("get-trips", "UpdatePickupTrip"): "updateAppointmentWithTrip",
    ("filter", "GetTripsOfFirstTripAppointment"): "getPartnerTripsOfAppointment",
}


def test_links_declared():
    """The 200 responses carry the OpenAPI links create → get-trips/update/delete/filter,
    update → get-trips/delete, get-trips → update, filter → get-trips, by operationId."""
    found = {}
    for _, _, operation in all_operations():
        for name, link in operation["responses"]["200"].get("links", {}).items():
            found[(operation["x-pnd-operation"], name)] = link["operationId"]
    assert found == EXPECTED_LINKS
    create_links = operation_by_key("create")[2]["responses"]["200"]["links"]
    created_uuid = "$response.body#/appointmentUUID"
    assert create_links["GetTripsOfCreatedAppointment"]["parameters"]["path.sarUUID"] == created_uuid
    assert create_links["DeleteCreatedAppointment"]["parameters"]["path.appointmentUuid"] == created_uuid


def test_links_are_schemathesis_transitions():
    """Schemathesis 4.x loads the spec and turns every declared link into a stateful transition
    (an invalid link, e.g. an unknown parameter, would raise while building the state machine)."""
    import schemathesis

    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec()))
    machine = schema.as_state_machine()
    rules = [name for name in dir(machine) if "___200_" in name]
    names = {name.split("___200_")[1].split("__")[0] for name in rules}
    assert names == {name for _, name in EXPECTED_LINKS}


def test_create_to_update_link_extracts_ids():
    """Following create's 200 links, Schemathesis extracts sarUUID = response appointmentUUID,
    dealerUuid from the request path, and for update a body whose pickupDeliveryTripEvent.eventUUID
    and pickupDeliveryTripMetadata.tripUUID are the response's eventUUID; for delete the
    department from the request body."""
    import requests
    import schemathesis
    from schemathesis.core.transport import Response
    from schemathesis.generation.stateful.state_machine import StepOutput
    from schemathesis.specs.openapi.stateful.links import OpenApiLink

    raw = copy.deepcopy(spec())
    schema = schemathesis.openapi.from_dict(raw)
    method, path, operation = operation_by_key("create")
    source = schema[path][method]
    body = operation["requestBody"]["content"]["application/json"]["examples"]["minimal"]["value"]
    case = source.Case(path_parameters={"dealerUuid": "D1"}, body=body)
    payload = {"eventUUID": "E1", "appointmentUUID": "A1", "statusCode": 200}
    request = requests.Request("POST", "http://target" + path.replace("{dealerUuid}", "D1"), json=body).prepare()
    response = Response(200, {"content-type": ["application/json"]}, json.dumps(payload).encode(), request, 0.0, True)
    output = StepOutput(response, case)

    def extract(name: str):
        link = OpenApiLink(name, "200", operation["responses"]["200"]["links"][name], source)
        transition = link.extract(output)
        params = {c: {k: v.value.ok() for k, v in p.items()} for c, p in transition.parameters.items()}
        body_value = transition.request_body.value.ok() if transition.request_body else None
        return params, body_value

    params, update_body = extract("UpdateCreatedAppointment")
    assert params == {"path_parameters": {"dealerUuid": "D1", "sarUUID": "A1"}}
    event = update_body["updatePickupDeliveryTripEventRequest"]["pickupDeliveryTripEvent"]
    assert event["eventUUID"] == "E1" and event["dealerUUID"] == "D1"
    assert event["dealerDepartmentUUID"] == body["dealerDepartmentUUID"]
    assert update_body["updateAppointmentForTripRequest"]["pickupDeliveryTripMetadata"]["tripUUID"] == "E1"
    params, _ = extract("DeleteCreatedAppointment")
    assert params == {"path_parameters": {"dealerDepartmentUUID": body["dealerDepartmentUUID"],
                                          "appointmentUuid": "A1"}}
    params, _ = extract("GetTripsOfCreatedAppointment")
    assert params == {"path_parameters": {"dealerUuid": "D1", "sarUUID": "A1"}}
