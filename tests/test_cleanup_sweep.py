"""A run killed at any instant leaves nothing after `pytest --cleanup-only`, and the sweep never
touches what others made.

DEVELOPERS.md: "whatever the suite creates it finds and deletes, even after a kill at any
instant", on a shared staging server (docs/running.md "Safe on a shared staging server"). Over the wire
(`python -m pnd_conformance.sandbox` on loopback, tests/wire.py); what remains is counted through the filter
operation (filter-trips.txt), the way a user would see it.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import httpx

from pnd_conformance.http.client import Target
from pnd_conformance.target.ledger import Ledger
from pnd_conformance.settings import resolve
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import create_body
from tests.wire import FULL, IDS, PROFILE, REPO, count_trips, wire_sandbox

KILLS = 3
# Where in a run the kills land: after its first ledger line (its first create is about to be
# sent), within this many seconds: the run is then creating, updating and deleting on two workers.
KILL_WITHIN_S = 6.0
CTX = Ctx(IDS, "-0700")


def _create(url: str, when: datetime, customer: str | None = None) -> str:
    """An appointment made by someone else (not through the suite): its SAR UUID."""
    r = httpx.post(f"{url}/appointment/v2/dealers/{IDS['dealer_uuid']}/partner-appointments-with-trip",
                   auth=(FULL["username"], FULL["password"]), json=create_body(CTX, when=when, customer=customer),
                   timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["appointmentUUID"]


def _exists(url: str, sar: str) -> bool:
    """get-trips lists the appointment's trips (get-partner-trips-for-appointment.txt)."""
    r = httpx.get(f"{url}/appointment/v2/dealers/{IDS['dealer_uuid']}/partner-appointments-with-trip/{sar}/trips",
                  auth=(FULL["username"], FULL["password"]), timeout=10)
    return r.status_code == 200 and bool(r.json().get("tripViewDtos"))


def _others(url: str) -> dict[str, str]:
    """Other people's appointments for the same dealer, department and customer, at times the
    suite books too (strategies/fixed.py's first slots and the drawn range's first day)."""
    base = datetime(2029, 3, 5, 8, 0, 0)
    return {f"{label} at {when}": _create(url, when, customer)
            for label, when, customer in [("same customer", base, None),
                                          ("same customer", base + timedelta(minutes=15), None),
                                          ("same customer", datetime(2031, 1, 6, 8, 0, 0), None),
                                          ("other customer", base + timedelta(minutes=30), IDS["other_customer_uuid"])]}


def _sweep(url: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "--cleanup-only", "--target-url", url,
                           "--target-profile", str(PROFILE), "-p", "no:cacheprovider"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def _ledger_lines(ledger_dir) -> list[dict]:
    lines = []
    for path in sorted(ledger_dir.glob("run-*.jsonl")) if ledger_dir.exists() else []:
        for line in path.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass  # cut short by the kill
    return lines


def test_killed_run_is_swept(tmp_path):
    """xdist run (-n 2) killed with SIGKILL to its whole process group at seeded random instants;
    after each `--cleanup-only` the filter operation counts exactly the others' trips."""
    seed = int(os.environ.get("PND_KILL_SEED") or random.SystemRandom().randrange(2 ** 32))
    rng = random.Random(seed)
    print(f"kill-and-sweep seed: {seed} (rerun with PND_KILL_SEED={seed})")
    ledger_dir = tmp_path / "ledger"
    env = {**os.environ, "PND_LEDGER_DIR": str(ledger_dir)}
    with wire_sandbox() as url:
        others = _others(url)
        baseline = count_trips(url)
        story = []
        for n in range(KILLS):
            delay = rng.uniform(0, KILL_WITHIN_S)
            run = subprocess.Popen([sys.executable, "-m", "pytest", "conformance/suite", "-q", "-n", "2",
                                    "-p", "no:cacheprovider", "--target-url", url, "--target-profile", str(PROFILE)],
                                   cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
            try:
                deadline = time.monotonic() + 120
                while not _ledger_lines(ledger_dir) and run.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert _ledger_lines(ledger_dir), f"seed {seed}: the run wrote no ledger line (exit {run.poll()})"
                time.sleep(delay)
            finally:
                os.killpg(run.pid, signal.SIGKILL)  # the whole group: pytest and its xdist workers
                run.wait()
            left = count_trips(url) - baseline
            sweep = _sweep(url, env)
            after = count_trips(url) - baseline
            story.append(f"kill {n + 1} at +{delay:.2f}s: {left} trip(s) of the run on the target, "
                         f"{sweep.stdout.strip().splitlines()[-1] if sweep.stdout.strip() else '?'}, {after} left")
            assert sweep.returncode == 0, f"seed {seed}: " + sweep.stdout + sweep.stderr
            assert after == 0, f"seed {seed}: orphans after the sweep:\n" + "\n".join(story)
            assert not list(ledger_dir.glob("run-*.jsonl")), f"seed {seed}: a clean sweep removes the ledger files"
        print("\n".join(story))
        gone = [label for label, sar in others.items() if not _exists(url, sar)]
        assert not gone, f"seed {seed}: the sweep deleted others' appointments: {gone}"


def test_sweep_finds_an_unanswered_create_and_spares_others(tmp_path):
    """A create whose answer never reached the ledger (the kill came between the server making
    the appointment and the answer) is found through filter; appointments of others at the same
    instant for the same customer (made before), at nearby times, or for another customer at the
    same instant survive."""
    ledger_dir = tmp_path / "ledger"
    with wire_sandbox() as url:
        when = datetime(2029, 6, 4, 10, 0, 0)
        before = _create(url, when)  # someone else, same customer, same instant, earlier
        # The intent's lower bound on createdDate trails the target's clock by up to 3 s (whole-second
        # Date header, which uvicorn refreshes once a second, and the second taken off): wait past it.
        time.sleep(4)
        settings = resolve({"target_url": url, "target_profile": str(PROFILE)})
        target = Target(settings)
        try:
            target.call("get-trips", path={"dealerUuid": IDS["dealer_uuid"], "sarUUID": IDS["unknown_uuid"]})
            led = Ledger(url, ledger_dir)
            rel = f"/appointment/v2/dealers/{IDS['dealer_uuid']}/partner-appointments-with-trip"
            body = create_body(CTX, when=when)
            led.begin_create(rel, json.dumps(body).encode(), target._server_now())
        finally:
            target.close()
        ours = _create(url, when)  # the suite's create; its answer is lost
        others = {"same customer, same instant, made before the create": before,
                  "same customer, 15 minutes later": _create(url, when + timedelta(minutes=15)),
                  "same customer, 1 minute earlier": _create(url, when - timedelta(minutes=1)),
                  "other customer, same instant": _create(url, when, IDS["other_customer_uuid"])}
        sweep = _sweep(url, {**os.environ, "PND_LEDGER_DIR": str(ledger_dir)})
        assert sweep.returncode == 0, sweep.stdout + sweep.stderr
        assert "cleanup: 1 appointment(s) deleted" in sweep.stdout, sweep.stdout
        assert not _exists(url, ours), "the unanswered create's appointment is deleted"
        gone = [label for label, sar in others.items() if not _exists(url, sar)]
        assert not gone, f"the sweep deleted others' appointments: {gone}"
        assert not list(ledger_dir.glob("run-*.jsonl"))
