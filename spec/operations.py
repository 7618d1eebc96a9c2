"""The five operations, one row each: every fact the suite keeps about an operation, in one place.

What the spec states (method, path, operationId, document, scope, API) is read from
spec/openapi.yaml, where each operation names its key in `x-pnd-operation`; the rest is stated
once in `_ROWS` below. Everything else reads this table:

    from pnd_conformance.spec.operations import OPERATIONS, operation
    operation("delete").envelope   # "errors"
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pnd_conformance.spec.openapi import HTTP_METHODS, load_openapi

Envelope = Literal["errors", "error"]
#: The prepared states a rule test can start from (CONTRIBUTING.md `setup`; conformance/target/prepared_states.py
#: prepares them).
Setup = Literal["none", "appointment_with_trip", "appointment_with_drop", "appointment_without_trip"]


@dataclass(frozen=True)
class Operation:
    key: str  #: the catalogue's name: rules file spec/rules/<key>.yaml, test ids `<key>/<rule id>`
    envelope: Envelope  #: where errors come back: an `errors` list or an `error` object (the docs' examples)
    default_setup: Setup  #: the prepared state a rule starts from when it names none (CONTRIBUTING.md `setup`)
    bases: tuple[str, ...]  #: the valid-request bases strategies build; the first is the default
    read_only: bool  #: changes nothing on the target (filter is a POST that only reads)
    run_order: int  #: position in a run: writes before the reads that see them
    # read from the spec
    method: str  #: upper case, e.g. "POST"
    path: str  #: the templated path of the spec
    operation_id: str
    doc: str  #: the document of spec/docs/ the operation is written from (x-pnd-doc)
    api: str  #: the API it belongs to (its tag's x-displayName)
    scope: str  #: the scope a client needs (x-pnd-scope)
    scope_level: str  #: dealer or department
    has_body: bool  #: the request carries a JSON body


# key, envelope, default setup, bases, read-only, run order: what the spec does not say.
_ROWS: tuple[tuple[str, Envelope, Setup, tuple[str, ...], bool, int], ...] = (
    ("create", "errors", "none", ("web", "non_web", "web_with_drop", "non_web_with_drop"), False, 0),
    ("update", "errors", "appointment_with_trip", ("update_trip", "create_trip", "delete_trip"), False, 1),
    ("get-trips", "error", "appointment_with_trip", ("default",), True, 3),
    ("delete", "errors", "appointment_with_trip", ("explicit_actor", "web_fallback", "non_web"), False, 2),
    ("filter", "error", "none", ("page_number", "last_item_index", "event_uuids", "unpaged"), True, 4),
)


@lru_cache(maxsize=1)
def _table() -> dict[str, Operation]:
    spec = load_openapi()
    apis = {tag["name"]: tag.get("x-displayName", tag["name"]) for tag in spec.get("tags", [])}
    found = {op["x-pnd-operation"]: (method.upper(), path, op)
             for path, item in spec["paths"].items() for method in HTTP_METHODS
             if isinstance(op := item.get(method), dict) and "x-pnd-operation" in op}
    if set(found) != {row[0] for row in _ROWS}:
        raise ValueError(f"spec/openapi.yaml x-pnd-operation keys {sorted(found)} are not the operations of "
                         f"spec/operations.py {[row[0] for row in _ROWS]}")
    table = {}
    for key, envelope, setup, bases, read_only, order in _ROWS:
        method, path, op = found[key]
        tags = op.get("tags") or [""]
        table[key] = Operation(key=key, envelope=envelope, default_setup=setup, bases=bases, read_only=read_only,
                               run_order=order, method=method, path=path, operation_id=op["operationId"],
                               doc=op["x-pnd-doc"], api=apis.get(tags[0], tags[0]), scope=op["x-pnd-scope"]["scope"],
                               scope_level=op["x-pnd-scope"]["level"], has_body="requestBody" in op)
    return table


#: Operation keys in catalogue order.
OPERATIONS: tuple[str, ...] = tuple(row[0] for row in _ROWS)


def operation(key: str) -> Operation:
    """The row of one operation; KeyError names the known keys."""
    try:
        return _table()[key]
    except KeyError:
        raise KeyError(f"no operation {key!r}; the operations are {', '.join(OPERATIONS)}") from None


def operations() -> tuple[Operation, ...]:
    """Every row, in catalogue order."""
    return tuple(_table()[key] for key in OPERATIONS)


def markdown() -> str:
    """The table as Markdown (`python -m pnd_conformance.spec.operations`)."""
    lines = ["| key | request | operationId | doc | envelope | scope, level | default setup | bases | reads only |",
             "|---|---|---|---|---|---|---|---|---|"]
    for op in operations():
        lines.append(f"| `{op.key}` | `{op.method} {op.path}` | `{op.operation_id}` | {op.doc} | `{op.envelope}` | "
                     f"`{op.scope}`, {op.scope_level} | `{op.default_setup}` | {', '.join(op.bases)} | "
                     f"{'yes' if op.read_only else 'no'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())


__all__ = ["OPERATIONS", "Envelope", "Operation", "Setup", "markdown", "operation", "operations"]
