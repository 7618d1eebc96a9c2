"""pnd_conformance: the contract conformance suite of myKaarma's Partner appointment-with-trip and PnD trip APIs.

One import package over the repository's folders (pyproject.toml [tool.setuptools.package-dir]): this
folder (conformance/) is the harness, with `spec`, `strategies`, `sandbox` and `profiles` beside it.
Layers, top to bottom (each imports only from below; import-linter holds them, ARCHITECTURE.md says why):

    cli.py           the `pnd-conformance` command
    plugins/         the pytest plugins: options, the target, the budget, the seed, the reports
    embedded.py      the embedded sandbox: opens the run's Target in-process, checks the variant names
    suite/           the test modules users run (catalogue rules, Schemathesis, the lifecycle)
    pytest_state.py  what rides on pytest's objects, read only by the pytest glue above
    request_budget.py  the request plan: examples per test within the run's budget
    report/          one record of the run, one module per output
    checks/          the post-checks of the rules, by operation
    target/          working against the target: preflight, profile, prepared states, sending, settling, ledger
    judging/         verdicts, outcomes, rule strength, known deviations, the lenient reading of the schema
    http/            the HTTP client and its policies (rate limit, retries, budget ceiling, redaction)
    settings.py, version.py
    strategies/      Hypothesis strategies: valid requests by construction, one violation per rule
    spec/            the documents, the OpenAPI spec, the rule catalogue, NOTES

PYTEST_DONT_REWRITE: the `pnd-conformance` command imports this package before pytest starts, and pytest
marks the installed distribution for assertion rewriting; this module asserts nothing, so it is exempt
(pytest would warn in every run), while the modules under it are still rewritten when imported.
"""
