"""Entry point: ``python build.py [build|check|serve|import|new|round|comments] ...`` (see
README.md, or ``python build.py --help``)."""

import sys

if __name__ == "__main__":
    # Imported here, not above: the PDF workers, forked from a server, import this file as
    # their main module, and need nothing the command line loads.
    from compendium.cli import main

    sys.exit(main())
