"""The packages of the installable distribution: every package under each folder of pyproject.toml's
[tool.setuptools] package-dir (the folder names stay the repository's; the import names are
`pnd_conformance.*`). Everything else about the distribution is in pyproject.toml."""
import tomllib
from pathlib import Path

from setuptools import setup

FOLDERS = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
PACKAGES = sorted(".".join((name, *init.parent.relative_to(folder).parts))
                  for name, folder in FOLDERS.items() for init in Path(folder).rglob("__init__.py"))

setup(packages=PACKAGES)
