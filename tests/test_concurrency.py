"""Over the wire the suite runs --max-concurrency xdist workers by default (README "Running against a real
target"): the same verdicts and report rows as a serial run, the request budget still a ceiling for the whole
run, and what the run created deleted, also after a kill (`--cleanup-only`)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.wire import PROFILE, REPO, count_trips, counting_proxy, wire_sandbox

SELECT = ("-k", "get-trips/ or delete/")


def _env(ledger: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PND_") and k not in ("CI", "PYTEST_ADDOPTS")}
    return {**env, "PND_LEDGER_DIR": str(ledger)}


def _cmd(url: str, reports: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "conformance/suite", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-o", "addopts=", "--hypothesis-profile", "ci", "--target-url", url, "--target-profile", str(PROFILE),
            "--reports-dir", str(reports), *SELECT, *extra]


def _run(url: str, tmp: Path, name: str, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run(_cmd(url, tmp / name, *extra), cwd=REPO, env=_env(tmp / "ledger"), capture_output=True,
                          text=True, timeout=600)
    path = tmp / name / "conformance.json"
    return proc, json.loads(path.read_text()) if path.exists() else {}


def _rows(matrix: dict) -> list[tuple]:
    return [(r["rule"], r["outcome"], r["detail"], tuple(r["tests"])) for r in matrix["rules"]]


def test_over_the_wire_runs_on_workers_with_the_serial_verdicts(tmp_path):
    """No -n: --max-concurrency (4) workers; --max-concurrency 1: one process. Same rows, same order, nothing left
    on the target, every request counted (the counting proxy saw what the run says it sent)."""
    with wire_sandbox() as upstream, counting_proxy(upstream) as (url, counted):
        baseline = count_trips(upstream)
        before = len(counted)
        concurrent, cm = _run(url, tmp_path, "concurrent")
        received = len(counted) - before
        serial, sm = _run(url, tmp_path, "serial", "--max-concurrency", "1")
        left = count_trips(upstream) - baseline
    assert concurrent.returncode == 0, concurrent.stdout[-3000:] + concurrent.stderr[-2000:]
    assert serial.returncode == 0, serial.stdout[-3000:] + serial.stderr[-2000:]
    assert re.search(r"\b4 workers \[\d+ items\]", concurrent.stdout), concurrent.stdout[:2000]
    assert "workers" not in serial.stdout.split("=== requests ===")[0], serial.stdout[:2000]
    assert _rows(cm) == _rows(sm) and [r["outcome"] for r in cm["rules"]].count("pass") > 20
    assert list(cm["requests"]["by_rule"]) == list(sm["requests"]["by_rule"])  # one order, however spread
    assert abs(cm["requests"]["total"] - sm["requests"]["total"]) <= 10, (cm["requests"], sm["requests"])
    assert cm["requests"]["total"] + cm["requests"]["cleanup"] == received
    assert left == 0, f"{left} trip(s) of the runs left on the target"
    assert not list((tmp_path / "ledger").glob("run-*.jsonl")), "a clean run leaves no ledger"


def test_a_settling_target_gets_pooled_appointments_and_keeps_nothing(tmp_path):
    """Trips valid only a moment after the create (variant valid-after-delay): the workers' state pools make
    appointments ahead (conformance/target/prepared_states.py). The verdicts stay those of the documents, every
    request sent is counted (made ahead or not), and the run leaves nothing: what no test took is swept."""
    with wire_sandbox(variants="valid-after-delay") as upstream, counting_proxy(upstream) as (url, counted):
        baseline = count_trips(upstream)
        before = len(counted)
        proc, matrix = _run(url, tmp_path, "settling")
        received = len(counted) - before
        left = count_trips(upstream) - baseline
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    requests = matrix["requests"]
    assert requests["total"] + requests["cleanup"] == received, (requests, received)
    assert left == 0, f"{left} trip(s) of the run left on the target"
    assert not list((tmp_path / "ledger").glob("run-*.jsonl")), "a clean run leaves no ledger"


def test_budget_is_a_ceiling_for_all_workers(tmp_path):
    """At the selection's floor as the budget, the workers together send no more than it."""
    with wire_sandbox(variants="valid-after-delay") as upstream, counting_proxy(upstream) as (url, counted):
        probe, _ = _run(url, tmp_path, "probe", "--request-budget", "1")
        floor = int(re.search(r"below the floor of (\d+) requests", probe.stdout + probe.stderr).group(1))
        before = len(counted)
        proc, matrix = _run(url, tmp_path, "floor", "--request-budget", str(floor))
        received = len(counted) - before
    requests = matrix["requests"]
    assert re.search(r"\b4 workers \[\d+ items\]", proc.stdout), proc.stdout[:2000]
    assert requests["total"] <= floor and received == requests["total"] + requests["cleanup"], (requests, received)


@pytest.mark.parametrize("variants", ["", "valid-after-delay"])
def test_killed_concurrent_run_is_swept(tmp_path, variants):
    """A default (concurrent) run killed with SIGKILL, workers and all, while it writes (against a settling target,
    with appointments made ahead in the pools): `--cleanup-only` then leaves nothing of it on the target."""
    ledger = tmp_path / "ledger"
    with wire_sandbox(variants=variants) as url:
        baseline = count_trips(url)
        run = subprocess.Popen(_cmd(url, tmp_path / "killed"), cwd=REPO, env=_env(ledger),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while run.poll() is None and time.monotonic() < deadline and \
                    sum(len(p.read_text().splitlines()) for p in ledger.glob("run-*.jsonl")) < 8:
                time.sleep(0.05)  # several workers' creates under way
        finally:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        assert list(ledger.glob("run-*.jsonl")), "the run wrote no ledger before it was killed"
        sweep = subprocess.run([sys.executable, "-m", "pytest", "--cleanup-only", "--target-url", url,
                                "--target-profile", str(PROFILE), "-p", "no:cacheprovider"], cwd=REPO,
                               env=_env(ledger), capture_output=True, text=True, timeout=120)
        left = count_trips(url) - baseline
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    assert left == 0, f"{left} trip(s) left after the sweep: {sweep.stdout}"
