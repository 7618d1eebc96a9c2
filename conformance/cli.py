"""pnd-conformance: the contract conformance suite of the Partner appointment-with-trip and PnD trip APIs.

    pnd-conformance [run] [OPTIONS] [-- PYTEST ARGS]   the suite, then every report (run is the default)
    pnd-conformance profile check|discover ...         a target profile checked alone, or written from the target
    pnd-conformance sandbox ...                        the embedded reference server, over HTTP
    pnd-conformance cleanup [OPTIONS]                  delete what interrupted runs left on the target
    pnd-conformance drift DIR                          what the catalogue must follow when a document changes
    pnd-conformance report [--results DIR] [--out DIR] the HTML report again, from a run's Allure results
    pnd-conformance --version

A run exits with the suite's own code (docs/checks.md, "Exit codes"): the one pytest returns, kept when
the HTML report cannot be built for want of the Allure CLI (Node is optional), 3 when the CLI is there
and fails. The run's summary is printed last, after the HTML report is built.
"""
from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

USAGE_ERROR = 4  # pytest's code for a usage error; the sub-commands use it too


def _run_help() -> str:
    from pnd_conformance.plugins.options import GROUPS, OPTIONS

    out = [__doc__.strip().splitlines()[0], "", *textwrap.dedent("\n".join(__doc__.strip().splitlines()[2:9]))
           .splitlines(), "", "Options of `run` (and `cleanup`):"]
    for name, title in GROUPS.items():
        out.append(f"\n  {title.removeprefix('pnd-conformance: ')}:")
        for option in (o for o in OPTIONS if o.group == name):
            out.append(f"    {option.flag} {option.metavar or ''}".rstrip())
            out += [f"        {line}" for line in textwrap.wrap(option.help, 90)]
    out += ["", "Anything after `--` goes to pytest and Hypothesis (-k EXPR, -x, -m readonly, -n 4,",
            "--hypothesis-seed S, --hypothesis-profile thorough, --strict ...); `pnd-conformance run -- --help`",
            "lists them. Options pytest knows are passed on before `--` too.",
            "Environment: PND_<SETTING> for each setting (docs/configuration.md); credentials only ever by",
            "environment variable (the profile names which)."]
    return "\n".join(out)


class _Handoff:
    """Receives the run's summary from the reports plugin, so that it is printed after the HTML report."""

    pnd_summary_handoff = True  # how pnd_conformance.plugins.reports finds it among the plugins

    def __init__(self) -> None:
        self.matrix: dict[str, Any] | None = None
        self.reports: list[tuple[str, str]] = []

    def receive(self, matrix: dict[str, Any], reports: list[tuple[str, str]]) -> None:
        self.matrix, self.reports = matrix, list(reports)


def _html(reports: Path) -> tuple[str | None, str | None, bool]:
    """(the HTML report's path, None, False), or (None, why it was not built, whether that fails the run).
    Without the Allure CLI (Node is optional) the run keeps its code: every other report is written."""
    from pnd_conformance.report import html

    try:
        return str(html.build((reports / "allure-results").resolve(), (reports / "html").resolve())), None, False
    except html.AllureMissing:
        return None, html.HOW_TO_GET_HTML, False
    except Exception as exc:  # the command's boundary: one line naming why (`report` does the same)
        why = str(exc) if isinstance(exc, html.ReportError) else f"{type(exc).__name__}: {exc}"
        return None, " ".join(why.split()), True


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """(the arguments before `--`, those after it)."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def run(argv: list[str], command: str = "run") -> int:
    """The suite, then its reports; `cleanup` is a run with --cleanup-only (no tests, no reports)."""
    import pytest
    from _pytest._io import TerminalWriter  # pytest's own writer: the summary looks as it does under pytest

    from pnd_conformance.report import summary
    from pnd_conformance.settings import SUITE_DIR

    ours, theirs = _split(argv)
    if {"-h", "--help"} & set(ours):
        print(_run_help())
        return 0
    args = [*ours, *theirs]
    if command == "cleanup":
        args = ["--cleanup-only", *args]
    reports_at = _option(args, "--reports-dir") or os.environ.get("PND_REPORTS_DIR") or "reports"
    reports = Path(reports_at).resolve()
    cleanup = "--cleanup-only" in args
    if not cleanup:
        for stale in ("junit.xml", "conformance.json", "conformance.md"):
            (reports / stale).unlink(missing_ok=True)
        shutil.rmtree(reports / "html", ignore_errors=True)
        shutil.rmtree(reports / "docs", ignore_errors=True)
    handoff = _Handoff()
    rest = [a for i, a in enumerate(args) if a != "--reports-dir" and (i == 0 or args[i - 1] != "--reports-dir")
            and not a.startswith("--reports-dir=")]
    code = int(pytest.main([str(SUITE_DIR), "-p", "pnd_conformance.plugins", "-p", "no:cacheprovider",
                            "--rootdir", str(Path.cwd()), "--reports-dir", str(reports),
                            "--alluredir", str(reports / "allure-results"), "--clean-alluredir",
                            "--junitxml", str(reports / "junit.xml"), *rest], plugins=[handoff]))
    if code == pytest.ExitCode.USAGE_ERROR or cleanup or {"--help", "-h", "--version"} & set(theirs):
        return code  # nothing ran: no report (the Allure results may be an older run's)
    html, why, fails = _html(reports)
    if why is not None:
        print(f"html report not built: {why}", file=sys.stderr)
    final = 3 if code == 0 and fails else code
    if handoff.matrix is not None:
        matrix = handoff.matrix
        if final != matrix["exit_code"]:
            matrix = {**matrix, "exit_code": final, "gate": "fail"}
        reports_shown = [*handoff.reports, ("HTML report", _relative(html) if html else f"not built ({why})")]
        tw = TerminalWriter(sys.stdout)
        tw.sep("=", summary.TITLE, bold=True)
        for text, markup in summary.summary_lines(matrix, reports_shown, ["pnd-conformance", command, *argv]):
            tw.line(text, **{k: v for k, v in markup.items() if v})
    elif html is not None:
        print(f"html report: {html}")
    return final


def _option(args: list[str], flag: str) -> str | None:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def _relative(path: str) -> str:
    p = Path(path)
    return str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else path


def _profile(argv: list[str]) -> int:
    from pnd_conformance.embedded import open_target
    from pnd_conformance.target.profile import main

    return main(argv, open_target)


def _sandbox(argv: list[str]) -> int:
    from pnd_conformance.sandbox.__main__ import main

    return main(argv)


def _drift(argv: list[str]) -> int:
    from pnd_conformance.spec.drift import main

    return main(argv)


def _report(argv: list[str]) -> int:
    from pnd_conformance.report.html import main

    return main(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "run": run,
    "cleanup": lambda argv: run(argv, "cleanup"),
    "profile": _profile,
    "sandbox": _sandbox,
    "drift": _drift,
    "report": _report,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["--version"], ["-V"]):
        from pnd_conformance.version import NAME, VERSION

        print(f"{NAME} {VERSION}")
        return 0
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    if argv and not argv[0].startswith("-"):
        print(f"pnd-conformance: unknown command {argv[0]!r} (commands: {', '.join(COMMANDS)}; "
              f"`pnd-conformance --help` lists them)", file=sys.stderr)
        return USAGE_ERROR
    return run(argv)  # `run` is the default command


if __name__ == "__main__":
    sys.exit(main())
