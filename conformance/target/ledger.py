"""The cleanup ledger: every create is written down before it is sent, every answer after.

On a real target the ledger is a JSONL file under reports/ledger/, one per process (xdist
workers included), append-only, fsynced per line. Lines:

- `intent`: before a create is sent: the dealer, department, customer and appointment time it
  asks for, and the earliest server time its appointment can carry as `createdDate`;
- `created`: the appointment a create's answer named (its SAR UUID); `answered` closes the intent;
- `deleted`: the appointment is gone.

So a run killed at any instant leaves either a `created` line (delete it) or an unanswered
`intent`, whose appointment the sweep finds through the filter operation (`find_intent`) with
the guarantees spelled out in docs/running.md "Safe on a shared staging server". The sweep deletes
what is left and collects every error instead of stopping at the first.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from datetime import datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

from pnd_conformance.http.client import TargetFault
from pnd_conformance.target.settle import eventually, window
from pnd_conformance.judging.verdict import NonConformance, check, object_of
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import recreate_trip_body

if TYPE_CHECKING:
    from pnd_conformance.http.client import Exchange, Target

NOT_LINKED = "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"
_DEALER_IN_PATH = re.compile(r"/dealers/([^/?]+)/")
# The suite books appointments only from here on (strategies/common.py, strategies/fixed.py):
# years ahead, where people do not book. An intent for any other time is never looked up.
RESERVED_FROM = datetime(2029, 1, 1, tzinfo=UTC)


def parse_instant(text: Any) -> datetime | None:
    """An ISO-8601 date-time with an offset (`±HHMM`, `±HH:MM` or `Z`) as an aware datetime."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


class CleanupFailed(Exception):
    """What the suite created could not all be deleted (a harness/network error, not a verdict)."""


class NotLookedUp(Exception):
    """The target will not show where an unanswered create would have put its appointment."""


class Ledger:
    def __init__(self, target_url: str, directory: Path | None) -> None:
        self.target_url = target_url
        self.path = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"run-{int(time.time())}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._open: dict[str, dict] = {}
        self._intents: dict[str, dict] = {}
        self._held: set[str] = set()  # made ahead by the state pool, no test's yet (prepared_states.StatePool)
        self._lock = threading.Lock()
        self.deleted = 0  # appointments this ledger's sweeps deleted
        self.notes: list[str] = []  # unanswered creates the sweep would not look for, said so

    def _write(self, entry: dict) -> None:
        if self.path is None:
            return
        line = (json.dumps({**entry, "target": self.target_url}) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def record(self, sar_uuid: str, department_uuid: str, dealer_uuid: str, client: str = "full") -> None:
        """`client`: the profile client that created it, which the sweep deletes it with (the
        default client may hold no grant at another dealer's department)."""
        entry = {"op": "created", "sar_uuid": sar_uuid, "department_uuid": department_uuid,
                 "dealer_uuid": dealer_uuid, "client": client, "at": time.time()}
        with self._lock:
            if sar_uuid in self._open:
                return  # already recorded when its create answered (end_create)
            self._open[sar_uuid] = entry
            self._write(entry)

    def begin_create(self, rel_url: str, content: bytes | None, not_before: float | None,
                     client: str | None = "full") -> str | None:
        """Before a create is sent: what finds its appointment if its answer is never recorded.

        `not_before`: the server's clock now (epoch seconds, from its Date header), so that only
        an appointment created after this instant can match. The intent id, or None without a file.
        """
        if self.path is None:
            return None
        try:
            body = json.loads(content or b"null")
        except ValueError:
            body = None
        body = object_of(body)
        dealer = _DEALER_IN_PATH.search(rel_url)
        entry: dict[str, Any] = {
            "op": "intent", "id": uuid.uuid4().hex, "dealer_uuid": dealer.group(1) if dealer else None,
            "department_uuid": body.get("dealerDepartmentUUID"), "customer_uuid": body.get("customerUUID"),
            "appointment_time": body.get("appointmentDateTime"), "not_before": not_before,
            "client": client or "full"}
        with self._lock:
            self._intents[entry["id"]] = entry
            self._write(entry)
        return entry["id"]

    def end_create(self, intent_id: str, ex: Exchange) -> None:
        """The create answered: record the appointment it made (if any), then close the intent."""
        with self._lock:
            intent = self._intents.get(intent_id) or {}
        data = object_of(ex.json)
        sar, department, dealer = data.get("appointmentUUID"), intent["department_uuid"], intent["dealer_uuid"]
        if isinstance(sar, str) and sar and _text(department) and _text(dealer):
            self.record(sar, department, dealer, _client(intent))
        self._close_intent(intent_id)

    def _close_intent(self, intent_id: str) -> None:
        with self._lock:
            if self._intents.pop(intent_id, None) is not None:
                self._write({"op": "answered", "id": intent_id})

    def forget(self, sar_uuid: str) -> None:
        with self._lock:
            self._held.discard(sar_uuid)
            if self._open.pop(sar_uuid, None) is not None:
                self._write({"op": "deleted", "sar_uuid": sar_uuid})

    def unanswered(self) -> list[dict]:
        with self._lock:
            return list(self._intents.values())

    def hold(self, sar_uuid: str) -> None:
        """The appointment waits in the state pool: no test's own, so no test's cleanup deletes it (the sweep
        does, if no test takes it)."""
        with self._lock:
            self._held.add(sar_uuid)

    def release(self, sar_uuid: str) -> None:
        """A test took the appointment from the pool: from now on it is that test's to delete."""
        with self._lock:
            self._held.discard(sar_uuid)

    def outstanding(self, include_held: bool = False) -> list[dict]:
        """What the run made and has not deleted, newest first (reverse creation order); what waits in the
        state pool only with `include_held` (the sweep), so that a test deletes only what it made or took."""
        with self._lock:
            return [e for e in reversed(list(self._open.values())) if include_held or e["sar_uuid"] not in self._held]

    def sweep(self, target: Target, ctx: Ctx) -> list[str]:
        """Find what unanswered creates made, then delete every outstanding appointment (newest
        first); return the errors (all attempted)."""
        errors = []
        for intent in self.unanswered():
            when = parse_instant(intent.get("appointment_time"))
            if when is not None and when < RESERVED_FROM:
                self.notes.append(f"a create for {intent.get('appointment_time')} (customer "
                                  f"{intent.get('customer_uuid')}) got no answer; it is outside the suite's "
                                  "reserved slots, so it is not looked up: if it made an appointment, delete it "
                                  "by hand")
            try:
                found = find_intent(target, intent, cleanup_client(intent, ctx))
            except NotLookedUp as exc:
                self.notes.append(str(exc))
                self._close_intent(intent["id"])
                continue
            except (Exception, TargetFault) as exc:  # a sweep reports every failure and keeps going
                errors.append(f"create sent at {intent.get('appointment_time')!r} unanswered, and looking for "
                              f"what it made failed: {type(exc).__name__}: {exc}")
                continue
            for sar in found:
                self.record(sar, intent["department_uuid"], intent["dealer_uuid"], _client(intent))
            self._close_intent(intent["id"])
        for entry in self.outstanding(include_held=True):
            try:
                problem = delete_appointment(target, ctx, entry["sar_uuid"], entry["department_uuid"],
                                             entry["dealer_uuid"], cleanup_client(entry, ctx))
            except (Exception, TargetFault) as exc:  # a sweep reports every failure and keeps going
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                errors.append(f"appointment {entry['sar_uuid']}: {problem}")
            else:
                self.deleted += 1
                self.forget(entry["sar_uuid"])
        return errors

    def remove_if_clean(self) -> None:
        """Drop the file once nothing in it is left to find or delete."""
        if self.path is not None and self.path.exists() and not self.outstanding(include_held=True) \
                and not self.unanswered():
            self.path.unlink()


def find_intent(target: Target, intent: dict, client: str = "full") -> list[str]:
    """The appointments an unanswered create made: SAR UUIDs of trips matching EVERY identity
    its intent recorded. Asks the filter operation for the customer's trips of that dealer and
    department at exactly that time, then checks each trip itself (the target's filter is under
    test, so its matching is not trusted): the same instant as appointmentTime, the same
    customer (the trip must name it), department and dealer (where the trip names them), and
    created no earlier than the intent was written (where both clocks are known).
    """
    dealer, department, customer = intent.get("dealer_uuid"), intent.get("department_uuid"), intent.get("customer_uuid")
    when = parse_instant(intent.get("appointment_time"))
    if not (_text(dealer) and _text(department) and _text(customer)) or when is None or when < RESERVED_FROM:
        return []  # no create with this body made an appointment, or not one of the suite's slots (a note)
    ex = target.call("filter", client=client,
                     body={"dealerDepartmentUUIDList": [department], "dealerUuids": [dealer],
                           "customerUuids": [customer], "startApptTime": intent["appointment_time"],
                           "endApptTime": intent["appointment_time"], "sortOrder": "APPT_TIME_ASC"})
    if 400 <= ex.status < 500:
        # The suite's own client may not look there (403), or the target rejects these identities
        # (400): then this create, sent with them, was rejected too, unless the target is broken.
        raise NotLookedUp(f"a create for {intent['appointment_time']} (department {department}, customer "
                          f"{customer}) got no answer, and filter refuses to look: {ex.received(200)}; if the "
                          "create made an appointment, delete it by hand")
    if ex.status != 200 or not isinstance(ex.json, dict):
        raise RuntimeError(f"filter answered {ex.received(200)}")
    trips = ex.json.get("tripViewDtos") or []
    sars = [t["linkedAppointmentUuid"] for t in trips if isinstance(t, dict) and _matches(t, intent, when)]
    return list(dict.fromkeys(sars))


def _matches(trip: dict, intent: dict, when: datetime) -> bool:
    if not _text(trip.get("linkedAppointmentUuid")) or parse_instant(trip.get("appointmentTime")) != when:
        return False
    if object_of(trip.get("customer")).get("uuid") != intent["customer_uuid"]:
        return False
    department = object_of(trip.get("department"))
    if department.get("uuid") not in (None, intent["department_uuid"]):
        return False
    dealer = object_of(department.get("dealer"))
    if dealer.get("uuid") not in (None, intent["dealer_uuid"]):
        return False
    created, not_before = parse_instant(trip.get("createdDate")), intent.get("not_before")
    return created is None or not_before is None or created.timestamp() >= not_before


def delete_appointment(target: Target, ctx: Ctx, sar: str, department: str, dealer: str,
                       client: str = "full") -> str | None:
    """Delete an appointment and its trip chain, as `client`; None on success (or already gone)."""
    query = {"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "WEB"}
    where = {"dealerDepartmentUUID": department, "appointmentUuid": sar}
    ex = target.call("delete", client=client, path=where, query=query)
    if ex.status == 200:
        return None
    codes = error_codes(ex.json)
    not_linked = NOT_LINKED in codes
    if not not_linked and not (ex.status == 404 or "INVALID_SAR_UUID" in codes):
        return f"delete answered {ex.received(200)}"
    # No mapped trip: either already deleted, or a trip-less appointment (update's delete-trip
    # scenario). How a target answers an unknown appointment is not documented (spec/NOTES.md
    # "Unknown appointment on delete"), so a 404 or INVALID_SAR_UUID may be either too: give it a
    # trip with update's create-new-trip scenario, then delete it; if it takes none, it is gone.
    ex = target.call("update", client=client, path={"dealerUuid": dealer, "sarUUID": sar},
                     body=recreate_trip_body(ctx))
    if ex.status != 200 and not not_linked:
        return None  # the target knows no such appointment: nothing is left to delete
    if ex.status != 200:
        # Already gone, or its trip exists but its mapping has not settled yet (a fresh create):
        # delete again within the settle window until it is deleted or the window ends.
        seen: list = []

        def delete_again():
            seen.append(target.call("delete", client=client, path=where, query=query))
            return seen[-1]

        try:
            eventually(delete_again, lambda ex: check(ex.status == 200, ex, "deleted"), timeout=window(target))
        except NonConformance:
            last = seen[-1]
            if NOT_LINKED not in error_codes(last.json):
                return f"delete answered {last.received(200)}"
        return None  # deleted, or nothing left to delete
    ex = target.call("delete", client=client, path=where, query=query)
    return None if ex.status == 200 else f"delete after re-attaching a trip answered {ex.received(200)}"


def error_codes(body: object) -> list[str]:
    if not isinstance(body, dict):
        return []
    errors = body.get("errors")
    items = errors if isinstance(errors, list) else [body.get("error")]
    return [str(i["errorCode"]) for i in items if isinstance(i, dict) and i.get("errorCode")]


def sweep_directory(directory: Path, target: Target, ctx: Ctx) -> tuple[int, list[str], list[str]]:
    """`--cleanup-only`: delete what earlier runs left on this target; (deleted, errors, notes)."""
    url = target.base_url
    paths = _paths(directory)
    opened, intents = _replay(paths, url)
    sweep = Ledger(url, directory if paths else None)  # the sweep's own lines: a killed sweep is safe too
    sweep._open = {e["sar_uuid"]: e for e in reversed(opened)}
    sweep._intents = {i["id"]: i for i in intents}
    errors = sweep.sweep(target, ctx)
    paths = _paths(directory)
    if paths and _replay(paths, None) == ([], []):
        for path in paths:
            path.unlink()
    return sweep.deleted, errors, sweep.notes


def _paths(directory: Path) -> list[Path]:
    return sorted(directory.glob("run-*.jsonl")) if directory.exists() else []


def _entries(paths: list[Path], target_url: str | None) -> Iterator[dict]:
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            if isinstance(entry, dict) and (target_url is None or entry.get("target") == target_url):
                yield entry


def _replay(paths: list[Path], target_url: str | None) -> tuple[list[dict], list[dict]]:
    """(appointments created and not deleted, newest first; intents never answered)."""
    open_: dict[str, dict] = {}
    intents: dict[str, dict] = {}
    for entry in _entries(paths, target_url):
        op = entry.get("op")
        if op == "created" and _text(entry.get("sar_uuid")):
            open_[entry["sar_uuid"]] = entry
        elif op == "deleted":
            open_.pop(str(entry.get("sar_uuid")), None)
        elif op == "intent" and _text(entry.get("id")):
            intents[entry["id"]] = entry
        elif op == "answered":
            intents.pop(str(entry.get("id")), None)
    return list(reversed(list(open_.values()))), list(intents.values())


def _client(entry: dict) -> str:
    """The client an entry was created with; ledgers written before clients were recorded used "full"."""
    client = entry.get("client")
    return client if isinstance(client, str) and client.strip() else "full"


def cleanup_client(entry: dict, ctx: Ctx) -> str:
    """Who finds and deletes an entry's appointment: the full client at the profile's department
    (a wrongly accepted create by a client without grants must still be deleted), else the client
    that created it (a client holding another dealer's department, which the full one may not)."""
    return "full" if entry.get("department_uuid") == ctx.ident("department_uuid") else _client(entry)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
