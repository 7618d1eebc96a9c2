"""`pnd-conformance profile check|discover`: a target profile checked alone, or written from the target.

    check     --target-url URL --target-profile P   the preflight alone (conformance/target/preflight.py): exit 0, 4
                                                   (one line per problem) or 3 (nothing answers)
    discover  --target-url URL --dealer-uuid D --department-uuid P [--username U] [--out FILE]
              the full client's password from $PND_FULL_PASSWORD (--password-env names another variable);
              discovers the other identities from trips the target already holds
              (conformance/target/discover.py), checks them, and writes a profile with `password_env` lines and a
              comment per key saying what it enables.

Bad input is one line and exit code 4, as for the suite (docs/checks.md "Exit codes").
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pnd_conformance.target import preflight
from pnd_conformance.http.client import Target, TargetFault
from pnd_conformance.http.redaction import REDACTOR, redact
from pnd_conformance.settings import ConfigError, Settings, resolve

USAGE, UNREACHABLE = 4, 3


def check(target_url: str | None, profile: str | None, open_target: Callable[[Settings], Target] | None = None) -> int:
    """The preflight alone. `open_target` opens the settings' target: the command passes
    pnd_conformance.embedded.open_target, which serves the embedded sandbox when no URL is given; without
    it (`python -m pnd_conformance.target.profile`) only a target with a URL can be checked."""
    try:
        settings = resolve({"target_url": target_url, "target_profile": profile})
        if open_target is None and settings.in_process:
            raise ConfigError("the embedded sandbox is checked by `pnd-conformance profile check`; "
                              "here give a --target-url")
        target = (open_target or Target)(settings)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return USAGE
    for secret in settings.secrets():
        REDACTOR.add(secret)
    try:
        found = preflight.run(target)
    except TargetFault as exc:
        print(redact(f"error: target {'unreachable' if exc.unreachable else 'failed'}: {str(exc).splitlines()[0]}"),
              file=sys.stderr)
        return UNREACHABLE if exc.unreachable else USAGE
    finally:
        target.close()
    for line in found.problems:
        print(redact(f"error: {line}"), file=sys.stderr)
    for client, why in found.refused.items():
        print(redact(f"warning: client '{client}' is unusable, its tests will skip: {why}"))
    assert settings.profile is not None
    missing = [n for n in settings.profile.credentials if settings.credential(n) is None]
    for name in missing:
        print(f"warning: {settings.missing_credential_hint(name)}: its tests will skip")
    verdict = "has problems" if found.problems else "is usable"
    print(f"profile '{settings.profile.name}' {verdict} against {settings.resolved_url} "
          f"({found.requests} requests)")
    return USAGE if found.problems else 0


def main(argv: list[str] | None = None, open_target: Callable[[Settings], Target] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pnd-conformance profile", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check a profile against its target (the preflight alone) and exit")
    c.add_argument("--target-url")
    c.add_argument("--target-profile")
    d = sub.add_parser("discover", help="write a profile from what the target already holds")
    d.add_argument("--target-url", required=True)
    d.add_argument("--dealer-uuid", required=True)
    d.add_argument("--department-uuid", required=True)
    d.add_argument("--username", help="the full client's username (default: $PND_FULL_USERNAME)")
    d.add_argument("--password-env", default="PND_FULL_PASSWORD",
                   help="the environment variable holding the full client's password (default PND_FULL_PASSWORD)")
    d.add_argument("--name", default="discovered", help="the profile's name")
    d.add_argument("--out", type=Path, help="where to write the profile (default: stdout)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed its one line
        return USAGE if exc.code else 0
    if args.command == "check":
        return check(args.target_url, args.target_profile, open_target)
    from pnd_conformance.target.discover import main as discover

    return discover(args)


if __name__ == "__main__":
    sys.exit(main())
