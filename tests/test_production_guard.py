"""The production guard: no writing test runs against the documented production host.

The docs' requests all go to https://api.mykaarma.com; the suite refuses to create, update or
delete there unless the user passes --allow-production-writes. Only collection runs here:
these self-tests never send a request to that host.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from tests.wire import PROFILE, REPO

PRODUCTION = "https://api.mykaarma.com"


@pytest.fixture
def env_profile(tmp_path):
    data = yaml.safe_load(PROFILE.read_text())
    data["name"] = "production-like"
    data["credentials"] = {"full": {"username": "partner", "password_env": "PND_GUARD_TEST_PW"}}
    path = tmp_path / "prod.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _collect(profile, *extra):
    env = {**os.environ, "PND_GUARD_TEST_PW": "guard-test-secret"}
    return subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "--target-url", PRODUCTION, "--target-profile", str(profile),
                           *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_writes_refused_against_production(env_profile):
    proc = _collect(env_profile)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out  # pytest's usage-error exit code
    assert "refusing to run" in out and "api.mykaarma.com" in out and "--allow-production-writes" in out
    assert "Traceback" not in out and "guard-test-secret" not in out


def test_readonly_selection_allowed(env_profile):
    proc = _collect(env_profile, "-m", "readonly")
    assert proc.returncode in (0, 5), proc.stdout + proc.stderr  # 5: nothing read-only selected yet


def test_explicit_option_allows_writes(env_profile):
    proc = _collect(env_profile, "--allow-production-writes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "refusing" not in proc.stdout
