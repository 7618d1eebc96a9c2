"""What a lenient JSON deserializer may read a request body as (spec/NOTES.md "Unknown and loosely
typed request fields").

The documents name the body types (Java DTOs) and say nothing of a value of a neighbouring JSON type
that a deserializer coerces: a number or boolean for a string, a numeric string for a number, "true"
or "false" for a boolean, a single value for a list. A target that accepts such a body does what the
documents permit, so Schemathesis' negative data is judged only when no coercion makes it valid.
"""
from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from spec.openapi import load_openapi

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
    """Whether a lenient deserializer reads this body (invalid as sent) as one the spec's schema accepts."""
    validator = _validator(path, method)
    if validator is None or not isinstance(body, (dict, list)):
        return False
    body = copy.deepcopy(body)
    for _ in range(MAX_REPAIRS):
        error = next(iter(validator.iter_errors(body)), None)
        if error is None:
            return True
        repaired = False
        for found in _type_errors(error):
            node: Any = body
            *parents, last = list(found.absolute_path) or [None]
            if last is None:
                return False  # the body itself has the wrong type
            for part in parents:
                node = node[part]
            ok, value = _coerced(node[last], found.validator_value)
            if ok:
                node[last] = value
                repaired = True
                break
        if not repaired:
            return False
    return False


__all__ = ["reads_as_valid"]
