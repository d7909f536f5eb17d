"""Read a YAML mapping safely and remember the line of each top-level key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compendium.checked import Checked, refused
from compendium.model import Problem

# libyaml's loader parses about 10x faster than the pure-Python one (REFERENCE.md).
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_NODES = 10_000
"""More nodes than any honest record or config has; guards against alias bombs."""
MAX_DEPTH = 20
"""Deeper than any honest value nests."""
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp", "seq", "map"))
"""Tags of plain values; any other (``!!python/...``, ``!custom``) is refused with its line.
A merge key (``<<:``) is refused too: the fields it brings in are given without their names
on a line, and one given twice that way is not seen as such."""


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A parsed YAML mapping with the line of each top-level key."""

    values: dict[str, Any]
    """The mapping, keys as strings."""
    key_lines: dict[str, int]
    """Line (from 1, in the file) of each top-level key."""
    node_lines: dict[tuple[str | int, ...], int]
    """Line of every value by its path of keys and list indexes, e.g. ``("chapters", 0)``."""

    def line_of(self, *path: str | int) -> int:
        """Return the line of the value at ``path``, or of its nearest ancestor."""
        while path and path not in self.node_lines:
            path = path[:-1]
        return self.node_lines.get(path, min(self.key_lines.values(), default=1))


MAX_INT_DIGITS = 18
"""Digits of the longest whole number a field may hold (no count or year comes near)."""
SCALAR_KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
                "timestamp": "a date", "null": "nothing"}
"""How an editor would say what each tagged scalar must be."""


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a YAML text lies: its file, and the file's line of the text's first line."""

    path: str
    """The file."""
    first_line: int
    """Line of the file where the text starts, from 1."""

    def problem(self, line: int, message: str, field: str = "-") -> Problem:
        """Return a problem at ``line`` of the text (from 0), of ``field``'s path of keys,
        e.g. ``period.start`` ("-" when it is the document)."""
        return Problem(self.path, self.first_line + line, "-", field, message)


def load_mapping(text: str, path: Path, first_line: int = 1) -> Checked[YamlMapping | None]:
    """Parse ``text``, from line ``first_line`` of the file ``path``, as a YAML mapping; None
    and the first problem when it is not a plain one (what follows cannot be trusted). A
    scalar YAML cannot make a value of (``2025-02-30``) is a problem of its own and reads as
    nothing (null): the other fields are still read, and checked."""
    place = _Place(str(path), first_line)
    composed = _compose(text, place)
    if composed.problems:
        return refused(*composed.problems)
    if composed.value is None:
        return Checked(YamlMapping({}, {}, {}))
    return _mapping(composed.value, place)


def _compose(text: str, place: _Place) -> Checked[yaml.Node | None]:
    """Return the YAML node tree of ``text`` (None for an empty text)."""
    try:
        return Checked(yaml.compose(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and _is_tab_at(text, mark.line, mark.column):
            return refused(place.problem(mark.line, "a tab character; expected spaces (YAML "
                                                    "indents and separates with spaces only)"))
        problem = f"YAML syntax error: {exc.problem or exc}"
        if "mapping values are not allowed" in problem:  # "note: ILO Hanoi: reply"
            problem += ("; a value holding a colon and a space goes in quotes: "
                        "note: \"ILO Hanoi: reply to the call\"")
        return refused(place.problem(mark.line if mark else 0, problem))
    except yaml.YAMLError as exc:
        return refused(place.problem(0, f"YAML error: {exc}"))


def _mapping(node: yaml.Node, place: _Place) -> Checked[YamlMapping | None]:
    """Return the mapping ``node`` holds, with the line of every value."""
    if not isinstance(node, yaml.MappingNode):
        return refused(place.problem(0, "expected a mapping of `field: value` lines"))
    unsafe = _check_size(node, place)
    values = refused(*unsafe) if unsafe else _construct(node, place)
    if values.value is None:
        return refused(*values.problems)
    key_lines = {_key_text(k): place.first_line + k.start_mark.line for k, _ in node.value}
    node_lines = dict(_node_lines(node, (), place.first_line))
    return Checked(YamlMapping(values.value, key_lines, node_lines), values.problems)


def _key_text(key: yaml.Node) -> str:
    """Return a key as the values' mapping spells it (``true:`` is ``True``, ``1.0:`` is
    ``1.0``), so that its line is found by that spelling."""
    if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:str":
        return str(key.value)
    loader = _Loader("")
    try:
        return str(loader.construct_object(key))
    except yaml.YAMLError:
        return str(key.value)
    finally:
        loader.dispose()


def _is_tab_at(text: str, line: int, column: int) -> bool:
    """Return whether the YAML error at ``line``, ``column`` is a tab (PyYAML calls it "a
    character that cannot start any token", which tells an editor nothing)."""
    lines = text.split("\n")
    return 0 <= line < len(lines) and "\t" in lines[line][:column + 1]


def _node_lines(node: yaml.Node, path: tuple[str | int, ...],
                first_line: int) -> list[tuple[tuple[str | int, ...], int]]:
    """Return (path, line) for every value below ``node``."""
    found: list[tuple[tuple[str | int, ...], int]] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, _key_text(key))
            found.append((child, first_line + key.start_mark.line))
            found.extend(_node_lines(value, child, first_line))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            child = (*path, index)
            found.append((child, first_line + value.start_mark.line))
            found.extend(_node_lines(value, child, first_line))
    return found


def _check_size(root: yaml.Node, place: _Place) -> tuple[Problem, ...]:
    """Return the problem of the first alias, node too many, value nested too deep or tag
    not plain, found before constructing values."""
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line
        # The composer hands back the anchored node itself for each alias, so a node met
        # twice is an alias: refusing them rules out "billion laughs" expansion.
        if id(node) in seen:
            return (place.problem(line, "YAML anchors and aliases (&name, *name) are not "
                                        "allowed"),)
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            return (place.problem(line, f"more than {MAX_NODES} YAML values"),)
        if depth > MAX_DEPTH:
            return (place.problem(line, f"values nested deeper than {MAX_DEPTH} levels"),)
        if node.tag == "tag:yaml.org,2002:merge":
            return (place.problem(line, "a YAML merge key (`<<:`) is not allowed; expected "
                                        "each field written out once"),)
        if node.tag not in PLAIN_TAGS:
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            return (place.problem(line, f"YAML tag `{tag}` is not allowed; expected plain "
                                        "text, numbers and lists"),)
        if isinstance(node, yaml.MappingNode) and (twice := _check_unique_keys(node, place)):
            return twice
        stack.extend(_children(node, depth + 1))
    return ()


def _check_unique_keys(node: yaml.MappingNode, place: _Place) -> tuple[Problem, ...]:
    """Return the problem of the first key a mapping names twice: YAML would silently keep
    the last value."""
    seen: dict[str, int] = {}
    for key, _ in node.value:
        name = str(key.value)
        if name in seen:
            return (place.problem(key.start_mark.line, f"`{name}` given twice (first on line "
                                                       f"{seen[name]}); expected each field "
                                                       "once"),)
        seen[name] = place.first_line + key.start_mark.line
    return ()


def _children(node: yaml.Node, depth: int) -> list[tuple[yaml.Node, int]]:
    """Return the child nodes of a collection node."""
    if isinstance(node, yaml.MappingNode):
        return [(n, depth) for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return [(n, depth) for n in node.value]
    return []


def _construct(node: yaml.Node, place: _Place) -> Checked[dict[str, Any] | None]:
    """Turn a checked node tree into Python values, those of the scalars YAML cannot read
    into nothing (null), each with its problem."""
    unreadable = _check_scalars(node, place)
    loader = _Loader("")
    try:
        value = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return refused(place.problem(mark.line if mark else node.start_mark.line,
                                     f"YAML error: {exc.problem or exc}"))
    except yaml.YAMLError as exc:
        return refused(place.problem(node.start_mark.line, f"YAML error: {exc}"))
    finally:
        loader.dispose()
    if not isinstance(value, dict):
        return refused(place.problem(0, "expected a mapping of `field: value` lines"))
    return Checked({str(k): _text_keys(v) for k, v in value.items()}, unreadable)


def _text_keys(value: Any) -> Any:
    """Return ``value`` with every mapping's keys as text (``1:`` and ``null:`` too), so that
    every reader of a field name may take it for a string."""
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


def _check_scalars(root: yaml.Node, place: _Place) -> tuple[Problem, ...]:
    """Return the problem of every scalar YAML cannot turn into its value (``2016-02-30``,
    ``!!int x``, a number of 5,000 digits), naming its field and line, found before the
    constructor raises on it; each such scalar is made a null, which it can."""
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    loader = _Loader("")
    try:
        return _check_nodes(stack, loader, place)
    finally:
        loader.dispose()


def _check_nodes(stack: list[tuple[yaml.Node, tuple[str, ...]]], loader: yaml.SafeLoader,
                 place: _Place) -> tuple[Problem, ...]:
    """Check every scalar below the nodes of ``stack`` (see _check_scalars)."""
    problems: list[Problem] = []
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend((v, (*path, str(k.value))) for k, v in node.value)
            stack.extend((k, path) for k, _ in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, (*path, str(i))) for i, v in enumerate(node.value))
        elif isinstance(node, yaml.ScalarNode):
            problem = scalar_problem(node, loader, path[-1] if path else "")
            if problem is not None:
                problems.append(place.problem(node.start_mark.line, problem,
                                              ".".join(path) or "-"))
                node.tag = NULL_TAG
    return tuple(sorted(problems, key=lambda p: p.line))


NULL_TAG = "tag:yaml.org,2002:null"
"""What an unreadable scalar is read as: nothing (see _check_scalars)."""


DATE_KEYS = ("date", "start", "end")
"""Keys whose values are dates: quoting an impossible one does not make it one."""


def scalar_problem(node: yaml.ScalarNode, loader: yaml.SafeLoader,
                   key: str = "") -> str | None:
    """Return why YAML cannot make a value of ``node``, the value of ``key`` (None when it
    can)."""
    kind = node.tag.removeprefix("tag:yaml.org,2002:")
    if kind not in SCALAR_KINDS:
        return None
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    expected = (f"expected {SCALAR_KINDS[kind]}, or text in quotes "
                f"(\"{shown}\")") if kind != "timestamp" else \
        "expected a real date, such as 2026-11-30" if key in DATE_KEYS else (
            f"expected a real date, such as 2026-11-30, or text in quotes (\"{shown}\") "
            "where the field is text")
    too_big = f"`{shown}` is too large a number; expected at most {MAX_INT_DIGITS} digits"
    if kind == "int" and len(node.value) > 2 * MAX_INT_DIGITS:  # before int() reads it
        return too_big
    try:
        value = loader.construct_object(node)
    # The constructors raise what their parsing meets (ValueError for 2016-02-30,
    # KeyError for `!!bool x`, AttributeError for `!!timestamp x`, ...): all mean bad input.
    except Exception as exc:
        reason = str(exc).split("\n")[0] if isinstance(exc, ValueError) else "not in its form"
        return f"`{shown}` is not {SCALAR_KINDS[kind]} ({reason}); {expected}"
    if isinstance(value, int) and abs(value) >= 10 ** MAX_INT_DIGITS:
        return too_big
    return None
