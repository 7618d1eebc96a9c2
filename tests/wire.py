"""`python -m pnd_conformance.sandbox` in a subprocess on a free loopback port, for over-the-wire self-tests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    cmd = [sys.executable, "-m", "pnd_conformance.sandbox", "--host", "127.0.0.1", "--port", str(port)]
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
                    raise RuntimeError(f"sandbox did not start: {proc.stderr.read().decode()[-500:]}") from None
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


class Counted:
    """Requests a counting proxy passed on (method and path of each)."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __len__(self) -> int:
        return len(self.requests)


@contextmanager
def counting_proxy(upstream: str, refuse: str | None = None) -> Iterator[tuple[str, Counted]]:
    """An HTTP proxy on a free loopback port to `upstream` that counts what reaches the target.

    `refuse`: a method and path prefix (e.g. "POST /appointment/") answered 400 INVALID_CREATE_EVENT_REQUEST
    by the proxy itself, as a target that refuses every such request would."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    counted = Counted()
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            counted.requests.append(f"{self.command} {self.path}")
            if refuse and f"{self.command} {self.path}".startswith(refuse):
                out = json.dumps({"statusCode": 400, "errors": [{"errorCode": "INVALID_CREATE_EVENT_REQUEST",
                                                                 "errorDescription": "refused"}]}).encode()
                self.send_response(400)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            r = client.request(self.command, self.path, content=body, headers=headers)
            self.send_response(r.status_code)
            for k, v in r.headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(r.content)))
            self.end_headers()
            self.wfile.write(r.content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counted
    finally:
        server.shutdown()
        server.server_close()
        client.close()
