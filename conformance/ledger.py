"""The cleanup ledger: every appointment the suite creates is written down before use.

On a real target the ledger is a JSONL file under reports/ledger/ (append-only, flushed and
fsynced per line, safe across xdist workers via O_APPEND), so a run that is interrupted can
be swept later with `pytest --cleanup-only`. The sweep deletes what is still there and
collects every error instead of stopping at the first.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from strategies.context import Ctx
from strategies.fixed import recreate_trip_body

if TYPE_CHECKING:
    from conformance.client import Target

NOT_LINKED = "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"


class Ledger:
    def __init__(self, target_url: str, directory: Path | None) -> None:
        self.target_url = target_url
        self.path = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"run-{os.getpid()}-{int(time.time())}.jsonl"
        self._open: dict[str, dict] = {}
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
            self._open[sar_uuid] = entry
            self._write(entry)

    def forget(self, sar_uuid: str) -> None:
        with self._lock:
            if self._open.pop(sar_uuid, None) is not None:
                self._write({"op": "deleted", "target": self.target_url, "sar_uuid": sar_uuid})

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
    """`--cleanup-only`: delete what earlier runs left on this target; (deleted, errors)."""
    url = target.base_url
    entries = read_outstanding(directory, url) if directory.exists() else []
    sweep = Ledger(url, directory)
    errors = []
    for entry in entries:
        sweep._open[entry["sar_uuid"]] = entry
        try:
            problem = delete_appointment(target, ctx, entry["sar_uuid"], entry["department_uuid"],
                                         entry["dealer_uuid"])
        except Exception as exc:  # report every failure and keep going
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            errors.append(f"appointment {entry['sar_uuid']}: {problem}")
        else:
            sweep.forget(entry["sar_uuid"])
    if directory.exists() and not _outstanding(sorted(directory.glob("run-*.jsonl")), None):
        for path in directory.glob("run-*.jsonl"):
            path.unlink()
    return len(entries) - len(errors), errors


def _outstanding(paths: list[Path], target_url: str | None) -> list[dict]:
    open_: dict[str, dict] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            if target_url is not None and entry.get("target") != target_url:
                continue
            if entry.get("op") == "created":
                open_[entry["sar_uuid"]] = entry
            elif entry.get("op") == "deleted":
                open_.pop(entry["sar_uuid"], None)
    return list(reversed(list(open_.values())))
