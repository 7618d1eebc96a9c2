"""Preflight: before any test, a handful of cheap reads tell a user's mistake from a verdict on the API.

One read per configured client (its credentials), and reads that check every identity of the profile the
read operations can check (dealer, department, the other dealer and its department, the dealer without a
service department). What the target answers decides:

- the `full` client refused (401), or an identity the target says is wrong: a problem of the profile, one
  line each naming the client's secret or the profile key and what the target answered; the run stops
  before any test with exit code 4 (every problem at once);
- another client refused (401): that client is unusable; its tests skip with the reason, which the
  summary's not-checked roll-up shows;
- anything else (a 200, an error code that names no identity, a 5xx): no finding; the tests judge it.

Only answers that name the identity (INVALID_DEALER_UUID for a dealer, INVALID_DEPT_UUID or a 403 for the
full client's own department) count as a profile problem, so that a target that breaks a rule is still
judged by that rule. Customers, vehicles, users, drivers and transport options are checked by no read of the
five operations (filter selects by them, and selecting nothing proves nothing); a create refused for one of
them is a setup error, and the same refusal repeated stops the run (conformance/plugins/harness.py).

Every request goes through the run's Target: counted, budgeted, redacted like any other.
`pnd-conformance profile check` runs this alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pnd_conformance.http.client import Exchange, Target
from pnd_conformance.target.ledger import error_codes
from pnd_conformance.settings import CLIENT_NAMES, Settings

REFUSED = (401,)  # a credential the target does not accept (403 is a scope: some clients must get it)


@dataclass
class Preflight:
    problems: list[str] = field(default_factory=list)  # one line each: exit code 4
    refused: dict[str, str] = field(default_factory=dict)  # client -> why its tests skip
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def secret_source(settings: Settings, client: str) -> str:
    """Where a client's credential comes from, for the line that says it was refused."""
    assert settings.profile is not None
    ref = settings.profile.credentials.get(client)
    if ref is None:
        return f"the profile's credentials.{client}"
    envs = [e for e in (ref.username_env, ref.password_env) if e]
    if envs:
        return " and ".join(envs)
    return f"credentials.{client} in the profile '{settings.profile.name}'"


def _answer(ex: Exchange) -> str:
    codes = error_codes(ex.json)
    return f"HTTP {ex.status}" + (f" {', '.join(codes)}" if codes else "")


class _Probe:
    def __init__(self, target: Target) -> None:
        self.target, self.settings = target, target.settings
        self.ids = target.settings.identities
        self.result = Preflight()

    def call(self, operation: str, client: str, **kw) -> Exchange:
        self.result.requests += 1
        return self.target.call(operation, client=client, **kw)

    def get_trips(self, client: str, dealer: str) -> Exchange:
        return self.call("get-trips", client, path={"dealerUuid": dealer, "sarUUID": self.ids.unknown_uuid})

    def filter(self, client: str, dealer: str, department: str) -> Exchange:
        return self.call("filter", client, body={"dealerDepartmentUUIDList": [department], "dealerUuids": [dealer],
                                                  "sortOrder": "APPT_TIME_ASC", "pageSize": 1, "pageNumber": 1})

    def refused(self, client: str, ex: Exchange) -> bool:
        """A 401: the client's credential is not accepted (for `full` a problem, else the client is unusable)."""
        if ex.status not in REFUSED:
            return False
        line = (f"client '{client}' was refused by the target ({_answer(ex)}): "
                f"check {secret_source(self.settings, client)}")
        if client == "full":
            self.result.problems.append(line)
        else:
            self.result.refused[client] = line
        return True

    def problem(self, key: str, text: str, ex: Exchange) -> None:
        self.result.problems.append(f"profile key identities.{key}: {text} (the target answered {ex.operation} "
                                    f"with {_answer(ex)})")

    def dealer(self, client: str, key: str, dealer: str, forbidden_means_wrong: bool) -> bool:
        """get-trips of an unknown appointment for `dealer`: its own answer for an unknown dealer names it."""
        ex = self.get_trips(client, dealer)
        if self.refused(client, ex):
            return False
        codes = error_codes(ex.json)
        if ex.status == 400 and "INVALID_DEALER_UUID" in codes:
            self.problem(key, f"the target knows no dealer '{dealer}'", ex)
        elif ex.status == 400 and "INVALID_DEPT_UUID" in codes and key != "dealer_without_service_department_uuid":
            self.problem(key, f"dealer '{dealer}' has no service department", ex)
        elif ex.status == 200 and isinstance(ex.json, dict) and ex.json.get("tripViewDtos"):
            self.problem("unknown_uuid", f"'{self.ids.unknown_uuid}' names an appointment of dealer '{dealer}' "
                                         "(it must name nothing)", ex)
        elif ex.status == 403 and forbidden_means_wrong:
            self.problem(key, f"client '{client}' may not read dealer '{dealer}' (a dealer it should hold every "
                              "scope for: check the uuid, and the client's grants)", ex)
        return True

    def department(self, client: str, key: str, dealer: str, department: str) -> None:
        ex = self.filter(client, dealer, department)
        if self.refused(client, ex):
            return
        if ex.status == 403 or (ex.status == 400 and "INVALID_DEPT_UUID" in error_codes(ex.json)):
            self.problem(key, f"client '{client}' cannot filter department '{department}' of dealer '{dealer}' "
                              "(a department it should hold every scope for: check the uuid)", ex)


def run(target: Target) -> Preflight:
    """The preflight's findings; raises TargetFault when the target cannot be talked to."""
    p = _Probe(target)
    ids = p.ids
    if target.has_client("full") and p.dealer("full", "dealer_uuid", ids.dealer_uuid, forbidden_means_wrong=True):
        if not p.result.problems:
            p.department("full", "department_uuid", ids.dealer_uuid, ids.department_uuid)
        if ids.dealer_without_service_department_uuid:
            p.dealer("full", "dealer_without_service_department_uuid", ids.dealer_without_service_department_uuid,
                     forbidden_means_wrong=False)
        if ids.other_dealer_uuid and not target.has_client("other_dealer"):
            p.dealer("full", "other_dealer_uuid", ids.other_dealer_uuid, forbidden_means_wrong=False)
    for client in CLIENT_NAMES[1:]:
        if not target.has_client(client):
            continue
        if client == "other_dealer" and ids.other_dealer_uuid:
            if p.dealer(client, "other_dealer_uuid", ids.other_dealer_uuid, forbidden_means_wrong=True) \
                    and ids.other_department_uuid:
                p.department(client, "other_department_uuid", ids.other_dealer_uuid, ids.other_department_uuid)
        elif client == "two_dealers":  # a read at each dealer it holds every scope for, unless the run stops anyway
            if p.result.problems:
                continue
            if p.dealer(client, "dealer_uuid", ids.dealer_uuid, forbidden_means_wrong=True) and ids.other_dealer_uuid:
                p.dealer(client, "other_dealer_uuid", ids.other_dealer_uuid, forbidden_means_wrong=True)
        elif client == "department_level":
            p.refused(client, p.filter(client, ids.dealer_uuid, ids.department_uuid))
        else:
            p.refused(client, p.get_trips(client, ids.dealer_uuid))
    target.refused.update(p.result.refused)
    return p.result
