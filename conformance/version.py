"""The suite's version, written in one place: pyproject.toml's `[project] version`. Shown by
`pnd-conformance --version` and recorded in every report (conformance.json's `suite`, the matrix,
the living docs, JUnit's and Allure's run properties, the terminal summary)."""
from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

NAME = "pnd-conformance"


def _version() -> str:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():  # a checkout: the file itself, never a stale installed copy
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    try:
        return metadata.version(NAME)
    except metadata.PackageNotFoundError:
        return "unknown"


VERSION = _version()
