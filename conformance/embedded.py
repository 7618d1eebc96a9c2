"""The embedded sandbox: the run's Target served in-process, the one module below the command that imports
pnd_conformance.sandbox.

With no target URL the suite runs against the reference sandbox inside its own process (no network).
The harness below (the client, the settings, the target layer) knows nothing of the sandbox: `Target`
takes the app to serve as a factory, and `open_target` passes it the sandbox's. The command and the
pytest plugins open targets here; `pnd-conformance profile check` is handed `open_target`.
"""
from __future__ import annotations

from typing import Any

from pnd_conformance.http.client import Target
from pnd_conformance.settings import CLIENT_NAMES, ConfigError, Settings


def check_variants(settings: Settings) -> None:
    """`--sandbox-variants` names only variants the sandbox has: else a ConfigError (exit code 4) naming them."""
    if settings.sandbox_variants:
        from pnd_conformance.sandbox.variants import UnknownVariant, resolve as resolve_variants
        try:
            resolve_variants(settings.sandbox_variants)
        except UnknownVariant as exc:
            raise ConfigError(str(exc)) from None


def sandbox_app(settings: Settings) -> Any:
    """The embedded sandbox's ASGI app, with the run's faults and variants. It takes the run's credentials:
    in-process, no secret can be wrong."""
    from pnd_conformance.sandbox import create_app

    faults = [f for f in settings.sandbox_faults.split(",") if f.strip()]
    creds = {n: c.basic() for n in CLIENT_NAMES if (c := settings.credential(n)) is not None}
    return create_app(faults=faults, variants=settings.sandbox_variants, credentials=creds)


def open_target(settings: Settings) -> Target:
    """The Target of these settings: the embedded sandbox in-process when they say so, else the target's URL."""
    if not settings.in_process:
        return Target(settings)
    check_variants(settings)
    return Target(settings, app_factory=lambda: sandbox_app(settings))
