"""Lay out the compendium's HTML as a PDF with WeasyPrint, fetching only the project's files."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from compendium.errors import RenderError
from compendium.fonts import FONT_DIRS, font_face_css

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    """A laid-out PDF and what WeasyPrint said while making it."""

    data: bytes
    """The PDF file."""
    pages: int
    """Number of pages."""
    warnings: tuple[str, ...]
    """Messages WeasyPrint logged (missing resources, unsupported CSS)."""


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Fetch only ``file:`` URLs inside the allowed folders, and ``data:`` URLs."""

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                         fail_on_errors=True, timeout=1)
        self._roots = tuple(r.resolve() for r in roots)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """Fetch ``url`` when it is a data URL or a file below an allowed folder."""
        if url.lower().startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"refused to read {path}: outside the project")
        elif not url.lower().startswith("data:"):
            raise ValueError(f"refused to fetch {url}: only project files are read")
        return super().fetch(url, headers)


def render_pdf(html: str, project: Path, stylesheets: Sequence[Path], metadata_css: str = "",
               ) -> RenderedPdf:
    """Render ``html`` with the given stylesheets into a PDF, collecting WeasyPrint's warnings."""
    fetcher = ProjectFetcher((project, *FONT_DIRS))
    fonts = FontConfiguration()
    with _captured_warnings() as warnings:
        try:
            css = [CSS(string=font_face_css(), font_config=fonts, url_fetcher=fetcher)]
            css += [CSS(filename=str(p), font_config=fonts, url_fetcher=fetcher)
                    for p in stylesheets]
            if metadata_css:
                css.append(CSS(string=metadata_css, font_config=fonts, url_fetcher=fetcher))
            document = HTML(string=html, base_url=project.as_uri() + "/",
                            url_fetcher=fetcher).render(stylesheets=css, font_config=fonts)
            data = document.write_pdf(uncompressed_pdf=False)
        # WeasyPrint raises many types, and a refused fetch as a BaseException (so that
        # its own handlers cannot swallow it); name the stage for the editor.
        except (Exception, FatalURLFetchingError) as exc:
            reason = f"{exc} ({exc.__cause__})" if exc.__cause__ else str(exc)
            raise RenderError(f"PDF rendering failed: {reason}") from exc
    return RenderedPdf(bytes(data), len(document.pages), tuple(warnings))


class _ListHandler(logging.Handler):
    """Keep log records' messages in a list."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    """Collect the warnings WeasyPrint logs while the block runs."""
    sink: list[str] = []
    logger = logging.getLogger("weasyprint")
    handler = _ListHandler(sink)
    logger.addHandler(handler)
    try:
        yield sink
    finally:
        logger.removeHandler(handler)


def count_pages(data: bytes) -> int:
    """Return the number of pages of a PDF file (used to check assembled output)."""
    import pypdf  # test and check dependency only, imported where needed

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)
