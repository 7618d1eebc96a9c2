"""The suite's HTTP client: one connection pool per run, every exchange recorded (redacted; exchange.py),
within the run's budget and rate limit (policies.py).

A network or harness fault raises `TargetFault` (reported as an error, not a
non-conformance); whatever the target answers, however garbled, becomes an `Exchange`.
"""
from __future__ import annotations

import json
import time
from collections import deque
from email.utils import parsedate_to_datetime
from typing import Any
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlencode

import httpx

from pnd_conformance.http.exchange import MAX_BODY_KEPT, MAX_BODY_READ, Exchange
from pnd_conformance.http.gateway import retry_after
from pnd_conformance.http.policies import Ceiling, RateLimiter
from pnd_conformance.http.redaction import REDACTOR, redact
from pnd_conformance.settings import IN_PROCESS, Settings
from pnd_conformance.spec.operations import operation as operation_row

_UNSET: Any = object()  # `call` without a body (None is the JSON null)
IDEMPOTENT = frozenset({"GET", "DELETE", "HEAD", "OPTIONS"})


class TargetFault(BaseException):
    """The target could not be talked to (refused, timed out, cut off): a harness/network error.

    `unreachable` is true when nothing answered at all (refused or timed out), so a run
    can stop at once instead of failing every test the same way.

    Not an `Exception`, on purpose: Hypothesis takes an Exception for the property failing, then
    shrinks it and replays it, and a network fault does not come back on replay ("Flaky:
    Inconsistent results from replaying a test case!"). A BaseException ends the test at once as
    itself, which the plugin reports as one error. Catch it by name (`except TargetFault`).
    """

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class InProcessTransport(httpx.BaseTransport):
    """Serve requests from an ASGI app in this process (the embedded sandbox)."""

    def __init__(self, app: Any) -> None:
        import anyio.from_thread

        self._cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._cm.__enter__()
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def go() -> tuple[int, list, bytes]:
            areq = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            resp = await self._asgi.handle_async_request(areq)
            return resp.status_code, resp.headers.raw, await resp.aread()

        status, headers, body = self._portal.call(go)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


class Target:
    """Calls the five operations by key; `call` never raises for an HTTP answer."""

    def __init__(self, settings: Settings, app_factory: Callable[[], Any] | None = None) -> None:
        """`app_factory` builds the ASGI app an in-process target serves (the embedded sandbox:
        pnd_conformance.embedded.open_target passes it); a target with a URL takes none."""
        self.settings = settings
        if settings.in_process:
            if app_factory is None:
                raise TypeError("an in-process Target needs its app_factory (pnd_conformance.embedded.open_target)")
            transport: httpx.BaseTransport = InProcessTransport(app_factory())
            base = IN_PROCESS
        else:
            transport = httpx.HTTPTransport(retries=0)
            base = settings.resolved_url
        self.base_url = base
        # What goes on the wire: the in-process transport ignores the host.
        self._wire_base = "http://sandbox" if settings.in_process else base
        self.http = httpx.Client(transport=transport, timeout=httpx.Timeout(settings.timeout),
                                 follow_redirects=False,
                                 limits=httpx.Limits(max_connections=settings.max_concurrency,
                                                     max_keepalive_connections=settings.max_concurrency))
        self._limiter = RateLimiter(settings.rate_per_process)
        self.listeners: list[Callable[[Exchange], None]] = []
        # The run's cleanup ledger (set by the `ledger` fixture): sees every create before it is
        # sent, so even a run killed mid-request leaves what the sweep needs (conformance/target/ledger.py).
        self.ledger: Any = None
        self._clock_offset: float | None = None  # the target's clock minus ours, from its Date header
        self.history: deque[Exchange] = deque(maxlen=200)
        self.ceiling = Ceiling()  # the request budget (set by the `target` fixture from the run's plan)
        # What the layers above keep for the run beside its client (the settle memo, prepared states).
        self.run_state: dict[str, Any] = {}
        self._held: list[Exchange] | None = None  # inside held_back(): where exchanges go instead of listeners
        # Clients the target refused at preflight (conformance/target/preflight.py): name -> the one-line reason.
        self.refused: dict[str, str] = settings.refused_clients
        self._creds = {}
        for name in (settings.profile.credentials if settings.profile else {}):
            cred = settings.credential(name)
            if cred:
                self._creds[name] = cred
                REDACTOR.add_basic(*cred.basic())

    def close(self) -> None:
        self.http.close()

    def has_client(self, name: str) -> bool:
        return name in self._creds and name not in self.refused


    def url_for(self, operation: str, path: dict[str, str] | None, query: dict[str, Any] | None) -> tuple[str, str]:
        row = operation_row(operation)
        method, url = row.method, row.path
        for key, value in (path or {}).items():
            url = url.replace("{" + key + "}", quote(str(value), safe=""))
        q = {k: ("true" if v is True else "false" if v is False else v)
             for k, v in (query or {}).items() if v is not None}
        if q:
            url += "?" + urlencode(q)
        return method.upper(), url

    def call(self, operation: str, *, path: dict[str, str] | None = None, query: dict[str, Any] | None = None,
             body: Any = _UNSET, raw_body: bytes | str | None = None, client: str | None = "full",
             auth: tuple[str, str] | None = None, headers: dict[str, str] | None = None) -> Exchange:
        method, rel = self.url_for(operation, path, query)
        req_headers = {"Accept": "application/json"}
        content: bytes | None = None
        if raw_body is not None:
            content = raw_body.encode() if isinstance(raw_body, str) else raw_body
            req_headers["Content-Type"] = "application/json"
        elif body is not _UNSET:
            content = json.dumps(body, ensure_ascii=False).encode()
            req_headers["Content-Type"] = "application/json"
        req_headers.update(headers or {})
        exchange, _ = self.send_prepared(method, rel, req_headers, content=content, operation=operation,
                                         client=client, auth=auth)
        return exchange

    def send_prepared(self, method: str, url: str, headers: dict[str, str] | None = None,
                      params: dict[str, Any] | None = None, content: bytes | None = None, *, operation: str,
                      client: str | None = "full", auth: tuple[str, str] | None = None,
                      ) -> tuple[Exchange, httpx.Response]:
        """Send an already-serialized request the way `call` sends its own (which it uses).

        `url` is relative to the target (path and query, already percent-encoded); `params` are
        appended to its query; `headers` go as given, plus Basic auth for `client` (or `auth`;
        `client=None` with neither sends whatever Authorization header `headers` carry). Recorded,
        redacted, rate-limited and retried like `call`; returns the Exchange and the httpx response.
        """
        method = method.upper()
        rel = url
        if params:
            rel += ("&" if "?" in rel else "?") + urlencode(params, doseq=True)
        req_headers = dict(headers or {})
        basic = auth
        password_env = None
        if basic is None and client is not None:
            cred = self._creds.get(client)
            if cred is None:
                raise LookupError(f"client {client!r} unavailable: {self.settings.missing_credential_hint(client)}")
            basic = cred.basic()
            ref = self.settings.profile.credentials.get(client) if self.settings.profile else None
            password_env = ref.password_env if ref else None
        if auth is not None:
            REDACTOR.add_basic(*auth)
        self.ceiling.spend(operation)  # before the ledger's intent: a request refused here was never sent
        intent = (self.ledger.begin_create(rel, content, self._server_now(), client)
                  if operation == "create" and self.ledger is not None else None)
        attempts = 1 + (self.settings.retries if (method in IDEMPOTENT or operation_row(operation).read_only) else 0)
        url = self.base_url + rel
        shown_headers = dict(req_headers)
        if basic:
            for name in [k for k in shown_headers if k.lower() == "authorization"]:
                del shown_headers[name]  # replaced on the wire by the client's credentials
            shown_headers["Authorization"] = "Basic ***"
        exchange = Exchange(
            operation=operation, method=method, url=url, client_name=client if basic and auth is None else None,
            request_headers=REDACTOR.redact_headers(shown_headers),
            request_body=content.decode("utf-8", errors="replace") if content is not None else None,
            status=0, response_headers={}, response_text="", truncated=False, elapsed_ms=0.0,
            password_env=password_env, username=redact(basic[0]) if basic else None,
            cleanup=self.ceiling.in_cleanup,
        )
        response = None
        started = time.perf_counter()
        tried: list[str] = []  # what happened on each attempt, for the fault's message
        for attempt in range(attempts):
            if attempt:
                self.ceiling.spend(operation)  # a resend is a request too
            self._limiter.wait()
            started = time.perf_counter()
            try:
                response = self._send(operation, method, self._wire_base + rel, content=content,
                                      headers=_wire_headers(req_headers),
                                      auth=httpx.BasicAuth(*basic) if basic else None)
                break
            except httpx.TimeoutException:
                tried.append(f"no answer within {self.settings.timeout}s")
                raise _fault(exchange, f"no answer from {self.base_url} within {self.settings.timeout}s", tried,
                             attempts, unreachable=True) from None
            except (httpx.ConnectError, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                refused = isinstance(exc, httpx.ConnectError)
                tried.append(f"{type(exc).__name__}: {redact(str(exc)) or 'connection refused'}")
                # Resend only what cannot have reached the target (refused), or a pure read.
                if attempt + 1 < attempts and (refused or operation_row(operation).read_only):
                    time.sleep(0.2 * 2 ** attempt)
                    continue
                head = (f"cannot connect to {self.base_url}" if refused else
                        f"{type(exc).__name__} talking to {self.base_url}: the connection failed without an answer")
                raise _fault(exchange, head, tried, attempts, unreachable=refused) from None
            except httpx.HTTPError as exc:
                tried.append(f"{type(exc).__name__}: {redact(str(exc))}")
                raise _fault(exchange, f"{type(exc).__name__} talking to {self.base_url}", tried, attempts) from None
            except (httpx.InvalidURL, UnicodeError) as exc:  # a request httpx cannot put on the wire
                raise TargetFault(f"{operation}: cannot send {method} {redact(rel)}: {redact(str(exc))}") \
                    from None
        assert response is not None
        raw = response.content
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        exchange.truncated = response.extensions.get("pnd_over_ceiling", False)
        exchange.response_text = raw.decode("utf-8", errors="replace")
        exchange.body_bytes = response.extensions.get("pnd_body_bytes", len(raw))
        exchange.status = response.status_code
        exchange.response_headers = REDACTOR.redact_headers(dict(response.headers))
        self._note_server_clock(response)
        if intent is not None:
            self.ledger.end_create(intent, exchange)
        self.history.append(exchange.for_report())
        if self._held is not None:
            self._held.append(exchange)
        else:
            self.replay([exchange])
        return exchange, response

    @contextmanager
    def held_back(self) -> Iterator[list[Exchange]]:
        """The exchanges sent inside go to no listener (the running test's counts and report steps) but into
        the list yielded: what the state pool sends ahead is the test's that takes it (`replay`)."""
        held: list[Exchange] = []
        outer, self._held = self._held, held
        try:
            yield held
        finally:
            self._held = outer

    def replay(self, exchanges: list[Exchange]) -> None:
        """Hand exchanges to the listeners, as if sent now (by the running test)."""
        for exchange in exchanges:
            for listener in list(self.listeners):
                listener(exchange)

    def _send(self, operation: str, method: str, url: str, **kw: Any) -> httpx.Response:
        """One request, read whole up to MAX_BODY_READ; a 429/503 with Retry-After is waited out and
        sent again within the run's --retry-after-budget (then a TargetFault: environment, not verdict)."""
        budget = self.settings.retry_after_budget
        waited = 0.0
        while True:
            response = _read_capped(self.http.send(self.http.build_request(method, url, content=kw.get("content"),
                                                                           headers=kw.get("headers")),
                                                   auth=kw.get("auth"), stream=True))
            wait = retry_after(response.status_code, response.headers)
            if wait is None:
                return response
            if waited + wait > budget:
                raise TargetFault(
                    f"{operation}: the target kept answering HTTP {response.status_code} with Retry-After "
                    f"({response.headers.get('retry-after')}) for {waited:.0f}s; the request was not processed, so "
                    f"this is no verdict on the contract (--retry-after-budget {budget:g}s; lower --rate-limit?)",
                    unreachable=True)  # at the run's first request: stop the run instead of erroring every test
            time.sleep(wait)
            waited += wait
            self.ceiling.spend(operation)
            self._limiter.wait()

    def _note_server_clock(self, response: httpx.Response) -> None:
        try:
            server = parsedate_to_datetime(response.headers.get("date", ""))
        except (TypeError, ValueError):
            return
        if server.tzinfo is not None:
            self._clock_offset = server.timestamp() - time.time()

    def _server_now(self) -> float | None:
        """The target's clock now (epoch s; its Date header has whole seconds, hence the second off)."""
        return None if self._clock_offset is None else time.time() + self._clock_offset - 1


def _fault(ex: Exchange, head: str, tried: list[str], attempts: int, unreachable: bool = False) -> TargetFault:
    """The fault after the last attempt: what happened on each, and the request to reproduce."""
    each = "; ".join(f"attempt {i}: {what}" for i, what in enumerate(tried, 1))
    why = "" if len(tried) > 1 else " (a write is sent once)" if attempts == 1 else \
        " (not resent: it may have reached the target)"
    return TargetFault(f"{ex.operation}: {head}\n{len(tried)} attempt(s){why}: {each}\nreproduce: {ex.curl()}",
                       unreachable=unreachable)


def _read_capped(response: httpx.Response) -> httpx.Response:
    """The streamed response read whole, up to MAX_BODY_READ (the rest is not read: bounded memory)."""
    chunks, size, over = [], 0, False
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_READ:
                over = True
                chunks.append(chunk[: max(0, MAX_BODY_KEPT - (size - len(chunk)))])
                break
            chunks.append(chunk)
    finally:
        response.close()
    # Already decoded: the copy carries no Content-Encoding/Length to decode or check again.
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in ("content-encoding",
                                                                                         "content-length")]
    return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                          request=response.request,
                          extensions={**response.extensions, "pnd_over_ceiling": over, "pnd_body_bytes": size})


def _wire_headers(headers: dict[str, str]) -> dict[str, str | bytes]:
    """Header values as bytes where they are not ASCII (httpx would encode a str value as ASCII only)."""
    out: dict[str, str | bytes] = {}
    for name, value in headers.items():
        if isinstance(value, str) and not value.isascii():
            try:
                out[name] = value.encode("latin-1")
            except UnicodeEncodeError:
                out[name] = value.encode("utf-8")
        else:
            out[name] = value
    return out
