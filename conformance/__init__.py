"""pnd-conformance: the suite's one import package (pyproject.toml maps its subpackages onto the folders).

PYTEST_DONT_REWRITE: the `pnd-conformance` command imports this package before pytest starts, and pytest
marks the installed distribution for assertion rewriting; this module asserts nothing, so it is exempt
(pytest would warn in every run), while the modules under it are still rewritten when imported.
"""
