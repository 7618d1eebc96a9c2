"""`python tools/typecheck_tree.py DIR`: the package as installed, as a tree of links, for mypy.

A checkout is installed editable, through setuptools' import hook, which mypy does not follow; mypy
reads DIR/pnd_conformance instead, laid out from pyproject.toml's [tool.setuptools] package-dir.
"""
from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(out: Path) -> None:
    folders = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    shutil.rmtree(out, ignore_errors=True)
    for name, folder in sorted(folders.items()):
        target = out.joinpath(*name.split("."))
        if "." not in name:  # the root package: a real directory, so that the others can sit in it
            target.mkdir(parents=True)
            for entry in sorted((ROOT / folder).iterdir()):
                if entry.name != "__pycache__":
                    os.symlink(entry, target / entry.name)
        else:
            os.symlink(ROOT / folder, target)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
