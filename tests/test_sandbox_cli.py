"""`python -m pnd_conformance.sandbox` serves the sandbox over the wire on loopback (sandbox/README.md)."""
from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from pnd_conformance.sandbox import FAULTS
from pnd_conformance.sandbox.seed import load_seed
from tests.wire import REPO, free_port, wire_sandbox


def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pnd_conformance.sandbox", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=30, **kw)


@pytest.fixture
def served(request):
    """Start `python -m pnd_conformance.sandbox` on a free loopback port; yield its base URL; terminate it."""
    with wire_sandbox(getattr(request, "param", "")) as base:
        yield base


def test_serves_authenticated_requests_on_loopback(served):
    seed = load_seed()
    ids = seed.identities
    full = next(c for c in seed.clients.values() if c.name == "full")
    auth = (full.username, full.password)
    with httpx.Client(base_url=served, timeout=5) as http:
        r = http.get(f"/appointment/v2/dealers/{ids['dealer_uuid']}/partner-appointments-with-trip/"
                     f"{ids['unknown_uuid']}/trips", auth=auth)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.json() == {"totalCount": 0, "tripViewDtos": None, "statusCode": 200, "error": None, "warnings": None}
        r = http.post(f"/appointment/v2/dealers/{ids['dealer_uuid']}/partner-appointments-with-trip", auth=auth,
                      json={"customerUUID": ids["customer_uuid"], "appointmentDateTime": "2026-04-06T13:00:00-0700",
                            "dealerDepartmentUUID": ids["department_uuid"], "source": "WEB",
                            "pickupTripInformation": {"rideType": "PICKUP_VEHICLE"},
                            "appointmentInformation": {"customerAppointmentPreference": {}}})
        assert r.status_code == 200 and r.json()["statusCode"] == 200
        r = http.get(f"/appointment/v2/dealers/{ids['dealer_uuid']}/partner-appointments-with-trip/x/trips")
        assert r.status_code == 401 and r.json()["errors" if "errors" in r.json() else "error"]


@pytest.mark.parametrize("served", ["wrong-content-type"], indirect=True)
def test_serves_with_faults(served):
    r = httpx.get(served + "/nowhere", timeout=5)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")


def test_unknown_fault_exits_2_with_one_line():
    proc = _run("--faults", "no-such-fault", "--port", str(free_port()))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-fault" in lines[0]


def test_list_faults():
    proc = _run("--list-faults")
    assert proc.returncode == 0
    from pnd_conformance.sandbox.variants import VARIANTS

    assert [line.split()[0] for line in proc.stdout.splitlines()] == [*FAULTS, *VARIANTS]


def test_binds_loopback_by_default():
    from pnd_conformance.sandbox.__main__ import build_parser

    assert build_parser().parse_args([]).host == "127.0.0.1"


def test_concurrent_requests_over_the_wire(served):
    """State is safe under concurrent requests: 8 threads × 10 creates, then every trip is listed once."""
    from concurrent.futures import ThreadPoolExecutor

    from pnd_conformance.sandbox.examples import create_minimal

    seed = load_seed()
    ids = seed.identities
    full = next(c for c in seed.clients.values() if c.name == "full")
    url = f"{served}/appointment/v2/dealers/{ids['dealer_uuid']}/partner-appointments-with-trip"

    def burst(_: int) -> list[str]:
        with httpx.Client(auth=(full.username, full.password), timeout=10) as http:
            return [http.post(url, json=create_minimal(ids)).json()["pickupEventUUID"] for _ in range(10)]

    with ThreadPoolExecutor(8) as pool:
        created = [u for batch in pool.map(burst, range(8)) for u in batch]
    assert len(set(created)) == 80
    r = httpx.post(f"{served}/pickupdelivery/v3/trip-view/list", auth=(full.username, full.password), timeout=10,
                   json={"dealerDepartmentUUIDList": [ids["department_uuid"]], "dealerUuids": [ids["dealer_uuid"]],
                         "sortOrder": "APPT_TIME_ASC"})
    assert r.json()["totalCount"] == 80
    assert {t["eventUuid"] for t in r.json()["tripViewDtos"]} == set(created)
