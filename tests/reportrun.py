"""Running the suite as a user would (a pytest subprocess) for the report self-tests.

One small run is shared by the report tests of a session: the get-trips rules, get-trips's
Schemathesis checks and the two runs across all operations (SELECTION), against the in-process
sandbox, with a temporary profile whose `full` password comes from the environment (as for a
real target) and whose `no_scopes` client carries a unique secret that the sandbox does not
know (so those requests are refused and their tests fail, putting the failure paths of every
report to work). Reports go to a temporary directory, never to the user's reports/.
"""
from __future__ import annotations

import atexit
import base64
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pnd_conformance.settings import Settings
from tests.outputs import suite_env

REPO = Path(__file__).resolve().parent.parent
SANDBOX_PROFILE = yaml.safe_load((REPO / "profiles" / "sandbox.yaml").read_text(encoding="utf-8"))
CHROMIUM = Path(os.environ.get("PND_CHROMIUM", "/usr/bin/chromium"))
ALLURE = REPO / "node_modules" / ".bin" / "allure"
# The get-trips rules and its Schemathesis checks, plus the two runs across all operations: both
# kinds of test (catalogue rules and the rest) reach every report.
SELECTION = "get-trips or test_lifecycle_state_machine or test_stateful_links"
# A credential that exists nowhere else: if it shows up in any output, the suite leaked it.
SECRET = f"pnd-selftest-{uuid.uuid4().hex}"
SECRET_CLIENT = "no_scopes"
# The shared run's failures: a sandbox fault breaking a get-trips rule (tests/mutants.yaml names it).
SHARED_RUN_FAULT = "get-trips-wrong-code-sar"
# Environment that would change what the subprocess run does (the user's target, reports, options).
RUN_SETTINGS_ENV = {f"PND_{name.upper()}" for name in Settings.model_fields} | {
    "PND_REPORTS_DIR", "PND_DOCS_URL", "PND_SANDBOX_FAULTS", "PYTEST_ADDOPTS"}


def require(path: Path, hint: str) -> None:
    """A tool the report self-tests need: missing is a skip locally, a failure in CI."""
    if path.exists():
        return
    message = f"{path} is missing: {hint}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def known_secrets() -> dict[str, str]:
    """Every credential in play, and the forms it could leak in (Basic token, with and without padding)."""
    secrets = {}
    creds = {name: (c["username"], c["password"]) for name, c in SANDBOX_PROFILE["credentials"].items()}
    creds[SECRET_CLIENT] = (creds[SECRET_CLIENT][0], SECRET)
    for name, (user, password) in creds.items():
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        secrets[f"{name} password"] = password
        secrets[f"{name} Basic token"] = token.rstrip("=")
        secrets[f"{name} password, base64"] = base64.b64encode(password.encode()).decode().rstrip("=")
    return secrets


@dataclass
class SuiteRun:
    root: Path
    reports: Path
    returncode: int
    output: str           # everything the user sees on the terminal

    @property
    def html(self) -> Path:
        return self.reports / "html" / "index.html"

    @property
    def allure_results(self) -> Path:
        return self.reports / "allure-results"


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    """The caller's environment without what would change the run, and the self-test session's own places for
    the reports and the cleanup ledger of a run whose command names none (never the user's reports/)."""
    return {**{k: v for k, v in os.environ.items() if k not in RUN_SETTINGS_ENV}, **suite_env(), **(extra or {})}


def run_suite(root: Path, *args: str, env: dict[str, str] | None = None,
              timeout: float = 240) -> subprocess.CompletedProcess:
    """`python -m pytest conformance ...` from the repository, the matrix under `root`/reports."""
    cmd = [sys.executable, "-m", "pytest", "conformance/suite", "--reports-dir", str(root / "reports"),
           "--hypothesis-profile", "ci", "-p", "no:xdist", *args]
    return subprocess.run(cmd, cwd=REPO, env=_env(env), capture_output=True, text=True, timeout=timeout)


@functools.cache
def sandbox_run() -> SuiteRun:
    """The shared run, as `make conformance` does it (`python -m pnd_conformance`): suite + all reports."""
    root = Path(tempfile.mkdtemp(prefix="pnd-report-selftest-"))
    atexit.register(shutil.rmtree, root, True)
    reports = root / "reports"
    profile = {k: v for k, v in SANDBOX_PROFILE.items() if k != "base_url"}  # no base_url: in-process
    profile["name"] = "selftest"
    creds = profile["credentials"] = {k: dict(v) for k, v in SANDBOX_PROFILE["credentials"].items()}
    creds["full"] = {"username": creds["full"]["username"], "password_env": "PND_SELFTEST_FULL_PASSWORD"}
    creds[SECRET_CLIENT] = {"username": creds[SECRET_CLIENT]["username"], "password_env": "PND_SELFTEST_SECRET"}
    profile_path = root / "selftest-profile.yaml"
    profile_path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    env = {"PND_SELFTEST_FULL_PASSWORD": SANDBOX_PROFILE["credentials"]["full"]["password"],
           "PND_SELFTEST_SECRET": SECRET}
    cmd = [sys.executable, "-m", "pnd_conformance", "--reports-dir", str(reports), "-k", SELECTION,
           "--target-profile", str(profile_path), "--hypothesis-profile", "ci", "-p", "no:xdist",
           "--sandbox-faults", SHARED_RUN_FAULT,
           # as much output as pytest can give: every outcome, long tracebacks with local variables
           "-rA", "-vv", "--tb=long", "--showlocals"]
    proc = subprocess.run(cmd, cwd=REPO, env=_env(env), capture_output=True, text=True, timeout=300)
    return SuiteRun(root, reports, proc.returncode, proc.stdout + "\n" + proc.stderr)
