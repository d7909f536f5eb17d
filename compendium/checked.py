"""Checked: what a check made of its input, with every problem it found there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from compendium.errors import InvalidInput
from compendium.model import Problem

T = TypeVar("T", covariant=True)
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Checked(Generic[T]):
    """A value made from input, with every problem found in making it: the project's one
    way of reporting input problems.

    Every function that reads or checks input returns one (one that only judges something
    already made returns its problems alone, a ``tuple[Problem, ...]`` as here). None stops
    at the first problem, appends to a list it was handed or returns a Problem in place of
    its value: each returns what it found, callers add the problems up in reading order, and
    the stage raises them together (InvalidInput, see ``or_raise``). So an editor sees every
    problem in one run, each located by file, line and field, and a check reads on its own."""

    value: T
    """What was made: defaults where the input was wrong, or None when nothing usable could
    be (None without a problem when there was nothing to make, such as a file of notes)."""
    problems: tuple[Problem, ...] = ()
    """Every problem found, in the order an editor reads them."""

    def or_raise(self: Checked[U | None]) -> U:
        """Return the value, or raise InvalidInput with every problem when there is one."""
        if self.problems or self.value is None:
            raise InvalidInput(self.problems)
        return self.value


def refused(*problems: Problem) -> Checked[None]:
    """Return the result of a check that could make nothing of its input, for ``problems``."""
    return Checked(None, problems)


def gather(checked: Iterable[Checked[U | None]]) -> Checked[tuple[U, ...]]:
    """Return the values made, in order, with every problem of every check, in order."""
    results = tuple(checked)
    return Checked(tuple(c.value for c in results if c.value is not None),
                   tuple(p for c in results for p in c.problems))


def beyond(read: Iterable[Problem], checked: Iterable[Problem]) -> tuple[Problem, ...]:
    """Return the problems of ``checked`` that are not about a value ``read`` named: one YAML
    could not read is read as nothing, and the check of its field, finding nothing there,
    would name it again (same file, and the same line or the same top field)."""
    named = [(p.path, p.line, p.field.split(".")[0]) for p in read]
    return tuple(p for p in checked
                 if not any(p.path == path and (p.line == line or p.field.split(".")[0] == field)
                            for path, line, field in named))
