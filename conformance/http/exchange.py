"""One recorded request and its answer (redacted), and the curl command that sends it again."""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field, replace
from typing import Any


from pnd_conformance.http.redaction import redact
from pnd_conformance.settings import IN_PROCESS


_UNSET: Any = object()
# The verdict reads a response whole up to MAX_BODY_READ (far above any sane answer: 150 trips
# indented are ~0.5 MiB); beyond it the body is not read and the test fails saying so. Reports
# (attachments, the history) keep the first MAX_BODY_KEPT of a body, and say when they cut it.
MAX_BODY_READ = 32 * 1024 * 1024
MAX_BODY_KEPT = 64 * 1024


@dataclass
class Exchange:
    operation: str
    method: str
    url: str
    client_name: str | None
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]
    response_text: str
    truncated: bool  # the body exceeded MAX_BODY_READ: the verdict could not read it
    elapsed_ms: float
    password_env: str | None = None
    username: str | None = None
    body_bytes: int | None = None  # the size received (None: not measured)
    cleanup: bool = False  # sent to delete what the run made (counted apart from the budget)
    _json: Any = field(default=_UNSET, repr=False)

    @property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        if self._json is _UNSET:
            try:
                self._json = json.loads(self.response_text) if not self.truncated else None
            except ValueError:
                self._json = None
        return self._json

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    def received(self, limit: int = 600) -> str:
        body = self.response_text if len(self.response_text) <= limit else self.response_text[:limit] + "…"
        return redact(f"HTTP {self.status} ({self.content_type or 'no content-type'}) {body}")

    def curl(self) -> str:
        """A command that reproduces the request, credentials replaced by an env reference."""
        parts = ["curl", "-sS", "-X", self.method, self.url if not self.url.startswith(IN_PROCESS)
                 else self.url.replace(IN_PROCESS, "http://127.0.0.1:8765")]
        cmd = " ".join(shlex.quote(p) for p in parts)
        if self.username is not None:
            # The password is never written: the command reads it from the environment.
            var = self.password_env or f"PND_{(self.client_name or 'custom').upper()}_PASSWORD"
            cmd += f' -u "{self.username}:${{{var}}}"'
        for k, v in self.request_headers.items():
            if k.lower() in ("content-type",):
                cmd += " -H " + shlex.quote(f"{k}: {v}")
        if self.request_body is not None:
            cmd += " --data-raw " + shlex.quote(self.request_body)
        note = "  # run `pnd-conformance sandbox` first" if self.url.startswith(IN_PROCESS) else ""
        return redact(cmd + note)

    def kept_body(self) -> tuple[str, str | None]:
        """The response body as reports keep it (at most MAX_BODY_KEPT), and a note when cut."""
        size = self.body_bytes if self.body_bytes is not None else len(self.response_text.encode())
        if self.truncated:
            note = (f"the body exceeded the suite's read ceiling of {MAX_BODY_READ // 1024 // 1024} MiB; "
                    f"reports keep its first {MAX_BODY_KEPT // 1024} KiB")
        elif len(self.response_text) > MAX_BODY_KEPT:
            note = (f"reports keep the first {MAX_BODY_KEPT // 1024} KiB of this {size // 1024} KiB body; "
                    "the verdict read it whole")
        else:
            return self.response_text, None
        return self.response_text[:MAX_BODY_KEPT], note

    def for_report(self) -> Exchange:
        """This exchange with its body cut to what reports keep (bounded memory for the history)."""
        body, note = self.kept_body()
        if note is None:
            return self
        kept = replace(self, response_text=body)
        kept._json = None
        return kept

    def to_dict(self) -> dict[str, Any]:
        body, note = self.kept_body()
        return {
            "operation": self.operation, "client": self.client_name,
            "request": {"method": self.method, "url": self.url, "headers": self.request_headers,
                        "body": redact(self.request_body) if self.request_body else None},
            "response": {"status": self.status, "headers": self.response_headers,
                         "body": redact(body), "truncated": note is not None,
                         **({"note": note} if note else {})},
            "elapsed_ms": round(self.elapsed_ms, 2), "curl": self.curl(),
        }
