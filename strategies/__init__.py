"""Hypothesis strategies: valid requests by construction, and per-rule violations."""
from __future__ import annotations

from hypothesis import strategies as st

from strategies.context import Ctx
from strategies.create import BASES as CREATE_BASES, create_request
from strategies.reads import DELETE_BASES, FILTER_BASES, delete_request, filter_request, get_trips_request
from strategies.update import BASES as UPDATE_BASES, update_request

BASES = {
    "create": CREATE_BASES,
    "update": UPDATE_BASES,
    "get-trips": ("default",),
    "delete": DELETE_BASES,
    "filter": FILTER_BASES,
}
_BUILDERS = {"create": create_request, "update": update_request, "get-trips": get_trips_request,
             "delete": delete_request, "filter": filter_request}


def valid_request(operation: str, ctx: Ctx, base: str | None = None) -> st.SearchStrategy[dict]:
    """A strategy of valid `{path, query, body}` requests for the operation and base."""
    return _BUILDERS[operation](ctx, base or BASES[operation][0])


__all__ = ["BASES", "Ctx", "valid_request"]
