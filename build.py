"""Entry point: ``python build.py [build|check|import] ...`` (see README.md)."""

import sys

from compendium.cli import main

if __name__ == "__main__":
    sys.exit(main())
