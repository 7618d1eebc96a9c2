"""`pnd-conformance sandbox --host 127.0.0.1 --port 8765 [--faults a,b] [--variants a,b] [--list-faults]
[--list-variants]`."""
from __future__ import annotations

import argparse
import os
import sys

from pnd_conformance.sandbox.faults import FAULTS, UnknownFault
from pnd_conformance.sandbox.variants import VARIANTS, UnknownVariant


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pnd-conformance sandbox",
                                     description="Serve the PnD partner API sandbox (in-memory, seeded from "
                                                 "profiles/sandbox.yaml).")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--faults", default=os.environ.get("PND_SANDBOX_FAULTS", ""),
                        help="comma-separated deliberate deviations (default: $PND_SANDBOX_FAULTS)")
    parser.add_argument("--profile", help="profile YAML to seed from (default: profiles/sandbox.yaml)")
    parser.add_argument("--variants", default=os.environ.get("PND_SANDBOX_VARIANTS", ""),
                        help="comma-separated conformant variants: behaviours the docs permit "
                             "(default: $PND_SANDBOX_VARIANTS)")
    parser.add_argument("--list-faults", action="store_true", help="print the fault names and exit")
    parser.add_argument("--list-variants", action="store_true", help="print the variant names and exit")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.list_faults or args.list_variants:
        table = FAULTS if args.list_faults else VARIANTS
        width = max(map(len, table))
        for name, description in table.items():
            print(f"{name:<{width}}  {description}")
        for name, description in VARIANTS.items():
            print(f"{name:<{width}}  (conformant variant) {description}")
        return 0
    from pnd_conformance.sandbox.app import create_app

    try:
        app = create_app(faults=args.faults.split(","), profile=args.profile, variants=args.variants)
    except (UnknownFault, UnknownVariant) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, KeyError, ValueError) as exc:
        print(f"error: cannot load the sandbox profile: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
