"""The HTML report renders offline in a real browser, shows the suite tree and the counts, and
carries no third-party analytics.

Debian's Chromium (`make browser` installs it) opens reports/html/index.html from file:// with
every host name unresolvable, runs its JavaScript and dumps the DOM; the counts it shows must be
those of the Allure results the report was built from.
"""
from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser

from pnd_conformance.report.html import strip_analytics, third_party_problems
from tests.reportrun import ALLURE, CHROMIUM, require, sandbox_run

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ByTestId(HTMLParser):
    """The text of every element carrying a data-testid (the report's own test hooks)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, list[str] | None]] = []
        self.found: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        testid = dict(attrs).get("data-testid")
        texts: list[str] | None = [] if testid else None
        if testid:
            self.found.append((testid, texts))
        if tag not in VOID:
            self.stack.append((tag, texts))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for _, texts in self.stack:
            if texts is not None:
                texts.append(data)

    def texts(self, testid: str) -> list[str]:
        return [" ".join(" ".join(t).split()) for tid, t in self.found if tid == testid]


def dump_dom(html_path, profile_dir) -> str:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile_dir}",
           # offline: no host name resolves, so the page can only use what the file carries
           "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=10000",
           "--dump-dom", html_path.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-1500:]}"
    return proc.stdout


def test_report_renders_suite_tree_and_counts(tmp_path):
    require(CHROMIUM, "run `make browser` (make test does)")
    require(ALLURE, "run `npm ci` (make test does)")
    run = sandbox_run()
    assert run.html.is_file(), run.output[-2000:]
    results = [json.loads(p.read_text()) for p in run.allure_results.glob("*-result.json")]
    assert results, "no Allure results"
    statuses = Counter(r["status"] for r in results)
    parent_suites = {lb["value"] for r in results for lb in r["labels"] if lb["name"] == "parentSuite"}

    dom = _ByTestId()
    dom.feed(dump_dom(run.html, tmp_path / "chromium-profile"))

    assert dom.texts("report-title") == ["pnd-conformance"]
    # The counts: the total and one figure per status present, as in the Allure results.
    assert dom.texts("metadata-item-total") == [f"Total {len(results)}"]
    for status in ("passed", "failed", "broken", "skipped"):
        shown = dom.texts(f"metadata-item-{status}")
        assert shown == ([f"{status.capitalize()} {statuses[status]}"] if statuses[status] else []), status
    # The suite tree: one section per API (parent suite), with the number of its tests.
    sections = dom.texts("tree-section")
    titles = dom.texts("tree-section-title")
    assert parent_suites and parent_suites <= set(titles), (parent_suites, titles)
    for title in parent_suites:
        section = next(s for s in sections if s.startswith(title))
        counts = [int(n) for n in re.match(re.escape(title) + r"((?:\s+\d+)*)", section).group(1).split()]
        expected = sum(1 for r in results for lb in r["labels"] if lb == {"name": "parentSuite", "value": title})
        assert sum(counts) == expected, (title, section)


def test_report_has_no_third_party_analytics():
    require(ALLURE, "run `npm ci` (make test does)")
    run = sandbox_run()
    html = run.html.read_text(encoding="utf-8")
    assert third_party_problems(html) == []
    for marker in ("googletagmanager", "google-analytics", "gtag("):
        assert marker not in html.lower()


def test_strip_analytics_removes_the_tag_and_keeps_the_report():
    page = ('<html><body><script>window.allure = {};</script>'
            '<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>'
            "<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}"
            "gtag('js', new Date());</script>"
            '<script src="data:text/javascript;base64,YWxlcnQoMSk="></script></body></html>')
    assert third_party_problems(page)
    cleaned = strip_analytics(page)
    assert third_party_problems(cleaned) == []
    assert "window.allure = {}" in cleaned and "data:text/javascript;base64,YWxlcnQoMSk=" in cleaned
