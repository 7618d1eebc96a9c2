"""What the suite keeps on pytest's objects, typed and in one place.

The run's configuration and items carry pytest stash keys. A phase report crosses from an
xdist worker to the controller as the plain data of its attributes, so what the suite decides
about a report travels as one mapping under one attribute, read and written only through
`ReportFacts`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pnd_conformance.request_budget import Plan
    from pnd_conformance.http.client import Target
    from pnd_conformance.plugins.seed import RunSeed
    from pnd_conformance.settings import Settings
    from pnd_conformance.spec.catalogue import Rule

SETTINGS: pytest.StashKey[Settings] = pytest.StashKey()  # resolved once per process by pnd_conformance.plugins.harness
PLAN: pytest.StashKey[Plan] = pytest.StashKey()  # the request budget's plan, where the tests were collected
BUDGET_CHECKED: pytest.StashKey[bool] = pytest.StashKey()  # the xdist controller checked the budget against the floor
RULE: pytest.StashKey[Rule] = pytest.StashKey()  # the catalogue rule a test judges (the `record_rule` fixture)
SEED: pytest.StashKey[RunSeed] = pytest.StashKey()  # the run's seed (conformance/plugins/seed.py)
TARGET: pytest.StashKey[Target] = pytest.StashKey()  # the run's Target, opened and preflighted before any test

_ATTRIBUTE = "pnd"  # the one attribute of a report the suite writes


def settings_of(config: pytest.Config) -> Settings | None:
    return config.stash.get(SETTINGS, None)


def rule_of(item: pytest.Item) -> Rule | None:
    """The rule the test recorded, else its `rule` parameter (a catalogue rule test)."""
    rule = item.stash.get(RULE, None)
    if rule is None and hasattr(item, "callspec"):
        rule = item.callspec.params.get("rule")
    return rule if getattr(rule, "id", None) else None


@dataclass(frozen=True)
class ReportFacts:
    """What the suite decided about one phase report."""

    outcome: str | None = None  # an Outcome the suite sets: error, advisory, expected deviation, deviation fixed
    rule_id: str | None = None
    detail: str | None = None  # the redacted failure text kept for the matrix
    failure: dict[str, Any] | None = None  # a NonConformance's fields, redacted (report.record.failure_fields)
    requests: dict[str, Any] | None = field(default=None)  # what the test sent (pnd_conformance.plugins.request_count)
    stop: list[Any] | None = None  # what may stop the run, judged where the reports meet (plugins/harness.py)

    @classmethod
    def of(cls, report: pytest.TestReport) -> ReportFacts:
        data = getattr(report, _ATTRIBUTE, None)
        return cls(**data) if isinstance(data, dict) else cls()

    @classmethod
    def update(cls, report: pytest.TestReport, **changes: Any) -> ReportFacts:
        facts = replace(cls.of(report), **changes)
        # Plain data, which xdist serialises: an outcome (a StrEnum, equal to its text) as its text.
        setattr(report, _ATTRIBUTE, {k: str(v) if isinstance(v, str) else v for k, v in asdict(facts).items()})
        return facts


__all__ = ["BUDGET_CHECKED", "PLAN", "RULE", "SEED", "SETTINGS", "TARGET", "ReportFacts", "rule_of", "settings_of"]
