"""A template's mistakes told as the editor needs them: which file, which line, what.

Jinja raises its own exceptions, with the template's file and line buried in them or in the
traceback. A build that meets one stops with a RenderError naming them, and the preview
shows it in the page instead of stopping.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import jinja2

from compendium.errors import RenderError


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
