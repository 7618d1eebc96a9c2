"""Reports: one record of the run, one small module per output that reads it.

    record.py    RunRecord, built once per run: the catalogue rules, the settings and baseline,
                 every test's outcome and detail, and the exchanges of the running example
    allure_results.py  Allure labels, links, description and steps (and the scrubber of its results)
    matrix.py    reports/conformance.json and conformance.md: one row per catalogue rule
    junit.py     the JUnit properties of a test (`rule`, `conformance`) and of the run (`pnd.gate`, `pnd.scope`, ...)
    scope.py     what the run covered: partial (a selection), stopped early, not checked (by reason), complete
    summary.py   the exit code (--require-complete) and the terminal summary, one block at the very end
    requests.py  the requests the run sent, as the summary and the matrix show them
    html.py      the Allure HTML report (the Allure CLI, optional), checked by page_guard.py for third parties

pnd_conformance.plugins.reports is the pytest plugin that feeds the record and calls the outputs.
"""
