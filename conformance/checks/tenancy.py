"""Tenancy: another dealer's or department's path, a client holding every scope there, reaches
none of our appointment's trips."""
from __future__ import annotations

import pytest

from conformance.checks import CheckContext, register
from conformance.checks.common import get_trips, same_moment
from conformance.checks.update import update_trip_body
from conformance.client import Exchange
from conformance.verdict import body_of, check


def _other_tenant(rule, target, ctx) -> None:
    if not target.has_client(rule.credentials):
        pytest.skip(f"the target profile provides no '{rule.credentials}' client: "
                    f"{target.settings.missing_credential_hint(rule.credentials)}")
    for name in ("other_dealer_uuid", "other_department_uuid"):
        if not ctx.identities.get(name):
            pytest.skip(f"the target profile names no {name}")


def _rejected(ex: Exchange, what: str, citation) -> None:
    check(400 <= ex.status < 500, ex, f"{what} is rejected with a 4xx", citation)


@register.property(once=3)
def get_trips_other_dealer_path(c: CheckContext) -> None:
    """Our appointment's trips are not returned through other_dealer's path to other_dealer's client."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        ours = {made["pickup_uuid"], made["dropoff_uuid"]}
        ex = target.call("get-trips", client=rule.credentials,
                         path={"dealerUuid": ctx.ident("other_dealer_uuid"), "sarUUID": made["sar_uuid"]})
        if ex.status == 200:
            body = body_of(ex, rule.citation)
            shown = body.get("tripViewDtos")
            trips = shown if isinstance(shown, list) else []
            leaked = sorted({str(t.get("eventUuid")) for t in trips if isinstance(t, dict)} & ours)
            check(not leaked and not trips, ex, f"another dealer's path shows none of the appointment's trips, "
                  f"got {len(trips)} trip(s), ours among them: {leaked}", rule.citation)
        else:
            _rejected(ex, "reading another dealer's appointment", rule.citation)


@register.property(once=4)
def update_other_dealer_path(c: CheckContext) -> None:
    """other_dealer's client cannot update our appointment through other_dealer's path."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_trip") as made:
        body = update_trip_body(ctx, made["pickup_uuid"], dealerUUID=ctx.ident("other_dealer_uuid"),
                                 dealerDepartmentUUID=ctx.ident("other_department_uuid"))
        body["updatePickupDeliveryTripEventRequest"]["dealerDepartmentUUIDList"] = [ctx.ident("other_department_uuid")]
        body["updatePickupDeliveryTripEventRequest"]["source"] = "WEB"
        ex = target.call("update", client=rule.credentials, body=body,
                         path={"dealerUuid": ctx.ident("other_dealer_uuid"), "sarUUID": made["sar_uuid"]})
        _rejected(ex, "updating another dealer's appointment through its own path", rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        pickup = next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]), None)
        check(pickup is not None and same_moment(pickup.get("appointmentTime"), made["request"]["appointmentDateTime"]),
              gx, f"the appointment's pickup is unchanged (appointmentTime {made['request']['appointmentDateTime']}), "
              f"got {pickup!r}", rule.citation)


@register.property(once=4)
def delete_other_department_path(c: CheckContext) -> None:
    """other_dealer's client cannot delete our appointment through other_department's path."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        ex = target.call("delete", client=rule.credentials,
                         path={"dealerDepartmentUUID": ctx.ident("other_department_uuid"),
                               "appointmentUuid": made["sar_uuid"]},
                         query={"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"})
        _rejected(ex, "deleting another dealer's appointment through its own department's path", rule.citation)
        gx, trips = get_trips(target, ctx, made["sar_uuid"])
        left = {str(t.get("eventUuid")) for t in trips}
        check({made["pickup_uuid"], made["dropoff_uuid"]} <= left, gx,
              f"the appointment keeps its pickup and dropoff, got {sorted(left)}", rule.citation)
