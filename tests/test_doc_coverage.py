"""Doc coverage: every behaviour-stating unit of the five documents is cited by a catalogue rule or
listed in spec/untestable.yaml with a reason, and no listed unit is cited (the list cannot go stale).

A unit is a table row, a bullet, a prose sentence or a request line (spec/docunits.py); headings,
table headers and example blocks state no behaviour by their kind.
"""
from __future__ import annotations

import re
import subprocess
import sys

import yaml

from pnd_conformance.spec.catalogue import DOCS_DIR, doc_text, load_rules
from pnd_conformance.spec.doctables import error_rows, parse_tables
from pnd_conformance.spec.docunits import UNTESTABLE_PATH, coverage, normalise, units_by_doc

ROOT = DOCS_DIR.parent.parent


def test_every_behaviour_stating_unit_is_cited_or_listed():
    cov = coverage()
    assert not cov.unlisted, (
        "behaviour-stating units that no rule cites and spec/untestable.yaml does not list (add a rule, or list "
        "the unit with an honest reason):\n" + "\n".join(f"  {u.doc}:{u.line} [{u.kind}] {u.text[:120]}"
                                                          for u in cov.unlisted))
    assert not cov.stale, "stale entries in spec/untestable.yaml:\n" + "\n".join(f"  {s}" for s in cov.stale)


def test_the_figures_add_up():
    cov = coverage()
    assert set(cov.by_doc) == {p.name for p in DOCS_DIR.glob("*.txt")} and len(cov.by_doc) == 5
    units = units_by_doc()
    for doc, figure in cov.by_doc.items():
        uncovered = [u for u in cov.uncovered if u["doc"] == doc]
        assert figure["units"] - figure["covered"] == len(uncovered), doc
        assert figure["covered"] == sum(1 for u in units[doc] if u.rules), doc  # every cited unit counts
        assert all(u["reason"] for u in uncovered)
    assert cov.overall["units"] == sum(f["units"] for f in cov.by_doc.values())


def test_units_cover_every_line_and_every_table_row():
    """Nothing of a document falls between units, and every row the table readers parse is one unit."""
    for doc, units in units_by_doc().items():
        text = doc_text(doc)
        full = normalise(text)
        covered = bytearray(len(full))
        for u in units:
            covered[u.start:u.end] = b"\1" * (u.end - u.start)
        for sep in re.finditer(r"\|(?:-{3}\|)+", full):  # a pipe table's |---| line is no unit
            covered[sep.start():sep.end()] = b"\1" * (sep.end() - sep.start())
        missing = [i for i, c in enumerate(full) if not covered[i] and not full[i].isspace()]
        assert not missing, f"{doc}: text in no unit near {full[missing[0]:missing[0] + 60]!r}"
        row_lines = {u.line for u in units if u.kind == "row"}
        parsed = {r.line + 1 for t in parse_tables(text) for r in t.rows} | {r.line + 1 for r in error_rows(text)}
        assert parsed <= row_lines, (doc, sorted(parsed - row_lines))


def test_every_rule_cites_some_unit():
    cited = {r for units in units_by_doc().values() for u in units for r in u.rules}
    missing = [r.id for r in load_rules() if r.id not in cited]
    assert not missing, f"rules whose quote lies in no unit: {missing}"


def _write(tmp_path, mutate) -> object:
    data = yaml.safe_load(UNTESTABLE_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "untestable.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_an_unlisted_uncited_unit_fails(tmp_path):
    doc = "update-appointment-with-trip.txt"

    def drop_first_uncovered(data):
        data["uncovered"][doc][-1]["units"].pop(0)
    cov = coverage(untestable=_write(tmp_path, drop_first_uncovered))
    assert [u.doc for u in cov.unlisted] == [doc]


def test_a_listed_unit_that_a_rule_cites_is_stale(tmp_path):
    doc = "create-partner-appointment-with-trip.txt"

    def list_a_cited_row(data):
        data["uncovered"][doc].append({"reason": "no rule yet: test", "units": ["customerUUIDStringUnique token"]})
    cov = coverage(untestable=_write(tmp_path, list_a_cited_row))
    assert any("customerUUIDStringUnique token" in s and "now cited by" in s for s in cov.stale), cov.stale

    def list_nothing(data):
        data["no_behaviour"][doc].append({"reason": "gone", "units": ["No such sentence in the document"]})
    cov = coverage(untestable=_write(tmp_path, list_nothing))
    assert any("matches 0 units" in s for s in cov.stale), cov.stale


def test_command_prints_figures_and_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pnd_conformance.spec.docunits"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    cov = coverage()
    assert f"overall: {cov.overall['covered']}/{cov.overall['units']}" in proc.stdout
    assert proc.stdout.count("\nuncovered ") + proc.stdout.startswith("uncovered ") == len(cov.uncovered)
