"""Whether a process still runs: what lets a build tell a killed build's leftovers (temporary
outputs, cache entries being written, PDF workers' folders) from a live build's."""

from __future__ import annotations

import os
from pathlib import Path


def is_running(pid: int) -> bool:
    """Return whether process ``pid`` runs: it exists (another user's too) and is not a
    zombie, dead but not yet reaped, which writes nothing more and must not be waited for."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, but is not ours to signal
    try:  # Linux: the state follows the parenthesised command name
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: that it exists is all that is known
