"""Self-tests that lint the rule catalogue (spec/rules/<operation>.yaml) against the API documents,
the OpenAPI spec and the code that runs it.

Loading (pnd_conformance.spec.catalogue.load_rules) already validates each entry's shape. These tests check what
one entry cannot see by itself, so that a catalogue mistake fails here, by rule id, instead of
becoming a wrong or silently missing conformance test:

- identity: ids are unique; spec/rules/<op>.yaml holds only rules of <op>, one of the operations
  of spec/operations.py (the file gives each entry its operation, and its citation's doc by default);
- schema: spec/rule.schema.json is what the model generates, every rules file names it and fits it;
- citations: the cited doc exists and the quote is verbatim in it (whitespace runs normalised);
- error codes: every error code a doc documents is expected by some rule of its operation (or is
  on the commented allow-list below), and every code a rule expects is documented somewhere;
- wiring: expectations fit the test type as conformance/suite/test_rules.py reads them; `check`,
  `trigger.violation`, `${...}` placeholders and `NOTES.md "<title>"` references
  name things that exist; unobservable rules say why;
- coverage: conformance/suite/test_rules.py yields exactly one test `<operation>/<rule id>` per
  observable rule; every operation has 401 and 403 auth rules and rules of the kinds its doc
  documents.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from pnd_conformance import checks
from pnd_conformance.spec.catalogue import (DOCS_DIR, RULES_PATH, SCHEMA_PATH, doc_text, load_rules, parse_rules,
    schema_text)
from pnd_conformance.spec.doctables import documented_codes
from pnd_conformance.spec.operations import OPERATIONS, operation

ROOT = Path(__file__).resolve().parents[1]

RULES = load_rules()


def ids(rules) -> str:
    return ", ".join(sorted(r.id for r in rules))


def doc_of(key: str) -> str:
    return operation(key).doc


def normalise(text: str) -> str:
    """Whitespace runs → one space. Nothing else: the two docs whose tables lost their separators
    (create, delete) and filter's lost code-span spacing ("thenpageSizemust be null") are quoted as
    the text stands, so no quote needs a looser rule."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- identity

def test_rule_ids_unique():
    dupes = [i for i, n in Counter(r.id for r in RULES).items() if n > 1]
    assert not dupes, f"rule ids used more than once: {', '.join(sorted(dupes))}"


def test_each_file_holds_only_its_operation():
    files = sorted(RULES_PATH.glob("*.yaml"))
    assert {f.stem for f in files} == set(OPERATIONS), f"expected one file per operation: {[f.name for f in files]}"
    for file in files:
        rules = parse_rules(yaml.safe_load(file.read_text(encoding="utf-8")) or [], operation=file.stem)
        wrong = [r for r in rules if r.operation != file.stem]
        assert not wrong, f"{file.name} holds rules of another operation: {ids(wrong)}"


ENTRY = {"id": "delete-auth-example", "kind": "auth", "statement": "No credentials: 401.",
         "citation": {"quote": "q"}, "test": "auth", "basis": "stated", "credentials": "none",
         "expect": {"status": 401}}


def test_the_file_gives_operation_and_citation_doc():
    """An entry takes its operation from its file, and its citation's doc from that operation
    unless it names another document."""
    own, = parse_rules([ENTRY], operation="delete")
    assert (own.operation, own.citation.doc, own.citation.quote) == ("delete", doc_of("delete"), "q")
    other, = parse_rules([{**ENTRY, "citation": {"doc": doc_of("filter"), "quote": "q"}}], operation="delete")
    assert (other.operation, other.citation.doc) == ("delete", doc_of("filter"))


@pytest.mark.parametrize("entry, message", [
    ({**ENTRY, "operation": "delete"},
     "delete-auth-example: remove `operation:`: a rule's operation is its file's name"),
    ({**ENTRY, "citation": {"doc": "delete-partner-appointment-with-trip.txt", "quote": "q"}},
     "delete-auth-example: remove `doc: delete-partner-appointment-with-trip.txt` from the citation"),
])
def test_the_file_form_states_each_fact_once(entry, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_rules([entry], operation="delete")


def test_a_rules_file_of_an_unknown_operation_is_an_error(tmp_path):
    (tmp_path / "remove.yaml").write_text(yaml.safe_dump([ENTRY]), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("remove.yaml: no operation 'remove': a rules file is "
                                                   "spec/rules/<operation>.yaml, <operation> one of create, ")):
        load_rules(tmp_path)


# --------------------------------------------------------------------------- the rules file schema

MODELINE = "# yaml-language-server: $schema=../rule.schema.json"


def test_rule_schema_is_current():
    Draft7Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA_PATH.relative_to(ROOT)} is not what spec/catalogue.py generates: "
        "regenerate it with `python -m pnd_conformance.spec.catalogue --schema`")


def test_rules_files_validate_against_the_schema():
    validator = Draft7Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    errors = [f"{file.name}: {rules[e.absolute_path[0]].get('id') if e.absolute_path else 'the file'}: "
              f"{'/'.join(map(str, list(e.absolute_path)[1:]))}: {e.message}"
              for file in sorted(RULES_PATH.glob("*.yaml"))
              for rules in [yaml.safe_load(file.read_text(encoding="utf-8")) or []]
              for e in validator.iter_errors(rules)]
    assert not errors, "rules files the schema rejects:\n" + "\n".join(errors)


def test_rules_files_name_the_schema():
    """The first line points editors (YAML language server) at the schema, to complete and check new rules."""
    wrong = [f.name for f in sorted(RULES_PATH.glob("*.yaml"))
             if f.read_text(encoding="utf-8").splitlines()[:1] != [MODELINE]]
    assert not wrong, f"first line is not {MODELINE!r}: {wrong}"


@pytest.mark.parametrize("entry, valid", [
    (ENTRY, True),
    ({**ENTRY, "citation": {"doc": doc_of("filter"), "quote": "q"}}, True),
    ({**ENTRY, "operation": "delete"}, False),
    ({**ENTRY, "citation": {"doc": doc_of("filter")}}, False),
    ({**ENTRY, "kind": "authentication"}, False),
])
def test_the_schema_is_the_file_form(entry, valid):
    """The schema takes what a rules file holds: no `operation`, an optional citation `doc`, the vocabulary."""
    validator = Draft7Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert validator.is_valid([entry]) is valid


# --------------------------------------------------------------------------- citations

def test_docs_are_in_the_project_as_recorded():
    """The five documents live in spec/docs/, byte for byte as recorded in spec/docs/README.md:
    a missing or edited document fails here (never a skip)."""
    recorded = dict((name, digest) for digest, name in
                    re.findall(r"^([0-9a-f]{64})  (\S+\.txt)$", (DOCS_DIR / "README.md").read_text(), re.M))
    assert sorted(recorded) == sorted(p.name for p in DOCS_DIR.glob("*.txt")) and len(recorded) == 5, recorded
    changed = [n for n, d in recorded.items() if hashlib.sha256((DOCS_DIR / n).read_bytes()).hexdigest() != d]
    assert not changed, f"documents differ from the hashes in spec/docs/README.md: {changed}"


def test_citation_docs_exist():
    missing = [r for r in RULES if not (DOCS_DIR / r.citation.doc).is_file()]
    assert not missing, f"cited doc not in {DOCS_DIR}: " + "; ".join(f"{r.id} ({r.citation.doc})" for r in missing)


def test_quotes_verbatim():
    bad = [r for r in RULES if (DOCS_DIR / r.citation.doc).is_file()
           and normalise(r.citation.quote) not in normalise(doc_text(r.citation.doc))]
    assert not bad, "quotes not verbatim in the cited doc:\n" + "\n".join(
        f"  {r.id}: {r.citation.doc}: {r.citation.quote!r}" for r in bad)


# --------------------------------------------------------------------------- error codes

# Error tables (both forms) are read by spec/doctables.py: documented_codes.


# (operation, code) documented by that operation's doc but expected by no rule, with why.
ERROR_CODE_ALLOW_LIST: dict[tuple[str, str], str] = {
    # Downstream trip-service codes that the partner gate pre-empts or that no caller input
    # reaches; each is recorded by an unobservable rule (named first) that states no `expect`.
    ("create", "INVALID_CREATE_EVENT_REQUEST"):
        "create-invalid-create-event-request: no caller input makes the transformed payload invalid",
    ("create", "MISSING_START_TIME"):
        "create-missing-start-time-code: bad appointmentDateTime values are tested code-free",
    ("create", "MISSING_ASSIGNED_BY_DEALER_ASSOCIATE_UUID"):
        "create-missing-assigned-by-downstream-code: VALID_CREATOR_USER_UUID_REQUIRED always runs first",
    ("create", "MISSING_DEALER_UUID"):
        "create-missing-dealer-uuid-downstream: INVALID_DEALER_UUID always runs first",
    ("create", "DROP_CAR_AND_LOANER_REQUESTED_BOTH_CAN_NOT_TRUE"):
        "create-drop-car-and-loaner-downstream-code: LOANER_AND_DROP_CAR_CANNOT_BOTH_BE_TRUE always runs first",
    # The row "INTERNAL_ERROR or INTERNAL_SERVER_ERROR" (one of the two suffices).
    ("create", "INTERNAL_ERROR"): "create-internal-error: an unexpected server failure, not provokable",
    ("delete", "INTERNAL_ERROR"): "delete-internal-error: an unexpected server failure, not provokable (either code)",
}


def _expected_codes(operation: str) -> set[str]:
    return {r.expect.errorCode for r in RULES if r.operation == operation and r.expect and r.expect.errorCode}


def test_error_code_parser_reads_the_docs():
    """The parser finds the tables of the docs that have them (a guard against silently reading none)."""
    found = {op: {c for g in documented_codes(doc_text(doc_of(op))) for c in g} for op in OPERATIONS}
    assert {"UNAUTHORIZED", "FORBIDDEN", "CUSTOMER_INFO_MISSING", "INTERNAL_SERVER_ERROR",
            "PRIMARY_AND_SECONDARY_DRIVER_CANNOT_BE_SAME"} <= found["create"], found["create"]
    assert {"INVALID_SAR_UUID", "INVALID_DEPT_UUID", "INTERNAL_SERVER_ERROR"} <= found["get-trips"]
    assert {"PARTNER_DELETE_REQUEST_FIELDS_MISSING", "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT"} <= found["delete"]
    assert found["update"] == found["filter"] == set(), "update and filter document no error codes"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_documented_error_codes_are_expected(operation):
    """Each code of the operation's doc is some rule's expect.errorCode (an "A or B" row needs one)."""
    expected = _expected_codes(operation)
    missing = [g for g in documented_codes(doc_text(doc_of(operation)))
               if not any(c in expected or (operation, c) in ERROR_CODE_ALLOW_LIST for c in g)]
    assert not missing, (f"{doc_of(operation)} documents codes no {operation} rule expects: "
                         f"{sorted(' or '.join(g) for g in set(missing))}")


def test_error_code_allow_list_is_current():
    stale = [f"{op}/{code}" for (op, code) in ERROR_CODE_ALLOW_LIST
             if code in _expected_codes(op)
             or not any(code in g for g in documented_codes(doc_text(doc_of(op))))]
    assert not stale, f"allow-list entries now expected by a rule or no longer documented (remove them): {stale}"


def test_expected_error_codes_are_documented():
    """A rule expects only codes some doc documents (update and filter borrow the others' auth codes)."""
    every = {c for op in OPERATIONS for g in documented_codes(doc_text(doc_of(op))) for c in g}
    bad = [r for r in RULES if r.expect and r.expect.errorCode and r.expect.errorCode not in every]
    assert not bad, "expect.errorCode documented by no doc: " + "; ".join(f"{r.id} ({r.expect.errorCode})" for r in bad)


# --------------------------------------------------------------------------- wiring

def test_expect_fits_the_test_type():
    """As conformance/suite/test_rules.py reads `expect`: a violation defaults to 400 and, without a code,
    accepts any 4xx; acceptance ignores it but must not claim an error; auth needs it."""
    bad = []
    for r in RULES:
        e = r.expect
        if r.test == "violation" and e is not None and not (
                400 <= e.status < 600 and (e.errorCode is not None or e.status < 500)):
            bad.append(f"{r.id}: violation expects {e.status}/{e.errorCode}")
        if r.test == "acceptance" and e is not None and (e.status != 200 or e.errorCode):
            bad.append(f"{r.id}: acceptance expects {e.status}/{e.errorCode}")
        if r.test == "auth" and (e is None or e.status not in (200, 401, 403)):
            bad.append(f"{r.id}: auth needs expect 200, 401 or 403")
    assert not bad, "\n".join(bad)


def test_checks_are_registered():
    known = checks.names()
    unknown = [r for r in RULES if r.check and r.check not in known]
    assert not unknown, ("check not in pnd_conformance.checks.names(): "
                         + "; ".join(f"{r.id} ({r.check})" for r in unknown))
    # test_acceptance runs a post-check, test_property a property: the name must be of the right registry.
    wrong = [r for r in RULES if r.check in known and (
        (r.test == "acceptance" and r.check not in checks.names(checks.POST))
        or (r.test == "property" and r.check not in checks.names(checks.PROPERTY)))]
    assert not wrong, "check registered for the other test type: " + "; ".join(f"{r.id} ({r.check})" for r in wrong)


def test_trigger_violations_exist():
    from pnd_conformance.strategies import violations

    bad = [r for r in RULES if r.trigger and r.trigger.violation
           and not callable(getattr(violations, r.trigger.violation, None))]
    assert not bad, "trigger.violation not a function of pnd_conformance.strategies.violations: " + "; ".join(
        f"{r.id} ({r.trigger.violation})" for r in bad)


def test_placeholders_resolve():
    """`${name}` names a profile identity; `${state.x}` needs a setup that prepares state."""
    profile = yaml.safe_load((ROOT / "profiles" / "sandbox.yaml").read_text(encoding="utf-8"))
    identities = set(profile["identities"])
    bad = []
    for r in RULES:
        for name in re.findall(r"\$\{([A-Za-z0-9_.]+)\}", yaml.safe_dump(r.trigger.set if r.trigger else {})):
            if name.startswith("state."):
                if r.effective_setup == "none":
                    bad.append(f"{r.id}: ${{{name}}} with setup none")
            elif name.split(".")[0] not in identities:
                bad.append(f"{r.id}: ${{{name}}} is no identity of profiles/sandbox.yaml")
    assert not bad, "\n".join(bad)


def test_notes_references_resolve():
    """A rule citing `NOTES.md "<title>"` names a heading of spec/NOTES.md (where positions are argued)."""
    notes = ROOT / "spec" / "NOTES.md"
    headings = set(re.findall(r"^#+ (.+?)\s*$", notes.read_text(encoding="utf-8"), re.M)) if notes.is_file() else set()
    bad = [f"{r.id}: {title!r}" for r in RULES
           for title in [*re.findall(r'NOTES\.md "([^"]+)"', f"{r.statement} {r.reason or ''}"),
                         *([r.note] if r.note else [])]
           if title not in headings]
    assert not bad, "NOTES.md headings not found: " + "; ".join(bad)


def test_unobservable_rules_have_a_reason():
    bad = [r for r in RULES if r.test == "unobservable" and not (r.reason or "").strip()]
    assert not bad, f"unobservable rules without a reason: {ids(bad)}"


# --------------------------------------------------------------------------- coverage

def test_every_observable_rule_has_exactly_one_test():
    """The parametrisation of conformance/suite/test_rules.py (read from its marks, without running
    pytest) yields `<operation>/<rule id>` once per non-unobservable rule, in test_<rule.test>."""
    import pnd_conformance.suite.test_rules as test_rules

    collected: Counter = Counter()
    for name, fn in vars(test_rules).items():
        if name.startswith("test_") and callable(fn):
            for mark in getattr(fn, "pytestmark", []):
                if mark.name == "parametrize":
                    collected.update((name, p.id) for p in mark.args[1])
    wanted = Counter((f"test_{r.test}", r.test_id) for r in RULES if r.test != "unobservable")
    missing = sorted(t for t in wanted if collected[t] < wanted[t])
    extra = sorted(t for t in collected if collected[t] > wanted[t])
    assert not missing, f"rules without their test: {missing}"
    assert not extra, f"tests without a rule, or repeated: {extra}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_auth_rules_for_401_and_403(operation):
    statuses = {r.expect.status for r in RULES if r.operation == operation and r.kind == "auth" and r.expect}
    assert {401, 403} <= statuses, f"{operation}: auth rules expect only {sorted(statuses)}; need 401 and 403"


# kind → what in a doc makes the kind apply to its operation.
DOCUMENTED_KINDS = {
    "auth": r"authorization scopes|Authorization",
    "required": r"\bYes\b",
    "enum": r"Possible values|Must be one of",
    "format": r"ISO[- ]8601|Format:",
    "cross-field": r"[Cc]annot be|[Rr]equired unless|both present",
    "default": r"[Dd]efaults? (?:it )?to|If not provided|treated as",
    "pagination": r"pageSize",
    "filter": r"to filter by",
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_documented_kinds_have_rules(operation):
    text = doc_text(doc_of(operation))
    kinds = {r.kind for r in RULES if r.operation == operation}
    lacking = sorted(k for k, pattern in DOCUMENTED_KINDS.items() if re.search(pattern, text) and k not in kinds)
    assert not lacking, f"{doc_of(operation)} documents {lacking} but no {operation} rule has that kind"
