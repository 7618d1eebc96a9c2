"""Named checks the catalogue refers to (`check:`): post-checks and properties, one module per operation.

One registry: `@register.post(requests=N)` registers a post-check, run after a successful acceptance
request; `@register.property(once=N, ...)` a property, a whole test (drawing with Hypothesis where
there is something to draw). The check's name is its function's name; a name registered twice is an
error. Every check takes one `CheckContext` and cites its documentation through the rule. What a check
costs in requests is declared where it is registered (conformance/request_budget.py reads it from here).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pnd_conformance.http.client import Exchange, Target
    from pnd_conformance.target.ledger import Ledger
    from pnd_conformance.target.prepared_states import States
    from pnd_conformance.spec.catalogue import Rule
    from pnd_conformance.strategies.context import Ctx

POST = "post"
PROPERTY = "property"


@dataclass(frozen=True)
class CheckContext:
    """What a check needs: the rule, the target and its identities, the ledger and prepared states."""

    rule: Rule
    target: Target
    ctx: Ctx
    ledger: Ledger
    states: States

    def answered(self, ex: Exchange, body: dict, request: dict) -> PostContext:
        """The context of a post-check judging this accepted exchange."""
        return PostContext(self.rule, self.target, self.ctx, self.ledger, self.states, ex, body, request)


@dataclass(frozen=True)
class PostContext(CheckContext):
    """A post-check's context: also the accepted exchange, its JSON body and the request sent."""

    ex: Exchange
    body: dict
    request: dict


@dataclass(frozen=True)
class Check:
    """A registered check and its cost in requests (conformance/request_budget.py)."""

    name: str
    kind: str  # POST or PROPERTY
    fn: Callable[[CheckContext], Any]
    once: int  # requests sent once per test (a property's own state)
    per_example: int  # requests per example: a post-check's, after the rule's request; a property's, per draw
    explores: bool  # more examples can find more (drawn inputs), versus a fixed trigger
    leaves: str | None = None  # the state a post-check leaves for cleanup, when not the rule's setup


class Registry:
    """The checks by name. The cost is a required argument: a check without one cannot be registered."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}

    def post(self, *, requests: int, leaves: str | None = None) -> Callable:
        """A post-check sending `requests` after the rule's request, per example; `leaves`: the setup
        state (conformance/request_budget.py CLEANUP_REQUESTS) left for cleanup, when the check changes it."""
        return self._add(POST, once=0, per_example=requests, explores=False, leaves=leaves)

    def property(self, *, once: int, per_example: int = 0, explores: bool = False) -> Callable:
        """A property sending `once` requests (its seeded state) and `per_example` per drawn example."""
        return self._add(PROPERTY, once=once, per_example=per_example, explores=explores)

    def _add(self, kind: str, **cost: Any) -> Callable:
        def add(fn: Callable[[CheckContext], Any]) -> Callable[[CheckContext], Any]:
            if fn.__name__ in self.checks:
                raise ValueError(f"check {fn.__name__!r} is registered twice "
                                 f"({self.checks[fn.__name__].fn.__module__} and {fn.__module__})")
            self.checks[fn.__name__] = Check(fn.__name__, kind, fn, **cost)
            return fn
        return add

    def __getitem__(self, name: str) -> Check:
        return self.checks[name]

    def names(self, kind: str | None = None) -> set[str]:
        return {n for n, c in self.checks.items() if kind is None or c.kind == kind}


register = Registry()


def names(kind: str | None = None) -> set[str]:
    """The registered checks' names (of one kind: POST or PROPERTY)."""
    return register.names(kind)


def get(name: str) -> Check:
    return register[name]


def run(context: CheckContext) -> Any:
    """Run the check the context's rule names."""
    if context.rule.check is None:
        raise ValueError(f"{context.rule.id}: names no `check`")
    return register[context.rule.check].fn(context)


# The operation modules register their checks on import (after `register` exists).
from pnd_conformance.checks import create, delete, filter, get_trips, tenancy, update  # noqa: E402,F401
