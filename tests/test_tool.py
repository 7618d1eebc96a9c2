"""The suite as a tool: its version in one place and in every report, and Node (the Allure CLI) optional.

The version is `[project] version` in pyproject.toml; a run without the Allure CLI writes every report but
the HTML and keeps its own exit code (docs/reports.md "The files").
"""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET

from tests.reportrun import REPO, _env, sandbox_run

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
LABEL = f"pnd-conformance {VERSION}"


def test_version_is_the_one_in_pyproject():
    proc = subprocess.run([sys.executable, "-m", "pnd_conformance", "--version"], cwd=REPO, env=_env(None),
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, LABEL, "")


def test_every_report_names_the_suite_and_its_version():
    run = sandbox_run()
    matrix = json.loads((run.reports / "conformance.json").read_text(encoding="utf-8"))
    assert matrix["suite"] == {"name": "pnd-conformance", "version": VERSION}
    assert LABEL in (run.reports / "conformance.md").read_text(encoding="utf-8").split("\n\n")[1]
    assert LABEL in (run.reports / "docs" / "index.html").read_text(encoding="utf-8")
    props = {p.get("name"): p.get("value") for p in ET.parse(run.reports / "junit.xml").iter("property")}
    assert props.get("pnd.suite_version") == VERSION, props
    env = (run.allure_results / "environment.properties").read_text(encoding="utf-8")
    assert f"suite_version = {VERSION}" in env.splitlines()
    summary = run.output[run.output.index("pnd-conformance summary"):]
    assert any(line.split() == ["suite", *LABEL.split()] for line in summary.splitlines()), summary


def test_without_the_allure_cli_every_other_report_is_written_and_the_code_is_kept(tmp_path):
    """No Node: the run passes (exit 0) with one line saying how to get the HTML, no traceback."""
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "pnd_conformance", "--reports-dir", str(reports),
         "-k", "get-trips/get-trips-auth-missing", "--hypothesis-profile", "ci", "-p", "no:xdist"],
        cwd=REPO, env=_env({"PND_ALLURE_BIN": str(tmp_path / "no-allure")}), capture_output=True, text=True,
        timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    said = [line for line in proc.stderr.splitlines() if "html report not built" in line]
    assert len(said) == 1 and "npm ci" in said[0] and "pnd-conformance report" in said[0], proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for report in ("conformance.json", "conformance.md", "junit.xml", "docs/index.html",
                   "allure-results/environment.properties"):
        assert (reports / report).is_file(), report
    assert not (reports / "html").exists()
    assert json.loads((reports / "conformance.json").read_text(encoding="utf-8"))["exit_code"] == 0


def _dry_run(npm: str) -> str:
    proc = subprocess.run(["make", "-n", "-B", "conformance", f"NPM={npm}"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_conformance_needs_npm_only_when_it_is_installed():
    assert "npm ci" not in _dry_run("")
    assert "npm ci" in _dry_run("npm")
    assert "pnd-conformance run" in _dry_run("")



def test_the_installed_plugin_leaves_a_teams_own_session_alone(tmp_path):
    """The pytest11 entry point loads the suite's plugins into every pytest session of the environment
    (docs/ci.md): a session of a team's own tests keeps Hypothesis' defaults, gets no preflight, writes
    no reports and prints no suite summary."""
    (tmp_path / "test_own.py").write_text(
        "from hypothesis import given, settings, strategies as st\n"
        "def test_profile():\n"
        "    assert settings._current_profile == 'default' and settings().max_examples == 100\n"
        "@given(st.integers())\n"
        "def test_property(n):\n"
        "    assert isinstance(n, int)\n", encoding="utf-8")
    env = {k: v for k, v in _env(None).items() if k not in ("PND_REPORTS_DIR", "PND_LEDGER_DIR", "CI")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_own.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pnd_conformance.plugins" in subprocess.run(
        [sys.executable, "-m", "pytest", "--trace-config", "--co", "-q", "-p", "no:cacheprovider", "test_own.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120).stdout  # it was loaded
    assert "pnd-conformance summary" not in proc.stdout and "requests sent" not in proc.stdout
    # Hypothesis' own example database (.hypothesis/) is the team's; nothing of the suite's is written
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("__pycache__", ".hypothesis"))
    assert left == ["test_own.py"]
    assert not (tmp_path / ".hypothesis" / "pnd-examples").exists()
