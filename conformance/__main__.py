"""`python -m conformance [pytest options]`: the suite, then its HTML report (what `make conformance` runs).

Writes to --reports-dir (default reports/, env PND_REPORTS_DIR): allure-results/ (emptied first),
junit.xml, conformance.json/.md, docs/index.html (the living docs) and html/index.html. The HTML is
built even when tests fail; the run's summary (conformance/report/gate.py) is printed last, after it.
Exits with pytest's code (README "Exit codes"); 3 when the suite passed but the HTML could not be
built. No HTML after a usage error (exit 4): nothing ran.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from _pytest._io import TerminalWriter  # pytest's own writer: the summary looks as it does under pytest

from conformance import htmlreport
from conformance.report import gate
from conformance.settings import REPO_ROOT
from conformance.version import NAME, VERSION


class _Handoff:
    """Receives the run's summary from the reports plugin, so that it is printed after the HTML report."""

    pnd_summary_handoff = True  # how conformance.reporting finds it among the plugins

    def __init__(self) -> None:
        self.matrix: dict[str, Any] | None = None
        self.reports: list[tuple[str, str]] = []

    def receive(self, matrix: dict[str, Any], reports: list[tuple[str, str]]) -> None:
        self.matrix, self.reports = matrix, list(reports)


def _html(reports: Path) -> tuple[str | None, str | None, bool]:
    """(the HTML report's path, None, False), or (None, why it was not built, whether that fails the run).
    Without the Allure CLI (Node is optional) the run keeps its code: every other report is written."""
    try:
        return str(htmlreport.build((reports / "allure-results").resolve(), (reports / "html").resolve())), None, False
    except htmlreport.AllureMissing:
        return None, htmlreport.HOW_TO_GET_HTML, False
    except Exception as exc:  # the command's boundary: one line naming why (htmlreport.main does the same)
        why = str(exc) if isinstance(exc, htmlreport.ReportError) else f"{type(exc).__name__}: {exc}"
        return None, " ".join(why.split()), True


def main(argv: list[str]) -> int:
    if argv[:1] == ["--version"]:
        print(f"{NAME} {VERSION}")
        return 0
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--reports-dir", type=Path,
                        default=Path(os.environ.get("PND_REPORTS_DIR") or REPO_ROOT / "reports"))
    known, rest = parser.parse_known_args(argv)
    reports: Path = known.reports_dir.resolve()
    for stale in ("junit.xml", "conformance.json", "conformance.md"):
        (reports / stale).unlink(missing_ok=True)
    shutil.rmtree(reports / "html", ignore_errors=True)
    shutil.rmtree(reports / "docs", ignore_errors=True)
    handoff = _Handoff()
    code = int(pytest.main([str(REPO_ROOT / "conformance"), "--reports-dir", str(reports),
                            "--alluredir", str(reports / "allure-results"), "--clean-alluredir",
                            "--junitxml", str(reports / "junit.xml"), *rest], plugins=[handoff]))
    if code == pytest.ExitCode.USAGE_ERROR or {"--help", "-h", "--cleanup-only"} & set(rest):
        return code  # nothing ran: no report (the Allure results may be an older run's)
    html, why, fails = _html(reports)
    if why is not None:
        print(f"html report not built: {why}", file=sys.stderr)
    final = 3 if code == 0 and fails else code
    if handoff.matrix is not None:
        matrix = handoff.matrix
        if final != matrix["exit_code"]:
            matrix = {**matrix, "exit_code": final, "gate": "fail"}
        reports_shown = [*handoff.reports, ("HTML report", _relative(html) if html else f"not built ({why})")]
        tw = TerminalWriter(sys.stdout)
        tw.sep("=", gate.TITLE, bold=True)
        command = ["python", "-m", "conformance", *argv]
        for text, markup in gate.summary_lines(matrix, reports_shown, command):
            tw.line(text, **{k: v for k, v in markup.items() if v})
    elif html is not None:
        print(f"html report: {html}")
    return final


def _relative(path: str) -> str:
    p = Path(path)
    return str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
