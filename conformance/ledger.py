"""The cleanup ledger: every appointment the suite creates is written down before use.

On a real target the ledger is a JSONL file under reports/ledger/ (append-only, flushed and
fsynced per line, safe across xdist workers via O_APPEND), so a run that is interrupted can
be swept later with `pytest --cleanup-only`. The sweep deletes what is still there and
collects every error instead of stopping at the first.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from strategies.context import Ctx
from strategies.fixed import recreate_trip_body

if TYPE_CHECKING:
    from conformance.client import Target

NOT_LINKED = "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"
_DEALER_IN_PATH = re.compile(r"/dealers/([^/?]+)/")


class Ledger:
    def __init__(self, target_url: str, directory: Path | None) -> None:
        self.target_url = target_url
        self.path = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"run-{os.getpid()}-{int(time.time())}.jsonl"
        self._open: dict[str, dict] = {}
        self._attempts: dict[str, dict] = {}
        self._lock = threading.Lock()

    def _write(self, entry: dict) -> None:
        if self.path is None:
            return
        line = (json.dumps(entry) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def record(self, sar_uuid: str, department_uuid: str, dealer_uuid: str) -> None:
        entry = {"op": "created", "target": self.target_url, "sar_uuid": sar_uuid,
                 "department_uuid": department_uuid, "dealer_uuid": dealer_uuid, "at": time.time()}
        with self._lock:
            if sar_uuid in self._open:
                return  # already recorded when its create answered (end_create)
            self._open[sar_uuid] = entry
            self._write(entry)

    def begin_create(self, rel_url: str, content: bytes | None) -> str | None:
        """Before a create is sent: write what would find its appointment if no answer gets
        recorded (killed mid-request, timed out). The attempt id, or None without a ledger file."""
        if self.path is None:
            return None
        try:
            body = json.loads(content or b"null")
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        dealer = _DEALER_IN_PATH.search(rel_url)
        entry = {"op": "attempt", "target": self.target_url, "id": uuid.uuid4().hex,
                 "dealer_uuid": dealer.group(1) if dealer else None,
                 "department_uuid": body.get("dealerDepartmentUUID"), "customer_uuid": body.get("customerUUID"),
                 "appointment_time": body.get("appointmentDateTime")}
        with self._lock:
            self._attempts[entry["id"]] = entry
            self._write(entry)
        return entry["id"]

    def end_create(self, attempt_id: str, ex) -> None:
        """The create answered: record the appointment it made (if any), then close the attempt."""
        with self._lock:
            attempt = self._attempts.pop(attempt_id)
        data = ex.json if isinstance(ex.json, dict) else {}
        sar, department = data.get("appointmentUUID"), attempt["department_uuid"]
        if ex.status == 200 and isinstance(sar, str) and sar and isinstance(department, str) and department.strip():
            self.record(sar, department, attempt["dealer_uuid"])
        with self._lock:
            self._write({"op": "attempt-done", "target": self.target_url, "id": attempt_id})

    def forget(self, sar_uuid: str) -> None:
        with self._lock:
            if self._open.pop(sar_uuid, None) is not None:
                self._write({"op": "deleted", "target": self.target_url, "sar_uuid": sar_uuid})

    def unanswered_creates(self) -> list[dict]:
        with self._lock:
            return list(self._attempts.values())

    def outstanding(self) -> list[dict]:
        with self._lock:
            return list(reversed(list(self._open.values())))  # newest first: reverse creation order

    def sweep(self, target: "Target", ctx: Ctx) -> list[str]:
        """Delete every outstanding appointment; return the errors (all attempted)."""
        errors = []
        for entry in self.outstanding():
            try:
                problem = delete_appointment(target, ctx, entry["sar_uuid"], entry["department_uuid"],
                                             entry["dealer_uuid"])
            except Exception as exc:  # a sweep reports every failure and keeps going
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                errors.append(f"appointment {entry['sar_uuid']}: {problem}")
            else:
                self.forget(entry["sar_uuid"])
        return errors


def delete_appointment(target: "Target", ctx: Ctx, sar: str, department: str, dealer: str) -> str | None:
    """Delete an appointment and its trip chain; None on success (or already gone)."""
    query = {"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "WEB"}
    ex = target.call("delete", path={"dealerDepartmentUUID": department, "appointmentUuid": sar}, query=query)
    if ex.status == 200:
        return None
    codes = error_codes(ex.json)
    if NOT_LINKED not in codes:
        return f"delete answered {ex.received(200)}"
    # No mapped trip: either already deleted, or a trip-less appointment (update's delete-trip
    # scenario). Give it a trip with update's create-new-trip scenario, then delete it.
    ex = target.call("update", path={"dealerUuid": dealer, "sarUUID": sar}, body=recreate_trip_body(ctx))
    if ex.status != 200:
        return None  # nothing left to delete
    ex = target.call("delete", path={"dealerDepartmentUUID": department, "appointmentUuid": sar}, query=query)
    return None if ex.status == 200 else f"delete after re-attaching a trip answered {ex.received(200)}"


def error_codes(body: object) -> list[str]:
    if not isinstance(body, dict):
        return []
    items = body.get("errors") if isinstance(body.get("errors"), list) else [body.get("error")]
    return [i.get("errorCode") for i in items if isinstance(i, dict) and i.get("errorCode")]


def read_outstanding(directory: Path, target_url: str) -> list[dict]:
    """Appointments created on `target_url` by any earlier run and not deleted since."""
    return _outstanding(sorted(directory.glob("run-*.jsonl")), target_url)


def sweep_directory(directory: Path, target: "Target", ctx: Ctx) -> tuple[int, list[str]]:
    """`--cleanup-only`: delete what earlier runs left on this target; (deleted, errors).

    Recorded appointments are deleted newest first. A create that never got its answer recorded
    (the run was killed mid-request, or it timed out) is looked up through the filter operation:
    the trips of its customer at exactly its appointment time name the appointment it made.
    """
    url = target.base_url
    paths = sorted(directory.glob("run-*.jsonl")) if directory.exists() else []
    sweep = Ledger(url, directory)
    errors = []
    for attempt in _unresolved_attempts(paths, url):
        try:
            found = _appointments_of_attempt(target, ctx, attempt)
        except Exception as exc:  # report every failure and keep going
            errors.append(f"create attempt at {attempt.get('appointment_time')}: {type(exc).__name__}: {exc}")
            continue
        for entry in found:
            sweep.record(entry["sar_uuid"], entry["department_uuid"], entry["dealer_uuid"])
        sweep._write({"op": "attempt-done", "target": url, "id": attempt["id"]})
    for entry in reversed(_outstanding(paths, url)):
        sweep._open.setdefault(entry["sar_uuid"], entry)
    pending = len(sweep.outstanding())
    errors += sweep.sweep(target, ctx)
    paths = sorted(directory.glob("run-*.jsonl")) if directory.exists() else []
    if not _outstanding(paths, None) and not _unresolved_attempts(paths, None):
        for path in paths:
            path.unlink()
    return pending - len(sweep.outstanding()), errors


def _appointments_of_attempt(target: "Target", ctx: Ctx, attempt: dict) -> list[dict]:
    """Appointments a create attempt may have made: its customer's trips at exactly its time."""
    department, when, customer = (attempt.get(k) for k in ("department_uuid", "appointment_time", "customer_uuid"))
    if not all(isinstance(v, str) and v.strip() for v in (department, when, customer)):
        return []  # a body no create could have succeeded with
    dealer = attempt.get("dealer_uuid") or ctx.ident("dealer_uuid")
    ex = target.call("filter", body={"dealerDepartmentUUIDList": [department], "dealerUuids": [dealer],
                                     "customerUuids": [customer], "startApptTime": when, "endApptTime": when,
                                     "sortOrder": "APPT_TIME_ASC"})
    if ex.status != 200 or not isinstance(ex.json, dict):
        raise RuntimeError(f"filter answered {ex.received(200)}")
    trips = [t for t in ex.json.get("tripViewDtos") or [] if isinstance(t, dict)]
    sars = dict.fromkeys(t["linkedAppointmentUuid"] for t in trips if isinstance(t.get("linkedAppointmentUuid"), str))
    return [{"sar_uuid": sar, "department_uuid": department, "dealer_uuid": dealer} for sar in sars]


def _unresolved_attempts(paths: list[Path], target_url: str | None) -> list[dict]:
    """Create attempts written before sending and never closed by an answer."""
    attempts: dict[str, dict] = {}
    for entry in _entries(paths, target_url):
        if entry.get("op") == "attempt":
            attempts[entry["id"]] = entry
        elif entry.get("op") == "attempt-done":
            attempts.pop(entry.get("id"), None)
    return list(attempts.values())


def _entries(paths: list[Path], target_url: str | None) -> Iterator[dict]:
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            if target_url is None or entry.get("target") == target_url:
                yield entry


def _outstanding(paths: list[Path], target_url: str | None) -> list[dict]:
    open_: dict[str, dict] = {}
    for entry in _entries(paths, target_url):
        if entry.get("op") == "created":
            open_[entry["sar_uuid"]] = entry
        elif entry.get("op") == "deleted":
            open_.pop(entry["sar_uuid"], None)
    return list(reversed(list(open_.values())))
