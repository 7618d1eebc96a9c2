"""The rule catalogue (spec/rules/*.yaml, one file per operation) as typed objects.

One entry per testable documented behaviour of the five operations; the format and the
allowed values are those of CONTRIBUTING.md ("Rule catalogue"). A file carries what its
entries share: their operation (the file's name) and their citations' document (the
operation's, unless an entry names another). Loading validates every entry, so a malformed
catalogue fails loudly before any test runs.

    from pnd_conformance.spec.catalogue import load_rules, rules_for, DOCS_DIR
"""
from __future__ import annotations

import json
import os
import re
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from pnd_conformance.spec.operations import OPERATIONS, Setup, operation

SPEC_DIR = Path(str(resources.files("pnd_conformance.spec")))  # package data, in a checkout or installed
RULES_PATH = SPEC_DIR / "rules"  # a directory of YAML lists, read in name order
#: The JSON Schema of a rules file, for editors (each file's first line names it) and the lint.
SCHEMA_PATH = SPEC_DIR / "rule.schema.json"


#: The five API documents, the only source of truth, kept verbatim in the project
#: (spec/docs/README.md says where they come from and when they were taken).
DOCS_DIR: Path = SPEC_DIR / "docs"

# --- the vocabulary of CONTRIBUTING.md ---------------------------------------------------------

Kind = Literal["required", "enum", "format", "cross-field", "auth", "state", "default", "response-shape",
               "pagination", "filter", "robustness"]
TestType = Literal["violation", "acceptance", "property", "auth", "unobservable"]
Credentials = Literal["none", "invalid", "no_scopes", "read_only", "other_dealer", "dealer_level", "department_level",
                      "two_dealers"]
#: `stated`: the documents state the behaviour (the quote shows it); gates by default.
#: `inferred`: the suite's own reading where the documents are silent or ambiguous; names its
#: spec/NOTES.md heading in `note`; reported as an advisory unless the run is --strict.
Basis = Literal["stated", "inferred"]

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TRIGGER_PATH = re.compile(r"^(?:path|query|body)(?:\.[^.\s]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    doc: str = Field(min_length=1)  # in the catalogue, the operation's document unless the entry names another
    quote: str = Field(min_length=1)


class Trigger(_Strict):
    """How to turn a valid request into the test request: remove, then set, then violation."""

    remove: list[str] = Field(default_factory=list)
    set: dict[str, Any] = Field(default_factory=dict)
    violation: str | None = None

    @model_validator(mode="after")
    def _paths(self) -> Trigger:
        for path in [*self.remove, *self.set]:
            if not TRIGGER_PATH.match(path):
                raise ValueError(f"trigger path {path!r} must start with path., query. or body. (or be `body`)")
        if self.violation is not None and not re.fullmatch(r"[a-z][a-z0-9_]*", self.violation):
            raise ValueError(f"violation {self.violation!r} must be a Python function name")
        return self

    def is_empty(self) -> bool:
        return not (self.remove or self.set or self.violation)


class Expect(_Strict):
    status: int = Field(ge=100, le=599)
    errorCode: str | None = None


class Rule(_Strict):
    id: str
    operation: str  # one of pnd_conformance.spec.operations.OPERATIONS; in the catalogue, the rules file's name
    kind: Kind
    statement: str = Field(min_length=1)
    citation: Citation
    test: TestType
    setup: Setup | None = None
    base: str | None = None
    trigger: Trigger | None = None
    expect: Expect | None = None
    check: str | None = None
    credentials: Credentials | None = None
    reason: str | None = None
    basis: Basis  # every entry states it (CONTRIBUTING.md "Rule strength")
    note: str | None = None  # the spec/NOTES.md heading that argues an inferred rule's reading

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not KEBAB.match(self.id):
            raise ValueError(f"id {self.id!r} is not kebab-case")
        if self.operation not in OPERATIONS:
            raise ValueError(f"{self.id}: operation {self.operation!r} is not one of {', '.join(OPERATIONS)}")
        bases = operation(self.operation).bases
        if self.base is not None and self.base not in bases:
            raise ValueError(f"{self.id}: base {self.base!r} is not one of {bases} for {self.operation}")
        if self.check is not None and not re.fullmatch(r"[a-z][a-z0-9_]*", self.check):
            raise ValueError(f"{self.id}: check {self.check!r} must be a Python function name")
        if self.test == "auth" and self.credentials is None:
            raise ValueError(f"{self.id}: `credentials` is required for test: auth")
        if self.credentials is not None and self.test not in ("auth", "property"):
            raise ValueError(f"{self.id}: `credentials` is only for test: auth or property (a check using that client)")
        if (self.basis == "inferred") != bool(self.note and self.note.strip()):
            raise ValueError(f"{self.id}: an inferred rule names its spec/NOTES.md heading in `note`, "
                             "and only an inferred rule does")
        if self.test == "unobservable" and not (self.reason and self.reason.strip()):
            raise ValueError(f"{self.id}: an unobservable entry needs a `reason`")
        if self.test != "unobservable" and self.reason is not None:
            raise ValueError(f"{self.id}: `reason` belongs to unobservable entries only")
        if self.test == "property" and not self.check:
            raise ValueError(f"{self.id}: a property entry names its `check`")
        if self.test in ("violation", "auth", "acceptance") and self.expect is None:
            raise ValueError(f"{self.id}: a {self.test} entry states its `expect`")
        if self.test == "violation":
            if (self.trigger is None or self.trigger.is_empty()) and self.setup is None:
                raise ValueError(f"{self.id}: a violation needs a trigger (or a setup that breaks the rule)")
            if self.expect is not None and self.expect.status < 400:
                raise ValueError(f"{self.id}: a violation expects a 4xx/5xx status")
        if self.test == "acceptance" and self.expect is not None and self.expect.status != 200:
            raise ValueError(f"{self.id}: an acceptance entry expects status 200")
        if self.test == "auth" and self.expect is not None:
            if self.credentials in ("none", "invalid") and self.expect.status != 401:
                raise ValueError(f"{self.id}: missing or invalid credentials expect 401")
            if (self.credentials in ("no_scopes", "other_dealer", "dealer_level", "department_level")
                    and self.expect.status != 403):
                raise ValueError(f"{self.id}: a client without the scope expects 403")
        return self

    @property
    def test_id(self) -> str:
        """`<operation>/<rule id>`, the test id of CONTRIBUTING.md."""
        return f"{self.operation}/{self.id}"

    @property
    def expected(self) -> Expect:
        """`expect`, for a test that needs one (the loader requires it of violation, auth and acceptance
        entries; a property that judges a rejection states it too)."""
        if self.expect is None:
            raise ValueError(f"{self.id}: states no `expect`")
        return self.expect

    @property
    def effective_setup(self) -> str:
        return self.setup or operation(self.operation).default_setup

    @property
    def effective_base(self) -> str:
        return self.base or operation(self.operation).bases[0]


def parse_rules(data: Any, operation: str) -> list[Rule]:
    """Validate the entries of one rules file, spec/rules/<operation>.yaml (a YAML list of mappings).

    The file carries what every entry shares: an entry's operation is the file's, and its citation's
    `doc` is the operation's document unless it cites another one. So an entry writes neither
    `operation:` nor `doc:` of its own document (one way to write each rule)."""
    if operation not in OPERATIONS:
        raise ValueError(f"no operation {operation!r}: a rules file is spec/rules/<operation>.yaml, "
                         f"<operation> one of {', '.join(OPERATIONS)}")
    if not isinstance(data, list):
        raise ValueError("a catalogue file must be a YAML list of entries")
    return [Rule.model_validate(_entry(entry, operation)) for entry in data]


def _entry(entry: Any, key: str) -> Any:
    """One entry as written in spec/rules/<key>.yaml → the fields of its Rule."""
    if not isinstance(entry, dict):
        return entry  # the model says what is wrong
    where = entry.get("id", "an entry without id")
    own_doc = operation(key).doc
    if "operation" in entry:
        raise ValueError(f"{where}: remove `operation:`: a rule's operation is its file's name ({key})")
    fields = {**entry, "operation": key}
    if isinstance(citation := entry.get("citation"), dict):
        if citation.get("doc") == own_doc:
            raise ValueError(f"{where}: remove `doc: {own_doc}` from the citation: a citation's doc is "
                             f"its operation's document unless it names another one")
        fields["citation"] = {"doc": own_doc, **citation}
    return fields


def file_schema() -> dict[str, Any]:
    """The JSON Schema of one rules file as written (SCHEMA_PATH): the model's, less what the file
    gives (`operation`; a citation's `doc` becomes optional)."""
    generated = TypeAdapter(list[Rule]).json_schema()
    defs = generated["$defs"]
    del defs["Rule"]["properties"]["operation"]
    defs["Rule"]["required"].remove("operation")
    defs["Citation"]["required"].remove("doc")
    defs["Citation"]["properties"]["doc"]["description"] = (
        "A document of spec/docs/; leave it out for the operation's own document (spec/operations.py).")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",  # the draft editors' YAML language server implements
        "title": "A rules file, spec/rules/<operation>.yaml",
        "description": (
            "The entries of one operation's rule catalogue (CONTRIBUTING.md, \"Rule catalogue\"). An entry's "
            "operation is the file's name, and its citation's doc defaults to the operation's document. "
            "Generated from spec/catalogue.py by `python -m pnd_conformance.spec.catalogue --schema`. It checks "
            "shape and vocabulary only: loading (pnd_conformance.spec.catalogue.Rule) also checks what each test "
            "type needs, the operation's bases and the rest, and tests/test_catalogue_lint.py the quotes, codes and "
            "names."),
        "type": "array",
        "items": generated["items"],
        "$defs": defs,
    }


def schema_text() -> str:
    """file_schema() as spec/rule.schema.json holds it."""
    return json.dumps(file_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _load(path: str) -> tuple[Rule, ...]:
    p = Path(path)
    files = sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    rules: list[Rule] = []
    for file in files:
        with open(file, encoding="utf-8") as fh:
            try:
                rules.extend(parse_rules(yaml.safe_load(fh) or [], operation=file.stem))
            except ValueError as exc:
                raise ValueError(f"{file.name}: {exc}") from None
    return tuple(rules)


def load_rules(path: str | os.PathLike | None = None) -> list[Rule]:
    """All catalogue entries, validated (cached per path)."""
    return list(_load(str(Path(path) if path else RULES_PATH)))


def rules_for(operation: str | None = None, test: str | None = None) -> list[Rule]:
    """Entries of one operation and/or one test type."""
    return [r for r in load_rules()
            if (operation is None or r.operation == operation) and (test is None or r.test == test)]


def rule(rule_id: str) -> Rule:
    """The entry with this id."""
    for r in load_rules():
        if r.id == rule_id:
            return r
    raise KeyError(f"no catalogue entry {rule_id!r}")


@cache
def doc_text(name: str) -> str:
    """The text of one API document of DOCS_DIR."""
    return (DOCS_DIR / name).read_text(encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--schema"]:
        sys.exit("usage: python -m pnd_conformance.spec.catalogue --schema   (writes spec/rule.schema.json)")
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH.relative_to(SPEC_DIR.parent)}")


__all__ = ["DOCS_DIR", "RULES_PATH", "SCHEMA_PATH", "Citation", "Expect", "Rule", "Trigger", "doc_text",
           "file_schema", "load_rules", "parse_rules", "rule", "rules_for", "schema_text"]
