"""`python -m sandbox` in a subprocess on a free loopback port, for over-the-wire self-tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import yaml

REPO = Path(__file__).resolve().parent.parent
PROFILE = REPO / "profiles" / "sandbox.yaml"
IDS = yaml.safe_load(PROFILE.read_text())["identities"]
FULL = yaml.safe_load(PROFILE.read_text())["credentials"]["full"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def wire_sandbox(faults: str = "", variants: str = "") -> Iterator[str]:
    """Serve the sandbox on loopback until the block ends; yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)]
    if faults:
        cmd += ["--faults", faults]
    if variants:
        cmd += ["--variants", variants]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PND_SANDBOX_FAULTS": "", "PND_SANDBOX_VARIANTS": ""})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/", timeout=0.5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sandbox did not start: {proc.stderr.read().decode()[-500:]}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def count_trips(url: str) -> int:
    """All trips of the profile's dealer and department, counted by the filter operation."""
    r = httpx.post(url + "/pickupdelivery/v3/trip-view/list", auth=(FULL["username"], FULL["password"]),
                   json={"dealerDepartmentUUIDList": [IDS["department_uuid"]], "dealerUuids": [IDS["dealer_uuid"]],
                         "sortOrder": "APPT_TIME_ASC"}, timeout=10)
    r.raise_for_status()
    return r.json()["totalCount"]
