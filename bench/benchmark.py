"""Benchmark: prints figures, asserts nothing (speed is measured here, never in a timed test).

    .venv/bin/python bench/benchmark.py [--requests N] [--skip-suite] [--mutants floor,1600,0]

1. the default run (`pytest conformance`, in-process sandbox, dev profile, default request
   budget): wall time and the requests it sent (per operation, per test type, what they cost at
   a rate limit), the floor from the catalogue (the fewest requests giving every observable rule
   one verdict: its setup, its request, its cleanup) and the run's ratio to it;
2. requests per second of the suite's client (Target.call: recording, redaction, ledger-free
   reads) in-process and over loopback (`python -m pnd_conformance.sandbox`);
3. the raw floor: bare httpx requests on the same transport with no generation or recording;
   the ratio suite/raw is the suite's per-request overhead;
4. with --mutants: detection against budget. Per request budget (`floor` = the run's floor,
   `0` = no budget: every test at the profile's examples, as before budgets), the clean run's
   requests and wall time and how many mutants (tests/mutants.yaml) the suite kills, as a table.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pnd_conformance.request_budget import floor_of, rule_cost  # noqa: E402
from pnd_conformance.http.client import InProcessTransport, Target  # noqa: E402
from pnd_conformance.embedded import open_target  # noqa: E402
from pnd_conformance.report.requests import summary_lines  # noqa: E402
from pnd_conformance.settings import resolve  # noqa: E402
from pnd_conformance.sandbox import create_app  # noqa: E402
from pnd_conformance.spec.catalogue import load_rules  # noqa: E402
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


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PND_") and k not in ("CI", "PYTEST_ADDOPTS")}


def catalogue_floor() -> int:
    return floor_of(rule_cost(r) for r in load_rules() if r.test != "unobservable")


def default_run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "-q", "-p", "no:cacheprovider",
                               "--reports-dir", tmp], cwd=REPO, capture_output=True, text=True, env=_env())
        wall = time.perf_counter() - start
        summary = (proc.stdout.strip().splitlines() or ["?"])[-1]
        path = Path(tmp) / "conformance.json"
        requests = json.loads(path.read_text())["requests"] if path.exists() else None
    print(f"default run (in-process sandbox, dev profile): {wall:.1f} s wall  [{summary}]")
    if not requests:
        print("  no request count (the run wrote no matrix)")
        return
    for line in summary_lines(requests):
        print("  " + line)
    floor = catalogue_floor()
    print(f"  floor from the catalogue (every observable rule one verdict): {floor:,} requests; "
          f"default run / floor = {requests['total'] / floor:.2f}")
    if requests.get("floor"):
        print(f"  floor of the run (with the Schemathesis checks and the lifecycle, one example each): "
              f"{requests['floor']:,}; default run / that floor = {requests['total'] / requests['floor']:.2f}")


def detection_table(budgets: list[str]) -> None:
    from tests.test_mutants import MUTANTS, _run_mutant, killed, run_suite

    print("| budget | requests (clean run) | wall time (clean run) | mutants killed "
          "| wall time (all mutants, 2 at a time) | survivors |")
    print("|---|---:|---:|---:|---:|---|")
    for budget in budgets:
        with tempfile.TemporaryDirectory() as tmp_dir:
            tmp = Path(tmp_dir)
            if budget == "floor":
                probe = run_suite("floor-probe", tmp, extra=("--request-budget", "1"))
                budget = probe.output.split("below the floor of ")[-1].split(" ")[0]
            extra = ("--request-budget", budget)
            clean = run_suite("", tmp, extra=extra)
            matrix = json.loads((tmp / "reports-clean" / "conformance.json").read_text())
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=2) as pool:
                # Bound now: the runs belong to this budget's directory and flags.
                run = functools.partial(_run_mutant, tmp=tmp, extra=extra)
                outcomes = dict(zip(MUTANTS, pool.map(run, MUTANTS), strict=True))
            wall = time.perf_counter() - start
        survivors = [n for n, o in outcomes.items() if not killed(n, o)]
        label = "none (0)" if budget == "0" else f"{int(budget):,}"
        failed = '' if clean.returncode == 0 else ' (clean run failed!)'
        print(f"| {label} | {matrix['requests']['total']:,} | {clean.seconds:.1f} s | "
              f"{len(MUTANTS) - len(survivors)}/{len(MUTANTS)}{failed} "
              f"| {wall:.0f} s | {', '.join(survivors) or '-'} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--skip-suite", action="store_true", help="skip the default run (wall time, requests)")
    parser.add_argument("--mutants", metavar="BUDGETS",
                        help="comma-separated request budgets (`floor`, `0` = none) to run every mutant at")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    if not args.skip_suite:
        default_run()
    if args.mutants:
        detection_table([b.strip() for b in args.mutants.split(",") if b.strip()])

    settings = resolve({})
    target = open_target(settings)
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
