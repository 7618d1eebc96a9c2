"""Build the HTML report: Allure results → one self-contained file, with no third-party analytics.

    python -m conformance.htmlreport [--results reports/allure-results] [--out reports/html]

Uses the Allure 3 CLI pinned in package.json (installed by `npm ci`, see the Makefile) with
allurerc.mjs (awesome report, singleFile). The awesome template always embeds a Google
Analytics tag; it is removed here and the result is checked (conformance/pageguard.py: what the
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

from conformance.pageguard import third_party_problems
from conformance.settings import REPO_ROOT

# The Allure CLI pinned in package.json (`npm ci`), or another one the user names in PND_ALLURE_BIN.
ALLURE_BIN = Path(os.environ.get("PND_ALLURE_BIN") or REPO_ROOT / "node_modules" / ".bin" / "allure")
CONFIG = REPO_ROOT / "allurerc.mjs"
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


HOW_TO_GET_HTML = ("the HTML report needs the Allure CLI (Node.js and npm): run `npm ci` in the suite's directory, "
                   "then `make report` builds it from this run's Allure results")


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


def build(results: Path, out: Path, allure_bin: Path = ALLURE_BIN, config: Path = CONFIG) -> Path:
    """Generate `out/index.html` from the Allure results directory; returns its path."""
    if not results.is_dir():
        raise ReportError(f"no Allure results at {results} (run pytest with --alluredir {results})")
    if not allure_bin.exists():
        raise AllureMissing(HOW_TO_GET_HTML)
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(allure_bin), "generate", str(results), "--output", str(out), "--config", str(config)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
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
    parser = argparse.ArgumentParser(prog="python -m conformance.htmlreport", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO_ROOT / "reports" / "allure-results")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "reports" / "html")
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
