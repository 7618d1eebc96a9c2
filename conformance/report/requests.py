"""The run's requests as the reports show them: the terminal lines and the matrix's **Requests** section,
from the matrix's `requests` (counted by pnd_conformance.plugins.request_count)."""
from __future__ import annotations

from typing import Any


def summary_lines(requests: dict[str, Any]) -> list[str]:
    """The terminal lines for a run's `requests` (also printed by bench/benchmark.py)."""
    total = requests["total"]
    ops = ", ".join(f"{op} {n:,}" for op, n in requests["by_operation"].items()) or "none"
    types = ", ".join(f"{t} {n:,}" for t, n in requests["by_type"].items()) or "none"
    rate = requests.get("rate_limit_rps")
    if rate:
        cost = f"{requests['seconds_at_rate_limit']:,.0f} s at the run's rate limit of {rate:g} req/s"
    else:
        cost = "unlimited rate; " + ", ".join(f"{s:,.0f} s at {r} req/s"
                                              for r, s in requests["seconds_at_reference_rates"].items())
    lines = [f"requests sent: {total:,} ({cost})", f"  per operation: {ops}", f"  per test type: {types}"]
    if requests.get("cleanup"):
        lines.append(f"  plus {requests['cleanup']:,} cleanup request(s) deleting what the run made "
                     "(outside the budget)")
    if requests.get("budget"):
        lines.append(f"  request budget {requests['budget']:,} (floor {requests['floor']:,})")
    top = sorted(requests["by_rule"].items(), key=lambda kv: -kv[1]["requests"])[:5]
    if top:
        lines.append("  most: " + ", ".join(f"{k} {v['requests']}" for k, v in top))
    return lines


def rule_columns(by_test: dict[str, Any], key: str) -> dict[str, Any]:
    """A matrix row's `examples` (Hypothesis examples that reached the target) and `requests`."""
    entry = by_test.get(key)
    return {"examples": entry["examples"] if entry else 0, "requests": entry["requests"] if entry else 0}


def markdown_lines(requests: dict[str, Any] | None) -> list[str]:
    """The matrix's **Requests** section: the run's cost, per operation and per test type."""
    if not requests or not requests.get("total"):
        return []
    out = ["", "## Requests", ""] + [f"- {line.strip()}" for line in summary_lines(requests)
                                     if not line.strip().startswith("most:")]
    return out
