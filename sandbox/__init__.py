"""A reference sandbox of the five Partner appointment-with-trip / PnD trip operations.

`create_app(faults=())` builds an ASGI (Starlette) app with fresh in-memory state seeded from
profiles/sandbox.yaml; `python -m sandbox` serves it. See sandbox/README.md.
"""
from sandbox.app import create_app
from sandbox.faults import FAULTS

__all__ = ["FAULTS", "create_app"]
