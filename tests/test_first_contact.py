"""First contact with a real target: a user's mistake is one clear line and an exit code, never a
verdict against the API, never a traceback, never a silent green.

DEVELOPERS.md: "A user's mistake is not the API's fault: one line naming the fix and an exit code, before the
target is loaded; never a rule marked non-conformant for it, never a traceback, never a silent green." and
"the request budget is a ceiling". Each run is the suite as a user runs it, over the wire against
`python -m pnd_conformance.sandbox`, with a profile written as for staging (every secret from `password_env`),
behind a proxy that counts what reaches the target.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.wire import PROFILE, REPO, counting_proxy, wire_sandbox
from pnd_conformance.spec.catalogue import load_rules

INTERNAL = re.compile(r"Traceback \(most recent call last\)|^E\s|shrinker\.py|hypothesis/", re.M)
SECRETS = {name: ref["password"] for name, ref in yaml.safe_load(PROFILE.read_text())["credentials"].items()}
CREATE = "POST /appointment/v2/dealers/"


def staging_profile(tmp: Path, name: str = "staging", clients=None, drop=(), **identities) -> Path:
    """profiles/sandbox.yaml as a user copies it for staging: every password from PND_<CLIENT>_PASSWORD."""
    data = yaml.safe_load(PROFILE.read_text())
    data["name"] = name
    data["credentials"] = {n: {"username": ref["username"], "password_env": f"PND_{n.upper()}_PASSWORD"}
                           for n, ref in data["credentials"].items() if clients is None or n in clients}
    data["identities"].update(identities)
    for key in drop:
        data["identities"].pop(key)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def secrets_env(**wrong: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PND_") and k != "CI"}
    env.update({f"PND_{n.upper()}_PASSWORD": wrong.get(n, pw) for n, pw in SECRETS.items()})
    return env


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, seconds: float, requests: int, reports: Path) -> None:
        self.code, self.seconds, self.requests, self.reports = proc.returncode, seconds, requests, reports
        self.out = proc.stdout + proc.stderr
        self.lines = self.out.splitlines()

    def matrix(self) -> dict:
        return json.loads((self.reports / "conformance.json").read_text())


def run_suite(url: str, counted, profile: Path, tmp: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    reports = tmp / f"reports-{profile.stem}"
    env = {**(env or secrets_env()), "PND_LEDGER_DIR": str(tmp / "ledger")}
    before = len(counted)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "-o", "addopts=", "--hypothesis-profile", "ci",
                           "--target-url", url, "--target-profile", str(profile), "--reports-dir", str(reports),
                           *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    return Run(proc, time.perf_counter() - start, len(counted) - before, reports)


@pytest.fixture(scope="module")
def target():
    with wire_sandbox() as upstream, counting_proxy(upstream) as (url, counted):
        yield url, counted


def assert_clean(run: Run) -> None:
    assert not INTERNAL.search(run.out), f"a traceback reached the user:\n{run.out}"
    for secret in SECRETS.values():
        assert secret not in run.out


def test_wrong_full_password_is_one_line_and_exit_4(target, tmp_path):
    url, counted = target
    run = run_suite(url, counted, staging_profile(tmp_path), tmp_path, env=secrets_env(full="not-the-password"))
    assert run.code == 4, run.out
    errors = [line for line in run.lines if line.startswith("ERROR:")]
    assert errors == ["ERROR: client 'full' was refused by the target (HTTP 401 UNAUTHORIZED): "
                      "check PND_FULL_PASSWORD"], run.out
    assert run.requests <= 10, counted.requests[-run.requests:]  # a handful of reads, no test
    assert "passed" not in run.out and "failed" not in run.out and "pnd-conformance summary" not in run.out
    assert len(run.lines) <= 12, run.out
    assert_clean(run)


def no_test_ran(run) -> bool:
    """Nothing ran past the preflight: pytest counts no test outcome (in one process it says "no tests ran";
    under the workers of a run over the wire the controller stops before any is scheduled)."""
    return not re.search(r"\b\d+ (passed|failed|errors?|skipped)\b", run.out)


def test_wrong_identities_are_named_all_at_once(target, tmp_path):
    url, counted = target
    profile = staging_profile(tmp_path, dealer_uuid="0" * 32, other_dealer_uuid="1" * 32)
    run = run_suite(url, counted, profile, tmp_path)
    assert run.code == 4, run.out
    errors = [line for line in run.lines if line.startswith("ERROR:")]
    assert len(errors) == 2, run.out
    assert "identities.dealer_uuid" in errors[0] and "INVALID_DEALER_UUID" in errors[0], errors
    assert "identities.other_dealer_uuid" in errors[1] and "INVALID_DEALER_UUID" in errors[1], errors
    assert run.requests <= 10 and no_test_ran(run), run.out
    assert_clean(run)


def test_profile_missing_several_fields_reports_each(target, tmp_path):
    url, counted = target
    profile = staging_profile(tmp_path, drop=("customer_uuid", "creator_user_uuid", "unknown_uuid"))
    run = run_suite(url, counted, profile, tmp_path)
    assert run.code == 4, run.out
    errors = [line for line in run.lines if line.startswith("ERROR:")]
    assert [e.rsplit(": ", 2)[1] for e in errors] == ["identities.customer_uuid", "identities.creator_user_uuid",
                                                      "identities.unknown_uuid"], run.out
    assert all(e.endswith("Field required") for e in errors) and run.requests == 0, run.out
    assert_clean(run)


def test_refused_client_skips_its_tests_and_says_why(target, tmp_path):
    url, counted = target
    run = run_suite(url, counted, staging_profile(tmp_path), tmp_path, "-k", "get-trips",
                    env=secrets_env(read_only="not-the-password"))
    assert run.code == 0, run.out
    line = next((x for x in run.lines if x.startswith("not checked")), "")
    assert "client 'read_only' was refused by the target (HTTP 401" in run.out and "PND_READ_ONLY_PASSWORD" in line, \
        run.out
    rows = {r["rule"]: r for r in run.matrix()["rules"]}
    assert rows["get-trips-read-only-client-allowed"]["outcome"] == "skipped" if \
        "get-trips-read-only-client-allowed" in rows else True
    assert_clean(run)


def test_only_the_full_client_is_never_a_silent_green(target, tmp_path):
    url, counted = target
    profile = staging_profile(tmp_path, clients=("full",))
    run = run_suite(url, counted, profile, tmp_path, "-k", "auth", "--require-complete")
    assert run.code == 6, run.out
    summary = run.out[run.out.index("pnd-conformance summary"):]
    assert "FAIL, exit code 6" in summary, summary
    assert re.search(r"rule\(s\) skipped: the target profile provides no '…' client: .*no_scopes \d+", summary), summary
    assert run.matrix()["not_checked"]["skipped"], run.matrix()["not_checked"]
    assert_clean(run)


# Over the wire a run has --max-concurrency (4) workers by default: the stop is judged where their reports meet,
# in the order they arrive, so the tests other workers ran meanwhile are reported too (how many depends on timing).
# The exact counts are those of a serial run (--max-concurrency 1); under workers, most tests still did not run.
MODES = {"serial": ("--max-concurrency", "1"), "workers": ()}


def stopped_early(outcomes: list[str]) -> bool:
    return outcomes.count("not run") > len(outcomes) / 2


@pytest.mark.parametrize("mode", MODES)
def test_setup_refused_is_an_error_and_stops_the_run(tmp_path, mode):
    with wire_sandbox() as upstream, counting_proxy(upstream, refuse=CREATE) as (url, counted):
        run = run_suite(url, counted, staging_profile(tmp_path), tmp_path, "-k", "get-trips or delete", *MODES[mode])
    assert run.code == 1, run.out
    setup = [line for line in run.lines if "SETUP ERROR: setup refused" in line]
    assert setup and all("HTTP 400 INVALID_CREATE_EVENT_REQUEST" in line for line in setup), run.out
    assert "the target refused the setup of 3 tests in a row" in run.out, run.out
    assert "stopped early: the target refused the setup" in run.out, run.out  # the gate line says why
    outcomes = [r["outcome"] for r in run.matrix()["rules"]]
    assert "fail" not in outcomes and outcomes.count("error") >= 3 and stopped_early(outcomes), outcomes
    if mode == "serial":  # never a verdict on a rule, and no shrinking
        assert outcomes.count("error") == 3, outcomes
        assert sum(1 for r in counted.requests if r.startswith(CREATE)) <= 4, counted.requests
    assert "Falsifying example" not in run.out, run.out
    assert_clean(run)


@pytest.mark.parametrize("mode", MODES)
def test_valid_creates_refused_alike_stop_the_run(tmp_path, mode):
    """A target refusing every valid create the same way (as it would a customer it does not know): three
    verdicts, then one line, not 200 failures."""
    with wire_sandbox() as upstream, counting_proxy(upstream, refuse=CREATE) as (url, counted):
        run = run_suite(url, counted, staging_profile(tmp_path), tmp_path, *MODES[mode])
    assert run.code == 1, run.out
    assert "the target refused the valid request of 3 acceptance tests in a row (create answered HTTP 400 " \
           "INVALID_CREATE_EVENT_REQUEST)" in run.out, run.out
    outcomes = [r["outcome"] for r in run.matrix()["rules"]]
    assert outcomes.count("fail") >= 3 and stopped_early(outcomes), outcomes
    if mode == "serial":
        assert outcomes.count("fail") == 3 and run.requests <= 80 and len(run.lines) <= 150, (run.requests, run.out)
    assert_clean(run)


def test_request_budget_is_a_ceiling(tmp_path):
    """At the floor's budget, a target whose trips turn valid a moment after the write and whose reads lag behind
    it (more settle reads than the plan counts) would take more than the budget: the run sends no more, and says
    what did not run. (On workers the waits overlap and the run may fit: test_concurrency holds that ceiling.)"""
    profile = staging_profile(tmp_path)
    select = ("-k", "get-trips/ or update/", *MODES["serial"])
    with wire_sandbox(variants="valid-after-delay,reads-lag") as upstream, counting_proxy(upstream) as (url, counted):
        probe = run_suite(url, counted, profile, tmp_path, *select, "--request-budget", "1")
        floor = int(re.search(r"below the floor of (\d+) requests", probe.out).group(1))
        run = run_suite(url, counted, profile, tmp_path, *select, "--request-budget", str(floor))
    requests = run.matrix()["requests"]
    assert run.code == 1, run.out
    assert requests["total"] <= floor and run.requests == requests["total"] + requests["cleanup"], (requests,
                                                                                                    run.requests)
    assert f"sent of a budget of {floor:,}" in run.out and "cleanup requests" in run.out, run.out
    not_run = [r for r in run.matrix()["rules"] if r["outcome"] == "not run" and r["detail"] != "not selected"]
    assert not_run, run.out
    assert "request budget" in run.out[run.out.index("pnd-conformance summary"):], run.out
    assert_clean(run)


def test_serial_run_inside_another_xdist_worker(tmp_path):
    """Started from a test running on a pytest-xdist worker (as a team's own test of its target would be), the
    run inherits that worker's PYTEST_XDIST_* variables: they are not its own workers, so --max-concurrency 1
    runs in one process instead of refusing "2 xdist workers exceed --max-concurrency 1"."""
    env = {**secrets_env(), "PYTEST_XDIST_WORKER": "gw1", "PYTEST_XDIST_WORKER_COUNT": "2"}
    with wire_sandbox() as upstream, counting_proxy(upstream) as (url, counted):
        run = run_suite(url, counted, staging_profile(tmp_path), tmp_path, "-k", "filter/", *MODES["serial"], env=env)
    assert run.code == 0, run.out
    assert run.requests == run.matrix()["requests"]["total"] + run.matrix()["requests"]["cleanup"], run.out


def test_profile_check_alone(target, tmp_path):
    url, counted = target
    profile = staging_profile(tmp_path)
    cmd = [sys.executable, "-m", "pnd_conformance.target.profile", "check", "--target-url", url,
           "--target-profile", str(profile)]
    ok = subprocess.run(cmd, cwd=REPO, env=secrets_env(), capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "is usable" in ok.stdout, ok.stdout + ok.stderr
    bad = subprocess.run(cmd, cwd=REPO, env=secrets_env(full="nope"), capture_output=True, text=True, timeout=60)
    assert bad.returncode == 4, bad.stdout + bad.stderr
    assert bad.stderr.splitlines() == ["error: client 'full' was refused by the target (HTTP 401 UNAUTHORIZED): "
                                       "check PND_FULL_PASSWORD"], bad.stderr


def test_discovered_profile_passes_on_a_busy_dealer(tmp_path):
    """Other people's appointments are what the discovery reads; the profile it writes runs green."""
    ids = yaml.safe_load(PROFILE.read_text())["identities"]
    out = tmp_path / "discovered.yaml"
    with wire_sandbox(variants="busy-dealer") as upstream, counting_proxy(upstream) as (url, counted):
        proc = subprocess.run([sys.executable, "-m", "pnd_conformance.target.profile", "discover", "--target-url", url,
                               "--dealer-uuid", ids["dealer_uuid"], "--department-uuid", ids["department_uuid"],
                               "--username", "pnd-full-client", "--out", str(out)],
                              cwd=REPO, env=secrets_env(), capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert len(counted) <= 10 and all(not r.startswith(("PUT", "DELETE")) and not r.startswith(CREATE)
                                          for r in counted.requests), counted.requests  # reads only
        text = out.read_text()
        assert "password_env: PND_FULL_PASSWORD" in text and SECRETS["full"] not in text
        found = yaml.safe_load(text)["identities"]
        for key in ("customer_uuid", "creator_user_uuid", "assigned_user_uuid", "driver_uuids"):
            assert found[key], key
        assert sorted(found["driver_uuids"]) == sorted(ids["driver_uuids"])
        assert all("#" in line for line in text.splitlines() if line.startswith("  ") and ":" in line
                   and not line.strip().startswith(("username", "password", "full", "#"))), text
        run = run_suite(url, counted, out, tmp_path, "-k", "create or filter")
    assert run.code == 0 and " failed" not in run.out, run.out
    assert_clean(run)


def test_two_dealers_client_without_the_dealer_is_a_profile_problem(target, tmp_path):
    """The optional two_dealers client holds every scope at both dealers (docs/running.md "Profile keys"): one that
    cannot read the dealer is named at preflight, one line and exit code 4, before any test."""
    url, counted = target
    profile = staging_profile(tmp_path)
    data = yaml.safe_load(profile.read_text())
    data["credentials"]["two_dealers"]["username"] = "pnd-otherdealer-client"  # other_dealer's grants only
    profile.write_text(yaml.safe_dump(data, sort_keys=False))
    run = run_suite(url, counted, profile, tmp_path, env=secrets_env(two_dealers=SECRETS["other_dealer"]))
    assert run.code == 4, run.out
    errors = [line for line in run.lines if line.startswith("ERROR:")]
    assert len(errors) == 1 and "identities.dealer_uuid" in errors[0] and "'two_dealers'" in errors[0], run.out
    assert run.requests <= 12 and no_test_ran(run), run.out  # the preflight's reads, no test
    assert_clean(run)


def test_refused_two_dealers_client_skips_its_rules_and_says_why(target, tmp_path):
    url, counted = target
    run = run_suite(url, counted, staging_profile(tmp_path), tmp_path, "-k", "two-dealers",
                    env=secrets_env(two_dealers="not-the-password"))
    assert run.code == 0, run.out
    assert "client 'two_dealers' was refused by the target (HTTP 401" in run.out, run.out
    rows = [r for r in run.matrix()["rules"] if "-two-dealers-" in r["rule"]]
    needing = [r for r in load_rules() if r.credentials == "two_dealers"]
    assert len(rows) == len(needing) and {r["outcome"] for r in rows} == {"skipped"}, rows
    assert_clean(run)
