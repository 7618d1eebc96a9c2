"""The tables of the API documents, read in both forms they come in.

Three documents write their tables with pipes (`name | Value | Description | Required |`); two
(create, delete) lost their separators and run the cells together
(`customerUUIDStringUnique token...Yes`). Both forms are read here, for the spec and catalogue
lints (tests/), the doc units (spec/docunits.py) and doc drift (spec/drift.py): one reader,
and every row line of a table must parse, so no row is silently skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Row:
    name: str
    description: str
    required: str | None  # the Required cell, None for tables without one (responses)
    line: int = -1        # 0-based line index in the document


@dataclass
class Table:
    header: str
    has_required: bool
    rows: list[Row] = field(default_factory=list)
    line: int = -1        # 0-based line index of the header


class TableError(ValueError):
    """A table row that does not parse: the reader would otherwise skip it silently."""


PIPE_HEADER = re.compile(r"^\|\s*(Property Name|Parameter Name)\s*\|")
PIPE_ROW = re.compile(r"^([A-Za-z][A-Za-z0-9]*) \| ([^|]*) \| ([^|]*) \|(?: ([^|]*) \|)?$")
RUN_HEADER = re.compile(r"^(Property Name|Parameter Name)(Value|Type)Description(Required)?$")
RUN_TYPE = r"(?:String|Boolean|Object|Double|Integer|List<[^>]*>|Map<[^>]*>)"
RUN_ROW = re.compile(r"^([a-z][A-Za-z0-9]*?)" + RUN_TYPE + r"(?=[A-Z])(.*)$")
RUN_REQUIRED = re.compile(r"(Yes(?:, when [^.]*)?|No(?: \(defaults to [^)]*\))?|Conditional(?: — .*)?)$")


def parse_tables(text: str) -> list[Table]:
    """All property/parameter tables of a doc, in document order (both table forms)."""
    lines = text.splitlines()
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if PIPE_HEADER.match(line):
            table = Table(line, "Required" in line, line=i)
            i += 2  # header and |---| separator
            while i < len(lines) and (m := PIPE_ROW.match(lines[i])):
                table.rows.append(Row(m[1], m[3], m[4] if table.has_required else None, i))
                i += 1
            if i < len(lines) and lines[i].rstrip().endswith("|"):
                raise TableError(f"unparsed table row in pipe-table doc: {lines[i]!r}")
            tables.append(table)
            continue
        if m := RUN_HEADER.match(line):
            table = Table(line, bool(m[3]), line=i)
            i += 1
            while i < len(lines) and lines[i].strip():
                row = RUN_ROW.match(lines[i])
                if not row:
                    raise TableError(f"unparsed table row in run-together doc: {lines[i]!r}")
                rest = row[2]
                required = None
                if table.has_required:
                    req = RUN_REQUIRED.search(rest)
                    if not req:
                        raise TableError(f"no Required cell found in row: {lines[i]!r}")
                    required, rest = req[1], rest[: req.start()]
                table.rows.append(Row(row[1], rest, required, i))
                i += 1
            tables.append(table)
            continue
        i += 1
    return tables


# Error tables come in both forms: pipe rows ("400 | INVALID_SAR_UUID | ... |", get-trips) and
# run-together rows ("400INVALID_DEALER_UUIDInvalid dealer UUID...", create, delete). Every row
# starts with its status cell; every status cell form is listed, so a new one fails loudly.
ERROR_HEADER = re.compile(r"^(?:\| )?HTTP Status(?: \| )?Error Code")
STATUS_CELL = re.compile(r"^(?:200 with null or no trip data|200 or downstream trip-delete status|4xx or 5xx|\d{3})"
                         r"(?: \| )?")
CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
SCOPE_HEADER = re.compile(r"^(?:\| )?Scope(?: \| )?Level(?: \| )?Description")


def _prefix(pattern: str, text: str) -> str:
    """What `pattern` (one that may match nothing) matches at the start of `text`."""
    m = re.match(pattern, text)
    return m[0] if m else ""


def codes_of_cell(rest: str, text: str) -> list[str]:
    """The code(s) a row's Error Code cell starts with ("A" or "A or B"); none for a lowercase cell
    such as "none" or "downstream service error code". In a run-together row the code runs into the
    next cell: "UNAUTHORIZEDThe ..." vs "CUSTOMER_INFO_MISSINGminimum ...". The last capital belongs
    to the next cell when it starts a word the doc uses elsewhere ("The", "Invalid", "An")."""
    codes: list[str] = []
    while rest[:1].isupper():
        run = _prefix(r"[A-Z0-9_]*", rest)
        after = rest[len(run):]
        if after[:1].islower():
            word = run[-1] + _prefix(r"[a-z]*", after)
            if re.search(rf"\b{word.lower()}\b", text.lower()):
                run = run[:-1]
        if not CODE.match(run):
            raise TableError(f"unparsable error code cell: {rest[:60]!r}")
        codes.append(run)
        rest = rest[len(run):]
        if not rest.startswith(" or "):
            break
        rest = rest[len(" or "):]
    return codes


@dataclass
class ErrorRow:
    status: str
    codes: tuple[str, ...]  # empty for a row whose code cell is lowercase ("none")
    line: int


def error_rows(text: str) -> list[ErrorRow]:
    """Every row of every error table of a doc, in document order."""
    out: list[ErrorRow] = []
    lines = text.splitlines()
    for i, header in enumerate(lines):
        if not ERROR_HEADER.match(header):
            continue
        pipe = header.startswith("|")
        start = i + 2 if pipe else i + 1  # a pipe header is followed by its |---| line
        for j in range(start, len(lines)):
            row = lines[j]
            if not (row.endswith("|") if pipe else row.strip()):
                break  # a pipe table ends at its first non-row line, a run-together one at a blank line
            status = STATUS_CELL.match(row)
            if not status:
                raise TableError(f"error-table row with an unknown status cell: {row[:60]!r}")
            out.append(ErrorRow(status[0].strip(" |"), tuple(codes_of_cell(row[status.end():], text)), j))
    return out


def documented_codes(text: str) -> list[tuple[str, ...]]:
    """Error code groups of a doc: one per error-table row (alternatives "A or B" form a group), one
    per `"errorCode": "CODE"` of its examples and per "missing → 400 CODE" in its prose."""
    groups: list[tuple[str, ...]] = [row.codes for row in error_rows(text) if row.codes]
    groups += [(c,) for c in re.findall(r'"errorCode":\s*"([A-Z][A-Z0-9_]*)"', text)]
    groups += [(c,) for c in re.findall(r"→ \d{3} ([A-Z][A-Z0-9_]*[A-Z0-9])", text)]
    return groups


def table_lines(text: str) -> dict[int, tuple[str, int]]:
    """Line index → ("header" | "separator" | "row", the header's line index), for every table of a doc:
    property/parameter, error and scope tables, in both forms."""
    lines = text.splitlines()
    out: dict[int, tuple[str, int]] = {}
    for i, line in enumerate(lines):
        generic_pipe = line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---")
        if i in out or not (PIPE_HEADER.match(line) or RUN_HEADER.match(line) or ERROR_HEADER.match(line)
                            or SCOPE_HEADER.match(line) or generic_pipe):
            continue
        out[i] = ("header", i)
        pipe = line.startswith("|")
        j = i + 1
        if pipe and j < len(lines) and lines[j].startswith("|---"):
            out[j] = ("separator", i)
            j += 1
        while j < len(lines) and (lines[j].rstrip().endswith("|") if pipe else lines[j].strip()):
            out[j] = ("row", i)
            j += 1
    return out
