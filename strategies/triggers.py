"""Turn a valid request into the catalogue rule's test request (CONTRIBUTING.md, `trigger`)."""
from __future__ import annotations

import copy
import re
from typing import Any

from pnd_conformance.spec.catalogue import Trigger
from pnd_conformance.strategies import violations
from pnd_conformance.strategies.context import Ctx

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")


def resolve(value: Any, ctx: Ctx) -> Any:
    """Replace ${identity} and ${state.x} placeholders; a whole-string placeholder keeps its type."""
    if isinstance(value, str):
        def lookup(name: str) -> Any:
            if name.startswith("state."):
                key = name[len("state."):]
                if key not in ctx.state or ctx.state[key] is None:
                    raise KeyError(f"setup state has no {key!r}")
                return ctx.state[key]
            return ctx.ident(name)
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return lookup(whole.group(1))
        return _PLACEHOLDER.sub(lambda m: str(lookup(m.group(1))), value)
    if isinstance(value, list):
        return [resolve(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, ctx) for k, v in value.items()}
    return value


def _split(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def remove(request: dict, path: str) -> None:
    *parents, last = _split(path)
    node: Any = request
    for part in parents:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node.pop(last)


def set_value(request: dict, path: str, value: Any) -> None:
    *parents, last = _split(path)
    node: Any = request
    for i, part in enumerate(parents):
        nxt = parents[i + 1] if i + 1 < len(parents) else last
        if isinstance(node, dict):
            if not isinstance(node.get(part), (dict, list)):
                node[part] = [] if isinstance(nxt, int) else {}
            node = node[part]
        else:
            if not isinstance(part, int):
                raise ValueError(f"trigger path {path!r}: {part!r} indexes a list")
            while len(node) <= part:
                node.append({})
            node = node[part]
    if isinstance(node, list):
        if not isinstance(last, int):
            raise ValueError(f"trigger path {path!r}: {last!r} indexes a list")
        while len(node) <= last:
            node.append(None)
    node[last] = value


def apply(request: dict, trigger: Trigger | None, ctx: Ctx) -> dict:
    """A new request: the rule's trigger applied to a valid one (`remove`, then `set`, then the named
    `violation` function); the valid request is left as it was."""
    out = copy.deepcopy(request)
    if trigger is None:
        return out
    if out.get("body") is None and any(path.startswith("body.") for path in trigger.set):
        out["body"] = {}
    for path in trigger.remove:
        remove(out, path)
    for path, value in trigger.set.items():
        set_value(out, path, resolve(value, ctx))
    if trigger.violation:
        fn = getattr(violations, trigger.violation, None)
        if fn is None:
            raise LookupError(f"pnd_conformance.strategies.violations has no function {trigger.violation!r}")
        out = fn(out, ctx)
    return out
