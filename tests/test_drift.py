"""`python -m pnd_conformance.spec.drift PATH` on doctored copies of the documents (a changed quote, a new error row,
a removed field) and on unchanged copies: one line per item that needs attention, exit 1; nothing
and exit 0 for unchanged copies; exit 4 and one line on a usage error."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pnd_conformance.spec.catalogue import DOCS_DIR, rule

ROOT = DOCS_DIR.parent.parent
DELETE, GET_TRIPS, FILTER = ("delete-partner-appointment-with-trip.txt", "get-partner-trips-for-appointment.txt",
                             "filter-trips.txt")


def _drift(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pnd_conformance.spec.drift", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _copies(tmp_path: Path) -> Path:
    new = tmp_path / "new-docs"
    new.mkdir()
    for p in DOCS_DIR.glob("*.txt"):
        shutil.copy(p, new / p.name)
    return new


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_unchanged_copies_need_nothing(tmp_path):
    proc = _drift(str(_copies(tmp_path)))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "drift: nothing needs attention\n", "")


def test_changed_quote_new_error_row_and_removed_field(tmp_path):
    new = _copies(tmp_path)
    quoted = rule("delete-non-web-with-actor").citation.quote
    _edit(new / DELETE, quoted, "For non-WEB sources, updatedByDAUUID should be provided when known.")
    _edit(new / GET_TRIPS, "400 | INVALID_SAR_UUID | Invalid SAR UUID is provided in the request | sarUUID path "
                           "param is blank. |\n",
          "400 | INVALID_SAR_UUID | Invalid SAR UUID is provided in the request | sarUUID path param is blank. |\n"
          "404 | APPOINTMENT_NOT_FOUND | No appointment with this SAR UUID | sarUUID names no appointment. |\n")
    _edit(new / FILTER, "pageSize | Integer | Number of items per page | No |\n", "")
    proc = _drift(str(new))
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == f"drift: {len(lines) - 1} item(s) need attention"
    assert (f'quote gone: {DELETE}: rule delete-non-web-with-actor: "{quoted}" — closest new unit (line 73): '
            '"For non-WEB sources, updatedByDAUUID should be provided when known."') in lines
    assert (f'unit without rule: {DELETE}:73: new or changed sentence: "For non-WEB sources, updatedByDAUUID should '
            'be provided when known."') in lines
    assert f"error code added: {GET_TRIPS}: 404 APPOINTMENT_NOT_FOUND" in lines
    assert any(ln.startswith(f"unit without rule: {GET_TRIPS}:") and "APPOINTMENT_NOT_FOUND" in ln for ln in lines)
    assert f"field removed: {FILTER}: Request body: pageSize" in lines
    # The rule quoting the removed row loses its quote too, pointed at the nearest remaining row.
    assert any(ln.startswith(f"quote gone: {FILTER}: rule ") and "pageSize" in ln for ln in lines), lines
    # Nothing else: the other documents and the untouched parts do not drift.
    assert all(DELETE in ln or GET_TRIPS in ln or FILTER in ln for ln in lines[:-1])


def test_removed_error_row_and_changed_field(tmp_path):
    new = _copies(tmp_path)
    _edit(new / GET_TRIPS, "400 | INVALID_DEPT_UUID | Invalid dealer department UUID is provided in the request | "
                           "The API cannot derive a service department from the provided dealer UUID. |\n", "")
    _edit(new / FILTER, "pageNumber | Integer | Page number for pagination (1-based) | No |",
          "pageNumber | Integer | Page number for pagination (0-based) | No |")
    lines = _drift(str(new)).stdout.splitlines()
    assert f"error code removed: {GET_TRIPS}: 400 INVALID_DEPT_UUID" in lines
    assert (f'field changed: {FILTER}: Request body: pageNumber: description "Page number for pagination (1-based)" '
            '→ "Page number for pagination (0-based)"') in lines


@pytest.mark.parametrize("args, message", [
    ((), "the following arguments are required: path"),
    (("/nonexistent/docs",), "is not a directory"),
    (("{empty}",), "holds none of the documents"),
])
def test_usage_errors_are_one_line(tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    proc = _drift(*[a.format(empty=tmp_path / "empty") for a in args])
    assert proc.returncode == 4 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and message in proc.stderr, proc.stderr
