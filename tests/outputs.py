"""Where the self-tests write: never into the user's reports/ (docs/proving-the-suite.md "Where the self-tests write").

One directory per self-test session, `PND_SELFTEST_DIR` when set, else a new temporary directory (kept
after the session, and printed at its end): the scores of the mutant and variant runs, and, for any run of
the suite that names no place of its own, its reports (`PND_REPORTS_DIR`) and cleanup ledger
(`PND_LEDGER_DIR`). The session's xdist workers and every subprocess inherit it through the environment.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PND_SELFTEST_DIR"


def selftest_dir() -> Path:
    """The session's output directory (created on first use, and exported for workers and subprocesses)."""
    where = os.environ.get(ENV)
    path = Path(where) if where else Path(tempfile.mkdtemp(prefix="pnd-selftest-"))
    path.mkdir(parents=True, exist_ok=True)
    os.environ[ENV] = str(path)
    return path


def score_file(name: str) -> Path:
    return selftest_dir() / name


def suite_env() -> dict[str, str]:
    """Where a run of the suite writes when its command names no place: inside the session's directory."""
    root = selftest_dir()
    return {"PND_REPORTS_DIR": str(root / "reports"), "PND_LEDGER_DIR": str(root / "ledger")}
