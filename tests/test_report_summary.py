"""The run's summary, its scope and its seed (docs/reports.md "The terminal summary",
docs/checks.md "Partial and incomplete runs", docs/running.md "Reproducing a run").

The terminal ends with one block, after pytest's own line: the target, the gate verdict and exit code, the
catalogue rules by outcome, the other tests, what was not checked and why, the requests against the budget,
the seed and where each report is. A partial run (-k, -m, a subset of paths) is marked as one in every report;
an incomplete run fails the gate under --require-complete (exit code 6); the printed seed draws the same
examples again.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from pnd_conformance.report import summary as gate, scope
from pnd_conformance.judging.outcome import OUTCOMES
from pnd_conformance.settings import CLIENT_NAMES
from pnd_conformance.spec.catalogue import load_rules
from tests.reportrun import SANDBOX_PROFILE, SELECTION, run_suite, sandbox_run

LABELS = ("target", "suite", "gate", "rules", "other tests", "not checked", "requests", "seed", "reports")
# pytest's words for its count of tests (the reports' words are pass, fail, error, skipped, ...).
PYTEST_COUNT = re.compile(r"\b\d+ (passed|failed|deselected|errors?|warnings?)\b")
MISSING = ("no_scopes", "read_only", "other_dealer", "dealer_level", "department_level", "two_dealers")


def _block(output: str) -> tuple[list[str], list[str]]:
    """(the lines before the summary block, the block's lines)."""
    lines = output.splitlines()
    start = max(i for i, line in enumerate(lines) if gate.TITLE in line)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[:start], lines[start + 1:end]


def _labelled(block: list[str]) -> dict[str, list[str]]:
    """The block's lines by label (a line without a label continues the one above)."""
    out: dict[str, list[str]] = {}
    label = None
    for line in block:
        head = line[:gate.LABEL].strip()
        if head:
            label = head
        assert label is not None, line
        out.setdefault(label, []).append(line[gate.LABEL:])
    return out


def _matrix(reports: Path) -> dict:
    return json.loads((reports / "conformance.json").read_text(encoding="utf-8"))


def _suite_properties(junit: Path) -> dict[str, str]:
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    return {p.get("name", ""): p.get("value", "") for p in suite.iter("property")
            if p.get("name", "").startswith("pnd.")}


def _environment(allure_results: Path) -> dict[str, str]:
    lines = (allure_results / "environment.properties").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" = ", 1) for line in lines if line.strip())


def _profile(tmp_path: Path, clients: tuple[str, ...]) -> Path:
    profile = {k: v for k, v in SANDBOX_PROFILE.items() if k != "base_url"}  # in-process
    profile["name"] = "some-clients"
    profile["credentials"] = {k: v for k, v in SANDBOX_PROFILE["credentials"].items() if k in clients}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------- the block

def test_summary_is_one_block_after_pytests_line_in_order():
    """`python -m pnd_conformance` ends with the block, its sections in the documented order, after pytest's line
    (and after the HTML report is built); its counts say what they count, so none reads as pytest's."""
    run = sandbox_run()
    matrix = _matrix(run.reports)
    before, block = _block(run.output)
    assert PYTEST_COUNT.search(before[-1]), f"pytest's own line comes right before the block: {before[-1]!r}"
    labels = _labelled(block)
    assert tuple(labels) == LABELS, block
    assert not [line for line in block if PYTEST_COUNT.search(line)], "a count in the block reads like pytest's"
    target, profile = matrix["settings"]["target"], matrix["settings"]["profile"]
    assert labels["target"] == [f"{target}, profile {profile}"]
    assert labels["gate"][0].startswith(f"FAIL, exit code {run.returncode}") and run.returncode == matrix["exit_code"]
    all_ = matrix["totals"]["all"]
    assert labels["rules"][0] == f"{all_['rules']} catalogue rules: " + ", ".join(
        f"{all_[o]} {o}" for o in OUTCOMES if all_[o])
    failing = [f"{r['operation']}/{r['rule']}" for r in matrix["rules"] if r["outcome"] == "fail"]
    assert failing and any(line.startswith("fail: ") and failing[0] in line for line in labels["rules"])
    others = {gate.other_kind(t["test"]) for t in matrix["other_tests"]}
    assert others == {"Schemathesis checks", "lifecycle"}
    assert all(kind in labels["other tests"][0] for kind in others)
    req = matrix["requests"]
    cleanup = f", plus {req['cleanup']:,} cleanup requests" if req.get("cleanup") else ""
    assert labels["requests"] == [f"{req['total']:,} sent of a budget of {req['budget']:,} (floor {req['floor']:,})"
                                  f"{cleanup}"]
    shown = "\n".join(labels["reports"])
    for name in ("conformance.json", "conformance.md", "docs/index.html", "junit.xml", "allure-results",
                 "html/index.html"):
        assert name in shown, f"{name} not among the reports: {shown}"
    tests = sum(len(r["tests"]) for r in matrix["rules"])
    assert f"{tests} rule tests + {len(matrix['other_tests'])} other tests" in shown


def test_not_checked_rolls_up_by_reason():
    """What was not checked, grouped by outcome and reason, in the terminal and in conformance.json alike."""
    run = sandbox_run()
    matrix = _matrix(run.reports)
    _, block = _block(run.output)
    text = "\n".join(_labelled(block)["not checked"])
    rows = matrix["rules"]
    for outcome in scope.NOT_CHECKED:
        groups = matrix["not_checked"][outcome]
        assert sum(g["rules"] for g in groups) == sum(1 for r in rows if r["outcome"] == outcome)
        assert sorted(i for g in groups for i in g["rule_ids"]) == sorted(
            f"{r['operation']}/{r['rule']}" for r in rows if r["outcome"] == outcome)
    not_run = matrix["not_checked"]["not run"]
    assert [g["reason"] for g in not_run] == [f"not selected in this run (-k {SELECTION})"]
    assert f"{not_run[0]['rules']} rule(s) not run: not selected in this run (-k {SELECTION})" in text
    unobservable = sum(g["rules"] for g in matrix["not_checked"]["not observable"])
    assert f"{unobservable} rule(s) not observable" in text


def test_reasons_that_differ_in_a_name_are_one_group():
    rows = [{"operation": "get-trips", "rule": f"r{i}", "basis": "stated", "outcome": "skipped",
             "detail": f"client '{name}' is not in the profile"} for i, name in
            enumerate(["read_only", "no_scopes", "read_only", "other_dealer"])]
    rows.append({"operation": "update", "rule": "u", "basis": "inferred", "outcome": "skipped",
                 "detail": "the target's trip view shows no customer names (get-trips' `customer`)\nsecond line"})
    groups = scope.group_by_reason(rows)
    assert [(g["reason"], g["rules"], g["stated"]) for g in groups] == [
        ("client '…' is not in the profile", 4, 4),
        ("the target's trip view shows no customer names (get-trips' `customer`)", 1, 0)]
    assert groups[0]["names"] == {"read_only": 2, "no_scopes": 1, "other_dealer": 1}
    assert scope.describe_group(groups[0]) == ("client '…' is not in the profile — read_only 2, no_scopes 1, "
                                               "other_dealer 1")
    refused = [{"operation": "filter", "rule": f"f{i}", "basis": "stated", "outcome": "skipped",
                "detail": f"client '{name}' was refused by the target (HTTP 401): check PND_{name.upper()}_PASSWORD"}
               for i, name in enumerate(["read_only", "no_scopes"])]
    assert [(g["reason"], g["names"]) for g in scope.group_by_reason(refused)] == [
        ("client '…' was refused by the target (HTTP 401): check …",
         {"read_only PND_READ_ONLY_PASSWORD": 1, "no_scopes PND_NO_SCOPES_PASSWORD": 1})]


# ------------------------------------------------------------------------------------------- partial runs

def test_partial_run_is_marked_in_every_report():
    """A `-k` run is a verdict on its selection only: conformance.json, .md, the living docs, JUnit's suite
    properties, Allure's environment and the terminal all say so."""
    run = sandbox_run()
    matrix = _matrix(run.reports)
    why = f"-k {SELECTION}"
    assert matrix["run"]["partial"] is True and matrix["run"]["selection"] == [why]
    markdown = (run.reports / "conformance.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Conformance matrix (partial run)") and f"**Partial run** ({why})" in markdown
    docs = (run.reports / "docs" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'data-testid="partial"><strong>Partial run</strong> \(' + re.escape(why), docs)
    assert _suite_properties(run.reports / "junit.xml")["pnd.scope"] == f"partial: {why}"
    assert _environment(run.allure_results)["scope"] == f"partial: {why}"
    _, block = _block(run.output)
    gate_line = _labelled(block)["gate"][0]
    assert f"PARTIAL RUN ({why}): a verdict on the selected tests only, not on the target" in gate_line


def test_selection_names_what_narrowed_the_run(tmp_path):
    suite = scope.SUITE_DIR

    def config(args, **option):
        opts = {"keyword": "", "markexpr": "", "deselect": None, "lf": False, **option}
        return SimpleNamespace(option=SimpleNamespace(**opts), args=args,
                               invocation_params=SimpleNamespace(dir=scope.PACKAGE_DIR.parent))

    assert scope.selection(config([str(suite)])) == []
    assert scope.selection(config(["conformance/suite"])) == []
    assert scope.selection(config(["conformance/suite"], keyword="filter/", markexpr="readonly")) == [
        "-k filter/", "-m readonly"]
    assert scope.selection(config(["conformance/suite/test_rules.py"])) == ["only conformance/suite/test_rules.py"]
    assert scope.selection(config([str(suite / "test_lifecycle.py") + "::test_lifecycle_state_machine"])) == [
        "only conformance/suite/test_lifecycle.py::test_lifecycle_state_machine"]
    assert scope.selection(config(["conformance/suite"]), deselected=3) == ["3 test(s) deselected"]


def test_full_run_with_every_client_is_complete(tmp_path):
    """The whole suite with every client: not partial, complete, and --require-complete keeps exit code 0."""
    proc = run_suite(tmp_path, "--require-complete", "--junitxml", str(tmp_path / "junit.xml"),
                     "--alluredir", str(tmp_path / "allure"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    matrix = _matrix(tmp_path / "reports")
    assert matrix["run"] == {"partial": False, "selection": [], "stopped": None, "complete": True, "incomplete": [],
                             "require_complete": True}
    assert matrix["gate"] == "pass" and not matrix["not_checked"]["skipped"] and not matrix["not_checked"]["not run"]
    assert _suite_properties(tmp_path / "junit.xml")["pnd.scope"] == "full"
    assert _environment(tmp_path / "allure")["gate"] == "pass"
    markdown = (tmp_path / "reports" / "conformance.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Conformance matrix\n") and "Partial run" not in markdown
    _, block = _block(proc.stdout)
    assert _labelled(block)["gate"] == ["PASS, exit code 0"]


# ------------------------------------------------------------------------------ incomplete runs

def test_missing_clients_are_rolled_up_and_require_complete_fails_the_gate(tmp_path):
    """Only the full client: its rules skip with the reason, rolled up by client in the terminal and the JSON;
    the gate passes unless --require-complete (or PND_REQUIRE_COMPLETE=1) asks for every stated rule."""
    profile = _profile(tmp_path, ("full",))
    selection = ["-k", "get-trips/", "--target-profile", str(profile)]
    lenient = run_suite(tmp_path / "lenient", *selection)
    assert lenient.returncode == 0, lenient.stdout[-3000:]
    matrix = _matrix(tmp_path / "lenient" / "reports")
    skipped = [r for r in matrix["rules"] if r["outcome"] == "skipped"]
    assert skipped and matrix["gate"] == "pass"
    groups = matrix["not_checked"]["skipped"]
    assert sum(g["rules"] for g in groups) == len(skipped)
    named = {name for g in groups for names in g["names"] for name in names.split()}
    assert named and named <= set(MISSING), groups
    _, block = _block(lenient.stdout)
    not_checked = "\n".join(_labelled(block)["not checked"])
    assert all(name in not_checked for name in named), not_checked
    assert f"{groups[0]['rules']} rule(s) skipped: {scope.describe_group(groups[0])}" in not_checked

    strict = run_suite(tmp_path / "strict", *selection, "--require-complete")
    assert strict.returncode == gate.INCOMPLETE == 6, strict.stdout[-3000:]
    matrix = _matrix(tmp_path / "strict" / "reports")
    assert matrix["exit_code"] == 6 and matrix["gate"] == "fail" and matrix["run"]["complete"] is False
    stated_unchecked = {f"{r['operation']}/{r['rule']}" for r in matrix["rules"]
                        if r["basis"] == "stated" and r["outcome"] in ("skipped", "not run")}
    assert set(matrix["run"]["incomplete"]) == stated_unchecked
    _, block = _block(strict.stdout)
    assert _labelled(block)["gate"][0].startswith(f"FAIL, exit code 6: incomplete, {len(stated_unchecked)} stated")

    env = run_suite(tmp_path / "env", *selection, env={"PND_REQUIRE_COMPLETE": "1"})
    assert env.returncode == 6 and _matrix(tmp_path / "env" / "reports")["settings"]["require_complete"] is True


# ------------------------------------------------------------------------------------------- the seed

ONE_DRAWN = "create/create-complete-request]"  # an acceptance rule: Hypothesis draws every field of its create


def _create_bodies(allure_results: Path) -> list:
    """The create requests of the last example of each test, as the Allure steps record them."""
    bodies = []

    def walk(steps: list) -> None:
        for step in steps:
            if step["name"].startswith("create: POST"):
                for a in step.get("attachments", []):
                    if a["name"] == "request":
                        bodies.append(json.loads((allure_results / a["source"]).read_text())["body"])
            walk(step.get("steps", []))

    for path in sorted(allure_results.glob("*-result.json")):
        walk(json.loads(path.read_text()).get("steps", []))
    return bodies


def _seeded_run(root: Path, *args: str):
    proc = run_suite(root, "--hypothesis-profile", "dev", "-k", ONE_DRAWN, "--alluredir", str(root / "allure"), *args)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    bodies = _create_bodies(root / "allure")
    assert bodies, "the rule's last example sent a create"
    return proc, _matrix(root / "reports")["seed"], bodies


def test_printed_seed_draws_the_same_examples(tmp_path):
    """A run without --hypothesis-seed (on two xdist workers) draws a seed, prints and stores it; the same
    rule rerun with that seed sends the same requests, and another seed other ones."""
    assert any(r.test_id + "]" == ONE_DRAWN and r.test == "acceptance" for r in load_rules())
    first, seed, bodies = _seeded_run(tmp_path / "first", "-p", "xdist", "-n", "2")
    assert seed["value"] is not None and seed["given"] is False and seed["derandomized"] is False
    _, block = _block(first.stdout)
    assert _labelled(block)["seed"][0].startswith(f"{seed['value']}; the same examples again: ")
    assert f"--hypothesis-seed {seed['value']}" in _labelled(block)["seed"][0]
    again, seed_again, bodies_again = _seeded_run(tmp_path / "again", "--hypothesis-seed", str(seed["value"]))
    assert seed_again == {**seed, "given": True}
    assert bodies_again == bodies, "the printed seed did not draw the same examples"
    _, _, other = _seeded_run(tmp_path / "other", "--hypothesis-seed", str(seed["value"] + 1))
    assert other != bodies


@pytest.mark.parametrize("ci_variable", ["CI", "GITHUB_ACTIONS"])
def test_profiles_are_the_same_under_a_ci_environment(ci_variable):
    """Hypothesis makes its own `ci` profile current when it sees a CI environment variable; the suite's
    profiles must not inherit its derandomize from it, or a seeded run in CI would draw no seed."""
    import os
    import subprocess
    import sys
    code = ("import pnd_conformance.plugins.harness; from hypothesis import settings as s; "
            "print({n: s.get_profile(n).derandomize for n in ('dev', 'thorough', 'ci', 'mutant')})")
    env = {**os.environ, ci_variable: "true"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str({"dev": False, "thorough": False, "ci": True, "mutant": True})


def test_derandomized_profile_names_no_seed(tmp_path):
    proc = run_suite(tmp_path, "-k", "get-trips/get-trips-unknown-sar]")  # run_suite: the `ci` profile
    assert proc.returncode == 0, proc.stdout[-3000:]
    seed = _matrix(tmp_path / "reports")["seed"]
    assert seed == {"value": None, "given": False, "profile": "ci", "derandomized": True}
    _, block = _block(proc.stdout)
    assert _labelled(block)["seed"][0].startswith("none: the 'ci' Hypothesis profile is derandomized")


@pytest.mark.parametrize("code, incomplete, require, expected", [
    (0, ["a/b"], True, 6), (0, ["a/b"], False, 0), (0, [], True, 0), (1, ["a/b"], True, 1), (4, ["a/b"], True, 4)])
def test_only_a_passing_incomplete_run_turns_into_exit_code_6(code, incomplete, require, expected):
    assert gate.exit_code(code, incomplete, require) == expected


def _ci_example() -> dict:
    return yaml.safe_load((Path(__file__).resolve().parent.parent / "examples" /
                           "github-actions-conformance.yml").read_text(encoding="utf-8"))


def test_ci_example_installs_the_suite_by_commit():
    """examples/github-actions-conformance.yml installs the suite with pip from the commit CONFORMANCE_REF
    names (a SHA placeholder), its hashed lockfile from the same commit, on Python 3.11; it checks out no
    suite repository."""
    workflow = _ci_example()
    assert re.fullmatch(r"[0-9a-f]{40}", workflow["env"]["CONFORMANCE_REF"]), "CONFORMANCE_REF is not a commit SHA"
    steps = workflow["jobs"]["conformance"]["steps"]
    at_ref = "${{ env.CONFORMANCE_REPO }}@${{ env.CONFORMANCE_REF }}"
    install = next(s for s in steps if "pip install" in s.get("run", "") and "git+https" in s["run"])
    assert f'"pnd-conformance @ git+https://github.com/{at_ref}"' in install["run"]
    assert "--require-hashes" in install["run"]
    assert "${{ env.CONFORMANCE_REF }}/requirements.lock" in install["run"]
    assert not [s for s in steps if s.get("uses", "").startswith("actions/checkout")
                and s.get("with", {}).get("repository")], "the suite is installed, not checked out"
    (python,) = [s for s in steps if s.get("uses", "").startswith("actions/setup-python")]
    assert python["with"]["python-version"] == "3.11"
    assert steps.index(python) < steps.index(install)


def test_ci_example_gates_on_a_complete_run_with_every_client():
    """The example's gate is `pnd-conformance run --require-complete` itself (the step's status is the suite's
    exit code) and gets each client's secret (docs/ci.md), so no rule goes unchecked unseen; the sweep
    (`pnd-conformance cleanup`) runs whatever happened before it, with every client's secret too: an
    appointment made at another dealer's department is deleted by the client that made it."""
    steps = _ci_example()["jobs"]["conformance"]["steps"]
    (gate_step,) = [s for s in steps if s.get("run", "").startswith("pnd-conformance run")]
    assert "--require-complete" in gate_step["run"].split()
    assert "make" not in gate_step["run"].split()
    (sweep_step,) = [s for s in steps if s.get("run", "").strip() == "pnd-conformance cleanup"]
    assert sweep_step.get("if") == "always()"
    assert steps.index(gate_step) < steps.index(sweep_step)
    # every client the settings know, and the sandbox profile has (the profile a real one is copied from)
    assert set(SANDBOX_PROFILE["credentials"]) == set(CLIENT_NAMES)
    for name in CLIENT_NAMES:
        var = f"PND_{name.upper()}_PASSWORD"
        assert gate_step["env"].get(var) == f"${{{{ secrets.{var} }}}}", f"the gate gets no secret for '{name}'"
        assert sweep_step["env"].get(var) == f"${{{{ secrets.{var} }}}}", f"the sweep gets no secret for '{name}'"
    for var in ("PND_TARGET_URL", "PND_TARGET_PROFILE"):
        assert sweep_step["env"][var] == gate_step["env"][var]
    assert "PND_EXPECTATIONS" in gate_step["env"]
