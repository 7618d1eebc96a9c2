"""HTTP Basic authentication (401) and scope checks at the operation's level (403)."""
from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable

from pnd_conformance.sandbox.seed import Client, Seed
from pnd_conformance.sandbox.store import Appointment
from pnd_conformance.sandbox.validation import ApiError

UNAUTHORIZED_DESCRIPTION = "The Basic Auth credentials are missing or invalid."


def _unauthorized(faults: frozenset[str]) -> ApiError:
    if "auth-401-as-403" in faults:
        return ApiError(403, "FORBIDDEN", "Access is denied")
    return ApiError(401, "UNAUTHORIZED", UNAUTHORIZED_DESCRIPTION)


def _full_client(seed: Seed) -> Client | None:
    return next((c for c in seed.clients.values() if c.name == "full"), None)


def authenticate(header: str | None, seed: Seed, faults: frozenset[str]) -> Client:
    """The client named by `Authorization: Basic …`; ApiError 401 when missing/malformed/wrong."""
    if not header:
        if "auth-no-credentials-accepted" in faults:
            client = _full_client(seed)
            if client is not None:
                return client
        raise _unauthorized(faults)
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise _unauthorized(faults)
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise _unauthorized(faults) from None
    username, sep, password = decoded.partition(":")
    client = seed.clients.get(username)
    if not sep or client is None or not hmac.compare_digest(password.encode(), client.password.encode()):
        raise _unauthorized(faults)
    return client


def _forbidden(scope: str, level: str) -> ApiError:
    what = "dealer" if level == "dealer" else "department"
    return ApiError(403, "FORBIDDEN",
                    f"The client does not have the required {scope} scope at the {level} level for the "
                    f"requested {what}.")


def has_any(client: Client, scope: str, level: str) -> bool:
    return any(s == scope and lv == level for s, lv, _ in client.grants)


def require(client: Client, scope: str, level: str, uuids: Iterable[str], faults: frozenset[str]) -> None:
    """403 unless the client holds `scope` at `level` for every uuid."""
    if "auth-scope-not-checked" in faults:
        return
    if level == "department" and "auth-department-scope-not-checked" in faults:
        return
    if level == "dealer" and "auth-dealer-scope-any-dealer" in faults and has_any(client, scope, level):
        return
    if "auth-scope-level-ignored" in faults and _other_level_only(client, scope, level):
        return
    for uuid in uuids:
        if (scope, level, uuid) not in client.grants:
            raise _forbidden(scope, level)


def require_some(client: Client, scope: str, level: str, faults: frozenset[str]) -> None:
    """403 when the client holds `scope` at `level` for nothing at all (checked before the body)."""
    if "auth-scope-not-checked" in faults:
        return
    if level == "department" and "auth-department-scope-not-checked" in faults:
        return
    if "auth-scope-level-ignored" in faults and _other_level_only(client, scope, level):
        return
    if not has_any(client, scope, level):
        raise _forbidden(scope, level)


def _other_level_only(client: Client, scope: str, level: str) -> bool:
    """The client holds `scope` at the other level only (what auth-scope-level-ignored accepts)."""
    other = "department" if level == "dealer" else "dealer"
    return not has_any(client, scope, level) and has_any(client, scope, other)


def held_at_owner(client: Client, appointment: Appointment | None, scope: str, level: str) -> Appointment | None:
    """`appointment` when the client also holds `scope` at its own dealer (or department): what a server finds
    that resolves an appointment by the client's grants instead of by the path (the two-dealers mutants)."""
    if appointment is None:
        return None
    owner = appointment.dealer_uuid if level == "dealer" else appointment.department_uuid
    return appointment if (scope, level, owner) in client.grants else None
