"""One test per catalogue rule, driven by spec/rules/<operation>.yaml (ids read `<operation>/<rule-id>`).

A new documented rule needs one catalogue entry and, at most, one small violation function in
strategies/violations.py or check in conformance/checks/<operation>.py; no new test function.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext

import pytest
from hypothesis import given, strategies as st

from pnd_conformance import checks
from pnd_conformance.request_budget import shares_setup
from pnd_conformance.target.send import send
from pnd_conformance.judging.verdict import expect_error, expect_success
from pnd_conformance.spec.catalogue import load_rules
from pnd_conformance.spec.operations import operation
from pnd_conformance.strategies import valid_request
from pnd_conformance.strategies.triggers import apply

WRONG_PASSWORD = "not-the-password-0000"


def _marks(rule):
    writes = not operation(rule.operation).read_only or rule.effective_setup != "none" or rule.test == "property"
    return [pytest.mark.writes if writes else pytest.mark.readonly]


def _params(test: str):
    return [pytest.param(r, id=r.test_id, marks=_marks(r)) for r in load_rules() if r.test == test]


@contextmanager
def _shared(rule, states):
    """One prepared state for all examples of a read-only rule (budget.shares_setup), else None."""
    if not shares_setup(rule):
        yield None
        return
    with states.scope(rule.effective_setup) as state:
        yield state


@contextmanager
def _prepared(rule, states, ctx, data, shared=None):
    """The rule's setup state (deleted afterwards, unless shared) and the drawn valid request with its
    trigger applied."""
    with nullcontext(shared) if shared is not None else states.scope(rule.effective_setup) as state:
        c = ctx.with_state(**state)
        request = apply(data.draw(valid_request(rule.operation, c, rule.base), label="valid request"),
                        rule.trigger, c)
        yield c, request


@pytest.mark.parametrize("rule", _params("violation"))
def test_violation(rule, target, ctx, states, ledger, record_rule):
    """A request breaking exactly this rule gets the documented status and errorCode."""
    record_rule(rule)
    expect = rule.expected

    @given(data=st.data())
    def run(data):
        with _prepared(rule, states, ctx, data, shared) as (c, request):
            ex = send(target, ledger, c, rule.operation, request)
            expect_error(ex, expect.status, expect.errorCode, rule.citation)

    with _shared(rule, states) as shared:
        run()


@pytest.mark.parametrize("rule", _params("acceptance"))
def test_acceptance(rule, target, ctx, states, ledger, record_rule):
    """A valid request (possibly using a documented default or relaxation) succeeds."""
    record_rule(rule)

    @given(data=st.data())
    def run(data):
        with _prepared(rule, states, ctx, data, shared) as (c, request):
            ex = send(target, ledger, c, rule.operation, request)
            body = expect_success(ex, rule.citation)
            if rule.check:
                checks.run(checks.PostContext(rule, target, c, ledger, states, ex, body, request))

    with _shared(rule, states) as shared:
        run()


@pytest.mark.parametrize("rule", _params("property"))
def test_property(rule, target, ctx, states, ledger, record_rule):
    """A documented behaviour observed through the five operations."""
    record_rule(rule)
    checks.run(checks.CheckContext(rule, target, ctx, ledger, states))


@pytest.mark.parametrize("rule", _params("auth"))
def test_auth(rule, target, ctx, states, ledger, record_rule):
    """Credentials are checked (401) and the operation's scope at its documented level (403)."""
    record_rule(rule)
    who = rule.credentials
    kw: dict = {}
    if who == "none":
        kw["client"] = None
    elif who == "invalid":
        user = target.settings.credential("full").username
        kw["auth"] = (user, WRONG_PASSWORD)
    else:
        if not target.has_client(who):
            pytest.skip(f"the target profile provides no '{who}' client: "
                        f"{target.settings.missing_credential_hint(who)}")
        kw["client"] = who
    expect = rule.expected

    @given(data=st.data())
    def run(data):
        with _prepared(rule, states, ctx, data, shared) as (c, request):
            ex = send(target, ledger, c, rule.operation, request, **kw)
            if expect.status == 200:
                expect_success(ex, rule.citation)
            else:
                expect_error(ex, expect.status, expect.errorCode, rule.citation)

    with _shared(rule, states) as shared:
        run()
