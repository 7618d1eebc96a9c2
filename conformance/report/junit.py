"""The JUnit output: properties `rule` and `conformance` on a test's teardown report (junitxml reads them there)."""
from __future__ import annotations

from typing import Any

import pytest

from conformance.report.outcome import combine_phases


def add_properties(report: pytest.TestReport, rule: Any, phases: dict[str, str]) -> None:
    if rule is not None and ("rule", rule.id) not in report.user_properties:
        report.user_properties.append(("rule", rule.id))
    report.user_properties.append(("conformance", combine_phases(phases).value))
