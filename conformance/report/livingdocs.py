"""The living-docs report: the five documents as written, each unit marked by what the target did.

`<reports-dir>/docs/index.html`, one self-contained file (inline style and a few lines of inline
script; nothing loaded from anywhere, so it opens from file:// offline). Each unit of a document
(spec/docunits.py) is highlighted by the worst outcome of the catalogue rules that cite it on
this run, with an icon and a word beside the colour; a button opens the rules with their
statement, outcome and, for a failure, the message and its redacted curl. Units no rule cites
are `uncovered` when they state a behaviour (with the reason spec/untestable.yaml gives).
Outcomes are read from the run record's matrix rows as text, so an outcome this module does not
know (a newer report's) is shown under its own name instead of breaking the page.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from pnd_conformance.http.redaction import redact
from pnd_conformance.report import summary
from pnd_conformance.judging.outcome import Outcome

UNCOVERED = "uncovered"  # a unit no rule cites: not an outcome of a test
# Outcome → (icon, meaning), worst first: a unit shows the worst outcome of its rules (a non-conformance
# before a harness error: the statement is known broken).
LEGEND: dict[str, tuple[str, str]] = {
    Outcome.FAIL: ("✗", "non-conformance: the target answered, but not as documented"),
    Outcome.ERROR: ("⚠", "harness or network error: not a verdict on the target"),
    Outcome.DEVIATION_FIXED: ("★", "listed as a known deviation, but now conforms"),
    Outcome.ADVISORY: ("◆", "fails the suite's own reading where the documents are silent (gates only with --strict)"),
    Outcome.EXPECTED_DEVIATION: ("≈", "a failure listed in the expectations file"),
    Outcome.SKIPPED: ("↷", "not checkable with this target (the reason is given)"),
    Outcome.PASS: ("✓", "the target behaves as documented"),
    Outcome.NOT_OBSERVABLE: ("◌", "no black-box test can see it through the five operations"),
    Outcome.NOT_RUN: ("–", "deselected in this run"),
    UNCOVERED: ("?", "states a behaviour no catalogue rule cites yet"),
}
_RANK = {o: i for i, o in enumerate(LEGEND)}
FILE_NAME = Path("docs") / "index.html"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def unit_anchor(unit_id: str) -> str:
    return f"unit-{unit_id}"


def rule_units(units_by_doc: dict[str, list[Any]]) -> dict[str, str]:
    """Rule id → the anchor of the first unit it cites (for the Allure link)."""
    out: dict[str, str] = {}
    for units in units_by_doc.values():
        for u in units:
            for rule_id in u.rules:
                out.setdefault(rule_id, unit_anchor(u.id))
    return out


def unit_outcome(outcomes: list[str]) -> str:
    """The worst of the outcomes of a unit's rules; an unknown outcome ranks just below `error`."""
    return min(outcomes, key=lambda o: _RANK.get(o, 1.5))


def _icon(outcome: str) -> str:
    return LEGEND.get(outcome, ("•", ""))[0]


def _badge(outcome: str) -> str:
    return (f'<span class="badge o-{_slug(outcome)}" data-outcome="{html.escape(outcome)}">'
            f'<span aria-hidden="true">{_icon(outcome)}</span> {html.escape(outcome)}</span>')


_COLUMNS = re.compile(r"Parameter Name|Property Name|Value|Type|Description|Required|HTTP Status|Error Code|"
                      r"Error Description|When it happens|Scope|Level")
_SCOPE_ROW = re.compile(r"^([a-z][a-z.]*[a-z])(Dealer|Department)(.*)$")


def _cells(text: str, header: bool) -> list[str]:
    """The cells of a table line as the reader sees them; a run-together line (create, delete) is cut
    where spec/doctables.py reads its cells, else kept whole."""
    from pnd_conformance.spec import doctables as t

    if text.startswith("|") or text.rstrip().endswith("|"):
        return [c.strip() for c in text.strip().strip("|").split("|")]
    if header:
        cols = _COLUMNS.findall(text)
        return cols if "".join(cols) == text.strip() else [text]
    if m := re.match(r"^([a-z][A-Za-z0-9]*?)(" + t.RUN_TYPE + r")(?=[A-Z])(.*)$", text):
        rest = m[3]
        req = t.RUN_REQUIRED.search(rest)
        return [m[1], m[2], rest[: req.start()], req[1]] if req else [m[1], m[2], rest]
    if status := t.STATUS_CELL.match(text):
        rest = text[status.end():]
        try:
            codes = t.codes_of_cell(rest, text)
        except ValueError:
            codes = []
        code = " or ".join(codes)
        return [status[0].strip(), code, rest[len(code):]] if code and rest.startswith(code) else [status[0], rest]
    if m := _SCOPE_ROW.match(text):
        return [m[1], m[2], m[3]]
    return [text]


_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--line:#d1d9e0;--panel:#f6f8fa;
--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--error:#9a3412;--error-bg:#ffedd5;
--adv:#8250df;--adv-bg:#fbefff;--dev:#9a6700;--dev-bg:#fff8c5;--skip:#57606a;--skip-bg:#eaeef2;
--nobs:#0969da;--nobs-bg:#ddf4ff;--unc:#bc4c00;--unc-bg:#fff1e5}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
a{color:#0969da}
header.top{padding:20px 32px;border-bottom:1px solid var(--line);background:var(--panel)}
header.top h1{margin:0 0 4px;font-size:24px}
.meta{color:var(--muted);margin:0}
main{display:grid;grid-template-columns:260px minmax(0,1fr);gap:32px;padding:24px 32px;max-width:1400px}
nav.toc{position:sticky;top:16px;align-self:start;font-size:14px}
nav.toc ol{padding-left:18px}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:24px;margin-bottom:24px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:var(--panel)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:90px;height:8px;background:var(--line);border-radius:4px;vertical-align:middle;overflow:hidden}
.bar span{display:block;height:100%;background:var(--pass)}
ul.legend{list-style:none;padding:0;margin:0;columns:2;column-gap:24px;font-size:14px}
ul.legend li{margin:0 0 6px;break-inside:avoid}
.toolbar{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 24px}
button{font:inherit;cursor:pointer;border:1px solid var(--line);background:var(--bg);border-radius:6px;padding:2px 10px}
button:hover{background:var(--panel)}
button:focus-visible,a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
button[aria-pressed=true]{background:#0969da;color:#fff;border-color:#0969da}
section.doc{border-top:3px solid var(--fg);padding-top:8px;margin-bottom:48px}
section.doc>h2{margin:0 0 4px;font-size:22px}
.doc-fig{color:var(--muted);margin:0 0 16px}
.doc-body h3{font-size:17px;margin:22px 0 6px}
.unit{position:relative;margin:4px 0;padding:6px 10px 6px 12px;border-left:4px solid transparent;border-radius:4px}
.unit .text{margin-right:8px}
.unit .tools{display:inline-flex;gap:6px;align-items:center;white-space:nowrap}
.doc-body table .unit{margin:0;padding:0;border:0}
tr.unit.row{border-left:4px solid transparent}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:0 8px;
border:1px solid currentColor;white-space:nowrap}
pre{white-space:pre-wrap;word-break:break-word;background:var(--panel);border:1px solid var(--line);border-radius:6px;
padding:8px 10px;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:6px 0}
pre.example{color:var(--muted);max-height:16em;overflow:auto}
.rules{margin:6px 0 4px;padding:8px 12px;background:var(--bg);border:1px solid var(--line);border-radius:6px}
.rules h4{margin:8px 0 2px;font-size:14px}
.rules p{margin:2px 0}
.reason{color:var(--muted);font-style:italic}
.o-pass{color:var(--pass)} .u-pass{border-left-color:var(--pass)!important;background:var(--pass-bg)}
.o-fail{color:var(--fail)} .u-fail{border-left-color:var(--fail)!important;background:var(--fail-bg)}
.o-error{color:var(--error)} .u-error{border-left-color:var(--error)!important;background:var(--error-bg)}
.o-advisory{color:var(--adv)} .u-advisory{border-left-color:var(--adv)!important;background:var(--adv-bg)}
.o-expected-deviation,.o-deviation-fixed{color:var(--dev)}
.u-expected-deviation,.u-deviation-fixed{border-left-color:var(--dev)!important;background:var(--dev-bg)}
.o-skipped,.o-not-run{color:var(--skip)} .u-skipped,.u-not-run{border-left-color:var(--skip)!important;
background:var(--skip-bg)}
.o-not-observable{color:var(--nobs)} .u-not-observable{border-left-color:var(--nobs)!important;
background:var(--nobs-bg)}
.o-uncovered{color:var(--unc)} .u-uncovered{border-left:4px dotted var(--unc)!important;background:#fffaf5}
.hidden-by-filter{display:none}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:900px){main{grid-template-columns:1fr}nav.toc{position:static}}
"""

_SCRIPT = """
document.addEventListener('click', function (e) {
  var b = e.target.closest('button[aria-controls]');
  if (b) {
    var p = document.getElementById(b.getAttribute('aria-controls'));
    var open = b.getAttribute('aria-expanded') !== 'true';
    b.setAttribute('aria-expanded', open ? 'true' : 'false');
    p.hidden = !open;
    return;
  }
  var f = e.target.closest('button[data-filter]');
  if (f) {
    var want = f.getAttribute('data-filter');
    document.querySelectorAll('button[data-filter]').forEach(function (x) {
      x.setAttribute('aria-pressed', x === f ? 'true' : 'false');
    });
    document.querySelectorAll('[data-unit-outcome]').forEach(function (u) {
      var o = u.getAttribute('data-unit-outcome');
      u.classList.toggle('hidden-by-filter', want !== 'all' && o !== want);
    });
  }
});
"""


class _Page:
    def __init__(self, rows: dict[str, dict[str, Any]], reasons: dict[tuple[str, int], str],
                 no_behaviour: set[tuple[str, int]]) -> None:
        self.rows, self.reasons, self.no_behaviour = rows, reasons, no_behaviour
        self.counts: dict[str, int] = {}

    def unit_state(self, u: Any) -> str | None:
        if u.rules:
            return unit_outcome([str(self.rows[r]["outcome"]) if r in self.rows else Outcome.NOT_RUN for r in u.rules])
        if u.states_behaviour and (u.doc, u.index) not in self.no_behaviour:
            return UNCOVERED
        return None

    def rules_panel(self, u: Any, pid: str) -> str:
        out = [f'<div class="rules" id="{pid}" hidden>']
        if not u.rules:
            reason = self.reasons.get((u.doc, u.index))
            out.append(f'<p class="reason">No catalogue rule cites this. {html.escape(reason or "")}</p>')
        for rid in u.rules:
            r = self.rows.get(rid, {"outcome": Outcome.NOT_RUN, "statement": "", "detail": None})
            outcome = str(r["outcome"])
            out.append(f'<h4><code>{html.escape(rid)}</code> {_badge(outcome)}</h4>'
                       f'<p>{html.escape(r.get("statement") or "")}</p>')
            exp = r.get("expect") or {}
            if exp.get("status"):
                code = html.escape(exp.get("errorCode") or "")
                out.append(f'<p class="reason">expected: HTTP {exp["status"]} {code}</p>')
            if r.get("expectation"):
                e = r["expectation"]
                out.append(f'<p class="reason">listed as a known deviation: {html.escape(e.get("reason") or "")}</p>')
            if r.get("detail") and outcome != Outcome.PASS:
                failed = (Outcome.FAIL, Outcome.ERROR, Outcome.EXPECTED_DEVIATION, Outcome.ADVISORY)
                label = "message" if outcome in failed else "why"
                out.append(f'<p><strong>{label}</strong> (ends with a curl reproducing the request):</p>'
                           if "reproduce:" in r["detail"] else f"<p><strong>{label}</strong>:</p>")
                out.append(f'<pre class="detail">{html.escape(r["detail"])}</pre>')
        out.append("</div>")
        return "".join(out)

    def unit_html(self, u: Any, tag: str = "div", cells: list[str] | None = None, width: int = 1) -> str:
        state = self.unit_state(u)
        anchor = unit_anchor(u.id)
        span = f' colspan="{width - len(cells) + 1}"' if cells and len(cells) < width else ""
        if state is None:
            body = ("".join(f"<td>{html.escape(c)}</td>" for c in cells[:-1])
                    + f"<td{span}>{html.escape(cells[-1])}</td>" if cells
                    else f'<span class="text">{html.escape(u.text)}</span>')
            return f'<{tag} class="unit plain{" row" if cells else ""}" id="{anchor}">{body}</{tag}>'
        self.counts[state] = self.counts.get(state, 0) + 1
        pid = f"rules-{u.id}"
        n = len(u.rules)
        label = f"{n} rule{'s' if n != 1 else ''}" if n else "why uncovered"
        tools = (f'<span class="tools">{_badge(state)}<button type="button" aria-expanded="false" '
                 f'aria-controls="{pid}">{label}</button></span>')
        attrs = f'id="{anchor}" data-unit-outcome="{html.escape(state)}"'
        if cells:
            tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells[:-1])
            last = html.escape(cells[-1])
            return (f'<tr class="unit row u-{_slug(state)}" {attrs}>{tds}<td{span}>{last} {tools}'
                    f"{self.rules_panel(u, pid)}</td></tr>")
        return (f'<div class="unit u-{_slug(state)}" {attrs}><span class="text">{html.escape(u.text)}</span>'
                f"{tools}{self.rules_panel(u, pid)}</div>")


def _doc_html(page: _Page, doc: str, units: list[Any], lines: list[str], figure: dict[str, Any] | None,
              title: str) -> str:
    out = [f'<section class="doc" id="doc-{_slug(doc)}" aria-labelledby="h-{_slug(doc)}">',
           f'<h2 id="h-{_slug(doc)}">{html.escape(title)}</h2>']
    if figure:
        out.append(f'<p class="doc-fig"><code>spec/docs/{html.escape(doc)}</code> · {figure["covered"]} of '
                   f'{figure["units"]} behaviour-stating units cited by a rule ({figure["percent"]}%)</p>')
    out.append('<div class="doc-body">')
    in_table, width = False, 1
    for u in units:
        if in_table and u.kind not in ("row",):
            out.append("</tbody></table>")
            in_table = False
        if u.kind == "heading" and not u.rules:
            out.append(f'<h3 id="{unit_anchor(u.id)}">{html.escape(u.text)}</h3>')
        elif u.kind == "table-header":
            cols = _cells(lines[u.line - 1], True)
            width = len(cols)
            out.append('<table><thead><tr>' + "".join(f"<th scope=\"col\">{html.escape(c)}</th>" for c in cols)
                       + "</tr></thead><tbody>")
            in_table = True
        elif u.kind == "row" and in_table:
            out.append(page.unit_html(u, "tr", _cells(lines[u.line - 1], False), width))
        elif u.kind == "example" and not u.rules:
            block = "\n".join(lines[u.line - 1: u.line - 1 + _block_len(lines, u)])
            out.append(f'<pre class="example" id="{unit_anchor(u.id)}" aria-label="example">'
                       f"{html.escape(block)}</pre>")
        else:
            out.append(page.unit_html(u))
    if in_table:
        out.append("</tbody></table>")
    out.append("</div></section>")
    return "\n".join(out)


def _block_len(lines: list[str], u: Any) -> int:
    """How many document lines an example unit spans (its text is their whitespace-normalised join)."""
    n, joined = 0, ""
    while u.line - 1 + n < len(lines) and len(" ".join(joined.split())) < len(u.text):
        joined += " " + lines[u.line - 1 + n]
        n += 1
    return max(n, 1)


def render(matrix: dict[str, Any], coverage: Any, units_by_doc: dict[str, list[Any]], docs_dir: Path,
           titles: dict[str, str] | None = None) -> str:
    """The whole page (redacted)."""
    rows = {r["rule"]: r for r in matrix.get("rules", [])}
    # Why each uncovered unit is uncovered; which behaviour-kind units state nothing (spec/untestable.yaml).
    reasons = {(item["doc"], int(item["unit"].rsplit("-", 1)[1])): item["reason"]
               for item in (coverage.uncovered if coverage is not None else [])}
    page = _Page(rows, reasons, set(coverage.no_behaviour) if coverage is not None else set())
    titles = titles or {}
    docs_html = []
    for doc, units in units_by_doc.items():
        lines = (docs_dir / doc).read_text(encoding="utf-8").splitlines()
        first = next((u.text for u in units if u.kind == "heading" and "main content" not in u.text), doc)
        fig = coverage.by_doc.get(doc) if coverage is not None else None
        title = f"{titles[doc]} · {first}" if doc in titles else first
        docs_html.append(_doc_html(page, doc, units, lines, fig, title))
    s = matrix.get("settings", {})
    overall = coverage.overall if coverage is not None else None
    cov_rows = []
    if coverage is not None:
        for doc, f in [*coverage.by_doc.items(), ("all five documents", coverage.overall)]:
            link = f'<a href="#doc-{_slug(doc)}">{html.escape(doc)}</a>' if doc in units_by_doc else \
                f"<strong>{html.escape(doc)}</strong>"
            cov_rows.append(f'<tr><th scope="row">{link}</th><td class="num">{f["covered"]}</td>'
                            f'<td class="num">{f["units"]}</td><td class="num">{f["percent"]}%</td>'
                            f'<td><span class="bar" aria-hidden="true"><span style="width:{f["percent"]}%"></span>'
                            f"</span></td></tr>")
    legend = "".join(f'<li>{_badge(o)} <span class="count" data-count-outcome="{html.escape(o)}">'
                     f'{page.counts.get(o, 0)} unit{"s" if page.counts.get(o, 0) != 1 else ""}</span> — '
                     f"{html.escape(meaning)}</li>" for o, (_, meaning) in LEGEND.items())
    extra = sorted(set(page.counts) - set(LEGEND))
    legend += "".join(f"<li>{_badge(o)} {page.counts[o]} units — an outcome this report does not describe</li>"
                      for o in extra)
    filters = "".join(f'<button type="button" data-filter="{html.escape(o)}" aria-pressed="false">'
                      f'<span aria-hidden="true">{_icon(o)}</span> {html.escape(o)} ({page.counts[o]})</button>'
                      for o in [*LEGEND, *extra] if page.counts.get(o))
    toc = "".join(f'<li><a href="#doc-{_slug(d)}">{html.escape(titles.get(d, d.removesuffix(".txt")))}</a></li>'
                  for d in units_by_doc)
    figure_line = (f"{overall['covered']} of {overall['units']} behaviour-stating units cited by a catalogue rule "
                   f"({overall['percent']}%)" if overall else "doc coverage not measured")
    page_html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Living docs · pnd-conformance</title>
<style>{_CSS}</style></head>
<body>
<header class="top">
<h1>The API documents, annotated by the verdict</h1>
<p class="meta" data-testid="run-meta">Target {html.escape(str(s.get("target")))} ·
{html.escape(summary.suite_label(matrix))} · generated
{html.escape(str(matrix.get("generated_at")))} · gate
<strong>{html.escape(str(matrix.get("gate", "")).upper())}</strong>
(exit code {html.escape(str(matrix.get("exit_code")))}) · <a href="../conformance.md">conformance matrix</a> ·
<a href="../html/index.html">Allure report</a></p>
{_run_scope(matrix)}
</header>
<main>
<nav class="toc" aria-label="Documents"><h2>Documents</h2><ol>{toc}</ol>
<p><a href="#summary">Coverage and legend</a></p></nav>
<div>
<section id="summary" aria-labelledby="h-summary"><h2 id="h-summary">Coverage and legend</h2>
<p data-testid="overall-coverage">{figure_line}.</p>
<div class="summary">
<div><h3>Doc coverage</h3>
<table data-testid="coverage"><thead><tr><th scope="col">document</th><th scope="col">cited</th>
<th scope="col">units</th><th scope="col">%</th><th scope="col"><span class="visually-hidden">bar</span></th></tr>
</thead><tbody>{"".join(cov_rows)}</tbody></table></div>
<div><h3>Legend</h3><ul class="legend">{legend}</ul></div>
</div>
<h3>Show</h3>
<div class="toolbar" role="group" aria-label="Show units by outcome">
<button type="button" data-filter="all" aria-pressed="true">all</button>{filters}</div>
</section>
{"".join(docs_html)}
</div></main>
<script>{_SCRIPT}</script>
</body></html>
"""
    return redact(page_html)


def _run_scope(matrix: dict[str, Any]) -> str:
    """A partial run says so (a verdict on its selection only); every run names its seed."""
    run, seed = matrix.get("run") or {}, matrix.get("seed") or {}
    out = []
    if run.get("partial"):
        out.append(f'<p class="meta partial" data-testid="partial"><strong>Partial run</strong> '
                   f'({html.escape("; ".join(run.get("selection") or []))}): a verdict on the selected tests only, '
                   "not on the target; statements of rules outside the selection are marked not run.</p>")
    if run.get("stopped"):
        out.append(f'<p class="meta" data-testid="stopped">The run stopped early: {html.escape(run["stopped"])}</p>')
    if seed.get("value") is not None:
        out.append(f'<p class="meta" data-testid="seed">Seed {html.escape(str(seed["value"]))} '
                   f'(<code>--hypothesis-seed {html.escape(str(seed["value"]))}</code> draws the same examples).</p>')
    return "\n".join(out)


def write(matrix: dict[str, Any], coverage: Any, reports_dir: Path) -> Path | None:
    """`<reports_dir>/docs/index.html`; None when the documents cannot be read (the matrix says why)."""
    try:
        from pnd_conformance.spec.catalogue import DOCS_DIR
        from pnd_conformance.spec.docunits import units_by_doc
        from pnd_conformance.spec.operations import operations as all_operations

        units = units_by_doc()
        # a doc's own operation, as the spec names it (a rule may cite another operation's doc)
        operations = {op.doc: op.key for op in all_operations()}
    except Exception:
        return None
    path = reports_dir / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(matrix, coverage, units, DOCS_DIR, operations), encoding="utf-8")
    return path

