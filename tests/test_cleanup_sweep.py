"""An interrupted run leaves a ledger; `pytest --cleanup-only` sweeps it clean.

DEVELOPERS.md: "Whatever the suite creates on a target, it deletes, even when a test fails or
the run is interrupted." The run is killed with SIGKILL (no teardown can run) against
`python -m sandbox` on loopback; what remains is counted through the filter operation.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conformance.ledger import read_outstanding
from tests.wire import PROFILE, REPO, count_trips, wire_sandbox


def _outstanding(ledger_dir, url) -> int:
    return len(read_outstanding(ledger_dir, url)) if ledger_dir.exists() else 0


def test_killed_run_is_swept(tmp_path):
    ledger_dir = tmp_path / "ledger"
    env = {**os.environ, "PND_LEDGER_DIR": str(ledger_dir)}
    with wire_sandbox() as url:
        baseline = count_trips(url)
        args = ["--target-url", url, "--target-profile", str(PROFILE), "-p", "no:cacheprovider"]
        run = subprocess.Popen([sys.executable, "-m", "pytest", "conformance/test_lifecycle.py", "-q",
                                "--hypothesis-profile", "thorough", *args],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            # Kill once the run has recorded appointments *and* trips of its own are visible: the
            # lifecycle also removes trips (update's delete-trip scenario), so either alone can be 0.
            while ((_outstanding(ledger_dir, url) < 3 or count_trips(url) <= baseline)
                   and time.monotonic() < deadline and run.poll() is None):
                time.sleep(0.05)
        finally:
            run.send_signal(signal.SIGKILL)
            run.wait()
        assert _outstanding(ledger_dir, url) >= 3, "the run was killed before creating anything"
        assert count_trips(url) > baseline, "the killed run left data, as an interrupted run would"

        sweep = subprocess.run([sys.executable, "-m", "pytest", "--cleanup-only", *args], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=120)
        assert sweep.returncode == 0, sweep.stdout + sweep.stderr
        assert "appointment(s) deleted" in sweep.stdout
        assert count_trips(url) == baseline, "after the sweep nothing the suite created remains"
        assert not list(ledger_dir.glob("run-*.jsonl")), "a clean sweep removes the ledger files"
