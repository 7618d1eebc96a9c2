"""Sending a drawn request and keeping the ledger right, shared by every rule test."""
from __future__ import annotations

from typing import Any

from pnd_conformance.http.client import Exchange, Target
from pnd_conformance.target.ledger import Ledger
from pnd_conformance.spec.operations import operation as operation_row
from pnd_conformance.strategies.context import Ctx



def send(target: Target, ledger: Ledger, ctx: Ctx, operation: str, request: dict, **kw: Any) -> Exchange:
    """Send `{path, query, body}`; anything a create made is recorded before it is looked at."""
    extra: dict[str, Any] = {}
    if "raw_body" in request:  # a violation that sends bytes which are not the JSON of a body
        extra["raw_body"] = request["raw_body"]
    elif operation_row(operation).has_body:
        extra["body"] = request.get("body")
    ex = target.call(operation, path=request.get("path"), query=request.get("query"), **extra, **kw)
    if operation == "create" and isinstance(ex.json, dict) and isinstance(ex.json.get("appointmentUUID"), str):
        body = request.get("body")
        dept = body.get("dealerDepartmentUUID") if isinstance(body, dict) else None
        ledger.record(ex.json["appointmentUUID"], dept if isinstance(dept, str) and dept.strip() else
                      ctx.ident("department_uuid"), (request.get("path") or {}).get("dealerUuid") or
                      ctx.ident("dealer_uuid"), kw.get("client") or "full")
    return ex

