"""Schemathesis against the in-process sandbox: no input the spec describes (or nearly
describes) makes it answer 5xx ("never a 500", sandbox/README.md).

Loads spec/openapi.yaml (override with PND_SANDBOX_OPENAPI=path); skips while it does not exist.
Authenticates as the profile's `full` client; checks only `not_a_server_error`; positive and
negative generation, few examples, derandomized, so it stays well under a minute.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from pnd_conformance.sandbox import create_app
from pnd_conformance.sandbox.seed import load_seed

REPO = Path(__file__).resolve().parent.parent
SPEC = Path(os.environ.get("PND_SANDBOX_OPENAPI") or REPO / "spec" / "openapi.yaml")
MAX_EXAMPLES = int(os.environ.get("PND_SANDBOX_SCHEMATHESIS_EXAMPLES", "25"))

_full = next(c for c in load_seed().clients.values() if c.name == "full")
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{_full.username}:{_full.password}".encode()).decode()}
APP = create_app()


@pytest.fixture(scope="module")
def sandbox_schema():
    if not SPEC.is_file():
        pytest.skip(f"no OpenAPI spec at {SPEC} yet")
    schema = schemathesis.openapi.from_path(SPEC)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    max_examples=MAX_EXAMPLES, deterministic=True)
    return schema


schema = schemathesis.pytest.from_fixture("sandbox_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    case.call_and_validate(app=APP, headers=AUTH, checks=[not_a_server_error])
