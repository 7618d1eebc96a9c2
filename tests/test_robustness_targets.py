"""The suite against misbehaving targets: clear failures or errors, never an internal traceback.

DEVELOPERS.md: "Bad input to the suite (... an unreachable or misbehaving target, a garbage
response) gets a clear one-line error or a clear test failure, never a traceback from our
own code." Each run is pytest in a subprocess, as a user would run it, on a few rules.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fault_servers import MODES, closed_port, fault_server

REPO = Path(__file__).resolve().parent.parent
PROFILE = REPO / "profiles" / "sandbox.yaml"
# A handful of rules over read and write operations is enough to see each failure path.
SELECTION = "get-trips or filter or create"
INTERNAL = re.compile(r"Traceback \(most recent call last\)|^(?:conformance|strategies|spec)/\S+\.py:\d+: in ",
                      re.M)


def run_suite(url: str, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/test_rules.py", "-q", "-p", "no:cacheprovider",
         "--target-url", url, "--target-profile", str(PROFILE), "--request-timeout", "1",
         "--hypothesis-profile", "ci", "-o", "addopts=", *extra],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)


def test_unreachable_target_is_one_line_error():
    proc = run_suite(closed_port(), "-k", "get-trips")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 3, out
    lines = [line for line in out.splitlines() if "target unreachable" in line]
    assert lines and "cannot connect" in lines[0], out
    assert not INTERNAL.search(out), out


@pytest.mark.parametrize("mode", sorted(set(MODES) - {"slow"}))
def test_misbehaving_target_gives_clear_failures(mode):
    with fault_server(mode) as url:
        proc = run_suite(url, "-k", SELECTION, "--maxfail", "4")
    out = proc.stdout + proc.stderr
    assert proc.returncode in (1, 3), out  # failures (or a harness error at the probe), never a crash
    assert not INTERNAL.search(out), f"internal traceback for {mode}:\n{out}"
    if proc.returncode == 1:
        # Every failure names the operation and what was received, or is a harness error.
        assert re.search(r"(create|update|get-trips|delete|filter): (received HTTP|cannot connect|no answer|"
                         r"\w+Error talking to)", out), out
        assert "failed" in out


def test_slow_target_times_out_as_error():
    with fault_server("slow") as url:
        proc = run_suite(url, "-k", "get-trips")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 3 and "no answer" in out and "within 1.0s" in out, out
    assert not INTERNAL.search(out), out
