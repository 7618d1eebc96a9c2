"""What a run covered: whether it was a selection of the suite (partial), why it stopped early, what was not
checked and why (rules grouped by outcome and reason), and whether every stated rule was checked (complete).

A partial run is a verdict on the selected tests only, never on the target; every report says so.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pnd_conformance.judging.outcome import Outcome
from pnd_conformance.settings import PACKAGE_DIR, SUITE_DIR

#: The outcomes of rules the run did not judge, in the order the roll-up shows them.
NOT_CHECKED = (Outcome.SKIPPED, Outcome.NOT_RUN, Outcome.NOT_OBSERVABLE)
# A name in a reason: quoted ('read_only', not an apostrophe as in the target's or get-trips'), or an
# environment variable (PND_READ_ONLY_PASSWORD).
_NAME = re.compile(r"(?<!\w)'([^'\s]+)'(?!\w)|\b(PND_[A-Z0-9_]+)\b")
ELLIPSIS = "'…'"


def selection(config: pytest.Config, deselected: int = 0) -> list[str]:
    """Why this run is a selection of the suite (empty for a run of all of it): the options that narrowed it."""
    opt = config.option
    out = []
    if getattr(opt, "keyword", ""):
        out.append(f"-k {opt.keyword}")
    if getattr(opt, "markexpr", ""):
        out.append(f"-m {opt.markexpr}")
    if getattr(opt, "deselect", None):
        out.append("--deselect " + " ".join(opt.deselect))
    if getattr(opt, "lf", False):
        out.append("--lf")
    paths = narrowed_paths(config)
    if paths:
        out.append("only " + " ".join(paths))
    if deselected and not out:
        out.append(f"{deselected} test(s) deselected")
    return out


def narrowed_paths(config: pytest.Config) -> list[str]:
    """The command-line paths that name part of the suite (a file, a test, a directory inside it)."""
    out = []
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        path_part, sep, test = arg.partition("::")
        path = (base / path_part).resolve()
        if path.is_relative_to(SUITE_DIR) and (sep or path != SUITE_DIR):
            shown = path_part if not Path(path_part).is_absolute() else str(path.relative_to(PACKAGE_DIR.parent))
            out.append(shown + sep + test)
    return out


def stop_reason(session: pytest.Session, interrupted: str | None) -> str | None:
    """Why the run ended before every selected test ran (-x, --maxfail, pytest.exit, Ctrl-C), if it did."""
    for why in (interrupted, session.shouldfail, session.shouldstop):
        if why and str(why).strip():
            return " ".join(str(why).strip().splitlines()[0].split())  # its first line: the rest is detail
    return None


def _line(reason: str | None) -> str:
    text = (reason or "").strip()
    return " ".join(text.splitlines()[0].split()) if text else "no reason given"


def _shown(line: str, varying: list[bool]) -> str:
    """The reason with each quoted name that differs within its group as '…'."""
    index = iter(varying)
    return _NAME.sub(lambda m: (ELLIPSIS if m.group(1) is not None else "…") if next(index) else m.group(0), line)


def _names(line: str) -> list[str]:
    return [quoted or env for quoted, env in _NAME.findall(line)]


def group_by_reason(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules grouped by their reason, normalised: reasons that differ only in quoted names ('read_only',
    'no_scopes') are one group, shown with those names in the places where they differ.

    Each group: `reason` (constant names kept, varying ones as '…'), `rules` (count), `stated` (how many of
    them are stated rules), `names` (each varying name and its count, when some vary) and `rule_ids`.
    """
    groups: dict[str, list[tuple[dict[str, Any], str, list[str]]]] = {}
    for row in rows:
        line = _line(row.get("detail"))
        groups.setdefault(_NAME.sub("\0", line), []).append((row, line, _names(line)))
    out: list[dict[str, Any]] = []
    for members in groups.values():
        slots = list(zip(*(values for _, _, values in members), strict=True))  # one template: as many names
        varying = [len(set(slot)) > 1 for slot in slots]
        names: Counter[str] = Counter()
        for _, _, values in members:
            key = " ".join(dict.fromkeys(v for v, vary in zip(values, varying, strict=True) if vary))
            if key:
                names[key] += 1
        out.append({"reason": _shown(members[0][1], varying), "rules": len(members),
                    "stated": sum(1 for row, _, _ in members if row.get("basis") == "stated"),
                    "names": dict(names.most_common()),
                    "rule_ids": [f"{row['operation']}/{row['rule']}" for row, _, _ in members]})
    out.sort(key=lambda g: -g["rules"])
    return out


def not_checked(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The catalogue rules the run did not judge, per outcome (skipped, not run, not observable), by reason."""
    return {str(o): group_by_reason([r for r in rows if r["outcome"] == o]) for o in NOT_CHECKED}


def incomplete(rows: list[dict[str, Any]]) -> list[str]:
    """The stated rules not checked for a reason other than being unobservable (skipped or not run)."""
    return [f"{r['operation']}/{r['rule']}" for r in rows
            if r.get("basis") == "stated" and r["outcome"] in (Outcome.SKIPPED, Outcome.NOT_RUN)]


def describe_group(group: dict[str, Any]) -> str:
    """One group as one line: its reason and, where names differ, each name with its count."""
    names = group.get("names") or {}
    return group["reason"] + (" — " + ", ".join(f"{n} {c}" for n, c in names.items()) if names else "")
