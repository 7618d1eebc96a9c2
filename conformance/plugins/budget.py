"""Plans the run's examples within its request budget (conformance/request_budget.py) and applies them.

`--request-budget N` / PND_REQUEST_BUDGET (default budget.DEFAULT_REQUEST_BUDGET; 0 = none: every
test at the Hypothesis profile's max_examples). The plan is made from the selected tests after
deselection, the same in every xdist worker; each test then runs under its own Hypothesis
profile `<profile>@<n>` (the profile with max_examples=n), which every `@given` inside the
test (rules, properties, Schemathesis, the lifecycle) inherits.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import settings as hsettings

from pnd_conformance.request_budget import (DEFAULT_REQUEST_BUDGET, RESERVE_IN_PROCESS, RESERVE_SETTLING,
    UNBUDGETED_PROFILES, BudgetError, Cost, Plan, make_plan, other_cost, rule_cost)
from pnd_conformance.pytest_state import BUDGET_CHECKED, PLAN, settings_of
from pnd_conformance.suite.example_database import PerTestDatabase
from pnd_conformance.settings import SUITE_DIR
from pnd_conformance.spec.catalogue import Rule, load_rules



def effective_budget(requested: int | None, profile: str) -> int | None:
    """The run's budget: the user's, else the default; none for `thorough` or `0`."""
    if profile in UNBUDGETED_PROFILES:
        if requested:
            raise BudgetError(f"--request-budget does not apply to the '{profile}' Hypothesis profile "
                              "(many examples, no budget); drop one of them")
        return None
    if requested is None:
        return DEFAULT_REQUEST_BUDGET
    return requested or None



@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = settings_of(config)
    suite = [item for item in items if Path(item.path).resolve().is_relative_to(SUITE_DIR)]
    if settings is None or not suite:
        return  # the self-tests (tests/) are not planned: their examples are their own
    profile = hsettings.get_current_profile_name()
    try:
        budget = effective_budget(settings.request_budget, profile)
        settles = settings.settle_seconds > 0
        plan = make_plan({item.nodeid: test_cost(item.nodeid, settles) for item in suite}, budget,
                         hsettings.get_profile(profile).max_examples,
                         reserve=RESERVE_SETTLING if settles else RESERVE_IN_PROCESS)
    except BudgetError as exc:
        if hasattr(config, "workerinput"):
            return  # the xdist controller reports it (below), a worker cannot stop the run cleanly
        raise pytest.UsageError(str(exc)) from None
    plan.profile = profile
    config.stash[PLAN] = plan


def _profile_with(base: str, examples: int) -> str:
    name = f"{base}@{examples}"
    try:
        hsettings.get_profile(name)
    except Exception:  # not registered yet
        hsettings.register_profile(name, parent=hsettings.get_profile(base), max_examples=examples)
    return name


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    PerTestDatabase.current_test = item.nodeid.encode()
    plan: Plan | None = item.config.stash.get(PLAN, None)
    examples = plan.for_test(item.nodeid) if plan is not None and plan.budget is not None else None
    if plan is None or examples is None:
        return (yield)
    base = plan.profile
    hsettings.load_profile(_profile_with(base, examples))
    try:
        return (yield)
    finally:
        hsettings.load_profile(base)


_RULE_ID = re.compile(r"\[([a-z-]+)/([a-z0-9-]+)\]$")


def test_cost(nodeid: str, settles: bool = False) -> Cost:
    """A test's cost from its node id (all the xdist controller knows of the collection; a worker
    plans from the same ids): a catalogue rule test by its `[<operation>/<rule id>]`."""
    m = _RULE_ID.search(nodeid)
    rule = _rules_by_test_id().get(f"{m.group(1)}/{m.group(2)}") if m else None
    return rule_cost(rule, settles) if rule is not None else other_cost(nodeid.rsplit("::", 1)[-1], settles)


@functools.cache
def _rules_by_test_id() -> dict[str, Rule]:
    return {r.test_id: r for r in load_rules()}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids) -> None:
    """Under xdist the workers plan; the controller checks the budget against the floor once."""
    config = node.config
    ids = [i for i in ids if (config.rootpath / i.split("::", 1)[0]).resolve().is_relative_to(SUITE_DIR)]
    if config.stash.get(BUDGET_CHECKED, False) or not ids:
        return
    config.stash[BUDGET_CHECKED] = True
    settings = settings_of(config)
    if settings is None:
        return
    try:
        budget = effective_budget(settings.request_budget, hsettings.get_current_profile_name())
        make_plan({i: test_cost(i, settings.settle_seconds > 0) for i in ids}, budget, 1)
    except BudgetError as exc:
        pytest.exit(f"ERROR: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
