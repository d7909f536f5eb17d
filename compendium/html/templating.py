"""A template's mistakes told as the editor needs them: which file, which line, what.

Jinja raises its own exceptions, with the template's file and line buried in them or in the
traceback. A build that meets one stops with a RenderError naming them, and the preview
shows it in the page instead of stopping.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.sandbox
from jinja2.loaders import split_template_path

from compendium.errors import RenderError

MAX_PRODUCT = 10_000_000
"""Largest string, list or number a template may make with ``*`` or ``**``."""


class TemplateEnvironment(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox: a template reads the values it is given, and can neither
    reach Python's internals (``cycler.__init__.__globals__``) nor change what it reads. A
    template comes with the project, which a reviewer may not have written."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        """Refuse a product or power too large to make (``"a" * 10**10``)."""
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and \
                abs(left) > 1 and right > 64:
            raise jinja2.exceptions.SecurityError(f"{left} ** {right} is too large")
        if operator == "*" and _size(left) * _size(right) > MAX_PRODUCT:
            raise jinja2.exceptions.SecurityError("the product is too large")
        return super().call_binop(context, operator, left, right)


MAX_TEMPLATE_BYTES = 1024 * 1024
"""Larger than any template a project needs."""


class ProjectLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing what is not a plain file of a sensible size (a template
    linked to /dev/zero would be read forever)."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        """Return the template's source, after checking what its file is."""
        for folder in self.searchpath:
            path = os.path.join(folder, *split_template_path(template))
            try:
                info = os.stat(path)
            except OSError:
                continue  # not here: Jinja looks further, and says if it is nowhere
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TEMPLATE_BYTES:
                raise jinja2.TemplateError(f"{path}: not a plain file under "
                                           f"{MAX_TEMPLATE_BYTES:,} bytes; expected a template")
            break
        return super().get_source(environment, template)


def _size(value: Any) -> int:
    """Return how many items or digits ``value`` weighs in a product."""
    if isinstance(value, str | list | tuple):
        return max(1, len(value))
    if isinstance(value, int):
        return max(1, abs(value))
    return 1


@contextmanager
def template_errors(templates: Path) -> Iterator[None]:
    """Turn any Jinja error raised in the block into a RenderError naming file and line."""
    try:
        yield
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"{templates / str(exc.name)}: template not found; the project's "
                          "templates folder must have it") from exc
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or str(templates / str(exc.name))
        raise RenderError(f"{where}:{exc.lineno}: template error: {exc.message}") from exc
    except jinja2.TemplateError as exc:  # raised while rendering: an undefined name, ...
        raise RenderError(f"{_place(exc.__traceback__, templates)}: template error: "
                          f"{exc}") from exc
    except UnicodeDecodeError as exc:
        raise RenderError(f"{_undecodable(templates)}: template is not UTF-8 ({exc.reason}); "
                          "expected UTF-8 text") from exc
    except OSError as exc:
        raise RenderError(f"{exc.filename or templates}: cannot read the template: "
                          f"{exc.strerror}") from exc
    # What the template's own expressions raise ({{ 1/0 }}, {{ "%d" % "x" }}, a macro that
    # calls itself): the template's mistake, told with its line.
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        raise RenderError(f"{_place(exc.__traceback__, templates)}: template error: "
                          f"{type(exc).__name__}: {exc}") from exc


def _place(trace: TracebackType | None, templates: Path) -> str:
    """Return ``file:line`` of the innermost template frame of ``trace`` (Jinja gives its
    frames the template's file name and line), or the templates folder."""
    place = str(templates)
    folder = str(templates.resolve())
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename
        if name.startswith(folder):
            place = f"{name}:{trace.tb_lineno}"
        trace = trace.tb_next
    return place


def _undecodable(templates: Path) -> Path:
    """Return the first template that is not UTF-8 (the loader does not say which it read)."""
    for path in sorted(p for p in templates.rglob("*") if not p.is_dir()):
        try:
            path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return path
    return templates
