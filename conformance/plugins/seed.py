"""The run's seed: every run has one, printed at the end and stored in conformance.json, and the same seed
draws the same examples again (docs/running.md "Reproducing a run").

The seed is Hypothesis' `--hypothesis-seed` when given, else drawn at random by the run (the xdist controller
draws it and hands it to its workers). Every Hypothesis test of the run (rules, properties, Schemathesis, the
lifecycle) then draws from `Random(seed)`, as under `--hypothesis-seed`, but through Hypothesis' per-test
seed rather than its global one, so the `dev` profile's example database still replays a test's last
failing examples first (Hypothesis turns its database off under a global seed). A failure that Hypothesis
cannot shrink normally says "run pytest with --hypothesis-seed=<the seed>", which is this seed.

The derandomized profiles (`ci`, `mutant`) ignore any seed: each test's examples are fixed by the test
itself, so the same command draws the same examples; the record says so instead of naming a seed.
"""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from random import Random
from typing import Any

import pytest
from hypothesis import core as hypothesis_core, settings as hsettings

from pnd_conformance.pytest_state import SEED

_WORKER_KEY = "pnd_seed"


@dataclass(frozen=True)
class RunSeed:
    value: int | str | None   # None when the profile is derandomized
    given: bool               # the user passed --hypothesis-seed
    profile: str
    derandomized: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _SameSeed(Random):
    """Hypothesis draws each test's seed from its thread-local Random (`getrandbits(128)`): this one always
    answers the run's seed, so every test draws from `Random(seed)`."""

    def __init__(self, seed: int | str) -> None:
        super().__init__(seed)
        self.seed_value = seed

    def getrandbits(self, k: int, /) -> Any:
        return self.seed_value


def _given(config: pytest.Config) -> int | str | None:
    value = config.getoption("--hypothesis-seed", default=None)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


@pytest.hookimpl(trylast=True)  # after pnd_conformance.plugins.harness has loaded the Hypothesis profile
def pytest_configure(config: pytest.Config) -> None:
    given = _given(config)
    workerinput = getattr(config, "workerinput", None)
    value = given if given is not None else (workerinput or {}).get(_WORKER_KEY)
    if value is None:
        value = secrets.randbelow(2 ** 32)
    profile = hsettings.get_current_profile_name()
    derandomized = bool(hsettings().derandomize)  # the current profile's
    config.stash[SEED] = RunSeed(None if derandomized else value, given is not None, profile, derandomized)
    if not derandomized:
        hypothesis_core.global_force_seed = None  # per test instead (above): keeps the example database on
        hypothesis_core.threadlocal._hypothesis_global_random = _SameSeed(value)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker draws with the controller's seed."""
    seed = node.config.stash.get(SEED, None)
    if seed is not None and seed.value is not None:
        node.workerinput[_WORKER_KEY] = seed.value


def run_seed(config: pytest.Config) -> RunSeed | None:
    return config.stash.get(SEED, None)
