"""The suite's own command-line options, in their groups: one table that pytest's parser and
`pnd-conformance --help` both read (each option's value then flows through the settings object)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest

from pnd_conformance.request_budget import DEFAULT_REQUEST_BUDGET
from pnd_conformance.report.summary import INCOMPLETE

GROUPS = {  # pytest group name -> title
    "pnd-target": "pnd-conformance: the target",
    "pnd-safety": "pnd-conformance: safety on a shared server",
    "pnd-budget": "pnd-conformance: what a run may cost the target",
    "pnd-reports": "pnd-conformance: reports and the gate",
    "pnd-sandbox": "pnd-conformance: the embedded sandbox (the suite's self-tests)",
}


@dataclass(frozen=True)
class Option:
    group: str
    flag: str
    metavar: str | None  # None: a switch
    help: str
    kwargs: dict[str, Any] = field(default_factory=dict)


_T, _S, _B, _R, _X = "pnd-target", "pnd-safety", "pnd-budget", "pnd-reports", "pnd-sandbox"
_SWITCH = {"action": "store_true", "default": False}
OPTIONS = (
    Option(_T, "--target-url", "URL", "base URL of the API under test (default: the embedded sandbox, in-process)"),
    Option(_T, "--target-profile", "FILE", "target profile YAML (identities, credential env vars); default: the "
                                           "embedded sandbox's profile"),
    Option(_T, "--request-timeout", "SECONDS", "per-request timeout in seconds (default 10)", {"type": float}),
    Option(_T, "--settle-timeout", "SECONDS", "seconds a read that follows a write waits for it to show, "
                                              "polling with backoff (default 5 against a target over the wire, "
                                              "0 in-process)", {"type": float}),
    Option(_T, "--retry-after-budget", "SECONDS", "seconds one request may wait out a 429/503 with Retry-After "
                                                  "before it is an error (default 60)", {"type": float}),
    Option(_S, "--allow-production-writes", None, "DANGER: allow tests that create/update/delete data against "
                                                  "the production host", {**_SWITCH, "default": None}),
    Option(_S, "--cleanup-only", None, "run no tests: delete what interrupted runs left on the target (from "
                                       "the ledger, reports/ledger/)", _SWITCH),
    Option(_B, "--request-budget", "REQUESTS", "requests the run may send: examples are planned to fit, every "
                                               "observable rule one verdict first (default "
                                               f"{DEFAULT_REQUEST_BUDGET}; 0 = no budget)", {"type": int}),
    Option(_B, "--rate-limit", "PER_SECOND", "max requests per second for the whole run, split across xdist "
                                             "workers (0 = unlimited; default 20 against a real target, "
                                             "unlimited in-process)", {"type": float}),
    Option(_B, "--max-concurrency", "N", "max requests in flight against a target over the wire: so many xdist "
                                         "workers unless -n says otherwise (default 4; 1 = serial)", {"type": int}),
    Option(_R, "--reports-dir", "DIR", "where the reports are written (default reports/ where the suite runs; "
                                       "env PND_REPORTS_DIR)", {"default": os.environ.get("PND_REPORTS_DIR")}),
    Option(_R, "--docs-url", "URL", "base URL of the API docs for the links in reports (default: the local docs "
                                    "as file://; env PND_DOCS_URL)", {"default": os.environ.get("PND_DOCS_URL")}),
    Option(_R, "--expectations", "FILE", "known-deviations YAML keyed by rule id"),
    Option(_R, "--strict-expectations", None, "a rule listed in --expectations that now passes fails the gate "
                                              "(default: reported only)", _SWITCH),
    Option(_R, "--require-complete", None, "an incomplete run (a stated rule skipped or not run, for any reason "
                                           f"but being unobservable) fails the gate with exit code {INCOMPLETE} "
                                           "(env PND_REQUIRE_COMPLETE)", {**_SWITCH, "default": None}),
    Option(_X, "--sandbox-faults", "NAMES", "comma-separated sandbox fault names (in-process sandbox only)"),
    Option(_X, "--sandbox-variants", "NAMES", "comma-separated conformant sandbox variants (in-process sandbox "
                                              "only)"),
)


def add_options(parser: pytest.Parser) -> None:
    for name, title in GROUPS.items():
        group = parser.getgroup(name, title)
        for option in OPTIONS:
            if option.group == name:
                extra = {"metavar": option.metavar} if option.metavar else {}
                group.addoption(option.flag, help=option.help, **extra, **option.kwargs)
