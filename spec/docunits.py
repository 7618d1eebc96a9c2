"""The behaviour-stating units of the API documents, and which catalogue rules cite each.

A document is split, in reading order, into units: table rows (parameters, fields, scopes,
errors; both table forms, spec/doctables.py), bullets, prose sentences, request lines, and the
units that state no behaviour by their kind (headings, table headers, example blocks). A unit
is *cited* by a rule whose quote (whitespace runs normalised, first occurrence, as the
catalogue lint reads it) overlaps it. spec/untestable.yaml lists, with a reason, the units that
no rule cites: those that state no behaviour (left out of the figure) and behaviour-stating
ones with no rule yet (counted as uncovered). The figure per document is
cited / behaviour-stating units.

    python -m pnd_conformance.spec.docunits          # the figures and the uncovered units
"""
from __future__ import annotations

import re
import signal
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import yaml

from pnd_conformance.spec.catalogue import DOCS_DIR, SPEC_DIR, load_rules
from pnd_conformance.spec.doctables import table_lines

UNTESTABLE_PATH = SPEC_DIR / "untestable.yaml"
#: Kinds that state a behaviour (unless spec/untestable.yaml says a unit does not); the others never do.
BEHAVIOUR_KINDS = ("row", "bullet", "sentence", "request-line")
NO_BEHAVIOUR_KINDS = ("heading", "table-header", "example")

_CODE_START = re.compile(r"^(curl\b|\{\s*$|\[\s*$|# )")
_CODE_LINE = re.compile(r"^\s*(--|-[A-Za-z]\b|[\"{}\[\]'#]|\d+[,\s]*$|null|true|false)")
_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|DELETE|PATCH)\s+https?://")
_BULLET = re.compile(r"^\s*(?:[•\-])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(]|- [A-Z])")
_TERMINAL = (".", "!", "?", ":")


def normalise(text: str) -> str:
    """Whitespace runs → one space (the catalogue lint's reading of a quote)."""
    return " ".join(text.split())


@dataclass
class Unit:
    doc: str
    index: int
    kind: str
    text: str            # normalised
    line: int            # 1-based first line in the document
    section: str = ""    # the heading it sits under
    start: int = 0       # span in the normalised document
    end: int = 0
    rules: list[str] = field(default_factory=list)  # ids of the rules citing it

    @property
    def id(self) -> str:
        """Stable while the document is unchanged: `<doc stem>-<n>` (the living-docs anchor)."""
        return f"{Path(self.doc).stem}-{self.index}"

    @property
    def states_behaviour(self) -> bool:
        """By its kind; a heading or example that a rule cites states what the rule read in it."""
        return self.kind in BEHAVIOUR_KINDS or bool(self.rules)


def _blocks(lines: list[str]) -> Iterable[tuple[str, int, list[str]]]:
    """(kind, first line index, lines) in reading order: table parts, examples, request lines, prose."""
    tables = table_lines("\n".join(lines))
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if i in tables:
            kind = tables[i][0]
            if kind != "separator":
                yield ("table-header" if kind == "header" else "row"), i, [line]
            i += 1
            continue
        if _CODE_START.match(line):
            j, depth = i, 0
            while j < len(lines) and lines[j].strip() and (j == i or depth > 0 or _CODE_LINE.match(lines[j])
                                                           or lines[j - 1].rstrip().endswith("\\")):
                depth += sum(lines[j].count(c) for c in "{[") - sum(lines[j].count(c) for c in "}]")
                j += 1
            yield "example", i, lines[i:j]
            i = j
            continue
        if _REQUEST_LINE.match(line):
            j = i + 1
            while j < len(lines) and lines[j][:1] in ("?", "&"):
                j += 1
            yield "request-line", i, lines[i:j]
            i = j
            continue
        # Prose: a line that stops mid-phrase continues on the next when that one starts in lower
        # case, as a code span does ("- If" / "pageSizeis provided, ..."): the docs lost their
        # inline-code formatting.
        j = i + 1
        while (j < len(lines) and lines[j].strip() and j not in tables and not lines[j - 1].rstrip().endswith(_TERMINAL)
               and lines[j][:1].islower()
               and not _CODE_START.match(lines[j])):
            j += 1
        yield "prose", i, lines[i:j]
        i = j


def split_units(doc: str, text: str) -> list[Unit]:
    lines = text.splitlines()
    units: list[Unit] = []
    section = ""
    for kind, first, block in _blocks(lines):
        joined = normalise(" ".join(block))
        if kind != "prose":
            parts = [(kind, joined)]
        elif (not joined.endswith((".", "!", "?", ":")) and len(joined) <= 100 or joined.endswith(":")
              and len(joined) <= 40) and not _BULLET.match(joined):
            parts = [("heading", joined)]
        else:
            parts = []
            for piece in _SENTENCE_END.split(joined):
                if _BULLET.match(piece):
                    parts.append(("bullet", piece))
                elif parts and parts[-1][0] == "bullet" and not piece.startswith(("Note", "Important")):
                    parts[-1] = ("bullet", parts[-1][1] + " " + piece)  # a bullet's further sentences
                else:
                    parts.append(("sentence", piece))
        for k, part in parts:
            if k == "heading":
                section = part.rstrip(":")
            units.append(Unit(doc, len(units) + 1, k, part, first + 1, section))
    # Spans in the normalised document, for citing by quote.
    full, pos = normalise(text), 0
    for u in units:
        at = full.find(u.text, pos)
        if at < 0:  # cannot happen for whitespace-normalised pieces of the text, in order
            raise ValueError(f"{doc}: unit {u.index} not found in order: {u.text[:60]!r}")
        u.start, u.end, pos = at, at + len(u.text), at + len(u.text)
    return units


def _cite(units: list[Unit], text: str, rules: Iterable[Any]) -> None:
    full = normalise(text)
    for rule in rules:
        quote = normalise(rule.citation.quote)
        at = full.find(quote)
        if at < 0:
            continue  # the catalogue lint reports a quote that is not verbatim
        end = at + len(quote)
        for u in units:
            overlap = min(end, u.end) - max(at, u.start)
            if overlap > 0 and overlap >= min(len(u.text), 8):
                u.rules.append(rule.id)


def doc_names(docs_dir: Path = DOCS_DIR) -> list[str]:
    return sorted(p.name for p in docs_dir.glob("*.txt"))


@cache
def _units(docs_dir: str) -> dict[str, list[Unit]]:
    rules = load_rules()
    out = {}
    for name in doc_names(Path(docs_dir)):
        text = (Path(docs_dir) / name).read_text(encoding="utf-8")
        units = split_units(name, text)
        _cite(units, text, [r for r in rules if r.citation.doc == name])
        out[name] = units
    return out


def units_by_doc(docs_dir: Path = DOCS_DIR) -> dict[str, list[Unit]]:
    """Every unit of every document, each with the ids of the rules citing it (cached)."""
    return _units(str(docs_dir))


# --------------------------------------------------------------------------- the reviewed list

@dataclass(frozen=True)
class Listed:
    doc: str
    unit: str           # the unit's text starts with this
    reason: str
    states_behaviour: bool  # False: states nothing testable, out of the figure; True: uncovered


class UntestableError(ValueError):
    """spec/untestable.yaml is malformed (one line)."""


def load_untestable(path: Path = UNTESTABLE_PATH) -> tuple[dict[str, str], list[Listed]]:
    """(reasons of the kinds that state no behaviour, the listed units)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kinds = data.get("kinds") or {}
    if set(kinds) != set(NO_BEHAVIOUR_KINDS):
        raise UntestableError(f"{path.name}: `kinds` must give the reason of exactly {NO_BEHAVIOUR_KINDS}")
    listed = []
    for section, behaviour in (("no_behaviour", False), ("uncovered", True)):
        for doc, groups in (data.get(section) or {}).items():
            for group in groups or []:
                if not (isinstance(group, dict) and isinstance(group.get("reason"), str) and group["reason"].strip()
                        and isinstance(group.get("units"), list) and group["units"]):
                    raise UntestableError(f"{path.name}: {section}: {doc}: every group has a `reason` and `units`")
                listed += [Listed(doc, normalise(str(unit)), normalise(group["reason"]), behaviour)
                           for unit in group["units"]]
    return kinds, listed


def match_listed(units: dict[str, list[Unit]], listed: list[Listed]) -> dict[Listed, list[Unit]]:
    """The units each entry names: the unit whose text it is, else those whose text starts with it."""
    out = {}
    for entry in listed:
        us = units.get(entry.doc, [])
        out[entry] = [u for u in us if u.text == entry.unit] or [u for u in us if u.text.startswith(entry.unit)]
    return out


# --------------------------------------------------------------------------- the figure

@dataclass
class Coverage:
    by_doc: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    uncovered: list[dict[str, Any]]   # behaviour-stating units no rule cites, with the listed reason
    unlisted: list[Unit]              # behaviour-stating, neither cited nor listed: the self-test fails
    stale: list[str]                  # listed entries that match no unit, several, or a cited one
    no_behaviour: dict[tuple[str, int], str] = field(default_factory=dict)  # (doc, unit index) → reason

    def to_dict(self) -> dict[str, Any]:
        return {"by_doc": self.by_doc, "overall": self.overall, "uncovered": self.uncovered}


def _figure(covered: int, total: int) -> dict[str, Any]:
    return {"covered": covered, "units": total, "percent": round(100 * covered / total, 1) if total else 100.0}


def coverage(docs_dir: Path = DOCS_DIR, untestable: Path = UNTESTABLE_PATH) -> Coverage:
    units = units_by_doc(docs_dir)
    _, listed = load_untestable(untestable)
    matches = match_listed(units, listed)
    stale = []
    reason_of: dict[tuple[str, int], Listed] = {}
    for entry, found in matches.items():
        where = f"{entry.doc}: {entry.unit[:60]!r}"
        if not found or len({u.text for u in found}) != 1:
            stale.append(f"{where} matches {len(found)} units (make it match exactly one)")
            continue
        cited = sorted({r for u in found for r in u.rules})
        if cited:
            stale.append(f"{where} is now cited by {', '.join(cited)} (remove it from the list)")
        for u in found:  # several only when the document repeats the unit word for word
            reason_of[(entry.doc, u.index)] = entry
    by_doc: dict[str, dict[str, Any]] = {}
    uncovered: list[dict[str, Any]] = []
    unlisted: list[Unit] = []
    for doc, us in units.items():
        stating = [u for u in us if u.states_behaviour
                   and not ((e := reason_of.get((doc, u.index))) and not e.states_behaviour)]
        by_doc[doc] = _figure(sum(1 for u in stating if u.rules), len(stating))
        for u in stating:
            if u.rules:
                continue
            reason = reason_of.get((doc, u.index))
            if reason is None:
                unlisted.append(u)
            uncovered.append({"doc": doc, "unit": u.id, "line": u.line, "kind": u.kind, "text": u.text,
                              "reason": reason.reason if reason else None})
    overall = _figure(sum(f["covered"] for f in by_doc.values()), sum(f["units"] for f in by_doc.values()))
    no_behaviour = {key: e.reason for key, e in reason_of.items() if not e.states_behaviour}
    return Coverage(by_doc, overall, uncovered, unlisted, stale, no_behaviour)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `python -m pnd_conformance.spec.docunits | head` ends quietly
    cov = coverage()
    for doc, f in cov.by_doc.items():
        print(f"{doc}: {f['covered']}/{f['units']} behaviour-stating units cited by a rule ({f['percent']}%)")
    o = cov.overall
    print(f"overall: {o['covered']}/{o['units']} ({o['percent']}%)")
    for u in cov.uncovered:
        print(f"uncovered {u['doc']}:{u['line']} [{u['kind']}] {u['text'][:100]} — {u['reason'] or 'NOT LISTED'}")
    for s in cov.stale:
        print(f"stale entry in spec/untestable.yaml: {s}")
    return 1 if cov.unlisted or cov.stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
