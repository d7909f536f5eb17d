"""Images in record text: only from the project's `images/` folder, each with its alt text.

A record may show `![A map of the region](images/map.png)`. Anything else (a web address, a
file elsewhere, no alt text) is refused by `check` with the file and line, so the chapter
Markdown, the HTML and the PDF show the same images. The HTML and the PDF carry each image
inline as a `data:` URL: the HTML stays one self-contained file, and the PDF renderer reads
nothing from outside.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from compendium.memo import memoized
from compendium.model import Problem
from compendium.records.sources import RecordFile

IMAGES_FOLDER = "images"
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
SOURCE = re.compile(r"^images/[A-Za-z0-9][A-Za-z0-9._-]*\Z")
"""A file directly in images/: no folder above it, no address, no `..`."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image a Markdown text shows."""

    src: str
    """As written, e.g. ``images/map.png``."""
    alt: str
    """Its alternative text."""
    line: int
    """Line of the text it is on, from 0."""


def images_in(text: str) -> list[ImageRef]:
    """Return the images ``text`` shows, in order."""
    if "![" not in text:  # most records: no parse
        return []
    lines = text.split("\n")
    return [ImageRef(str(t.attrGet("src") or ""), t.content, _line_of(t, parent, lines))
            for parent, t in _image_tokens(_parser().parse(text))]


@memoized(limit=1)
def _parser() -> MarkdownIt:
    """Return a parser that finds images as the renderer will (tables and all)."""
    md = MarkdownIt("commonmark").enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _image_tokens(tokens: Iterable[Token]) -> Iterator[tuple[Token, Token]]:
    """Yield (inline block, image) for each image of a token stream."""
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                yield token, child


def _line_of(image: Token, parent: Token, lines: list[str]) -> int:
    """Return the line of the block holding ``image`` that names its source."""
    first, last = parent.map or (0, len(lines))
    src = str(image.attrGet("src") or "")
    return next((n for n in range(first, last) if src and src in lines[n]), first)


def image_problems(files: Iterable[RecordFile], project: Path) -> tuple[Problem, ...]:
    """Return a problem for each image a record shows that is not a file of images/ with
    alt text."""
    found = []
    for file in files:
        rid = str(file.front.values.get("id", "-"))
        for image in images_in(file.body):
            message = _image_problem(image, project)
            if message:
                found.append(Problem(str(file.path), file.body_line + image.line, rid, "body",
                                     message))
    return tuple(found)


def _image_problem(image: ImageRef, project: Path) -> str:
    """Return what is wrong with ``image``, or an empty string."""
    if not SOURCE.match(image.src) or Path(image.src).suffix.lower() not in MEDIA_TYPES:
        return (f"image `{image.src[:60]}` is not a file of the project's images/ folder; "
                f"expected images/NAME with one of {', '.join(sorted(MEDIA_TYPES))}")
    path = project / image.src
    if not path.is_file():
        return f"image `{image.src}` not found in {project / IMAGES_FOLDER}; expected the file"
    if not path.resolve().is_relative_to(project.resolve() / IMAGES_FOLDER):
        return (f"image `{image.src}` is a link leading out of {project / IMAGES_FOLDER}; "
                "expected the image file itself (the outputs read nothing from outside the "
                "project)")
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return f"image `{image.src}` is over {MAX_IMAGE_BYTES:,} bytes; expected a smaller file"
    if not image.alt.strip():
        return (f"image `{image.src}` has no alt text; expected ![what it shows]"
                f"({image.src}) for readers who cannot see it")
    if path.suffix.lower() == ".svg" and (outside := _svg_reference(path)):
        return (f"image `{image.src}` refers to `{outside[:80]}`; expected an SVG that draws "
                "everything itself (no DOCTYPE, script, or link to another file or address: "
                "the outputs read nothing from outside the project)")
    if size := _too_many_pixels(path):
        return (f"image `{image.src}` is {size}; expected at most {MAX_IMAGE_PIXELS:,} pixels "
                "(5,000 × 5,000: more than a page needs at 300 dots an inch)")
    if not is_readable_image(path):
        expected = "a whole SVG file in UTF-8" if path.suffix.lower() == ".svg" else \
            "a whole image file of the type its name says"
        return (f"image `{image.src}` cannot be read as {MEDIA_TYPES[path.suffix.lower()]}; "
                f"expected {expected}")
    return ""


MAX_IMAGE_PIXELS = 25_000_000
"""Pixels of the largest image: a full A4 page at 300 dots an inch is 8.7 million. A small
file may decode to far more (13,000 × 13,000 pixels of one colour are 194 KB and 676 MB
decoded), which the check and each PDF worker would hold in memory."""


def _too_many_pixels(path: Path) -> str:
    """Return a raster image's size when it has over MAX_IMAGE_PIXELS (read from its header,
    nothing decoded), else an empty string (an SVG, a file that is no image: told after)."""
    if path.suffix.lower() == ".svg":
        return ""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():  # Pillow warns of a large image: told here instead
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as picture:
                width, height = picture.size
    except Image.DecompressionBombError:
        return f"over {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels"
    except (OSError, ValueError, SyntaxError):
        return ""
    return f"{width:,} × {height:,} pixels" if width * height > MAX_IMAGE_PIXELS else ""


def _svg_reference(path: Path) -> str:
    """Return the first thing an SVG refers to outside itself (an address, a file, a script,
    a DOCTYPE whose entities could) or an empty string."""
    stat = path.stat()
    return _svg_reference_of(path, stat.st_size, stat.st_mtime_ns)


@memoized(limit=256)
def _svg_reference_of(path: Path, size: int, mtime_ns: int) -> str:
    """See _svg_reference (remembered by the file's size and time)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return ""  # not UTF-8: is_readable_image refuses it
    return _outside_reference(text, depth=0)


MAX_SVG_DEPTH = 3
"""SVGs inside SVGs (as `data:` images) looked into; one nested deeper is refused."""


def _outside_reference(text: str, depth: int) -> str:
    """Return the first reference of SVG ``text`` to anything outside it, or "". Styles are
    read as CSS (tinycss2: escapes decoded, `@import` with or without a space); an SVG
    inside it as a `data:` image is looked into too."""
    import xml.etree.ElementTree as ElementTree

    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # entities can expand without end
        return "<!DOCTYPE"
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return ""  # is_readable_image says what is wrong
    if _depth(root) > MAX_SVG_NESTING:
        return f"elements nested over {MAX_SVG_NESTING} deep"
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject"):
            return f"<{tag}>"
        base = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "base"),
                    None)
        if base is not None:  # xml:base: every link below it is read from there
            return base or "xml:base"
        styles = [element.text or ""] if tag == "style" else []
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] == "href":
                found = _outside_href(value, depth)
                if found:
                    return found
            else:
                styles.append(value)
        for style in styles:
            found = _outside_in_css(style)
            if found:
                return found
    return ""


def _outside_href(value: str, depth: int) -> str:
    """Return what an SVG's link points to outside it (a fragment is inside; a `data:` image
    is looked into whatever type it says, for the renderer reads one that is not a picture
    as SVG), or ""."""
    value = value.strip()
    if value.startswith("#"):
        return ""
    if value[:5].lower() != "data:":
        return value or "an empty link"
    head, _, data = value.partition(",")
    if depth >= MAX_SVG_DEPTH:
        return value[:40]
    try:
        raw = base64.b64decode(data) if head.replace(" ", "").lower().endswith(";base64") \
            else urllib.parse.unquote_to_bytes(data)
    except ValueError:
        return value[:40]
    inner = raw.decode("utf-8", "replace")
    if not inner.lstrip("\ufeff \t\r\n").startswith("<"):
        return ""  # a picture (PNG, JPEG …): no link of its own
    return _outside_reference(inner, depth + 1)


MAX_SVG_NESTING = 100
"""Elements an SVG may nest within each other: 200,000 passed the check and the PDF dropped
the image."""


def _depth(element: Any) -> int:
    """Return how deep ``element``'s children nest (without recursion: it may be deep)."""
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest


def _outside_in_css(css: str) -> str:
    """Return the first `@import` or `url()` of CSS text that is not a fragment, or ""."""
    import tinycss2

    if "@" not in css and "url" not in css.lower() and "\\" not in css:
        return ""
    for rule in tinycss2.parse_stylesheet(css):
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            return "@import " + str(tinycss2.serialize(rule.prelude)).strip()
    return _url_in(tinycss2.parse_component_value_list(css))


def _url_in(tokens: Iterable[Any]) -> str:
    """Return the first url() target among CSS ``tokens`` (nested ones too) that is not a
    fragment, or ""."""
    for token in tokens:
        target = None
        if token.type == "url":
            target = token.value
        elif token.type == "function" and token.lower_name == "url":
            target = "".join(str(getattr(t, "value", "")) for t in token.arguments
                             if t.type == "string")
        if target is not None and not target.startswith("#"):
            return target or "url()"
        found = _url_in(getattr(token, "content", None) or getattr(token, "arguments", None)
                        or ())
        if found:
            return found
    return ""


@memoized(limit=256)
def _readable(path: Path, size: int, mtime_ns: int) -> bool:
    """Return whether the file decodes as the image its name says (remembered by its size
    and time): a broken file would otherwise stop the PDF with no record named."""
    if path.suffix.lower() == ".svg":
        import xml.etree.ElementTree as ElementTree

        # Read as the reference check reads it (UTF-8): one in UTF-16 parsed here, as
        # nothing to that check, and its links went unseen (an attack).
        try:
            text = path.read_bytes().decode("utf-8-sig")
            return ElementTree.fromstring(text).tag.endswith("svg")
        except (UnicodeDecodeError, ElementTree.ParseError):
            return False
    from PIL import Image

    try:
        with Image.open(path) as picture:
            picture.load()
            return picture.format == MEDIA_TYPES[path.suffix.lower()].split("/")[1].upper()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def is_readable_image(path: Path) -> bool:
    """Return whether ``path`` is a whole image of the type its name says."""
    stat = path.stat()
    return _readable(path, stat.st_size, stat.st_mtime_ns)


def image_sources(texts: Iterable[str], project: Path) -> dict[str, str]:
    """Return a `data:` URL for each valid image the texts show, by its source."""
    found: dict[str, str] = {}
    for text in texts:
        for image in images_in(text):
            if image.src not in found and not _image_problem(image, project):
                found[image.src] = data_url(project / image.src)
    return found


def data_url(path: Path) -> str:
    """Return the file as a `data:` URL."""
    media = MEDIA_TYPES[path.suffix.lower()]
    return f"data:{media};base64,{base64.b64encode(path.read_bytes()).decode()}"


def images_key(text: str, sources: Mapping[str, str]) -> str:
    """Return a digest of the images ``text`` shows (for the cache key of its rendering)."""
    shown = [sources.get(image.src, "") for image in images_in(text)]
    return hashlib.sha256("".join(shown).encode()).hexdigest() if shown else ""
