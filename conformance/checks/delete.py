"""Checks of delete: the whole chain removed, a second delete not linked, other appointments left
alone, and the WEB fallback actor."""
from __future__ import annotations

from pnd_conformance.checks import CheckContext, PostContext, register
from pnd_conformance.checks.common import (
    chain_intact,
    event_uuids,
    filter_call,
    get_trips,
    keeps_trips,
    settled,
    trips_of_gone,
    unknown_identity_rejected,
)
from pnd_conformance.http.client import Exchange
from pnd_conformance.target.send import send
from pnd_conformance.judging.verdict import check, expect_error, expect_success, object_of
from pnd_conformance.strategies.context import Ctx
from pnd_conformance.strategies.fixed import create_body


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
        a = states.create(with_drop=True, settle=True)
        b = states.create(with_drop=True, settle=True)
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


@register.post(requests=4)
def delete_twice_rejected(c: PostContext) -> None:
    """delete_chain_removed, then a second delete of the same appointment is not a success: some 4xx."""
    rule, request, ctx, target = c.rule, c.request, c.ctx, c.target
    delete_chain_removed(c)
    query = {**request["query"], "updatedByDAUUID": request["query"].get("updatedByDAUUID")
             or ctx.ident("creator_user_uuid")}
    again = target.call("delete", path=request["path"], query=query)
    expect_error(again, 400, None, rule.citation)


@register.property(once=4)
def delete_unknown_department(c: CheckContext) -> None:
    """A department uuid naming no department: 400 INVALID_DEPT_UUID (or 403), and our appointment stays."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    with states.scope("appointment_with_trip") as made:
        ex = target.call("delete", path={"dealerDepartmentUUID": ctx.ident("unknown_uuid"),
                                         "appointmentUuid": made["sar_uuid"]},
                         query={"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"})
        unknown_identity_rejected(ex, rule)
        keeps_trips(target, ctx, made, "a delete through an unknown department", rule.citation)


@register.property(once=4)
def delete_unknown_appointment(c: CheckContext) -> None:
    """Deleting an appointment uuid that names nothing is some 4xx, and deletes none of ours."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    with states.scope("appointment_with_trip") as made:
        ex = target.call("delete", path={"dealerDepartmentUUID": ctx.ident("department_uuid"),
                                         "appointmentUuid": ctx.ident("unknown_uuid")},
                         query={"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"})
        expect_error(ex, 400, None, rule.citation)
        keeps_trips(target, ctx, made, "a delete of an appointment that does not exist", rule.citation)


@register.property(once=8)
def delete_rejected_deletes_nothing(c: CheckContext) -> None:
    """Deletes rejected for their credentials, their scope or their missing actor leave the appointment; a WEB
    delete without a derivable actor either succeeds (an actor was found) or leaves it too."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        made = _web_create(states, ctx, creator=False)
        path = {"dealerDepartmentUUID": ctx.ident("department_uuid"), "appointmentUuid": made["sar_uuid"]}
        actor = {"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP"}
        attempts: list[tuple[str, dict, dict]] = [("without credentials", actor, {"client": None}),
                                                  ("without an actor (source DEALER_APP)", {"source": "DEALER_APP"},
                                                   {})]
        for who in ("no_scopes", "read_only"):
            if target.has_client(who):
                attempts.append((f"by the {who} client", actor, {"client": who}))
        for what, query, kw in attempts:
            ex = target.call("delete", path=path, query=query, **kw)
            if 200 <= ex.status < 300:
                ledger.forget(made["sar_uuid"])
            check(400 <= ex.status < 500, ex, f"a delete {what} is rejected with a 4xx", rule.citation)
            keeps_trips(target, ctx, made, f"after the rejected delete {what}", rule.citation)
        ex = _web_delete(target, ctx, made["sar_uuid"])
        if ex.status == 200:  # the server derived an actor after all: then it deleted, consistently
            ledger.forget(made["sar_uuid"])
            expect_success(ex, rule.citation)
            settled(target, lambda: trips_of_gone(target, ctx, made["sar_uuid"]), lambda seen: check(
                not seen[1], seen[0], "a WEB delete that succeeded removed the appointment's trips", rule.citation))
        else:
            expect_error(ex, 400, None, rule.citation)
            keeps_trips(target, ctx, made, "after a rejected WEB delete without a fallback actor", rule.citation)


@register.property(once=4)
def delete_rejection_names_nothing(c: CheckContext) -> None:
    """A rejected delete (no actor for a non-WEB source) answers null ids: nothing was deleted."""
    rule, target, ctx, states = c.rule, c.target, c.ctx, c.states
    with states.scope("appointment_with_trip") as made:
        ex = target.call("delete", path={"dealerDepartmentUUID": ctx.ident("department_uuid"),
                                         "appointmentUuid": made["sar_uuid"]}, query={"source": "DEALER_APP"})
        expect_error(ex, 400, "PARTNER_DELETE_REQUEST_FIELDS_MISSING", rule.citation)
        body = object_of(ex.json)
        named = {k: body.get(k) for k in ("pickupEventUUID", "appointmentUuid") if body.get(k) not in (None, "")}
        check(not named, ex, f"a rejected delete names no deleted appointment or pickup (null, as in the error "
              f"response example), got {named}", rule.citation)
        keeps_trips(target, ctx, made, "after the rejected delete", rule.citation)


@register.property(once=7)
def delete_sent_trip_uuids_ignored(c: CheckContext) -> None:
    """tripUuid/dropoffTripUUID naming another appointment's trips are not what a delete deletes: it deletes its own
    appointment's chain (or is rejected), and the other appointment keeps its trips."""
    rule, target, ctx, states, ledger = c.rule, c.target, c.ctx, c.states, c.ledger
    with states.scope("none"):
        ours = states.create(with_drop=True, settle=True)
        other = states.create(with_drop=True, settle=True)
        ex = target.call("delete", path={"dealerDepartmentUUID": ctx.ident("department_uuid"),
                                         "appointmentUuid": ours["sar_uuid"]},
                         query={"updatedByDAUUID": ctx.ident("creator_user_uuid"), "source": "DEALER_APP",
                                "tripUuid": other["pickup_uuid"], "dropoffTripUUID": other["dropoff_uuid"]})
        if ex.status == 200:
            ledger.forget(ours["sar_uuid"])
            body = expect_success(ex, rule.citation)
            check(body.get("pickupEventUUID") in (None, ours["pickup_uuid"]), ex, "pickupEventUUID: the pickup of "
                  f"the appointment deleted ({ours['pickup_uuid']}), resolved from appointmentUuid", rule.citation)
            settled(target, lambda: trips_of_gone(target, ctx, ours["sar_uuid"]), lambda seen: check(
                not seen[1], seen[0], "the delete removed the path's appointment's own trips", rule.citation))
        else:
            expect_error(ex, 400, None, rule.citation)
        gx, trips = get_trips(target, ctx, other["sar_uuid"])
        chain_intact(gx, trips, other, "the appointment whose trips were named in tripUuid/dropoffTripUUID",
                     rule.citation)
