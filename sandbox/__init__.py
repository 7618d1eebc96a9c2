"""A reference sandbox of the five Partner appointment-with-trip / PnD trip operations.

`create_app(faults=())` builds an ASGI (Starlette) app with fresh in-memory state seeded from
profiles/sandbox.yaml; `pnd-conformance sandbox` serves it. See sandbox/README.md.
"""
from pnd_conformance.sandbox.app import create_app
from pnd_conformance.sandbox.faults import FAULTS

__all__ = ["FAULTS", "create_app"]
