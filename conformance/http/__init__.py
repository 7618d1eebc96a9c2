"""The HTTP client and its policies: transport (over the wire or the in-process sandbox), the rate limit,
Retry-After, the request budget's ceiling, the recorded exchanges and their curl commands, redaction, and
the gateway's refusals (gateway.py)."""
