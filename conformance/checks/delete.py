"""Checks of delete: the whole chain removed, a second delete not linked, other appointments left
alone, and the WEB fallback actor."""
from __future__ import annotations

from conformance.checks import CheckContext, PostContext, register
from conformance.checks.common import chain_intact, event_uuids, filter_call, get_trips, settled, trips_of_gone
from conformance.client import Exchange
from conformance.runner import send
from conformance.verdict import check, expect_error, expect_success
from strategies.context import Ctx
from strategies.fixed import create_body


@register.post(requests=3)
def delete_chain_removed(c: PostContext) -> None:
    """Delete removes the appointment's whole chain; a second delete is not linked."""
    rule, ex, body, request, ctx, target, ledger = c.rule, c.ex, c.body, c.request, c.ctx, c.target, c.ledger
    sar = request["path"]["appointmentUuid"]
    state = ctx.state
    check(body.get("appointmentUuid") == sar, ex, "appointmentUuid: UUID of the deleted appointment", rule.citation)
    check(body.get("pickupEventUUID") == state.get("pickup_uuid"), ex,
          "pickupEventUUID: UUID of the deleted pickup trip event", rule.citation)
    ledger.forget(sar)
    settled(target, lambda: trips_of_gone(target, ctx, sar), lambda seen: check(
        not seen[1], seen[0], "after delete, the appointment has no trips", rule.citation))
    gone = [u for u in (state.get("pickup_uuid"), state.get("dropoff_uuid")) if u]

    def judge(seen: tuple[Exchange, dict]) -> None:
        left = event_uuids(seen[1])
        check(not left, seen[0], f"the deleted pickup and linked dropoff(s) are gone (filter by eventUuids found "
              f"{left})", rule.citation)

    settled(target, lambda: filter_call(target, ledger, ctx, {
        "dealerDepartmentUUIDList": [ctx.ident("department_uuid")], "dealerUuids": [ctx.ident("dealer_uuid")],
        "eventUuids": gone, "sortOrder": "APPT_TIME_ASC"}), judge)


@register.post(requests=4)
def delete_twice_not_linked(c: PostContext) -> None:
    """delete_chain_removed, then a second delete of the same appointment is not linked (an inferred reading)."""
    rule, request, ctx, target = c.rule, c.request, c.ctx, c.target
    delete_chain_removed(c)
    # The second delete names its actor: a WEB fallback actor cannot be derived from a deleted appointment.
    query = {**request["query"], "updatedByDAUUID": request["query"].get("updatedByDAUUID")
             or ctx.ident("creator_user_uuid")}
    again = target.call("delete", path=request["path"], query=query)
    expect_error(again, 400, "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT", rule.citation)


@register.property(once=5)
def delete_leaves_others(c: CheckContext) -> None:
    """Deleting A leaves another appointment B of the same customer, its trips, times and links."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        a = states.create(create_body(ctx, with_drop=True), settle=True)
        b = states.create(create_body(ctx, with_drop=True), settle=True)
        ex = send(target, ledger, ctx, "delete", {
            "path": {"dealerDepartmentUUID": ctx.ident("department_uuid"), "appointmentUuid": a["sar_uuid"]},
            "query": {"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"}})
        expect_success(ex, rule.citation)
        ledger.forget(a["sar_uuid"])
        settled(target, lambda: get_trips(target, ctx, b["sar_uuid"]), lambda seen: chain_intact(
            seen[0], seen[1], b, "the other appointment", rule.citation))


def _web_create(states, ctx: Ctx, creator: bool) -> dict:  # settled: a delete follows
    """An appointment created with source WEB: with or without a creator user, never an assigned user."""
    body = create_body(ctx)
    body["source"] = "WEB"
    info = body["appointmentInformation"]
    del info["assignedUser"]
    if not creator:
        del info["creatorUser"]
    return states.create(body, settle=True)


def _web_delete(target, ctx, sar: str) -> Exchange:
    return target.call("delete", path={"dealerDepartmentUUID": ctx.ident("department_uuid"), "appointmentUuid": sar},
                       query={"source": "WEB"})


@register.property(once=4)
def delete_web_no_fallback_actor(c: CheckContext) -> None:
    """source=WEB, no updatedByDAUUID, no assigned or creator user: rejected, nothing deleted."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = _web_create(states, ctx, creator=False)
        ex = _web_delete(target, ctx, made["sar_uuid"])
        if ex.status == 200:
            ledger.forget(made["sar_uuid"])
        expect_error(ex, rule.expected.status, rule.expected.errorCode, rule.citation)
        settled(target, lambda: get_trips(target, ctx, made["sar_uuid"]), lambda seen: check(
            made["pickup_uuid"] in [t.get("eventUuid") for t in seen[1]], seen[0],
            "a rejected delete leaves the appointment's pickup in place", rule.citation))


@register.property(once=3)
def delete_web_fallback_creator(c: CheckContext) -> None:
    """source=WEB, no updatedByDAUUID, a creator but no assigned user: the creator is the actor."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = _web_create(states, ctx, creator=True)
        ex = _web_delete(target, ctx, made["sar_uuid"])
        body = expect_success(ex, rule.citation)
        ledger.forget(made["sar_uuid"])
        check(body.get("appointmentUuid") == made["sar_uuid"], ex, "appointmentUuid: UUID of the deleted appointment",
              rule.citation)
        settled(target, lambda: trips_of_gone(target, ctx, made["sar_uuid"]), lambda seen: check(
            not seen[1], seen[0], "after the delete the appointment has no trips", rule.citation))
