"""The client's policies on what a run may send: the request budget's ceiling and the rate limit."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator




class BudgetReached(BaseException):
    """The run's request budget is spent: the request was not sent, so nothing is judged (not run).

    A BaseException for the reason TargetFault is one: Hypothesis must not take it for the property failing.
    """


class Ceiling:
    """The request budget as a ceiling: at most `limit` requests leave this process (None: no limit).

    Cleanup (deleting what the run made, inside `cleaning()`) is never refused, and counted apart: the
    suite deletes whatever it creates, even when the budget is spent.
    """

    def __init__(self, limit: int | None = None, shared: str | None = None) -> None:
        self.limit = limit
        self.sent = 0  # by this process
        self.cleanup = 0
        self.refused = 0  # requests not sent because the budget was spent
        # A file holding the run's count, when several processes (xdist workers) share one budget.
        self.shared = shared
        self._local = threading.local()
        self._lock = threading.Lock()

    @property
    def reached(self) -> bool:
        return self.limit is not None and self.sent >= self.limit

    def _take_shared(self) -> bool:
        """One request from the budget the processes share (a counter in a locked file); False when spent."""
        import fcntl

        assert self.shared is not None and self.limit is not None
        with self._lock, open(self.shared, "a+", encoding="ascii") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            used = int(f.read().strip() or 0)
            if used >= self.limit:
                return False
            f.seek(0)
            f.truncate()
            f.write(str(used + 1))
            return True

    @property
    def in_cleanup(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    @contextmanager
    def cleaning(self) -> Iterator[None]:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            yield
        finally:
            self._local.depth -= 1

    def spend(self, operation: str) -> None:
        """Count one request about to be sent; BudgetReached (nothing sent) when the budget is spent."""
        if self.in_cleanup:
            self.cleanup += 1
            return
        if self.limit is not None and (not self._take_shared() if self.shared else self.reached):
            self.refused += 1
            raise BudgetReached(f"the run's request budget of {self.limit:,} requests was reached "
                                "(--request-budget)")
        self.sent += 1



class RateLimiter:
    """At most `rps` requests per second from this process (0: unlimited), shared by its threads."""

    def __init__(self, rps: float) -> None:
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)
