"""What a lenient JSON deserializer may read a request body as (spec/NOTES.md "Unknown and loosely
typed request fields").

The documents name the body types (Java DTOs) and say nothing of a value of a neighbouring JSON type
that a deserializer coerces: a number or boolean for a string, a numeric string for a number, "true"
or "false" for a boolean, a single value for a list. A target that accepts such a body does what the
documents permit, so Schemathesis' negative data is judged only when no coercion makes it valid.
Coercion is no back door: the body as coerced must then satisfy every documented rule a body alone
decides (`broken_as_coerced`), else it must be refused under either reading (as a type error, or
by the rule once coerced).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from pnd_conformance.spec.openapi import load_openapi

SPEC_URI = "urn:pnd:openapi"
MAX_REPAIRS = 50  # coercions tried per body: a body needing more is judged as sent
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")


@cache
def _validator(path: str, method: str) -> Draft202012Validator | None:
    operation = load_openapi()["paths"].get(path, {}).get(method.lower()) or {}
    if "application/json" not in (operation.get("requestBody") or {}).get("content", {}):
        return None
    escaped = path.replace("~", "~0").replace("/", "~1")
    pointer = f"#/paths/{escaped}/{method.lower()}/requestBody/content/application~1json/schema"
    registry: Registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(load_openapi()))
    return Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=registry)


def _coerced(value: Any, wanted: Any) -> tuple[bool, Any]:
    """(True, the value read as one of the `wanted` JSON types) when a deserializer reads it so."""
    for kind in wanted if isinstance(wanted, list) else [wanted]:
        if kind == "array" and not isinstance(value, list):
            return True, [value]
        if kind == "string" and (isinstance(value, bool) or isinstance(value, (int, float))):
            return True, ("true" if value else "false") if isinstance(value, bool) else str(value)
        if kind in ("integer", "number") and isinstance(value, str) and _NUMBER.match(value.strip()):
            number = float(value)
            if kind == "number" or number.is_integer():
                return True, int(number) if number.is_integer() else number
        if kind == "boolean" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return True, value.strip().lower() == "true"
    return False, value


def _type_errors(error: ValidationError) -> list[ValidationError]:
    """The `type` errors an error comes down to (through anyOf/oneOf, the first branch that is one)."""
    if error.validator == "type":
        return [error]
    for sub in sorted(error.context or [], key=lambda e: len(e.absolute_path), reverse=True):
        found = _type_errors(sub)
        if found:
            return found
    return []


def reads_as_valid(path: str, method: str, body: Any) -> bool:
    """Whether a lenient deserializer reads this body (invalid as sent) as one the spec's schema accepts,
    and that, as read, breaks none of the documented rules a body alone decides."""
    coerced = read_as(path, method, body)
    return coerced is not None and not broken_as_coerced(path, method, coerced)


def read_as(path: str, method: str, body: Any) -> Any:
    """The body as a lenient deserializer reads it, when that is one the spec's schema accepts; else None."""
    validator = _validator(path, method)
    if validator is None or not isinstance(body, (dict, list)):
        return None
    body = copy.deepcopy(body)
    for _ in range(MAX_REPAIRS):
        error = next(iter(validator.iter_errors(body)), None)
        if error is None:
            return body
        repaired = False
        for found in _type_errors(error):
            node: Any = body
            *parents, last = list(found.absolute_path) or [None]
            if last is None:
                return None  # the body itself has the wrong type
            for part in parents:
                node = node[part]
            ok, value = _coerced(node[last], found.validator_value)
            if ok:
                node[last] = value
                repaired = True
                break
        if not repaired:
            return None
    return None


def _trips(body: dict) -> list[dict]:
    return [t for t in (body.get("pickupTripInformation"), body.get("dropTripInformation")) if isinstance(t, dict)]


def _present(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _one_index_missing(body: dict) -> bool:
    return body.get("pageSize") is not None and (body.get("pageNumber") is None) == (body.get("lastItemIndex") is None)


#: The documented rules a body alone decides, per operation: (rule id, whether this body as read breaks it).
BODY_RULES: dict[str, list[tuple[str, Callable[[dict], bool]]]] = {
    "create": [
        ("create-loaner-and-drop-car-pickup", lambda b: any(
            t.get("loanerVehicleRequired") is True and t.get("isDropCar") is True for t in _trips(b))),
        ("create-same-drivers-drop", lambda b: any(
            _present(t.get("primaryDriverUUID")) and t.get("primaryDriverUUID") == t.get("secondaryDriverUUID")
            for t in _trips(b))),
        ("create-drop-ride-time-required", lambda b: isinstance(b.get("dropTripInformation"), dict)
         and not _present(b["dropTripInformation"].get("rideTime"))),
    ],
    "filter": [
        ("filter-page-size-with-event-uuids", lambda b: b.get("pageSize") is not None and bool(b.get("eventUuids"))),
        ("filter-start-without-end", lambda b: (b.get("startApptTime") is None) != (b.get("endApptTime") is None)),
        ("filter-page-size-without-page-index", _one_index_missing),
    ],
}


def broken_as_coerced(path: str, method: str, body: Any) -> list[str]:
    """The documented rules (ids) this body, as a lenient deserializer reads it, breaks."""
    from pnd_conformance.spec.operations import operations

    key = next((op.key for op in operations() if op.path == path and op.method.upper() == method.upper()), None)
    if not isinstance(body, dict) or key is None:
        return []
    return [rule for rule, broken in BODY_RULES.get(key, []) if broken(body)]


__all__ = ["broken_as_coerced", "read_as", "reads_as_valid"]
