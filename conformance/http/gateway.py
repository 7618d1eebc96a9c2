"""A gateway's 429 Too Many Requests or 503 Service Unavailable with Retry-After.

That answer is not a verdict on the contract: the request was not processed (RFC 9110 §15.6.4,
RFC 6585 §4), so the client waits as told and sends the same request again, POST included,
within a bounded budget (`--retry-after-budget`). When the target keeps answering so, the
outcome is an error (environment), never a failure. A 429/503 without Retry-After is an answer
like any other and is judged.
"""
from __future__ import annotations

from datetime import datetime, UTC
from email.utils import parsedate_to_datetime

BUSY_STATUSES = frozenset({429, 503})


def retry_after(status: int, headers) -> float | None:
    """Seconds to wait before resending, or None when this answer is to be judged as it is."""
    if status not in BUSY_STATUSES:
        return None
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:  # the HTTP-date form
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
