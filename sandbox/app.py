"""The ASGI application: routes, the per-operation error envelopes, JSON 404/405, no 500s."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from pnd_conformance.sandbox import envelopes, faults as fault_registry, variants as variant_registry
from pnd_conformance.sandbox import routes_create, routes_delete, routes_filter, routes_get_trips, routes_update
from pnd_conformance.sandbox.context import Call, Context
from pnd_conformance.sandbox.seed import Client, load_seed
from pnd_conformance.sandbox.store import Store
from pnd_conformance.sandbox.validation import ApiError, MalformedJson
from pnd_conformance.spec.operations import operations

log = logging.getLogger("sandbox")


class _Segment(Convertor):
    """A path segment that may be empty or blank, so a blank id reaches the documented 400."""

    regex = "[^/]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("segment", _Segment())

Handler = Callable[[Context, Call], "tuple[int, dict[str, Any]]"]
HANDLERS: dict[str, Handler] = {"create": routes_create.handle, "update": routes_update.handle,
                                "get-trips": routes_get_trips.handle, "delete": routes_delete.handle,
                                "filter": routes_filter.handle}


def _error(ctx: Context, operation: str, err: ApiError) -> Response:
    status, body_status = err.status, err.status
    errors_list = False
    if operation == "create":
        status, body_status = routes_create.status_for_error(ctx, err)
    elif operation == "update" and err.status == 400 and ctx.fault("update-errors-with-200"):
        status = 200
    elif operation == "filter" and err.status == 400 and ctx.fault("filter-validation-500"):
        status = body_status = 500
    elif operation == "get-trips" and ctx.fault("get-trips-errors-list"):
        errors_list = True
    if err.status in (401, 403) and ctx.variant("auth-codes-differ") and operation in ("update", "filter"):
        err = ApiError(err.status, "NOT_AUTHENTICATED" if err.status == 401 else "ACCESS_DENIED", err.description)
    body = envelopes.error(operation, err, status_in_body=body_status, errors_list=errors_list)
    if err.status in (401, 403) and ctx.variant("auth-gateway-bodies"):
        body = {"message": "Unauthorized" if err.status == 401 else "Forbidden"}
    headers = {"WWW-Authenticate": 'Basic realm="sandbox"'} if err.status == 401 else None
    return envelopes.respond(body, status, text_plain=ctx.fault("wrong-content-type"), headers=headers)


def _endpoint(ctx: Context, operation: str, handler: Handler,
              variants: variant_registry.Runtime | None = None) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        raw = await request.body() if request.method in ("POST", "PUT", "PATCH") else b""
        call = Call(request, raw)
        try:
            with ctx.store.lock:
                if variants is None:
                    status, body = handler(ctx, call)
                else:
                    before = variants.before(operation)
                    status, body = handler(variants.context_for(operation), call)
                    variants.after(operation, before, status, body, call)
        except MalformedJson as err:
            if ctx.fault("malformed-json-500"):
                return PlainTextResponse("Internal Server Error", status_code=500)
            return _error(ctx, operation, err)
        except ApiError as err:
            return _error(ctx, operation, err)
        except Exception:  # a sandbox bug: still an envelope, and logged
            log.exception("%s: unexpected error", operation)
            return _error(ctx, operation, ApiError(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred"))
        return envelopes.respond(body, status, text_plain=ctx.fault("wrong-content-type"))

    endpoint.__name__ = f"{operation.replace('-', '_')}_endpoint"
    return endpoint


def create_app(faults: Iterable[str] = (), *, profile: Path | str | None = None, variants: Iterable[str] | str = (),
               credentials: Mapping[str, tuple[str, str]] | None = None) -> Starlette:
    """The sandbox app with its own fresh in-memory state. Unknown fault or variant names raise ValueError.
    `credentials` (client name -> username, password) replace the profile's for those clients, keeping their
    grants: the embedded sandbox accepts the run's own credentials, whatever secrets its profile reads."""
    active = fault_registry.resolve(faults)
    chosen = variant_registry.resolve(variants)
    seed = load_seed(Path(profile) if profile else None)
    for name, (username, password) in (credentials or {}).items():
        known = next((c for c in seed.clients.values() if c.name == name), None)
        if known is not None:
            del seed.clients[known.username]
            seed.clients[username] = Client(name, username, password, known.grants)
    ctx = Context(store=Store(seed), seed=seed, faults=active, variants=chosen)
    runtime = variant_registry.Runtime(chosen, ctx) if chosen else None

    async def health(request: Request) -> Response:
        return envelopes.respond({"status": "ok", "faults": sorted(active), "variants": sorted(chosen)}, 200)

    # Each operation at the spec's method and path (spec/operations.py); a path parameter is one segment.
    routes = [Route(re.sub(r"\{(\w+)\}", r"{\1:segment}", op.path), _endpoint(ctx, op.key, HANDLERS[op.key], runtime),
                    methods=[op.method]) for op in operations()]
    routes.append(Route("/health", health, methods=["GET"]))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "HTTP_ERROR")
        description = {404: "No such resource", 405: "Method not allowed on this resource"}.get(
            status, exc.detail if isinstance(exc, HTTPException) else "Error")
        body = envelopes.error(None, ApiError(status, code, description))
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else None
        return envelopes.respond(body, status, text_plain=ctx.fault("wrong-content-type"), headers=headers)

    async def server_error(request: Request, exc: Exception) -> Response:
        body = envelopes.error(None, ApiError(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred"))
        return envelopes.respond(body, 500)

    middleware = [Middleware(cls) for name, cls in (("gateway-429", variant_registry.Gateway),
                                                    ("numbers-as-doubles", variant_registry.NumbersAsDoubles),
                                                    ("verbose-json", variant_registry.VerboseJson)) if name in chosen]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error},
                    middleware=middleware)
    app.router.redirect_slashes = False
    app.state.sandbox = ctx
    return app
