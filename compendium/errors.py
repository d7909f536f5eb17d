"""The project's error types: library code raises these, only the CLI prints them."""

from __future__ import annotations

from collections.abc import Sequence

from compendium.model import Problem


class CompendiumError(Exception):
    """Base of every error the project raises on purpose (never for a bug)."""


class InvalidInput(CompendiumError):
    """Raised by config, sources and validate when the input breaks the rules."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input")


class RenderError(CompendiumError):
    """Raised by html and pdf when a document cannot be rendered."""


class ImportFailure(CompendiumError):
    """Raised by the importer when a raw page cannot be read as an inventory page."""


class BuildStopped(CompendiumError):
    """Raised when a build stops because a newer one supersedes it (the preview's PDF)."""


class OutputError(CompendiumError):
    """Raised by output when the output folder cannot be written (a file in its place, no
    permission, a full disk); the outputs there are left as they were."""
