"""The living-docs report (reports/docs/index.html): the five documents as written, each unit marked
by the outcome of the rules citing it, opened offline in headless Chromium.

A run with a sandbox fault makes one get-trips rule fail: its unit shows as failing with the
failure message and the reproducing curl; a rule that passes shows its unit as passing; the
coverage figures are those of conformance.json; the page loads nothing from anywhere.
"""
from __future__ import annotations

import functools
import html
import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from pnd_conformance.report.page_guard import third_party_problems
from pnd_conformance.report.livingdocs import LEGEND, render, rule_units, unit_outcome
from pnd_conformance.spec.catalogue import DOCS_DIR
from pnd_conformance.spec.docunits import units_by_doc
from pnd_conformance.spec.operations import operations
from tests.reportrun import CHROMIUM, require, run_suite, sandbox_run
from tests.test_report_html import dump_dom

FAULT = "get-trips-wrong-code-sar"        # tests/mutants.yaml: breaks get-trips-sar-uuid-blank
FAILING, PASSING = "get-trips-sar-uuid-blank", "get-trips-returns-pickup"


@functools.cache
def _fault_run() -> Path:
    root = Path(tempfile.mkdtemp(prefix="pnd-livingdocs-"))
    proc = run_suite(root, "-k", "get-trips", "--sandbox-faults", FAULT)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    return root / "reports"


class _Units(HTMLParser):
    """Per element with an id: its attributes and its text (the DOM as Chromium leaves it)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.attrs: dict[str, dict[str, str]] = {}
        self.text: dict[str, list[str]] = {}
        self.h2: list[str] = []
        self._h2: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.attrs[a["id"]] = {k: v or "" for k, v in a.items()}
            self.text[a["id"]] = []
        if tag == "h2":
            self._h2 = []
        if tag not in ("meta", "br", "link", "input", "img"):
            self.stack.append((tag, a.get("id")))

    def handle_endtag(self, tag):
        if tag == "h2" and self._h2 is not None:
            self.h2.append(" ".join("".join(self._h2).split()))
            self._h2 = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2.append(data)
        for _, ident in self.stack:
            if ident:
                self.text[ident].append(data)

    def text_of(self, ident: str) -> str:
        return " ".join("".join(self.text[ident]).split())


def _dom(page: Path, tmp_path: Path) -> _Units:
    parsed = _Units()
    parsed.feed(dump_dom(page, tmp_path / "chromium-profile"))
    return parsed


def test_failing_and_passing_units_in_chromium(tmp_path):
    require(CHROMIUM, "run `make browser` (make test does)")
    reports = _fault_run()
    page = reports / "docs" / "index.html"
    matrix = json.loads((reports / "conformance.json").read_text(encoding="utf-8"))
    rows = {r["rule"]: r for r in matrix["rules"]}
    assert rows[FAILING]["outcome"] == "fail" and rows[PASSING]["outcome"] == "pass"
    dom = _dom(page, tmp_path)
    # The five documents, each a section with its heading.
    sections = [i for i, a in dom.attrs.items() if i.startswith("doc-") and a.get("class") == "doc"]
    assert sorted(sections) == sorted(f"doc-{p.stem}-txt" for p in DOCS_DIR.glob("*.txt")) and len(sections) == 5
    assert any("How to get partner trips for an appointment" in h for h in dom.h2), dom.h2
    anchors = rule_units(units_by_doc())
    failing, passing = anchors[FAILING].removeprefix("#"), anchors[PASSING]
    # The failing rule's unit: marked fail (word and icon beside the colour), with the message and the curl.
    assert dom.attrs[failing]["data-unit-outcome"] == "fail", dom.attrs[failing]
    text = dom.text_of(failing)
    assert "✗ fail" in text and FAILING in text
    first_line = rows[FAILING]["detail"].splitlines()[0]
    assert " ".join(first_line.split()) in text, (first_line, text[:800])
    assert "reproduce: curl" in text
    # The button that opens it is a real button tied to the panel.
    raw = page.read_text(encoding="utf-8")
    assert re.search(rf'<button type="button" aria-expanded="false" aria-controls="rules-{re.escape(failing[5:])}"',
                     raw)
    # A passing rule's unit.
    assert dom.attrs[passing]["data-unit-outcome"] in ("pass",), dom.attrs[passing]
    assert "✓ pass" in dom.text_of(passing)
    # The legend names every outcome in words, advisory included.
    legend = dom.text_of("summary")
    for outcome in LEGEND:
        assert outcome in legend, outcome


def test_figures_match_conformance_json_and_nothing_is_loaded(tmp_path):
    require(CHROMIUM, "run `make browser` (make test does)")
    run = sandbox_run()
    reports = run.reports
    page = reports / "docs" / "index.html"
    assert page.is_file(), run.output[-2000:]
    cov = json.loads((reports / "conformance.json").read_text(encoding="utf-8"))["doc_coverage"]
    dom = _dom(page, tmp_path)
    o = cov["overall"]
    assert dom.text_of("summary").startswith("Coverage and legend " + f"{o['covered']} of {o['units']} "
                                             f"behaviour-stating units cited by a catalogue rule ({o['percent']}%)")
    raw = page.read_text(encoding="utf-8")
    for doc, f in cov["by_doc"].items():
        assert (f"{doc}</code> · {f['covered']} of {f['units']} behaviour-stating units cited by a rule "
                f"({f['percent']}%)") in raw, doc
    # Each document is listed under its own operation (the spec's x-pnd-doc), not one that merely cites it.
    toc = re.search(r'<nav class="toc".*?</ol>', raw, re.S).group(0)
    assert re.findall(r'href="#doc-([^"]+)">([^<]+)</a>', toc) == [
        (re.sub(r"[^a-z0-9]+", "-", op.doc.lower()).strip("-"), op.key) for op in
        sorted(operations(), key=lambda op: op.doc)], toc
    # Nothing from another host (or anywhere): no src, no CSS url() or @import, links only within the reports.
    assert third_party_problems(raw) == []
    assert not re.search(r"\bsrc\s*=|url\(|@import", raw)
    hrefs = re.findall(r'href="([^"]*)"', raw)
    assert hrefs and all(h.startswith(("#", "../")) for h in hrefs), sorted(set(hrefs))[:5]
    # The matrix links to it.
    assert "[docs/index.html](docs/index.html)" in (reports / "conformance.md").read_text(encoding="utf-8")


def test_unknown_outcome_does_not_break_the_page():
    """An outcome this report does not know (a newer run record's) is shown under its own name."""
    units = units_by_doc()
    rule = "get-trips-returns-pickup"
    matrix = {"rules": [{"rule": rule, "outcome": "brand new outcome", "statement": "s", "detail": "d"},
                        {"rule": "get-trips-sar-uuid-blank", "outcome": "advisory", "statement": "s",
                         "detail": "why"}],
              "settings": {}}
    page = render(matrix, None, units, DOCS_DIR)
    assert 'data-unit-outcome="brand new outcome"' in page and 'data-unit-outcome="advisory"' in page
    assert unit_outcome(["pass", "advisory"]) == "advisory" and unit_outcome(["pass", "fail", "error"]) == "fail"
    assert unit_outcome(["pass", "not run"]) == "pass"
    assert html.escape("brand new outcome") in page
