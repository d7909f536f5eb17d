"""Entry point: ``python build.py [build|check|serve|import|new|round|comments] ...`` (see
README.md, or ``python build.py --help``)."""

import os
import sys

if __name__ == "__main__":
    # Imported here, not above: the PDF workers, forked from a server, import this file as
    # their main module, and need nothing the command line loads.
    try:
        from compendium.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing begun, no traceback
        print("stopped.", file=sys.stderr, flush=True)
        # Without the interpreter's shutdown: a library cut short while it loaded once
        # aborted there ("terminate called without an active exception"); nothing to clean.
        os._exit(130)
    sys.exit(main())
