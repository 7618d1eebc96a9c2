"""Loader for the hand-written OpenAPI 3.1 description (spec/openapi.yaml).

The returned document is cached and shared: treat it as read-only (deep-copy before mutating).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@lru_cache(maxsize=1)
def load_openapi() -> dict[str, Any]:
    """The parsed spec/openapi.yaml (yaml.safe_load), loaded once per process."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def operation_by_key(key: str) -> tuple[str, str, dict[str, Any]]:
    """(METHOD, path, operation) of the operation whose `x-pnd-operation` is `key`.

    METHOD is upper case ("POST"), path is the templated OpenAPI path
    ("/appointment/v2/dealers/{dealerUuid}/partner-appointments-with-trip").
    Raises KeyError for an unknown key.
    """
    for path, item in load_openapi()["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is not None and operation.get("x-pnd-operation") == key:
                return method.upper(), path, operation
    raise KeyError(f"no operation with x-pnd-operation: {key!r} in {SPEC_PATH}")
