"""The report's third-party guard judges what the page loads or sends, never the test data in it.

docs/reports.md "The files": the HTML report "loads nothing from another host" and the builder refuses a
report that would. Seen: Hypothesis drew `google-analytics` as a query value, it
landed in an attachment, and a substring guard failed `make conformance` on a conforming target.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from pnd_conformance.report import html as htmlreport
from pnd_conformance.report.page_guard import third_party_problems
from tests.reportrun import ALLURE, REPO, require

# Analytics host names and a whole third-party tag, as test data could carry them.
TRAPS = ("google-analytics", "https://www.google-analytics.com/g/collect?v=2",
         '<script async src="https://www.googletagmanager.com/gtag/js?id=G-TRAP"></script>',
         "gtag('config', 'G-TRAP'); dataLayer.push({})", "//stats.doubleclick.net/x.gif")


def _results(directory) -> None:
    """One Allure result (as allure-pytest writes it) with the traps in its step name, parameter and attachment."""
    directory.mkdir()
    source = f"{uuid.uuid4()}-attachment.json"
    (directory / source).write_text(json.dumps({"query": {"q": TRAPS[0]}, "traps": TRAPS}), encoding="utf-8")
    result = {
        "uuid": str(uuid.uuid4()), "historyId": uuid.uuid4().hex, "name": f"filter/query {TRAPS[0]}",
        "fullName": "pnd_conformance.suite.test_rules#guard", "status": "passed", "stage": "finished",
        "start": 1_700_000_000_000, "stop": 1_700_000_001_000,
        "parameters": [{"name": "value", "value": " ".join(TRAPS)}],
        "labels": [{"name": "suite", "value": "guard"}],
        "steps": [{"name": f"filter: POST {TRAPS[1]} → HTTP 200", "status": "passed", "stage": "finished",
                   "start": 1_700_000_000_100, "stop": 1_700_000_000_200,
                   "parameters": [{"name": "q", "value": TRAPS[2]}],
                   "attachments": [{"name": f"request {TRAPS[3]}", "source": source, "type": "application/json"}]}],
    }
    (directory / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")


def test_analytics_names_in_test_data_pass_the_guard(tmp_path):
    require(ALLURE, "run `npm ci` (make test does)")
    _results(tmp_path / "results")
    index = htmlreport.build(tmp_path / "results", tmp_path / "html")
    html = index.read_text(encoding="utf-8")
    assert third_party_problems(html) == []
    embedded = "\n".join(htmlreport.embedded_texts(html).values())
    assert TRAPS[0] in embedded and "G-TRAP" in embedded, "the data with the analytics names is in the report"
    # ... and a real third-party tag in the same page is still caught.
    tagged = html.replace("</head>",
                          '<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head>', 1)
    assert third_party_problems(tagged) == ["<script src> loads https://www.googletagmanager.com/gtag/js?id=G-1"]


@pytest.mark.parametrize("page, problem", [
    ('<script src="https://cdn.example.com/a.js"></script>', "<script src> loads https://cdn.example.com/a.js"),
    ('<link rel="stylesheet" href="//cdn.example.com/a.css">', "<link href> loads //cdn.example.com/a.css"),
    ('<img src="https://px.example.com/p.gif">', "<img src> loads https://px.example.com/p.gif"),
    ('<iframe src="https://x.example.com/"></iframe>', "<iframe src> loads https://x.example.com/"),
    ('<frameset><frame src="https://x.example.com/"></frameset>', "<frame src> loads https://x.example.com/"),
    ('<meta http-equiv="refresh" content="0;url=https://x.example.com/">',
     "<meta http-equiv=refresh> goes to https://x.example.com/"),
    ("<style>@import 'https://x.example.com/a.css';</style>", "<style> CSS loads https://x.example.com/a.css"),
    ('<div style="background:url(https://x.example.com/b.png)"></div>',
     "<div style> CSS loads https://x.example.com/b.png"),
    ("<script>fetch('https://x.example.com/c')</script>", "inline <script> requests https://x.example.com/c"),
    ('<script>r.open("POST", "https://x.example.com/c")</script>', "inline <script> requests https://x.example.com/c"),
    ('<script>navigator.sendBeacon("https://x.example.com/b", d)</script>',
     "inline <script> requests https://x.example.com/b"),
    ('<script>new WebSocket("wss://x.example.com/s")</script>', "inline <script> requests wss://x.example.com/s"),
    ('<script>e.src="//www.googletagmanager.com/gtm.js"</script>',
     "inline <script> requests //www.googletagmanager.com/gtm.js"),
    # fetch("https://x.example.com/c") inside a data: script source
    ('<script src="data:text/javascript;base64,ZmV0Y2goImh0dHBzOi8veC5leGFtcGxlLmNvbS9jIik="></script>',
     "<script src=data:…> requests https://x.example.com/c"),
])
def test_what_a_page_loads_or_sends_fails_the_guard(page, problem):
    assert third_party_problems(f"<html><head></head><body>{page}</body></html>") == [problem]


@pytest.mark.parametrize("page", [
    '<a href="https://example.com/docs">a link the user may follow</a>',
    '<script>window.opts = {"jobUrl": "https://github.com/o/r/actions/runs/1"}</script>',
    '<script>d("data/a.json", "Imh0dHBzOi8vd3d3Lmdvb2dsZS1hbmFseXRpY3MuY29tIg==")</script>',
    '<link rel="icon" href="data:image/svg+xml,%3Csvg%3E%3C/svg%3E">',
    '<svg><path fill="url(#gradient)"/></svg><script>var ns = "http://www.w3.org/2000/svg"</script>',
])
def test_data_and_links_pass_the_guard(page):
    assert third_party_problems(f"<html><body>{page}</body></html>") == []


def test_a_report_that_cannot_be_built_is_one_line(tmp_path):
    """A page that would load a stylesheet from another host is refused, naming it, in one line."""
    fake = tmp_path / "allure"
    fake.write_text("#!/bin/sh\nmkdir -p \"$4\"\nprintf '<html><head><link rel=\"stylesheet\" "
                    "href=\"https://cdn.example.com/a.css\"></head></html>' > \"$4/index.html\"\n")
    fake.chmod(0o755)
    (tmp_path / "results").mkdir()
    with pytest.raises(htmlreport.ReportError, match=r"references third parties: <link href> loads "
                                                     r"https://cdn.example.com/a.css$"):
        htmlreport.build(tmp_path / "results", tmp_path / "html", allure=fake)
    proc = subprocess.run([sys.executable, "-m", "pnd_conformance.report.html", "--results", str(tmp_path / "missing"),
                           "--out", str(tmp_path / "html")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("html report not built: no Allure results")
