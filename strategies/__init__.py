"""Hypothesis strategies: valid requests by construction, and per-rule violations."""
from __future__ import annotations

from hypothesis import strategies as st

from pnd_conformance.spec.operations import operation
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.create import create_request
from pnd_conformance.strategies.reads import delete_request, filter_request, get_trips_request
from pnd_conformance.strategies.update import update_request

_BUILDERS = {"create": create_request, "update": update_request, "get-trips": get_trips_request,
             "delete": delete_request, "filter": filter_request}


def valid_request(operation_key: str, ctx: Ctx, base: str | None = None) -> st.SearchStrategy[dict]:
    """A strategy of valid `{path, query, body}` requests for the operation and base (one of the
    operation's bases in spec/operations.py; the first when none is named)."""
    return _BUILDERS[operation_key](ctx, base or operation(operation_key).bases[0])


__all__ = ["Ctx", "valid_request"]
