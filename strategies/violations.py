"""Violations that `set`/`remove` cannot express; each breaks exactly one catalogue rule.

`name(request: dict, ctx: Ctx) -> dict` — receives a copy of a valid request.
"""
from __future__ import annotations

from pnd_conformance.strategies.context import Ctx


def malformed_json(request: dict, ctx: Ctx) -> dict:
    """A body that is not JSON at all (robustness: a 4xx in the envelope, never a 5xx)."""
    return {**request, "raw_body": "{not json"}


def empty_body(request: dict, ctx: Ctx) -> dict:
    """An empty request body where the operation expects a JSON object."""
    return {**request, "raw_body": ""}
