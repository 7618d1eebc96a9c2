"""`python -m pnd_conformance` is the `pnd-conformance` command (pnd_conformance/cli.py)."""
import sys

from pnd_conformance.cli import main

if __name__ == "__main__":
    sys.exit(main())
