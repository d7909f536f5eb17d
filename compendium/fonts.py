"""The typefaces the compendium embeds, taken from font packages so every machine has them."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import font_source_sans_pro
import font_source_serif_pro

from compendium.cache import NO_CACHE, Cache, key_of


@dataclass(frozen=True, slots=True)
class Face:
    """One font file and the CSS face it provides."""

    family: str
    """CSS family name."""
    path: Path
    """The font file."""
    weight: int
    """CSS font-weight."""
    style: str
    """CSS font-style."""


def _package_dir(module: object) -> Path:
    """Return the folder holding a font package's files."""
    return Path(str(getattr(module, "__file__", ""))).parent / "files"


SERIF_DIR = _package_dir(font_source_serif_pro)
SANS_DIR = _package_dir(font_source_sans_pro)
FONT_DIRS = (SERIF_DIR, SANS_DIR)

FACES = (
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-Regular.ttf", 400, "normal"),
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-It.ttf", 400, "italic"),
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-Semibold.ttf", 600, "normal"),
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-SemiboldIt.ttf", 600, "italic"),
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-Bold.ttf", 700, "normal"),
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-BoldIt.ttf", 700, "italic"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-Regular.ttf", 400, "normal"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-It.ttf", 400, "italic"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-Semibold.ttf", 600, "normal"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-SemiboldIt.ttf", 600, "italic"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-Bold.ttf", 700, "normal"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-BoldIt.ttf", 700, "italic"),
)
FONTS_PLACEHOLDER = "/* embedded fonts */"
"""Where the HTML template's stylesheet receives the fonts, once the page's text is known."""
BASE_CHARACTERS = frozenset(chr(c) for c in range(0x20, 0x7F))
"""Always embedded, so what a reviewer types in the search box shows in the text's face."""


def font_face_css() -> str:
    """Return @font-face rules pointing at the packaged font files."""
    return "\n".join(
        f'@font-face {{ font-family: "{f.family}"; src: url("{f.path.as_uri()}"); '
        f"font-weight: {f.weight}; font-style: {f.style}; }}"
        for f in FACES)


def embedded_font_css(text: str, cache: Cache = NO_CACHE) -> str:
    """Return @font-face rules with each face subset to ``text``'s characters, inline as WOFF.

    The HTML draft travels as one e-mail attachment: it must carry its fonts, and subsetting
    keeps them to a few kilobytes each."""
    characters = "".join(sorted(_characters(text) | BASE_CHARACTERS))
    rules = []
    for face in FACES:
        key = key_of("font-subset", _file_hash(face.path), characters)
        woff = cache.get(key)
        if woff is None:
            woff = _subset(face.path, characters)
            cache.put(key, woff)
        rules.append(f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
                     f"font-style: {face.style}; font-display: swap; src: url(data:font/woff;"
                     f'base64,{base64.b64encode(woff).decode()}) format("woff"); }}')
    return "\n".join(rules)


ARTICLE = "<article"


def _characters(text: str) -> frozenset[str]:
    """Return the characters of ``text``, the HTML edition: the union of those of its
    articles, each remembered, so that a preview looks only at the edited one (the whole
    page's set took a tenth of an HTML refresh)."""
    pieces = text.split(ARTICLE)
    found = frozenset().union(*map(_piece_characters, pieces))
    return found | frozenset(ARTICLE) if len(pieces) > 1 else found


@functools.lru_cache(maxsize=16_384)
def _piece_characters(piece: str) -> frozenset[str]:
    """Return the characters of ``piece`` (a record's article, most often)."""
    return frozenset(piece)


@functools.cache
def _file_hash(path: Path) -> str:
    """Return the SHA-256 of a font file (read once per process)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def font_files_hash() -> str:
    """Return one hash of every font file, for keys of products that embed them."""
    return hashlib.sha256("".join(_file_hash(f.path) for f in FACES).encode()).hexdigest()


def _subset(path: Path, characters: str) -> bytes:
    """Return the font at ``path`` cut down to ``characters``, as WOFF.

    HarfBuzz cuts it (1 ms a face, where fontTools took 0.2 s decompiling the layout
    tables), keeping kerning and ligatures, dropping hinting. fontTools wraps the result as
    WOFF: zlib takes 3 ms a face, WOFF2's Brotli 30 ms for a file a fifth smaller, and a
    preview pays this for all 12 faces whenever an edit brings a new character."""
    # Imported here: only a build whose cache lacks the subset needs them.
    import uharfbuzz
    from fontTools.ttLib import TTFont

    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(ord(c) for c in characters)
    request.flags |= uharfbuzz.SubsetFlags.NO_HINTING
    subset = uharfbuzz.subset(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path))), request)
    # recalcTimestamp=False keeps the font's own date: the same text gives the same bytes.
    font = TTFont(io.BytesIO(subset.blob.data), recalcTimestamp=False)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
