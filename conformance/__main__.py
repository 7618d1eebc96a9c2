"""`python -m conformance [pytest options]`: the suite, then its HTML report (what `make conformance` runs).

Writes to --reports-dir (default reports/, env PND_REPORTS_DIR): allure-results/ (emptied first),
junit.xml, conformance.json/.md, docs/index.html (the living docs) and html/index.html. The HTML is
built even when tests fail.
Exits with pytest's code (README "Exit codes"); 3 when the suite passed but the HTML could not be
built. No HTML after a usage error (exit 4): nothing ran.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import pytest

from conformance import htmlreport
from conformance.settings import REPO_ROOT


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--reports-dir", type=Path,
                        default=Path(os.environ.get("PND_REPORTS_DIR") or REPO_ROOT / "reports"))
    known, rest = parser.parse_known_args(argv)
    reports: Path = known.reports_dir.resolve()
    for stale in ("junit.xml", "conformance.json", "conformance.md"):
        (reports / stale).unlink(missing_ok=True)
    shutil.rmtree(reports / "html", ignore_errors=True)
    shutil.rmtree(reports / "docs", ignore_errors=True)
    code = int(pytest.main([str(REPO_ROOT / "conformance"), "--reports-dir", str(reports),
                            "--alluredir", str(reports / "allure-results"), "--clean-alluredir",
                            "--junitxml", str(reports / "junit.xml"), *rest]))
    if code == pytest.ExitCode.USAGE_ERROR or {"--help", "-h", "--cleanup-only"} & set(rest):
        return code  # nothing ran: no report (the Allure results may be an older run's)
    html = htmlreport.main(["--results", str(reports / "allure-results"), "--out", str(reports / "html")])
    return code if code != 0 or html == 0 else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
