"""The suite's pytest plugins, loaded as one: the `pytest11` entry point, the command, or the checkout's
conftest.py name this package. Each is inert in a session that runs none of the suite's tests.

    harness.py        options, the target's settings, the preflight, fixtures, the run's order and stops
    request_count.py  the requests each test sent, and their terminal table
    budget.py         the request budget: examples per test (budget_plan.py computes the plan)
    seed.py           the run's seed, the same in every xdist worker
    reports.py        feeds the run record and writes every report at the end (pnd_conformance.report)
"""
pytest_plugins = [f"{__name__}.{name}" for name in ("harness", "request_count", "budget", "seed", "reports")]
