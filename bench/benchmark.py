"""Benchmark: prints figures, asserts nothing (speed is measured here, never in a timed test).

    .venv/bin/python bench/benchmark.py [--requests N] [--skip-suite] [--mutants floor,1600,0]
                                        [--wire [--wire-mode M,M] [--wire-rows I,I] [--wire-select EXPR]]

1. the default run (`pytest conformance`, in-process sandbox, dev profile, default request
   budget): wall time and the requests it sent (per operation, per test type, what they cost at
   a rate limit), the floor from the catalogue (the fewest requests giving every observable rule
   one verdict: its setup, its request, its cleanup) and the run's ratio to it;
2. requests per second of the suite's client (Target.call: recording, redaction, ledger-free
   reads) in-process and over loopback (`python -m pnd_conformance.sandbox`);
3. the raw floor: bare httpx requests on the same transport with no generation or recording;
   the ratio suite/raw is the suite's per-request overhead;
4. with --wire: the default run over the wire (`python -m pnd_conformance.sandbox`, behind a proxy with a real
   server's habits where the row says so) against an instant target, one whose every answer is 50 ms late, two
   settling targets (trips valid 1.5 s after create; filter 1.5 s behind the writes), one closing every
   connection and stalling every 40th answer, and one that never marks trips valid; as wall times and ratios to
   the instant row. `--wire-mode serial,concurrent` picks the modes (serial = --max-concurrency 1, concurrent =
   the default), `--wire-rows 2,5` the rows (0-based; the instant row always runs), `--wire-select` a -k;
5. with --mutants: detection against budget. Per request budget (`floor` = the run's floor,
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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
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

# The rows of the over-the-wire table: label, sandbox variants, sandbox faults, and
# the proxy's habits: seconds each answer is held back, a stall of `stall` seconds on every `every`-th answer,
# and `Connection: close` on every answer.
WIRE_ROWS = [
    ("loopback, instant", "", "", {}),
    ("every answer 50 ms late", "", "", {"delay": 0.05}),
    ("trips become valid 1.5 s after create (update waits for it)", "valid-after-delay", "", {}),
    ("filter shows new trips 1.5 s after the write", "filter-lags", "", {}),
    ("`Connection: close`, a 1.5 s stall on every 40th answer", "", "", {"close": True, "stall": 1.5, "every": 40}),
    ("trips never marked valid (every update waits out the settle window)", "", "is-valid-never-set", {}),
]


@contextmanager
def habit_proxy(upstream: str, delay: float = 0.0, stall: float = 0.0, every: int = 0,
                close: bool = False) -> Iterator[str]:
    """A loopback HTTP proxy to `upstream` with a real server's habits: every answer `delay` seconds late (a
    distant target), every `every`-th one `stall` seconds late, and `Connection: close` on each (`close`)."""
    import itertools
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    # One client for every connection: with `close` each answer is a new connection and a new thread, and a
    # client made per thread would put the proxy's own set-up time into the row.
    client = httpx.Client(base_url=upstream, timeout=60, limits=httpx.Limits(max_connections=32))
    answers = itertools.count(1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive unless `close`, as a real server
        # One write per answer, sent at once: no Nagle/delayed-ACK pause of the proxy's own making.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            r = client.request(self.command, self.path, content=body, headers=headers)
            time.sleep(delay + (stall if every and next(answers) % every == 0 else 0.0))
            self.send_response(r.status_code)
            for k, v in r.headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(r.content)))
            if close:
                self.send_header("connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(r.content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()


def _wire_run(url: str, tmp: str, extra: list[str]) -> tuple[float, str, int | None]:
    """(wall seconds, pytest's last line, requests sent) of the default run against `url`."""
    cmd = [sys.executable, "-m", "pytest", "conformance/suite", "-q", "-p", "no:cacheprovider", "--reports-dir", tmp,
           "--target-url", url, "--target-profile", str(PROFILE), *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env={**_env(), "PND_LEDGER_DIR": str(Path(tmp) / "ledger")})
    wall = time.perf_counter() - start
    last = next((ln.strip("= ") for ln in reversed(proc.stdout.splitlines()) if " in " in ln and "=" in ln), "?")
    path = Path(tmp) / "conformance.json"
    sent = json.loads(path.read_text())["requests"]["total"] if path.exists() else None
    return wall, last, sent


def wire_table(select: str | None, modes: list[str], rows: list[int] | None) -> None:
    """The default run over the wire per kind of target, serial and/or concurrent, as ratios to the instant row
    of the same mode (and the concurrent run's ratio to the serial instant run)."""
    extra = ["-k", select] if select else []
    flags = {"serial": ["--max-concurrency", "1"], "concurrent": []}
    print(f"over the wire ({'-k ' + select if select else 'the default run'}; serial = --max-concurrency 1, "
          "concurrent = the default)")
    both = len(modes) == 2  # the concurrent rows also as ratios to the serial instant run: today's run
    print("| target | " + " | ".join(f"{m} | × instant ({m})" for m in modes)
          + (" | concurrent × instant (serial)" if both else "") + " | requests (" + " / ".join(modes) + ") |")
    print("|---|" + "---:|---:|" * len(modes) + ("---:|" if both else "") + "---:|")
    base: dict[str, float] = {}
    for index, (label, variants, faults, habits) in enumerate(WIRE_ROWS):
        if rows is not None and index not in rows and index != 0:
            continue  # the instant row is always run: it is what the others are a ratio to
        walls, sent = {}, {}
        for mode in modes:
            with wire_sandbox(variants=variants, faults=faults) as upstream, tempfile.TemporaryDirectory() as tmp:
                with habit_proxy(upstream, **habits) if habits else nullcontext(upstream) as url:
                    walls[mode], last, sent[mode] = _wire_run(url, tmp, extra + flags[mode])
            if ("failed" in last or "error" in last) and not faults:
                print(f"  ({label}, {mode}: {last})")
        base = base or dict(walls)
        print(f"| {label} | " + " | ".join(f"{walls[m]:.0f} s | {walls[m] / base[m]:.2f}" for m in modes)
              + (f" | {walls[modes[-1]] / base[modes[0]]:.2f}" if both else "")
              + " | " + " / ".join(str(sent[m]) for m in modes) + " |", flush=True)


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
    parser.add_argument("--wire", action="store_true", help="the over-the-wire table: the default run against "
                        "targets with a real server's habits, as ratios to an instant one")
    parser.add_argument("--wire-select", metavar="EXPR", help="-k expression narrowing the --wire runs")
    parser.add_argument("--wire-mode", default="serial,concurrent", help="--wire modes: serial, concurrent or both")
    parser.add_argument("--wire-rows", help="comma-separated --wire rows (0-based), the instant row always runs")
    parser.add_argument("--mutants", metavar="BUDGETS",
                        help="comma-separated request budgets (`floor`, `0` = none) to run every mutant at")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    if not args.skip_suite:
        default_run()
    if args.wire:
        modes = [m for m in ("serial", "concurrent") if m in args.wire_mode.split(",")] or ["concurrent"]
        rows = [int(r) for r in args.wire_rows.split(",")] if args.wire_rows else None
        wire_table(args.wire_select, modes, rows)
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
