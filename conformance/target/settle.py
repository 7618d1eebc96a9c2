"""Reads that follow writes: wait within a bounded settle window, then judge the last observation.

A real server settles after a write: the create doc says isValid is "forced to false during trip
creation ... The trip is marked valid later during the SAR-Trip mapping step", and a read replica
may lag. So every read-after-write in the suite goes through `eventually`: observe, judge, and
while the judgement fails and the window (`--settle-timeout`) is open, observe again with
backoff. When the window ends, the last failure is raised: it names the last observation.
A window of 0 (the in-process sandbox, which is immediate) observes exactly once.
"""
from __future__ import annotations

import time
from typing import TypeVar
from collections.abc import Callable

from pnd_conformance.judging.verdict import NonConformance

T = TypeVar("T")
FIRST_PAUSE = 0.1   # seconds before the second observation
MAX_PAUSE = 1.0     # backoff doubles up to this


def window(target) -> float:
    """The run's settle window in seconds (0 = the target is immediate)."""
    return target.settings.settle_seconds


def eventually(observe: Callable[[], T], accept: Callable[[T], None], *, timeout: float) -> T:
    """The first observation `accept` passes (it raises NonConformance otherwise), else the last failure.

    `observe` may raise NonConformance too (e.g. a read answering an error before it settles):
    that is an observation that is not accepted yet. Anything else (a TargetFault) ends at once.
    """
    deadline = time.monotonic() + max(timeout, 0.0)
    pause = FIRST_PAUSE
    while True:
        try:
            seen = observe()
            accept(seen)
            return seen
        except NonConformance:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
        time.sleep(min(pause, left))
        pause = min(pause * 2, MAX_PAUSE)


def exhausted(target) -> set[str]:
    """The kinds of precondition whose wait ran out in this run (kept on the run's Target)."""
    return target.run_state.setdefault("settle_exhausted", set())


def ready(observe: Callable[[], T], accept: Callable[[T], None], *, timeout: float,
          kind: str | None = None, memo: set[str] | None = None) -> bool:
    """Wait for a precondition (e.g. the trip is valid before an update); no request when `timeout` is 0.

    Never fails by itself: when the window ends the operation that needs the precondition is sent
    anyway, and its own check judges what the target answers. A target that never settles costs one
    window per `kind`, not one per test: once a wait of that kind has run out (`memo`, shared by the run),
    later ones observe once and go on, until an observation shows the target settling again.
    """
    if timeout <= 0:
        return True
    if kind is not None and memo is not None and kind in memo:
        try:
            accept(observe())
        except NonConformance:
            return False
        memo.discard(kind)
        return True
    try:
        eventually(observe, accept, timeout=timeout)
        return True
    except NonConformance:
        if kind is not None and memo is not None:
            memo.add(kind)
        return False
