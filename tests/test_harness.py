"""Self-tests of the harness: configuration errors, redaction, reproduction commands, triggers.

DEVELOPERS.md: "Bad input to the suite ... gets a clear one-line error"; "Credentials never
appear in output, reports, attachments or reproduction commands".
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pnd_conformance.http.client import Exchange
from pnd_conformance.http.redaction import MASK, Redactor
from pnd_conformance.settings import DEFAULT_PROFILE, ConfigError, resolve
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.spec.catalogue import Trigger
from pnd_conformance.strategies.triggers import apply

SANDBOX = yaml.safe_load(DEFAULT_PROFILE.read_text())


def _profile(tmp_path: Path, **changes) -> Path:
    data = json.loads(json.dumps(SANDBOX))
    for key, value in changes.items():
        data[key] = value
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_default_is_in_process_sandbox():
    s = resolve({})
    assert s.in_process and s.profile.name == "sandbox"
    assert s.credential("full").username == "pnd-full-client"


@pytest.mark.parametrize("cli, message", [
    ({"target_profile": "/nonexistent/profile.yaml"}, "target profile not found"),
    ({"target_url": "ftp://x", "target_profile": str(DEFAULT_PROFILE)}, "must be an http(s) URL"),
    ({"target_url": "http://127.0.0.1:9"}, "needs a --target-profile"),
    ({"timeout": "soon"}, "invalid setting timeout"),
    ({"target_url": "http://127.0.0.1:9", "target_profile": str(DEFAULT_PROFILE), "sandbox_faults": "x"},
     "applies only to the in-process sandbox"),
])
def test_configuration_errors_are_one_line(cli, message):
    with pytest.raises(ConfigError) as err:
        resolve(cli)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_malformed_profile(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("identities: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        resolve({"target_profile": str(bad)})
    missing = _profile(tmp_path, identities={"dealer_uuid": "x"})
    with pytest.raises(ConfigError, match="identities.department_uuid"):
        resolve({"target_profile": str(missing)})


def test_literal_passwords_refused_for_real_targets(tmp_path):
    with pytest.raises(ConfigError, match="literal passwords"):
        resolve({"target_url": "https://staging.example.test", "target_profile": str(DEFAULT_PROFILE)})


def test_credentials_from_environment(tmp_path, monkeypatch):
    creds = {"full": {"username": "u", "password_env": "PND_TEST_FULL_PW"}}
    path = _profile(tmp_path, credentials=creds)
    with pytest.raises(ConfigError, match="PND_TEST_FULL_PW"):
        resolve({"target_url": "https://staging.example.test", "target_profile": str(path)})
    monkeypatch.setenv("PND_TEST_FULL_PW", "s3cret-from-env")
    s = resolve({"target_url": "https://staging.example.test", "target_profile": str(path)})
    assert s.credential("full").basic() == ("u", "s3cret-from-env")
    assert "s3cret-from-env" not in json.dumps(s.describe())
    assert "s3cret-from-env" not in repr(s)


def test_environment_overrides_profile(monkeypatch):
    monkeypatch.setenv("PND_TIMEOUT", "3.5")
    assert resolve({}).timeout == 3.5
    assert resolve({"timeout": 7}).timeout == 7


def test_redactor_masks_password_token_and_headers():
    r = Redactor()
    r.add_basic("user", "hunter2-password")
    text = "Authorization: Basic dXNlcjpodW50ZXIyLXBhc3N3b3Jk and hunter2-password"
    out = r.redact(text)
    assert "hunter2-password" not in out and "dXNlcjpodW50ZXIyLXBhc3N3b3Jk" not in out and MASK in out
    assert r.redact("authorization: Basic Zm9vOmJhcg==") == f"authorization: Basic {MASK}"
    assert r.redact_headers({"Authorization": "Basic abc", "X": "y"}) == {"Authorization": MASK, "X": "y"}


def test_curl_has_no_secret():
    ex = Exchange(operation="create", method="POST", url="http://h/appointment", client_name="full",
                  request_headers={"Content-Type": "application/json", "Authorization": MASK},
                  request_body='{"a": 1}', status=400, response_headers={}, response_text="{}",
                  truncated=False, elapsed_ms=1.0, password_env="STAGING_PW", username="client")
    cmd = ex.curl()
    assert '-u "client:${STAGING_PW}"' in cmd and "--data-raw" in cmd and "Authorization" not in cmd


def test_trigger_operations():
    ctx = Ctx({"unknown_uuid": "U", "driver_uuids": ["D0", "D1"]}, state={"sar_uuid": "S"})
    req = {"path": {"dealerUuid": "d"}, "query": {}, "body": {"a": {"b": 1, "c": 2}, "l": ["x"]}}
    out = apply(req, Trigger(remove=["body.a.b", "body.missing.x"],
                             set={"body.a.d": "${unknown_uuid}", "body.l.1": "${driver_uuids.1}",
                                  "path.sarUUID": "${state.sar_uuid}", "body.n.m": "${driver_uuids}"}), ctx)
    assert out["body"]["a"] == {"c": 2, "d": "U"} and out["body"]["l"] == ["x", "D1"]
    assert out["path"]["sarUUID"] == "S" and out["body"]["n"]["m"] == ["D0", "D1"]
    assert req["body"]["a"]["b"] == 1, "the valid request is not modified"


def test_load_bounds_default_safe_for_remote_targets(tmp_path, monkeypatch):
    """Issue: a rate limit and a concurrency cap, safe by default for shared staging."""
    creds = {"full": {"username": "u", "password_env": "PND_TEST_FULL_PW"}}
    monkeypatch.setenv("PND_TEST_FULL_PW", "pw")
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)  # as in a run without -n
    path = str(_profile(tmp_path, credentials=creds))
    remote = resolve({"target_url": "https://staging.example.test", "target_profile": path})
    assert remote.rate_per_process == 20.0 and remote.max_concurrency == 4
    assert resolve({}).rate_per_process == 0.0  # the in-process sandbox is not throttled
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    split = resolve({"target_url": "https://staging.example.test", "target_profile": path, "rate_limit": 10})
    assert split.rate_per_process == 5.0  # the run's limit is shared by its workers
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "8")
    with pytest.raises(ConfigError, match="max-concurrency"):
        resolve({"target_url": "https://staging.example.test", "target_profile": path})
