"""Build the HTML report: Allure results → one self-contained file, with no third-party analytics.

    pnd-conformance report [--results reports/allure-results] [--out reports/html]

Uses the Allure 3 CLI pinned in package.json (installed by `npm ci`, see the Makefile) with
allurerc.mjs (awesome report, singleFile). The awesome template always embeds a Google
Analytics tag; it is removed here and the result is checked (conformance/report/page_guard.py: what the
page's elements, CSS and code load or send, never the test data it embeds): the page loads
nothing from another host, so it renders from file:// offline. Exit status 0 = report written, 1 = failed.
"""
from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pnd_conformance.report.page_guard import third_party_problems
from pnd_conformance.settings import PACKAGE_DIR

CONFIG = Path(__file__).resolve().parent / "allurerc.mjs"


def allure_bin() -> Path:
    """The Allure CLI: the one PND_ALLURE_BIN names, else the one `npm ci` installed where the suite runs or in
    its checkout (package.json pins it), else one on PATH. Missing is not an error until the HTML is built."""
    named = os.environ.get("PND_ALLURE_BIN")
    if named:
        return Path(named)
    for base in (Path.cwd(), PACKAGE_DIR.parent):
        local = base / "node_modules" / ".bin" / "allure"
        if local.exists():
            return local
    on_path = shutil.which("allure")
    return Path(on_path) if on_path else Path.cwd() / "node_modules" / ".bin" / "allure"
# The Allure template's analytics snippet (its inline part; the tag loading gtag.js goes as a
# script of another host). Code markers, with characters base64 data cannot hold.
_ANALYTICS_CODE = ("gtag(", "datalayer.push(", "googletagmanager.com", "google-analytics.com")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_EMBEDDED = re.compile(r'\bd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')
_DATA_URL = re.compile(r"data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)")


class ReportError(Exception):
    """The HTML report could not be built (one line)."""


class AllureMissing(ReportError):
    """The Allure CLI is not installed: Node/npm is optional, and only the HTML report needs it."""


HOW_TO_GET_HTML = ("the HTML report needs the Allure CLI (Node.js): `npm ci` in the suite's checkout, or name one in "
                   "PND_ALLURE_BIN; then `pnd-conformance report` builds it from this run's Allure results")


def strip_analytics(html: str) -> str:
    """Drop scripts loaded from another host and inline scripts that are analytics snippets."""
    def keep(m: re.Match) -> str:
        attrs, body = m.group(1), m.group(2)
        if re.search(r"\bsrc\s*=\s*[\"']?(?:https?:)?//", attrs, re.I):
            return ""
        if any(marker in body.lower() for marker in _ANALYTICS_CODE):
            return ""
        return m.group(0)
    return _SCRIPT.sub(keep, html)


def embedded_texts(html: str) -> dict[str, str]:
    """Every file the single-file report carries base64-encoded (data, app script, styles), decoded."""
    out = {}
    for name, payload in _EMBEDDED.findall(html):
        out[name] = base64.b64decode(payload).decode("utf-8", errors="replace")
    for i, payload in enumerate(_DATA_URL.findall(html)):
        out[f"data-url-{i}"] = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8", errors="replace")
    return out


def build(results: Path, out: Path, allure: Path | None = None, config: Path = CONFIG) -> Path:
    """Generate `out/index.html` from the Allure results directory; returns its path."""
    if not results.is_dir():
        raise ReportError(f"no Allure results at {results} (run pytest with --alluredir {results})")
    allure_cli = allure or allure_bin()
    if not allure_cli.exists():
        raise AllureMissing(HOW_TO_GET_HTML)
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(allure_cli), "generate", str(results), "--output", str(out), "--config", str(config)]
    proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True, timeout=300)
    index = out / "index.html"
    if proc.returncode != 0 or not index.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ReportError(f"allure generate failed (exit {proc.returncode}): {tail[0]}")
    html = strip_analytics(index.read_text(encoding="utf-8"))
    problems = third_party_problems(html)
    if problems:
        raise ReportError(f"the report still references third parties: {'; '.join(problems[:3])}")
    index.write_text(html, encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pnd-conformance report", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("reports") / "allure-results")
    parser.add_argument("--out", type=Path, default=Path("reports") / "html")
    args = parser.parse_args(argv)
    try:
        index = build(args.results.resolve(), args.out.resolve())
    except Exception as exc:  # the command's boundary: whatever stopped it, one line naming why
        # (ours as said; anything else, e.g. an OSError or a page we cannot read, as type and message)
        why = str(exc) if isinstance(exc, ReportError) else f"{type(exc).__name__}: {exc}"
        print("html report not built: " + " ".join(why.split()), file=sys.stderr)
        return 1
    print(f"html report: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
