"""Credentials never leave the process: every text the suite emits goes through `redact`."""
from __future__ import annotations

import base64
import re
import threading

MASK = "***"
_AUTH_HEADER = re.compile(r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?\s*(?:basic|bearer)\s+)[A-Za-z0-9+/=._~-]+")


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *secrets: str) -> None:
        with self._lock:
            for s in secrets:
                if s and len(s) >= 4:
                    self._secrets.add(s)

    def add_basic(self, username: str, password: str) -> None:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.add(password, token, token.rstrip("="))

    def redact(self, text: str) -> str:
        if not text:
            return text
        for s in sorted(self._secrets, key=len, reverse=True):
            if s in text:
                text = text.replace(s, MASK)
        return _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)

    def redact_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (MASK if k.lower() in ("authorization", "proxy-authorization", "cookie") else self.redact(v))
                for k, v in headers.items()}


# One per process; the plugin registers the run's secrets at configuration time.
REDACTOR = Redactor()
redact = REDACTOR.redact
