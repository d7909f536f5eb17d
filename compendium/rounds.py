"""Review rounds by name: `build.py round NAME` keeps the draft sent out, for `--since NAME`.

A round is a folder beside the config, ``rounds/NAME/``, holding the draft's manifest (every
record's text and the chapters) and its HTML: enough to compare the next draft with it in a
project that is not a git repository.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from compendium.errors import CompendiumError
from compendium.output import write_outputs
from compendium.pipeline import HTML_NAME, BuildRequest, run, stages_until
from compendium.records.history import MANIFEST_NAME, ROUNDS_FOLDER

ROUND_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def keep_round(request: BuildRequest, name: str, replace_kept: bool = False) -> Path:
    """Build the HTML draft and keep it with its manifest as round ``name``; return its folder."""
    if not ROUND_NAME.match(name):
        raise CompendiumError(f"round {name!r}: expected a name of letters, digits, '.', '_' "
                              "or '-', such as round-1")
    folder = request.project / ROUNDS_FOLDER / name
    if (folder / MANIFEST_NAME).exists() and not replace_kept:
        raise CompendiumError(f"round {name}: already kept in {folder}; choose another name, "
                              "or give --replace to keep this draft instead")
    build, _ = run(replace(request, formats=frozenset({"html"}), draft=True, since=None),
                   stages_until("render HTML"))
    write_outputs(folder, {n: build.outputs[n] for n in (MANIFEST_NAME, HTML_NAME)})
    return folder
