"""Conformant variants: the mirror image of the faults (mutants). Each is a behaviour the documents
permit but the reference sandbox does not choose, at a point where they are silent or ambiguous
(spec/NOTES.md names each position), or the way a real server differs from an in-memory one
(it settles after writes, its serializer takes liberties, its dealer holds other people's data, a
gateway throttles). The suite must pass against every one with zero failures: a failure there is a
false alarm of the suite, not a sandbox bug (tests/test_mutants.py runs them beside the mutants;
tests/test_variants_settle.py runs SETTLE_VARIANTS over the wire, where the settle window is on).

One entry per variant: its name and what the sandbox then does differently. All are off by
default: `create_app(variants=[...])`, `pnd-conformance sandbox --variants a,b`, or in-process
`--sandbox-variants a,b` / `PND_SANDBOX_VARIANTS=a,b`. A handler checks one with
`ctx.variant(NAME)` at the point of the behaviour (grep the name); the settle variants act
around the handlers (Runtime) and as ASGI middlewares (VerboseJson, Gateway).
"""
from __future__ import annotations

import base64
import copy
import json
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pnd_conformance.sandbox.faults import names_in

SETTLE_DELAY = 0.25  # seconds, for the two settle variants (a run polls ~0.3 s per settled write)
FILTER_LAG = 1.5  # seconds filter's index trails the writes (filter-lags): beyond one poll, within the window
BUSY_APPOINTMENTS = 150
GATEWAY_RPS = 40  # requests per second above which the gateway variant answers 429

VARIANTS: dict[str, str] = {
    # --- date-times, request forms --------------------------------------------------------------
    "offset-without-colon-only": "create, update, filter: date-times only in the docs' ±HHMM form "
                                 "(yyyy-MM-dd'T'HH:mm:ssZ); a ±HH:MM offset is rejected",
    "transport-option-by-uuid-only": "create: a transport option is identified only by transportOptionUuid (as the "
                                     "doc's example); one named PICKUP_AND_DELIVERY without a UUID is rejected",
    "unknown-fields-rejected": "create: unknown top-level body fields are rejected with 400 (as fault "
                               "unknown-field-400)",
    "scalars-coerced": "create, update, filter: a number or boolean where a string is expected is read as its "
                       "text, a numeric string where a number is as the number (Jackson's default scalar coercion)",
    "single-value-as-list": "update, filter: a single string where a list of strings is expected counts as a "
                            "one-element list (Jackson's ACCEPT_SINGLE_VALUE_AS_ARRAY)",
    # --- update ---------------------------------------------------------------------------------
    "pickup-stays-pickup": "update: the partner pickup stays a pickup: the update scenario rejects a non-pickup "
                           "rideType (400 INVALID_RIDE_TYPE)",
    "created-trip-is-pickup-vehicle": "update: the create-trip scenario follows the create page: its rideType must be "
                                      "PICKUP_VEHICLE",
    # --- create ---------------------------------------------------------------------------------
    "trips-valid-later": "create: trips are marked valid a moment later: the first get-trips after the create shows "
                         "isValid false",
    "pickup-alias-omitted": "create: pickupEventUUID is not returned to this (older) partner integration "
                            "(as fault create-pickup-uuid-alias-missing)",
    "trip-status-set-by-server": "create: the trip's status is set by the trip service (UNASSIGNED), whatever the "
                                 "caller sends (as fault create-trip-status-ignored)",
    "replaced-partner-appointment-kept": "create: regularServiceApptUuid naming a partner appointment-with-trip (not a "
                                         "regular service appointment) leaves it in place",
    "unknown-department-downstream-code": "create: a well-formed department UUID that is unknown or of another dealer "
                                          "fails downstream (400 INVALID_CREATE_EVENT_REQUEST), not INVALID_DEPT_UUID",
    # --- identities and tenancy -----------------------------------------------------------------
    "unknown-path-identity-403": "create, get-trips, delete: a well-formed dealer/department UUID naming nothing is "
                                 "refused by the scope check (403 FORBIDDEN) before it is resolved",
    "unknown-appointment-rejected": "get-trips, delete: an appointment UUID naming no appointment is 400 "
                                    "INVALID_SAR_UUID (as fault get-trips-unknown-sar-400, and on delete)",
    "delete-web-fallback-any-actor": "delete: source=WEB without updatedByDAUUID derives an actor even when the "
                                     "appointment has no assigned or creator user",
    # --- authentication layer -------------------------------------------------------------------
    "auth-gateway-bodies": "all: 401 and 403 come from a gateway with its own JSON body ({\"message\": ...}), not the "
                           "operation's envelope",
    "auth-codes-differ": "update, filter (no documented codes): 401 answers NOT_AUTHENTICATED and 403 ACCESS_DENIED",
    "filter-department-out-of-grant-ignored": "filter: listed departments outside the client's grant are ignored (200, "
                                              "none of their trips) instead of 403",
    # --- filter ---------------------------------------------------------------------------------
    "last-item-index-of-last-item": "filter: lastItemIndex is the index of the previous page's last item; the page "
                                    "starts after it (as fault filter-last-item-index-skips)",
    "filter-accepts-ride-share": "filter: RIDE_SHARE (update's ride type) is accepted in rideTypes",
    "filter-empty-lists-lenient": "filter: an empty dealerDepartmentUUIDList, or empty eventUuids without dealerUuids, "
                                  "is accepted and selects nothing",
    "dropoff-filtered-by-appointment-time": "filter: a dropoff is ranged and sorted by its appointment's pickup time, "
                                            "not by its rideTime",
    # --- real servers settle (tests/test_variants_settle.py, over the wire) -------------------------
    "valid-after-delay": f"create/update: the SAR-trip mapping step marks new trips valid {SETTLE_DELAY} s after the "
                         "write (\"The trip is marked valid later\"); until then update rejects the trip (\"validates "
                         "... that isValid is true\")",
    "reads-lag": f"get-trips and filter answer from a replica {SETTLE_DELAY} s behind the writes",
    "filter-lags": f"filter answers from a search index {FILTER_LAG} s behind the writes (get-trips is current)",
    "verbose-json": "responses indented, keys in reverse order, fields the docs do not list, null fields omitted",
    "numbers-as-doubles": "responses write every number as a double (\"statusCode\": 200.0, \"totalCount\": 2.0): "
                          "JSON has one number type",
    "busy-dealer": f"the dealer's department already holds {BUSY_APPOINTMENTS} appointments with trips of other "
                   "people (same dealer, department and customer), and others book the same days as the suite",
    "gateway-429": f"a gateway answers 429 with Retry-After: 1 above {GATEWAY_RPS} requests per second "
                   "(the request is not processed)",
}
#: Variants whose behaviour needs a remote target's settle window or a real gateway: run over the
#: wire by tests/test_variants_settle.py (in-process, the settle window is zero).
SETTLE_VARIANTS = frozenset({"valid-after-delay", "reads-lag", "filter-lags", "verbose-json", "busy-dealer",
                             "gateway-429"})
WRITES = frozenset({"create", "update", "delete"})
READS = frozenset({"get-trips", "filter"})


class UnknownVariant(ValueError):
    """A variant name that is not in VARIANTS."""


def resolve(variants: Iterable[str] | str | None) -> frozenset[str]:
    """Validated set of variant names (a comma-separated string is accepted too)."""
    return names_in(VARIANTS, variants, UnknownVariant, "variant(s)", "--list-variants")


class Runtime:
    """The active variants' state, consulted by the app around every operation."""

    def __init__(self, active: frozenset[str], ctx: Any) -> None:
        self.active, self.ctx = active, ctx
        self._snapshots: list[tuple[float, Any]] = []
        # One replica: behind by the longest lag chosen (get-trips and filter, or filter alone).
        self.lag = FILTER_LAG if "filter-lags" in active else SETTLE_DELAY
        self.lagging = READS if "reads-lag" in active else frozenset({"filter"}) if "filter-lags" in active \
            else frozenset()
        if "busy-dealer" in active:
            self.others = _Others(ctx)
            self.others.seed(BUSY_APPOINTMENTS)
        if self.lagging:
            self._snapshot()

    def on(self, name: str) -> bool:
        return name in self.active

    # --- around a handler (the caller holds the store lock) ------------------------------------
    def context_for(self, operation: str) -> Any:
        """The context a handler sees: reads are answered from the lagging replica."""
        if operation in self.lagging:
            return replace(self.ctx, store=self._replica())
        return self.ctx

    def before(self, operation: str) -> set[str]:
        return set(self.ctx.store.trips) if operation in WRITES else set()

    def after(self, operation: str, before: set[str], status: int, body: dict, call: Any) -> None:
        if operation not in WRITES or status != 200:
            return
        if operation == "create" and self.on("busy-dealer"):
            self.others.neighbour(call)
        if self.on("valid-after-delay"):
            fresh = [u for u in self.ctx.store.trips if u not in before and self.ctx.store.trips[u].is_valid]
            for u in fresh:
                self.ctx.store.trips[u].is_valid = False
            if fresh:
                timer = threading.Timer(SETTLE_DELAY, self._mark_valid, args=(fresh,))
                timer.daemon = True
                timer.start()
        if self.lagging:
            self._snapshot()

    def _mark_valid(self, uuids: list[str]) -> None:
        with self.ctx.store.lock:
            for u in uuids:
                trip = self.ctx.store.trips.get(u)
                if trip is not None:
                    trip.is_valid = True
            if self.lagging:
                self._snapshot()

    # --- the replica -----------------------------------------------------------------------------
    def _snapshot(self) -> None:
        store = self.ctx.store
        state = copy.deepcopy((store.trips, store.appointments, store.mapping))
        now = time.monotonic()
        self._snapshots.append((now, state))
        # keep the newest snapshot older than the lag, and everything after it
        old = [i for i, (t, _) in enumerate(self._snapshots) if t <= now - self.lag]
        if len(old) > 1:
            del self._snapshots[:old[-1]]

    def _replica(self) -> Any:
        from pnd_conformance.sandbox.store import Store

        cutoff = time.monotonic() - self.lag
        seen = [s for t, s in self._snapshots if t <= cutoff] or [self._snapshots[0][1]]
        trips, appointments, mapping = copy.deepcopy(seen[-1])
        replica = Store(self.ctx.seed)
        replica.trips, replica.appointments, replica.mapping = trips, appointments, mapping
        return replica


class _Others:
    """Other people's appointments at the suite's dealer: created through the create operation itself."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.rng = random.Random(150)
        full = next(c for c in ctx.seed.clients.values() if c.name == "full")
        self.auth = "Basic " + base64.b64encode(f"{full.username}:{full.password}".encode()).decode()
        self.ids = ctx.seed.identities
        self.offset = ctx.seed.dealers[self.ids["dealer_uuid"]].utc_offset
        self.made: list[str] = []

    def _create(self, when: datetime) -> None:
        from pnd_conformance.sandbox import routes_create
        from pnd_conformance.sandbox.context import Call

        ids, rng = self.ids, self.rng
        body: dict[str, Any] = {
            "customerUUID": rng.choice([ids["customer_uuid"], ids.get("other_customer_uuid") or ids["customer_uuid"]]),
            "appointmentDateTime": when.strftime("%Y-%m-%dT%H:%M:%S") + self.offset,
            "dealerDepartmentUUID": ids["department_uuid"], "source": rng.choice(["WEB", "DEALER_APP"]),
            "requesterUserUUID": ids["requester_user_uuid"],
            "pickupTripInformation": {"rideType": "PICKUP_VEHICLE",
                                      "tripStatus": rng.choice(["UNASSIGNED", "ASSIGNED", "DRAFT", "COMPLETED"])},
            "appointmentInformation": {"customerAppointmentPreference": {},
                                       "creatorUser": {"uuid": ids["creator_user_uuid"]},
                                       "assignedUser": {"uuid": ids["assigned_user_uuid"]}},
        }
        if rng.random() < 0.5:
            body["pickupTripInformation"]["primaryDriverUUID"] = ids["driver_uuids"][rng.randrange(2)]
        if rng.random() < 0.4:
            ride = (when + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S") + self.offset
            body["dropTripInformation"] = {"rideType": "DROPOFF_VEHICLE", "rideTime": ride}
        scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"",
                 "path_params": {"dealerUuid": ids["dealer_uuid"]},
                 "headers": [(b"authorization", self.auth.encode())]}
        status, out = routes_create.handle(self.ctx, Call(Request(scope), json.dumps(body).encode()))
        assert status == 200, out
        self.made.append(out["appointmentUUID"])

    def seed(self, n: int) -> None:
        """`n` appointments spread over the years the suite's requests fall in (2029-2039)."""
        start = datetime(2029, 3, 5, 8, 0)
        for i in range(n):
            self._create(start + timedelta(days=i * 25 + self.rng.randrange(25), minutes=15 * self.rng.randrange(36)))

    def neighbour(self, call: Any) -> None:
        """Someone else books the same day as the create just served, 20 minutes later."""
        try:
            sent = json.loads(call.raw)["appointmentDateTime"]
            local = datetime.fromisoformat(sent[:19])
        except (ValueError, KeyError, TypeError):
            return
        self._create(local + timedelta(minutes=20))


# --- ASGI middlewares: the serializer and the gateway ---------------------------------------------

def _reshape(value: Any, path: tuple = ()) -> Any:
    """Keys in reverse order, null members dropped, unlisted fields added to objects with ids."""
    if isinstance(value, list):
        return [_reshape(v, path + ("[]",)) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _reshape(v, path + (k,)) for k, v in reversed(list(value.items())) if v is not None}
    if not path:
        out["timestamp"] = "2026-04-06T13:00:00.000-0700"
        out["traceId"] = "5f2b6c0e9d1a4b7c"
    elif "eventUuid" in value:
        out["tenantRegion"] = "us-west-2"
        out["_audit"] = {"source": "partner-api", "revision": 3}
    elif "errorCode" in value:
        out["errorType"] = "VALIDATION"
    return out


class VerboseJson:
    """A serializer that indents, reorders, omits nulls and adds fields the docs do not list."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @staticmethod
    def transform(value: Any) -> Any:
        return _reshape(value)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await _flush()

        async def _flush() -> None:
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            ctype = dict(start.get("headers", [])).get(b"content-type", b"")
            if ctype.startswith(b"application/json"):
                try:
                    body = json.dumps(self.transform(json.loads(body)), indent=2, ensure_ascii=False).encode()
                except ValueError:
                    pass
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def _doubles(value: Any) -> Any:
    """Every integer (not a boolean) as a float: 200 -> 200.0."""
    if isinstance(value, list):
        return [_doubles(v) for v in value]
    if isinstance(value, dict):
        return {k: _doubles(v) for k, v in value.items()}
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class NumbersAsDoubles(VerboseJson):
    """A serializer writing every number as a double, as one configured for BigDecimal/Double might."""

    @staticmethod
    def transform(value: Any) -> Any:
        return _doubles(value)


class Gateway:
    """Above GATEWAY_RPS requests in the last second: 429 with Retry-After: 1, the request not passed on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.recent: list[float] = []
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            now = time.monotonic()
            with self.lock:
                self.recent = [t for t in self.recent if t > now - 1.0]
                busy = len(self.recent) >= GATEWAY_RPS
                if not busy:
                    self.recent.append(now)
            if busy:
                response = Response(b'{"message":"Too Many Requests"}', status_code=429,
                                    media_type="application/json", headers={"Retry-After": "1"})
                return await response(scope, receive, send)
        await self.app(scope, receive, send)

