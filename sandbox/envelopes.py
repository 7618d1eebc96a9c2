"""The five operations' response envelopes, and JSON rendering that never fails.

create/update/delete: `{...uuids, statusCode, errors: [{errorCode, errorDescription}], warnings}`;
get-trips/filter:     `{totalCount, tripViewDtos, statusCode, error: {errorCode, errorDescription, metadata},
warnings}`.
"""
from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from pnd_conformance.sandbox.validation import ApiError
from pnd_conformance.spec.operations import operation as operation_row

# The id fields each errors-list operation carries (null on errors).
ID_FIELDS = {
    "create": ("eventUUID", "pickupEventUUID", "dropoffEventUUID", "appointmentUUID"),
    "update": ("eventUUID", "appointmentUUID"),
    "delete": ("pickupEventUUID", "appointmentUuid"),
}


def success(operation: str, **fields: Any) -> dict[str, Any]:
    if operation_row(operation).envelope == "error":
        return {"totalCount": fields.get("totalCount", 0), "tripViewDtos": fields.get("tripViewDtos"),
                "statusCode": 200, "error": None, "warnings": None}
    body = {k: fields.get(k) for k in ID_FIELDS[operation]}
    body.update({"statusCode": 200, "errors": None, "warnings": None})
    return body


def error(operation: str | None, err: ApiError, *, status_in_body: int | None = None,
          errors_list: bool = False) -> dict[str, Any]:
    """The operation's error envelope. `errors_list` forces a list on an error-object operation."""
    status = err.status if status_in_body is None else status_in_body
    if operation is not None and operation_row(operation).envelope == "error":
        body: dict[str, Any] = {"totalCount": 0, "tripViewDtos": None, "statusCode": status}
        if errors_list:
            body["errors"] = [{"errorCode": err.code, "errorDescription": err.description}]
        else:
            body["error"] = {"errorCode": err.code, "errorDescription": err.description, "metadata": None}
        body["warnings"] = None
        return body
    body = {k: None for k in ID_FIELDS.get(operation or "", ())}
    body.update({"statusCode": status,
                 "errors": [{"errorCode": err.code, "errorDescription": err.description}],
                 "warnings": None})
    return body


def render(body: Any) -> bytes:
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        # lone surrogates from the caller's strings: escape them rather than fail
        return json.dumps(body, ensure_ascii=True, separators=(",", ":"), default=str).encode("ascii")


def respond(body: Any, status: int, *, text_plain: bool = False, headers: dict[str, str] | None = None) -> Response:
    media = "text/plain; charset=utf-8" if text_plain else "application/json"
    return Response(render(body), status_code=status, media_type=media, headers=headers)
