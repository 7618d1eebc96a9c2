"""The suite against misbehaving targets: clear failures or errors, never an internal traceback.

DEVELOPERS.md: "Bad input to the suite (... an unreachable or misbehaving target, a garbage
response) gets a clear one-line error or a clear test failure, never a traceback from our
own code." Each run is pytest in a subprocess, as a user would run it, on a few rules.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.fault_servers import MODES, closed_port, fault_server, reset_every_other_connection
from tests.wire import wire_sandbox

REPO = Path(__file__).resolve().parent.parent
PROFILE = REPO / "profiles" / "sandbox.yaml"
# A handful of rules over read and write operations is enough to see each failure path.
SELECTION = "get-trips or filter or create"
INTERNAL = re.compile(r"Traceback \(most recent call last\)|^(?:conformance|strategies|spec)/\S+\.py:\d+: in ",
                      re.M)


def run_suite(url: str, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    # The ledger of what the run creates goes to a temporary directory, never the user's reports/.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PND_LEDGER_DIR": tempfile.mkdtemp(prefix="pnd-ledger-")}
    env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/suite/test_rules.py", "-q", "-p", "no:cacheprovider",
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


@pytest.mark.parametrize("mode", sorted(set(MODES) - {"slow", "throttled"}))  # throttled: test_variants_settle.py
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


def test_target_resetting_every_other_connection_gets_errors_not_tracebacks(tmp_path):
    """Seen: a target resetting some connections turned a rule into Hypothesis' "Inconsistent
    results from replaying a test case!" with a long traceback. A network fault is one error per test
    (environment, not non-conformance) naming the operation, each attempt and a redacted curl."""
    with wire_sandbox() as upstream, reset_every_other_connection(upstream) as url:
        proc = run_suite(url, "-k", "update-event-request-wrong-type or get-trips/", "--reports-dir", str(tmp_path))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert not INTERNAL.search(out), out
    for noise in ("Flaky", "Inconsistent", "ExceptionGroup", "httpcore", "hypothesis/"):
        assert noise not in out, f"{noise!r} in the output:\n{out}"
    assert not re.search(r"^E\s", out, re.M), f"a traceback in the output:\n{out}"
    matrix = json.loads((tmp_path / "conformance.json").read_text())
    outcomes = {r["rule"]: r["outcome"] for r in matrix["rules"] if r["outcome"] != "not run"}
    assert outcomes["update-event-request-wrong-type"] == "error", outcomes
    assert "fail" not in outcomes.values(), outcomes  # never a verdict on the target
    errors = list(re.finditer(r"HARNESS/NETWORK ERROR: (\S+): (.*)\n(\d+) attempt\(s\)[^\n]*: attempt 1: "
                              r"([^\n]+)\nreproduce: (curl [^\n]+)", out))
    assert errors, out
    credentials = yaml.safe_load(PROFILE.read_text())["credentials"]
    passwords = [c["password"] for c in credentials.values() if "password" in c]
    for error in errors:
        operation, _, _, first, curl = error.groups()
        assert operation in ("create", "update", "get-trips", "delete", "filter") and "Error" in first, out
        assert not any(p in curl for p in passwords), curl
        # Workers share the resets, so which request meets one varies: an auth rule's own request sends its
        # own credential (another client's variable, PND_CUSTOM_PASSWORD for a wrong password, or none);
        # every other request is the full client's.
        test = re.findall(r"^_+ (?:ERROR at \w+ of )?(test_\w+)\[", out[:error.start()], re.M)[-1]
        if test == "test_auth":
            assert re.search(r'-u "[^":]+:\$\{PND_[A-Z0-9_]+_PASSWORD\}"', curl) or " -u " not in curl, curl
        else:
            assert f'-u "{credentials["full"]["username"]}:${{PND_FULL_PASSWORD}}"' in curl, curl
