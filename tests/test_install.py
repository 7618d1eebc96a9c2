"""The suite as a team installs it (README "Installing"): the wheel built from this checkout, installed with the
locked dependencies into a fresh virtual environment outside the checkout, and used from a directory of its own.

The wheel is built from a copy of the checkout's files (building in place leaves build/ and *.egg-info behind,
and a stale build/lib would slip deleted files into the wheel) without build isolation, by this interpreter's
setuptools (pinned in requirements.lock), so the build needs no network. Installing the locked dependencies
needs the package index (or pip's cache): unreachable, that is a skip locally and a failure in CI.
Every command runs with the checkout off sys.path (no PYTHONPATH, cwd a temporary directory) and without
the caller's PND_* settings or PYTEST_ADDOPTS, so the defaults (reports/ under cwd) are what is tested.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from pnd_conformance.spec.catalogue import load_rules

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
NAME = PYPROJECT["project"]["name"]
VERSION = PYPROJECT["project"]["version"]
# One get-trips rule, and the sandbox fault that breaks it (tests/mutants.yaml lists the pair).
RULE = "get-trips-sar-uuid-blank"
FAULT = "get-trips-wrong-code-sar"
RUN = ["--hypothesis-profile", "ci", "-p", "no:xdist"]
# The folders' own names, which the installed distribution must not claim as top-level modules.
FOLDER_NAMES = sorted({*PYPROJECT["tool"]["setuptools"]["package-dir"].values(), "spec", "sandbox", "strategies"})
PIP = ["-m", "pip", "--disable-pip-version-check", "--quiet"]


def _unavailable(message: str) -> None:
    """What the install needs from outside (the package index, setuptools): a skip locally, a failure in CI
    (the pattern of tests/reportrun.py's `require`)."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _clean_env() -> dict[str, str]:
    """The caller's environment without the suite's settings, pytest's extra options, or anything putting the
    checkout or its virtual environment on sys.path."""
    drop = {"PYTEST_ADDOPTS", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if not k.startswith("PND_") and k not in drop}


def _tail(proc: subprocess.CompletedProcess, lines: int = 40) -> str:
    return "\n".join((proc.stdout + "\n" + proc.stderr).strip().splitlines()[-lines:])


def _checkout_copy(dest: Path) -> Path:
    """The checkout's files (tracked, and new ones git does not ignore), copied to `dest`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True)
    if listed.returncode != 0:  # not a git checkout: everything but what a build or a run leaves behind
        shutil.copytree(REPO, dest, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "reports", "build", "*.egg-info", "__pycache__", ".hypothesis"))
        return dest
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@dataclass
class Installed:
    venv: Path
    env: dict[str, str]
    base: Path  # where each test makes its own working directory

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, cwd: Path, *cmd: str, timeout: float = 180) -> subprocess.CompletedProcess:
        assert not cwd.resolve().is_relative_to(REPO), "the commands run outside the checkout"
        return subprocess.run(list(cmd), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)

    def workdir(self, name: str) -> Path:
        path = self.base / name
        path.mkdir()
        return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    if importlib.util.find_spec("setuptools") is None:
        _unavailable("setuptools is missing from this environment: `make venv` installs it (requirements.lock)")
    base = tmp_path_factory.mktemp("pnd-install")
    assert not base.resolve().is_relative_to(REPO)
    env = _clean_env()
    source = _checkout_copy(base / "source")
    wheels = base / "wheels"
    build = subprocess.run([sys.executable, *PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                            str(source)], cwd=base, env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"building the wheel failed:\n{_tail(build)}"
    (wheel,) = wheels.glob("*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=120)
    python = str(venv / "bin" / "python")
    deps = subprocess.run([python, *PIP, "install", "--require-hashes", "-r", str(REPO / "requirements.lock")],
                          cwd=base, env=env, capture_output=True, text=True, timeout=900)
    if deps.returncode != 0:
        _unavailable(f"pip could not install requirements.lock (no package index?):\n{_tail(deps, 10)}")
    suite = subprocess.run([python, *PIP, "install", "--no-deps", str(wheel)], cwd=base, env=env,
                           capture_output=True, text=True, timeout=300)
    assert suite.returncode == 0, f"installing the wheel failed:\n{_tail(suite)}"
    return Installed(venv, env, base)


def _matrix(reports: Path) -> dict:
    path = reports / "conformance.json"
    assert path.is_file(), f"no {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def _outcome(matrix: dict, rule_id: str) -> str:
    (entry,) = [r for r in matrix["rules"] if r["rule"] == rule_id]
    return entry["outcome"]


def test_version_is_the_pyproject_version(installed):
    """`pnd-conformance --version` names the suite's version, pyproject.toml's (README "Installing")."""
    proc = installed.run(installed.workdir("version"), installed.bin("pnd-conformance"), "--version")
    assert proc.returncode == 0, _tail(proc)
    assert proc.stdout.strip() == f"{NAME} {VERSION}"


def test_run_writes_reports_under_cwd(installed):
    """`pnd-conformance run` against the embedded sandbox writes every report to ./reports (the default,
    docs/configuration.md) and exits 0 when the selected rules pass; the suite's assertion rewriting is intact
    (pytest does not warn that the package was imported before it could rewrite it)."""
    cwd = installed.workdir("run")
    proc = installed.run(cwd, installed.bin("pnd-conformance"), "run", "-k", RULE, *RUN)
    assert proc.returncode == 0, _tail(proc)
    matrix = _matrix(cwd / "reports")
    assert matrix["suite"] == {"name": NAME, "version": VERSION}
    assert matrix["exit_code"] == 0
    assert _outcome(matrix, RULE) == "pass"
    for report in ("conformance.md", "junit.xml", "docs/index.html", "allure-results"):
        assert (cwd / "reports" / report).exists(), report
    assert "PytestAssertRewriteWarning" not in proc.stdout + proc.stderr


def test_run_against_a_faulty_sandbox_fails(installed):
    """A sandbox fault that breaks the selected rule fails the run with exit code 1 (docs/checks.md,
    "Exit codes"), the rule recorded as failing."""
    cwd = installed.workdir("fault")
    proc = installed.run(cwd, installed.bin("pnd-conformance"), "run", "-k", RULE, *RUN, "--sandbox-faults", FAULT)
    assert proc.returncode == 1, _tail(proc)
    matrix = _matrix(cwd / "reports")
    assert matrix["exit_code"] == 1
    assert _outcome(matrix, RULE) == "fail"


def test_plain_pytest_loads_the_plugins(installed):
    """Plain `pytest --pyargs pnd_conformance.suite` loads the suite's plugins through the pytest11 entry point
    (its options, such as --reports-dir, and its reports)."""
    cwd = installed.workdir("pyargs")
    proc = installed.run(cwd, installed.bin("pytest"), "--pyargs", "pnd_conformance.suite", "-k", RULE,
                         "--reports-dir", "X", *RUN)
    assert proc.returncode == 0, _tail(proc)
    matrix = _matrix(cwd / "X")
    assert matrix["suite"]["version"] == VERSION
    assert _outcome(matrix, RULE) == "pass"


PROBE = """
import importlib.util, json, sys
from importlib import metadata
from pnd_conformance.spec import catalogue
names = json.loads(sys.argv[1])
files = metadata.files(sys.argv[2])
print(json.dumps({
    "found": sorted(n for n in names if importlib.util.find_spec(n) is not None),
    "top_level": sorted({f.parts[0] for f in files if f.parts[0] != ".." and not f.parts[0].endswith(".dist-info")}),
    "rules_path": str(catalogue.RULES_PATH),
    "rules": sorted(r.id for r in catalogue.load_rules()),
}))
"""


def test_installed_package_is_one_import_package(installed):
    """The distribution installs `pnd_conformance` alone, never the folders' generic names (`spec`, `sandbox`,
    ...) as top-level modules, and its package data holds the whole rule catalogue."""
    cwd = installed.workdir("probe")
    # -I: neither cwd nor the user's site-packages nor PYTHON* variables on sys.path, only the venv
    proc = installed.run(cwd, installed.bin("python"), "-I", "-c", PROBE, json.dumps(FOLDER_NAMES), NAME)
    assert proc.returncode == 0, _tail(proc)
    probe = json.loads(proc.stdout)
    assert probe["found"] == []
    assert probe["top_level"] == ["pnd_conformance"]
    assert Path(probe["rules_path"]).resolve().is_relative_to(installed.venv.resolve())
    assert probe["rules"] == sorted(r.id for r in load_rules())
