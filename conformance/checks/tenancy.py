"""Tenancy: another dealer's or department's path, a client holding every scope there, reaches
none of our appointment's trips: whether the client holds nothing at our dealer (`other_dealer`) or
every scope at both dealers (`two_dealers`, a partner holding several dealers)."""
from __future__ import annotations

import pytest

from pnd_conformance.checks import CheckContext, register
from pnd_conformance.checks.common import chain_intact, get_trips, same_moment, settled
from pnd_conformance.checks.update import update_trip_body
from pnd_conformance.http.client import Exchange
from pnd_conformance.target.send import send
from pnd_conformance.judging.verdict import body_of, check, expect_error, expect_success
from pnd_conformance.strategies.fixed import create_body


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
    """Our appointment's trips are not returned through other_dealer's path to the rule's client."""
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
def create_other_dealer_replacement(c: CheckContext) -> None:
    """A create through other_dealer's path (for its department) by the rule's client, naming our
    appointment in regularServiceApptUuid and mobileServiceApptUuid, replaces nothing of ours:
    accepted (an appointment of the other dealer, deleted at the end as that client) or refused."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        body = create_body(ctx)
        body["dealerDepartmentUUID"] = ctx.ident("other_department_uuid")
        ex = send(target, ledger, ctx, "create", {
            "path": {"dealerUuid": ctx.ident("other_dealer_uuid")}, "body": body,
            "query": {"regularServiceApptUuid": made["sar_uuid"], "mobileServiceApptUuid": made["sar_uuid"]}},
            client=rule.credentials)
        check(ex.status == 200 or 400 <= ex.status < 500, ex, "a create at another dealer is accepted (200) or "
              "refused (4xx)", rule.citation)
        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: chain_intact(
            seen[0], seen[1], made, "the appointment another dealer's create named for replacement", rule.citation))


@register.property(once=4)
def update_other_dealer_path(c: CheckContext) -> None:
    """The rule's client cannot update our appointment through other_dealer's path."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_trip") as made:
        body = update_trip_body(ctx, made["pickup_uuid"], dealerUUID=ctx.ident("other_dealer_uuid"),
                                 dealerDepartmentUUID=ctx.ident("other_department_uuid"))
        body["updatePickupDeliveryTripEventRequest"]["dealerDepartmentUUIDList"] = [ctx.ident("other_department_uuid")]
        body["updatePickupDeliveryTripEventRequest"]["source"] = "WEB"
        ex = target.call("update", client=rule.credentials, body=body,
                         path={"dealerUuid": ctx.ident("other_dealer_uuid"), "sarUUID": made["sar_uuid"]})
        _rejected(ex, "updating an appointment through another dealer's path", rule.citation)
        pickup_time = made["request"]["appointmentDateTime"]

        def unchanged(seen: tuple[Exchange, list[dict]]) -> None:
            gx, trips = seen
            pickup = next((t for t in trips if t.get("eventUuid") == made["pickup_uuid"]), None)
            check(pickup is not None and same_moment(pickup.get("appointmentTime"), pickup_time), gx,
                  f"the appointment's pickup is unchanged (appointmentTime {pickup_time}), got {pickup!r}",
                  rule.citation)

        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), unchanged)


@register.property(once=4)
def delete_other_department_path(c: CheckContext) -> None:
    """The rule's client cannot delete our appointment through other_department's path."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        ex = target.call("delete", client=rule.credentials,
                         path={"dealerDepartmentUUID": ctx.ident("other_department_uuid"),
                               "appointmentUuid": made["sar_uuid"]},
                         query={"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"})
        _rejected(ex, "deleting an appointment through another dealer's department path", rule.citation)
        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: chain_intact(
            seen[0], seen[1], made, "the appointment", rule.citation))


@register.property(once=3)
def filter_other_department_list(c: CheckContext) -> None:
    """A filter listing only other_department (dealerUuids naming both dealers) returns none of our trips
    to the rule's client, which holds the scope for both departments: 200 without them, or a 4xx."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    _other_tenant(rule, target, ctx)
    with states.scope("appointment_with_drop") as made:
        ours = sorted({made["pickup_uuid"], made["dropoff_uuid"]})
        other = ctx.ident("other_department_uuid")
        ex = target.call("filter", client=rule.credentials,
                         body={"dealerDepartmentUUIDList": [other],
                               "dealerUuids": [ctx.ident("dealer_uuid"), ctx.ident("other_dealer_uuid")],
                               "eventUuids": ours, "sortOrder": "APPT_TIME_ASC"})
        if 400 <= ex.status < 500:
            expect_error(ex, ex.status, None, rule.citation)
            return
        body = expect_success(ex, rule.citation)
        trips = [t for t in body.get("tripViewDtos") or [] if isinstance(t, dict)]
        leaked = [t.get("eventUuid") for t in trips if t.get("eventUuid") in ours
                  or (t.get("department") or {}).get("uuid") != other]
        check(not leaked, ex, f"only trips of the listed department {other} are returned; got trips of other "
              f"departments (ours: {ours}): {leaked}", rule.citation)
        # eventUuids names only trips of department_uuid: none matches, and none is counted either
        check(body.get("totalCount") in (0, None), ex, f"no listed event is in department {other}: totalCount 0, "
              f"got {body.get('totalCount')!r}", rule.citation)
