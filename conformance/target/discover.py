"""Profile discovery: the identities a target profile needs, read from trips the target already holds.

Given the target, the full client's credential (the password from the environment) and the dealer and
department, one filter of that department's trips (a few pages at most) shows customers, vehicles, the users
who created and advise them, and their drivers. The most frequent of each becomes the profile's identity; a
fresh uuid is checked to name nothing; then the preflight (conformance/target/preflight.py) checks the result as a
run would. Only reads: nothing is created. What no read shows (transport option uuids, the slot size, other
dealers) is written as a commented line saying what it would enable.
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlparse

from pnd_conformance.target import preflight
from pnd_conformance.http.client import Target, TargetFault
from pnd_conformance.target.ledger import error_codes
from pnd_conformance.http.redaction import REDACTOR, redact
from pnd_conformance.settings import ConfigError, CredentialRef, Identities, Profile, Settings

USAGE, UNREACHABLE = 4, 3
PAGE_SIZE = 50
PAGES = 3  # at most 150 trips read: enough to see each identity, cheap on a shared server

# key -> what it enables (the comment written beside it).
ENABLES = {
    "dealer_uuid": "required: the dealer every test acts for",
    "department_uuid": "required: that dealer's service department",
    "customer_uuid": "required: the customer of the suite's appointments",
    "other_customer_uuid": "optional: a second customer; the filter-by-customer rules tell the two apart "
                           "(skip without)",
    "vehicle_uuid": "optional: a vehicle; the create/update rules that send a vehicleUuid (skip without)",
    "creator_user_uuid": "required: a dealer associate who creates appointments (non-WEB creates need one)",
    "assigned_user_uuid": "required: the service advisor set on the suite's appointments",
    "requester_user_uuid": "required: the user token of create/update; no read shows it, so the creator is used",
    "driver_uuids": "required: two distinct drivers; the driver fields and the filter by driver",
    "unknown_uuid": "required: well-formed and naming nothing (checked: get-trips knows no such appointment)",
    "slot_minutes": "the dealer's appointment slot in minutes (create derives the end from it); no read shows it",
}
NOT_SHOWN = {
    "pnd_transport_option_uuid": "optional: the dealer's PICKUP_AND_DELIVERY transport option; the rules sending "
                                 "a transportOptionUuid (no read shows it)",
    "other_transport_option_uuid": "optional: a transport option of the dealer that is not PnD; the rule refusing "
                                   "it (no read shows it)",
    "other_dealer_uuid": "optional: another dealer, with the other_dealer client; the isolation rules",
    "other_department_uuid": "optional: a department of other_dealer; the isolation rules",
    "dealer_without_service_department_uuid": "optional: a dealer the full client may act for that has no service "
                                              "department; get-trips INVALID_DEPT_UUID",
}
CLIENTS = {
    "no_scopes": "authenticates, holds no scopes: the 403 rules",
    "read_only": "only the read scopes: the 403 rules of the writes",
    "other_dealer": "every scope, for other_dealer only: the isolation rules",
    "dealer_level": "every scope for the dealer at the dealer level only: the scope-level rules",
    "department_level": "every scope for the department at the department level only: the scope-level rules",
    "two_dealers": "every scope, for both dealer and other_dealer (a partner holding several dealers): the "
                   "isolation rules through the other dealer's path",
}


def _uuid(node: Any) -> str | None:
    value = node.get("uuid") if isinstance(node, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def collect(trips: list[dict]) -> dict[str, Counter]:
    """Counts of each identity seen on the trips."""
    seen: dict[str, Counter] = {k: Counter() for k in ("customer", "vehicle", "creator", "advisor", "driver",
                                                        "offset")}
    for t in trips:
        for key, node in (("customer", t.get("customer")), ("vehicle", t.get("vehicle")),
                          ("creator", t.get("assignedBy")), ("advisor", t.get("serviceAdvisor")),
                          ("driver", t.get("primaryDriver")), ("driver", t.get("secondaryDriver"))):
            if (u := _uuid(node)) is not None:
                seen[key][u] += 1
        for sub in t.get("subTrips") or []:
            if isinstance(sub, dict) and (u := _uuid(sub.get("driver"))) is not None:
                seen["driver"][u] += 1
        when = t.get("appointmentTime")
        if isinstance(when, str) and len(when) >= 5 and when[-5] in "+-" and when[-4:].isdigit():
            seen["offset"][when[-5:]] += 1
    return seen


def _settings(url: str, name: str, credential: CredentialRef, identities: dict[str, Any]) -> Settings:
    settings = Settings(target_url=url)
    settings.profile = Profile(name=name, base_url=url, credentials={"full": credential},
                               identities=Identities(**identities))
    settings.resolved_url = url.rstrip("/")
    return settings


def main(args: argparse.Namespace) -> int:
    url = args.target_url
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        print(f"error: --target-url must be an http(s) URL, got {url!r}", file=sys.stderr)
        return USAGE
    username = args.username or os.environ.get("PND_FULL_USERNAME")
    if not username or not os.environ.get(args.password_env):
        missing = [n for n, v in (("--username or PND_FULL_USERNAME", username),
                                  (args.password_env, os.environ.get(args.password_env))) if not v]
        print(f"error: the full client's credential is needed: set {' and '.join(missing)}", file=sys.stderr)
        return USAGE
    credential = CredentialRef(username=None if not args.username else username,
                               username_env=None if args.username else "PND_FULL_USERNAME",
                               password_env=args.password_env)
    dealer, department = args.dealer_uuid, args.department_uuid
    draft = {"dealer_uuid": dealer, "department_uuid": department, "customer_uuid": "-", "creator_user_uuid": "-",
             "assigned_user_uuid": "-", "requester_user_uuid": "-", "driver_uuids": ["-", "-"],
             "unknown_uuid": uuid.uuid4().hex}
    try:
        settings = _settings(url, args.name, credential, draft)
    except (ConfigError, ValueError) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return USAGE
    for secret in settings.secrets():
        REDACTOR.add(secret)
    target = Target(settings)
    try:
        return _discover(args, target, settings, credential, draft)
    except TargetFault as exc:
        print(redact(f"error: target {'unreachable' if exc.unreachable else 'failed'}: {str(exc).splitlines()[0]}"),
              file=sys.stderr)
        return UNREACHABLE if exc.unreachable else USAGE
    finally:
        target.close()


def _discover(args, target: Target, settings: Settings, credential: CredentialRef, draft: dict[str, Any]) -> int:
    # The dealer, department and credential first: the preflight's own checks (its reads), on the draft.
    found = preflight.run(target)
    if found.problems:
        for line in found.problems:
            print(redact(f"error: {line.replace('profile key identities.dealer_uuid', '--dealer-uuid')}"
                         .replace("profile key identities.department_uuid", "--department-uuid")), file=sys.stderr)
        return USAGE
    trips: list[dict] = []
    pages = 0
    for page in range(1, PAGES + 1):
        pages += 1
        ex = target.call("filter", body={"dealerDepartmentUUIDList": [draft["department_uuid"]],
                                         "dealerUuids": [draft["dealer_uuid"]], "sortOrder": "APPT_TIME_DESC",
                                         "pageSize": PAGE_SIZE, "pageNumber": page})
        body = ex.json if isinstance(ex.json, dict) else {}
        if ex.status != 200:
            codes = ", ".join(error_codes(body))
            print(f"error: filter of department {draft['department_uuid']} answered HTTP {ex.status} {codes}".rstrip(),
                  file=sys.stderr)
            return USAGE
        shown = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)]
        trips += shown
        if len(shown) < PAGE_SIZE:
            break
    seen = collect(trips)
    ids: dict[str, Any] = {"dealer_uuid": draft["dealer_uuid"], "department_uuid": draft["department_uuid"]}
    notes: dict[str, str] = {}

    def top(key: str, n: int = 1) -> list[str]:
        return [u for u, _ in seen[key].most_common(n)]

    customers = top("customer", 2)
    if customers:
        ids["customer_uuid"] = customers[0]
        notes["customer_uuid"] = f"on {seen['customer'][customers[0]]} of {len(trips)} trips"
    if len(customers) > 1:
        ids["other_customer_uuid"] = customers[1]
    if top("vehicle"):
        ids["vehicle_uuid"] = top("vehicle")[0]
    if top("creator"):
        ids["creator_user_uuid"] = ids["requester_user_uuid"] = top("creator")[0]
    if top("advisor"):
        ids["assigned_user_uuid"] = top("advisor")[0]
    elif "creator_user_uuid" in ids:
        ids["assigned_user_uuid"] = ids["creator_user_uuid"]
        notes["assigned_user_uuid"] = "no trip names a service advisor: the creator is used"
    if len(top("driver", 2)) == 2:
        ids["driver_uuids"] = top("driver", 2)
    ids["unknown_uuid"] = draft["unknown_uuid"]
    ids["slot_minutes"] = 30
    offset = top("offset")[0] if top("offset") else "+0000"
    missing = [k for k in ("customer_uuid", "creator_user_uuid", "assigned_user_uuid", "driver_uuids") if k not in ids]
    for key in missing:
        print(f"error: profile key identities.{key}: none of the {len(trips)} trips of department "
              f"{draft['department_uuid']} names one; add it by hand ({ENABLES[key]})", file=sys.stderr)
    text = render(args.name, args.target_url, offset, credential, ids, notes, missing)
    if missing:
        _write(args, text)
        return USAGE
    # The discovered profile, checked as a run checks it.
    checked = Target(_settings(args.target_url, args.name, credential, ids))
    try:
        result = preflight.run(checked)
    finally:
        checked.close()
    for line in result.problems:
        print(redact(f"error: {line}"), file=sys.stderr)
    _write(args, text)
    if not result.problems:
        print(f"profile '{args.name}' discovered from {len(trips)} trips and checked "
              f"({found.requests + pages + result.requests} requests, all reads)"
              + (f": {args.out}" if args.out else ""), file=sys.stderr)
    return USAGE if result.problems else 0


def _write(args, text: str) -> None:
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def render(name: str, url: str, offset: str, credential: CredentialRef, ids: dict[str, Any], notes: dict[str, str],
           missing: list[str]) -> str:
    """The profile YAML with a comment per key saying what it enables."""
    user = (f"    username: {credential.username}" if credential.username
            else f"    username_env: {credential.username_env}")
    out = [f"# Target profile discovered by `pnd-conformance profile discover` from {url}.",
           "# Check it with `pnd-conformance profile check --target-profile <this file>`; README",
           "# \"Running against a real target\" says which keys are required and what each optional one adds.",
           f"name: {name}", f"base_url: {url}",
           f'utc_offset: "{offset}"  # the offset the trips\' appointment times show', "",
           "credentials:", "  # every scope for the dealer and department, at both levels (required)", "  full:",
           user, f"    password_env: {credential.password_env}",
           "  # Optional clients (their rules skip without them; --require-complete fails such a run):"]
    for client, what in CLIENTS.items():
        out += [f"  # {client}:  # {what}", f"  #   username_env: PND_{client.upper()}_USERNAME",
                f"  #   password_env: PND_{client.upper()}_PASSWORD"]
    out += ["", "identities:"]
    for key, what in ENABLES.items():
        if key in missing:
            out.append(f"  # {key}: NOT FOUND  # {what}")
            continue
        if key not in ids:
            out.append(f"  # {key}:  # {what}")
            continue
        value = ids[key]
        shown = "[" + ", ".join(value) + "]" if isinstance(value, list) else str(value)
        note = f"; {notes[key]}" if key in notes else ""
        out.append(f"  {key}: {shown}  # {what}{note}")
    for key, what in NOT_SHOWN.items():
        out.append(f"  # {key}:  # {what}")
    return "\n".join(out) + "\n"
