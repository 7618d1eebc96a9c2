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

