"""Doc drift: what the catalogue must follow when myKaarma updates a document.

    pnd-conformance drift DIR       # PATH: a directory with new versions of the documents

Compares each document of spec/docs/ with the file of the same name in PATH and prints one line
per item that needs attention:

    quote gone       a rule's quote no longer appears (with the closest unit of the new text)
    unit without rule  a new or changed behaviour-stating unit that no rule's quote lies in
    error code added / removed / status changed   in the error tables
    field added / removed / changed   a parameter or field row of a property/parameter table
                                      (changed: its description or Required cell)
    new document     a .txt file in PATH that is not one of the five (no rule cites it)

Exit code 0 when nothing needs attention, 1 otherwise, 4 on a usage error (one line).
Documents missing from PATH are not compared (said on one line, not an item).
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from pnd_conformance.spec.catalogue import DOCS_DIR, load_rules
from pnd_conformance.spec.doctables import TableError, error_rows, parse_tables
from pnd_conformance.spec.docunits import BEHAVIOUR_KINDS, Unit, _cite, normalise, split_units


class UsageError(Exception):
    pass


def _tables(text: str, units: list[Unit]) -> dict[tuple[str, int], dict[str, tuple[str, str | None]]]:
    """(section heading, n-th table under it) → {row name: (description, required)}."""
    section_of = {u.line: u.section for u in units}
    out: dict[tuple[str, int], dict[str, tuple[str, str | None]]] = {}
    for table in parse_tables(text):
        section = section_of.get(table.line + 1, "")
        n = sum(1 for s, _ in out if s == section)
        out[(section, n)] = {r.name: (normalise(r.description), r.required) for r in table.rows}
    return out


def _codes(text: str) -> dict[str, str]:
    return {code: row.status for row in error_rows(text) for code in row.codes}


def compare(doc: str, old: str, new: str, rules: list) -> list[str]:
    """The lines of one document that need attention."""
    lines: list[str] = []
    old_units, new_units = split_units(doc, old), split_units(doc, new)
    new_full = normalise(new)
    candidates = [u for u in new_units if u.kind in BEHAVIOUR_KINDS] or new_units
    for rule in rules:
        quote = normalise(rule.citation.quote)
        if quote in new_full:
            continue
        best = max(candidates, key=lambda u: difflib.SequenceMatcher(None, quote, u.text).ratio(), default=None)
        where = f' — closest new unit (line {best.line}): "{_short(best.text)}"' if best else ""
        lines.append(f'quote gone: {doc}: rule {rule.id}: "{_short(quote)}"{where}')
    _cite(new_units, new, rules)
    old_texts = {u.text for u in old_units}
    for u in new_units:
        if u.kind in BEHAVIOUR_KINDS and u.text not in old_texts and not u.rules:
            lines.append(f'unit without rule: {doc}:{u.line}: new or changed {u.kind}: "{_short(u.text)}"')
    old_codes, new_codes = _codes(old), _codes(new)
    for code in sorted(set(new_codes) - set(old_codes)):
        lines.append(f"error code added: {doc}: {new_codes[code]} {code}")
    for code in sorted(set(old_codes) - set(new_codes)):
        lines.append(f"error code removed: {doc}: {old_codes[code]} {code}")
    for code in sorted(set(old_codes) & set(new_codes)):
        if old_codes[code] != new_codes[code]:
            lines.append(f"error code status changed: {doc}: {code}: {old_codes[code]} → {new_codes[code]}")
    old_tables, new_tables = _tables(old, old_units), _tables(new, new_units)
    for key in [*old_tables, *[k for k in new_tables if k not in old_tables]]:
        before, after = old_tables.get(key, {}), new_tables.get(key, {})
        where = f"{doc}: {key[0] or 'table'}" + (f" (table {key[1] + 1})" if key[1] else "")
        for name in after.keys() - before.keys():
            lines.append(f"field added: {where}: {name}")
        for name in before.keys() - after.keys():
            lines.append(f"field removed: {where}: {name}")
        for name in sorted(before.keys() & after.keys()):
            (d0, r0), (d1, r1) = before[name], after[name]
            if d0 != d1:
                lines.append(f'field changed: {where}: {name}: description "{_short(d0, 80)}" → "{_short(d1, 80)}"')
            if r0 != r1:
                lines.append(f"field changed: {where}: {name}: required {r0!r} → {r1!r}")
    return lines


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def drift(path: Path, docs_dir: Path = DOCS_DIR) -> tuple[list[str], list[str]]:
    """(lines needing attention, informational lines)."""
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory (give a directory with new versions of the documents)")
    current = sorted(p.name for p in docs_dir.glob("*.txt"))
    offered = sorted(p.name for p in path.glob("*.txt"))
    if not set(current) & set(offered):
        raise UsageError(f"{path} holds none of the documents ({', '.join(current)})")
    rules = load_rules()
    attention: list[str] = [f"new document: {name}: no rule cites it" for name in offered if name not in current]
    info = [f"not compared: {name} is not in {path}" for name in current if name not in offered]
    for name in current:
        if name not in offered:
            continue
        try:
            old = (docs_dir / name).read_text(encoding="utf-8")
            new = (path / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {name}: {exc}") from None
        try:
            attention += compare(name, old, new, [r for r in rules if r.citation.doc == name])
        except TableError as exc:
            attention.append(f"table unreadable: {name}: {exc} (fix spec/doctables.py's reader for the new form)")
    return attention, info


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 4 (argparse's own is two lines and 2)
        raise UsageError(f"{message} (usage: pnd-conformance drift DIR)")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="pnd-conformance drift", description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="directory with new versions of the documents")
    try:
        args = parser.parse_args(argv)
        attention, info = drift(args.path)
    except UsageError as exc:
        print(f"drift: {exc}", file=sys.stderr)
        return 4
    for line in [*info, *attention]:
        print(line)
    print(f"drift: {len(attention)} item(s) need attention" if attention else "drift: nothing needs attention")
    return 1 if attention else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
