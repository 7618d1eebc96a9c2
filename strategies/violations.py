"""Violations that `set`/`remove` cannot express; each breaks exactly one catalogue rule.

`name(request: dict, ctx: Ctx) -> dict` — receives a copy of a valid request.
"""
from __future__ import annotations

from strategies.context import Ctx
