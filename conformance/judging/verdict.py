"""Judging an exchange against the documentation, with messages that say why.

Every failure says what was received, what is documented (with the doc and its words), and
ends with a redacted curl command that reproduces the request.
"""
from __future__ import annotations

from typing import Any, NoReturn

import pytest

from pnd_conformance.http.client import Exchange
from pnd_conformance.spec.operations import operation

#: Refusals by the authentication layer, whose body no document shows.
AUTH_STATUSES = (401, 403)


class NonConformance(AssertionError):
    """The target did not behave as documented: what was received, what is documented (and where: the
    doc and its words), and a redacted curl reproducing the request.

    `str()` is the message every report shows: `<operation>: received ...`, one `documented: ...` line
    per claim (the citation after the last), any `notes` lines, then `reproduce: <curl>`. `rule_id` is
    filled by whoever knows the rule (the reports). Built from a plain `text`, it is that text alone.
    """

    def __init__(self, text: str | None = None, *, operation: str | None = None, received: str | None = None,
                 documented: str | tuple[str, ...] = (), citation: tuple[str, str] | None = None,
                 curl: str | None = None, notes: tuple[str, ...] = (), rule_id: str | None = None) -> None:
        self.text = text
        self.operation, self.received, self.curl, self.rule_id = operation, received, curl, rule_id
        self.documented = (documented,) if isinstance(documented, str) else tuple(documented)
        self.citation, self.notes = citation, tuple(notes)
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.text if self.text is not None else "\n".join(self.lines())

    def lines(self) -> list[str]:
        """The message of the fields, line by line; the last is `reproduce: <curl>`."""
        where = f' ({self.citation[0]}: "{self.citation[1]}")' if self.citation else ""
        claims = [f"documented: {d}" for d in self.documented]
        if claims:
            claims[-1] += where
        return [f"{self.operation}: received {self.received}", *claims, *self.notes, f"reproduce: {self.curl}"]

    def __reduce__(self):  # keyword-only fields: copied and pickled whole
        return _rebuild, (self.text, self.fields())

    def fields(self) -> dict[str, Any]:
        """The failure as data (for reports): operation, rule id, received, documented, citation, curl."""
        return {"operation": self.operation, "rule_id": self.rule_id, "received": self.received,
                "documented": self.documented, "citation": self.citation, "notes": self.notes, "curl": self.curl}


def _rebuild(text: str | None, fields: dict[str, Any]) -> NonConformance:
    return NonConformance(text, **fields)


def _doc_and_quote(citation: Any) -> tuple[Any, Any]:
    doc = getattr(citation, "doc", None) or citation.get("doc")
    quote = getattr(citation, "quote", None) or citation.get("quote")
    return doc, quote


def fail(ex: Exchange, documented: str, citation: Any = None) -> NoReturn:
    raise NonConformance(operation=ex.operation, received=ex.received(), documented=documented,
                         citation=_doc_and_quote(citation) if citation else None, curl=ex.curl())


def check(condition: object, ex: Exchange, documented: str, citation: Any = None) -> None:
    if not condition:
        fail(ex, documented, citation)


def object_of(value: Any) -> dict:
    """A JSON object of an answer, or an empty one for anything else (a target may send null or junk)."""
    return value if isinstance(value, dict) else {}


def body_of(ex: Exchange, citation: Any = None) -> dict:
    """The JSON object body, or a failure naming what came instead."""
    body = ex.json
    if not isinstance(body, dict):
        what = (f"a body of over {ex.body_bytes or 0} bytes, beyond the suite's read ceiling" if ex.truncated
                else "a body that is not a JSON object")
        fail(ex, f"a JSON object response body (got {what})", citation)
    return body  # type: ignore[return-value]


def error_entries(ex: Exchange, body: dict) -> list[dict]:
    """The errors in the operation's documented envelope (`errors` list or `error` object)."""
    key = operation(ex.operation).envelope
    value = body.get(key)
    if key == "errors":
        return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
    return [value] if isinstance(value, dict) else []


def expect_error(ex: Exchange, status: int, code: str | None, citation: Any = None) -> None:
    """A rejection: the status, the envelope, body statusCode = HTTP status, and the code if documented."""
    key = operation(ex.operation).envelope
    if code is None:
        check(400 <= ex.status < 500, ex, "a 4xx rejection (the docs give no code for this rule)", citation)
    else:
        check(ex.status == status, ex, f"HTTP {status} with errorCode {code}", citation)
    if ex.status in AUTH_STATUSES and not (isinstance(ex.json, dict) and error_entries(ex, ex.json)):
        # No document shows a 401/403 body (an authentication layer or gateway may answer with its
        # own): the status is the verdict; an envelope, when sent, is judged below (NOTES.md
        # "Error envelope: `errors` list or `error` object").
        return
    body = body_of(ex, citation)
    entries = error_entries(ex, body)
    envelope = f"an `{key}` {'list' if key == 'errors' else 'object'}"
    check(bool(entries), ex, f"the error in {envelope} (the {ex.operation} doc's error example)", citation)
    check(body.get("statusCode") == ex.status, ex,
          f"body statusCode equal to the HTTP status {ex.status} (\"statusCode: HTTP status code of the response\")",
          citation)
    if code is not None:
        codes = [e.get("errorCode") for e in entries]
        check(code in codes, ex, f"errorCode {code} (received {codes})", citation)


def expect_success(ex: Exchange, citation: Any = None) -> dict:
    """A success: HTTP 200, JSON object, statusCode 200, no errors in the envelope."""
    check(ex.status == 200, ex, "HTTP 200 for a valid request", citation)
    check(ex.content_type.split(";")[0].strip().lower() == "application/json", ex,  # media types ignore case
          "an application/json response", citation)
    body = body_of(ex, citation)
    check(body.get("statusCode") == 200, ex, "body statusCode 200 on success", citation)
    check(not error_entries(ex, body), ex, "no errors on success (the docs' examples send null)", citation)
    return body


def skip_unavailable(reason: str) -> None:
    pytest.skip(reason)
