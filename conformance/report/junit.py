"""The JUnit output: properties `rule` and `conformance` on a test's teardown report (junitxml reads them there),
and the run's properties on the test suite (`pnd.gate`, `pnd.exit_code`, `pnd.scope`, ...: gate.run_properties)."""
from __future__ import annotations

from typing import Any

import pytest

from pnd_conformance.report.summary import run_properties
from pnd_conformance.judging.outcome import combine_phases


def add_properties(report: pytest.TestReport, rule: Any, phases: dict[str, str]) -> None:
    if rule is not None and ("rule", rule.id) not in report.user_properties:
        report.user_properties.append(("rule", rule.id))
    report.user_properties.append(("conformance", combine_phases(phases).value))


def add_run_properties(config: pytest.Config, matrix: dict[str, Any]) -> None:
    """The run's properties on the <testsuite> element, when pytest writes JUnit (--junitxml)."""
    from _pytest.junitxml import xml_key  # what pytest's record_testsuite_property fixture writes through

    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for name, value in run_properties(matrix).items():
        xml.add_global_property(f"pnd.{name}", value)
    # The test cases in one order however xdist workers shared them (pytest writes them as reports arrive).
    # A finished reporter keeps only its element (pytest clears the rest), so the key is read from that.
    xml.node_reporters_ordered.sort(key=_case_key)


def _case_key(reporter: Any) -> tuple[str, str]:
    case = reporter.to_xml()
    return case.get("classname", ""), case.get("name", "")
