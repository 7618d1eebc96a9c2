"""Benchmark: prints figures, asserts nothing (speed is measured here, never in a timed test).

    .venv/bin/python bench/benchmark.py [--requests N] [--skip-suite]

1. wall time of the default run (`pytest conformance`, in-process sandbox, `ci` profile);
2. requests per second of the suite's client (Target.call: recording, redaction, ledger-free
   reads) in-process and over loopback (`python -m sandbox`);
3. the raw floor: bare httpx requests on the same transport with no generation or recording;
   the ratio suite/raw is the suite's per-request overhead.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conformance.client import InProcessTransport, Target  # noqa: E402
from conformance.settings import resolve  # noqa: E402
from sandbox import create_app  # noqa: E402
from tests.wire import PROFILE, wire_sandbox  # noqa: E402


def per_second(fn, n: int) -> float:
    fn()  # warm up connections
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def measure(target: Target, raw: httpx.Client, base: str, n: int) -> tuple[float, float]:
    ids = target.settings.identities
    body = {"dealerDepartmentUUIDList": [ids.department_uuid], "dealerUuids": [ids.dealer_uuid],
            "sortOrder": "APPT_TIME_ASC", "pageSize": 10, "pageNumber": 1}
    auth = target.settings.credential("full").basic()

    def suite():
        target.call("filter", body=body)

    def bare():
        raw.post(base + "/pickupdelivery/v3/trip-view/list", json=body, auth=auth).raise_for_status()

    return per_second(suite, n), per_second(bare, n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--skip-suite", action="store_true", help="skip the full-run wall time")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    if not args.skip_suite:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider",
                               "--hypothesis-profile", "ci"], cwd=REPO, capture_output=True, text=True)
        wall = time.perf_counter() - start
        summary = (proc.stdout.strip().splitlines() or ["?"])[-1]
        print(f"default run (in-process sandbox, ci profile): {wall:.1f} s wall  [{summary}]")

    settings = resolve({})
    target = Target(settings)
    raw = httpx.Client(transport=InProcessTransport(create_app()))
    suite_rps, raw_rps = measure(target, raw, "http://sandbox", args.requests)
    print(f"in-process: suite client {suite_rps:,.0f} req/s, bare httpx {raw_rps:,.0f} req/s, "
          f"overhead x{raw_rps / suite_rps:.2f}")
    target.close()
    raw.close()

    with wire_sandbox() as url:
        settings = resolve({"target_url": url, "target_profile": str(PROFILE), "rate_limit": 0})  # measure, unthrottled
        target = Target(settings)
        raw = httpx.Client()
        suite_rps, raw_rps = measure(target, raw, url, args.requests // 2)
        print(f"loopback:   suite client {suite_rps:,.0f} req/s, bare httpx {raw_rps:,.0f} req/s, "
              f"overhead x{raw_rps / suite_rps:.2f}")
        target.close()
        raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
