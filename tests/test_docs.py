"""The README and the manual in docs/ cannot go stale (docs/index.md "How the manual stays true").

A figure that changes with the repository (rule counts, doc coverage, mutants, variants, defaults) is
written between markers, `<!-- figure:NAME -->VALUE<!-- /figure -->`, and recomputed here from the
repository: the catalogue through pnd_conformance.spec.catalogue, doc coverage through
pnd_conformance.spec.docunits (what tests/test_doc_coverage.py proves), the mutants from tests/mutants.yaml,
the variants from pnd_conformance.sandbox.variants, the defaults from the modules that define them.
The README holds no such figure at all and is at most 150 lines; every relative link of the README, the
manual and the other top-level pages leads to a file (and heading) that exists; every page of the manual is
reachable from the README or docs/index.md. The options table of docs/configuration.md is the one of
pnd_conformance.plugins.options, and every `docs/<page>.md "<section>"` cited in the repository exists.
"""
from __future__ import annotations

import importlib
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from collections.abc import Callable

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"
README_MAX_LINES = 150

FIGURE = re.compile(r"<!--\s*figure:([a-z0-9-]+)\s*-->(.*?)<!--\s*/figure\s*-->", re.S)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]*`")


TOP_LEVEL = ("CONTRIBUTING.md", "ARCHITECTURE.md", "CHANGELOG.md")


def pages() -> list[Path]:
    """The README, the manual and the other top-level pages whose links and figures are checked."""
    return [README, *sorted(DOCS.glob("*.md")), *(REPO / name for name in TOP_LEVEL)]


def _name(path: Path) -> str:
    return str(path.relative_to(REPO))


# --- where the figures come from -------------------------------------------------------------------


def _rules() -> list[Any]:
    from pnd_conformance.spec.catalogue import load_rules
    return load_rules()


def _coverage() -> dict[str, Any]:
    from pnd_conformance.spec.docunits import coverage
    return coverage().overall


def _mutants() -> dict[str, dict]:
    return yaml.safe_load((REPO / "tests" / "mutants.yaml").read_text())


def _variants() -> tuple[dict[str, str], frozenset[str]]:
    from pnd_conformance.sandbox.variants import SETTLE_VARIANTS, VARIANTS
    return VARIANTS, SETTLE_VARIANTS


def _settings_default(field: str) -> Any:
    from pnd_conformance.settings import Settings
    return Settings.model_fields[field].default


def _profile_examples(name: str) -> int:
    import pnd_conformance.plugins.harness  # noqa: F401  (registers the Hypothesis profiles)
    from hypothesis import settings
    return settings.get_profile(name).max_examples


FIGURES: dict[str, Callable[[], Any]] = {
    "rules": lambda: len(_rules()),
    "rules-stated": lambda: Counter(r.basis for r in _rules())["stated"],
    "rules-inferred": lambda: Counter(r.basis for r in _rules())["inferred"],
    "rules-unobservable": lambda: Counter(r.test for r in _rules())["unobservable"],
    "rules-observable": lambda: sum(1 for r in _rules() if r.test != "unobservable"),
    "coverage-covered": lambda: _coverage()["covered"],
    "coverage-units": lambda: _coverage()["units"],
    "coverage-percent": lambda: _coverage()["percent"],
    "mutants": lambda: len(_mutants()),
    "mutants-strict": lambda: sum(1 for m in _mutants().values() if m.get("strict")),
    "mutants-wire": lambda: sum(1 for m in _mutants().values() if m.get("wire")),
    "variants": lambda: len(_variants()[0]),
    "variants-settle": lambda: len(_variants()[1]),
    "variants-readings": lambda: len(set(_variants()[0]) - _variants()[1]),
    "budget-default": lambda: importlib.import_module("pnd_conformance.request_budget").DEFAULT_REQUEST_BUDGET,
    "rate-limit-default": lambda: importlib.import_module("pnd_conformance.settings").DEFAULT_RATE_LIMIT,
    "settle-timeout-default": lambda: importlib.import_module("pnd_conformance.settings").DEFAULT_SETTLE_TIMEOUT,
    "request-timeout-default": lambda: _settings_default("timeout"),
    "max-concurrency-default": lambda: _settings_default("max_concurrency"),
    "retry-after-budget-default": lambda: _settings_default("retry_after_budget"),
    "examples-dev": lambda: _profile_examples("dev"),
    "examples-ci": lambda: _profile_examples("ci"),
    "examples-thorough": lambda: _profile_examples("thorough"),
}


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "").rstrip("%"))
    except ValueError:
        return None


def written_figures() -> list[tuple[Path, str, str]]:
    return [(page, m.group(1), m.group(2)) for page in pages() for m in FIGURE.finditer(page.read_text())]


# --- the figures -----------------------------------------------------------------------------------


def test_the_manual_writes_figures_between_markers():
    """The convention is in use: the manual states its changing figures between markers."""
    names = {name for _, name, _ in written_figures()}
    assert {"rules", "mutants", "variants", "coverage-percent", "budget-default"} <= names


def test_every_written_figure_is_the_computed_one():
    """docs/index.md "How the manual stays true": every marked figure equals what the repository gives."""
    wrong = []
    for page, name, written in written_figures():
        if name not in FIGURES:
            wrong.append(f"{_name(page)}: figure {name!r} is not one tests/test_docs.py computes "
                         f"(known: {', '.join(sorted(FIGURES))})")
            continue
        computed = FIGURES[name]()
        if _number(written) != float(computed):
            wrong.append(f"{_name(page)}: figure {name!r} is written {written.strip()!r}, "
                         f"the repository gives {computed!r}")
    assert not wrong, "\n".join(wrong)


def test_the_readme_holds_no_figure_that_changes():
    """README: nothing in it changes with each rule; such figures live in the manual."""
    found = [name for page, name, _ in written_figures() if page == README]
    assert not found, f"README.md writes figures {found}: move them into a page of docs/"


def test_figure_check_names_page_figure_and_both_values(tmp_path, monkeypatch):
    """A stale figure fails naming the page, the figure, the written and the computed value."""
    page = tmp_path / "stale.md"
    page.write_text("<!-- figure:rules -->1<!-- /figure -->\n")
    monkeypatch.setattr(sys.modules[__name__], "pages", lambda: [page])
    monkeypatch.setattr(sys.modules[__name__], "_name", lambda p: p.name)
    with pytest.raises(AssertionError) as failure:
        test_every_written_figure_is_the_computed_one()
    assert f"stale.md: figure 'rules' is written '1', the repository gives {len(_rules())}" in str(failure.value)


# --- the front page and the links ------------------------------------------------------------------


def test_readme_is_short():
    lines = README.read_text().count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines, at most {README_MAX_LINES}: move detail into docs/"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[`*_]|<[^>]+>", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    seen: Counter[str] = Counter()
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M):
        slug = _slug(heading)
        anchors.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return anchors


def links(page: Path) -> list[str]:
    text = CODE_SPAN.sub("", FENCE.sub("", page.read_text()))
    return LINK.findall(text)


def test_every_relative_link_leads_somewhere():
    broken = []
    for page in pages():
        for link in links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # http:, https:, mailto:
                continue
            target, _, anchor = link.partition("#")
            path = (page.parent / target).resolve() if target else page
            if not path.exists():
                broken.append(f"{_name(page)}: link {link!r}: no file {target}")
            elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
                broken.append(f"{_name(page)}: link {link!r}: {_name(path)} has no heading #{anchor}")
    assert not broken, "\n".join(broken)


def test_every_page_of_the_manual_is_linked_from_the_readme_or_the_index():
    index = DOCS / "index.md"
    assert index.exists(), "docs/index.md is missing"
    reached = set()
    for page in (README, index):
        for link in links(page):
            target = link.partition("#")[0]
            if target and not re.match(r"^[a-z][a-z0-9+.-]*:", target):
                reached.add((page.parent / target).resolve())
    orphans = [_name(p) for p in sorted(DOCS.glob("*.md")) if p.resolve() not in reached]
    assert not orphans, f"pages linked neither from README.md nor docs/index.md: {orphans}"


# --- the options table -----------------------------------------------------------------------------


def documented_options() -> dict[str, list[tuple[str, str]]]:
    """docs/configuration.md "Suite options": per `### Group` heading, the (flag, env) of each table row."""
    text = (DOCS / "configuration.md").read_text()
    section = text.split("\n## Suite options", 1)[1].split("\n## ", 1)[0]
    groups: dict[str, list[tuple[str, str]]] = {}
    for part in re.split(r"^### ", section, flags=re.M)[1:]:
        title = part.splitlines()[0].strip()
        rows = re.findall(r"^\|\s*`(--[a-z-]+)`\s*\|\s*(`PND_[A-Z_]+`)?\s*\|", part, re.M)
        groups[title] = [(flag, env.strip("`")) for flag, env in rows]
    return groups


def test_the_options_table_is_the_suites_options():
    """docs/configuration.md documents exactly the options of pnd_conformance.plugins.options, in its groups
    (the heading is the group's name, `pnd-budget` -> "Budget"), in the same order as `--help`."""
    from pnd_conformance.plugins.options import GROUPS, OPTIONS
    expected = {name.removeprefix("pnd-").capitalize(): [o.flag for o in OPTIONS if o.group == name]
                for name in GROUPS}
    written = {title: [flag for flag, _ in rows] for title, rows in documented_options().items()}
    assert written == expected, ("docs/configuration.md \"Suite options\" differs from "
                                 f"conformance/plugins/options.py:\nwritten  {written}\nexpected {expected}")


def test_every_documented_environment_variable_is_read():
    """Each env column names a setting of the settings object (PND_<FIELD>) or one the option's help names."""
    from pnd_conformance.plugins.options import OPTIONS
    from pnd_conformance.settings import Settings
    helps = {o.flag: o.help for o in OPTIONS}
    wrong = [f"{flag}: {env}" for rows in documented_options().values() for flag, env in rows
             if env and env.removeprefix("PND_").lower() not in Settings.model_fields and env not in helps[flag]]
    assert not wrong, f"docs/configuration.md names environment variables nothing reads: {wrong}"


# --- citations of the manual elsewhere in the repository -------------------------------------------

CITATION = re.compile(r"(docs/[a-z-]+\.md),?\s+\"([^\"\n]+)\"")
CITING = ("conformance", "spec", "strategies", "sandbox", "tests", "profiles")


def test_every_citation_of_a_manual_section_resolves():
    """A docstring, comment or note citing `docs/<page>.md "<section>"` (the self-tests cite the manual so)
    names a page and the beginning of one of its headings, so a renamed section cannot leave it dangling."""
    broken, cited = [], 0
    for folder in CITING:
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix not in {".py", ".md", ".yaml"} or not path.is_file():
                continue
            for page, section in CITATION.findall(path.read_text(errors="replace")):
                cited += 1
                target = REPO / page
                if not target.exists():
                    broken.append(f"{_name(path)}: cites {page}, which does not exist")
                elif not any(a == _slug(section) or a.startswith(_slug(section) + "-") for a in _anchors(target)):
                    broken.append(f"{_name(path)}: cites {page} \"{section}\", which has no such heading")
    assert cited, "no citation of the manual found: the pattern no longer matches how the repository cites it"
    assert not broken, "\n".join(broken)


# --- ARCHITECTURE.md against pyproject.toml --------------------------------------------------------


def _pyproject() -> dict[str, Any]:
    import tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_architecture_maps_the_folders_as_pyproject_does():
    """ARCHITECTURE.md "One package over the repository's folders": the table is pyproject.toml's package-dir."""
    text = _section((REPO / "ARCHITECTURE.md").read_text(), "One package over the repository's folders")
    written = {name: folder for folder, name in re.findall(r"^\| `([a-z_]+)/` \| `([a-z_.]+)` \|", text, re.M)}
    assert written == _pyproject()["tool"]["setuptools"]["package-dir"]


def test_architecture_names_the_layers_in_import_linters_order():
    """ARCHITECTURE.md "Layers": one bullet per layer of pyproject.toml's layers contract, top to bottom; a
    bullet names its modules in code spans before its first colon (`cli.py`, `plugins/`)."""
    contract = next(c for c in _pyproject()["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    expected = [{m.strip() for m in layer.split("|")} for layer in contract["layers"]]
    text = _section((REPO / "ARCHITECTURE.md").read_text(), "Layers")
    written = []
    for bullet in re.findall(r"^- (`.+)$", text, re.M):
        names = re.findall(r"`([a-z_]+)(?:\.py|/)`", bullet.split("`:", 1)[0] + "`")
        written.append({f"pnd_conformance.{name}" for name in names})
    assert written == expected
