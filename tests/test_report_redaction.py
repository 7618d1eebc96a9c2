"""Credentials never appear in anything the suite prints or writes (DEVELOPERS.md).

The suite runs with known secrets as its credentials (the sandbox's passwords, one of them read
from the environment as for a real target, and a unique secret for one client); none of them,
nor their Basic tokens, may appear in the terminal output or in any file under the reports
directory: Allure results and attachments, the HTML report (including the files it embeds
base64-encoded), the living docs (failure messages and curls included), the matrix and JUnit.
"""
from __future__ import annotations

import json

from pnd_conformance.report.html import embedded_texts
from tests.reportrun import ALLURE, SECRET_CLIENT, known_secrets, require, sandbox_run


def _texts(path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [text, *embedded_texts(text).values()] if path.suffix == ".html" else [text]


def test_no_credential_in_terminal_output_or_reports():
    require(ALLURE, "run `npm ci` (make test does)")
    run = sandbox_run()
    assert run.returncode in (0, 1), f"the suite did not run (exit {run.returncode}):\n{run.output[-3000:]}"
    assert run.html.is_file(), run.output[-2000:]
    files = [p for p in run.reports.rglob("*") if p.is_file()]
    names = {p.relative_to(run.reports).as_posix() for p in files}
    assert {"conformance.json", "conformance.md", "junit.xml", "html/index.html", "docs/index.html"} <= names
    results = [p for p in files if p.name.endswith("-result.json")]
    assert results, "no Allure results were written"

    # The credentials were really in play: requests by the secret's client and masked Authorization headers.
    requests = [json.loads(p.read_text()) for p in files if p.name.endswith("-attachment.json")]
    requests = [r for r in requests if isinstance(r, dict) and "method" in r]
    assert any(r.get("client") == SECRET_CLIENT for r in requests), "no request used the secret's client"
    assert requests and all(r["headers"].get("Authorization") in (None, "***") for r in requests)

    leaks = [f"terminal output: {what}" for what, secret in known_secrets().items() if secret in run.output]
    for path in files:
        texts = _texts(path)
        leaks += [f"{path.relative_to(run.reports)}: {what}" for what, secret in known_secrets().items()
                  if any(secret in t for t in texts)]
    assert not leaks, "credentials leaked:\n" + "\n".join(leaks)
