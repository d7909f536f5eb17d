"""The typefaces the compendium embeds, taken from font packages so every machine has them."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import font_source_sans_pro
import font_source_serif_pro

from compendium.cache import NO_CACHE, Cache, key_of
from compendium.memo import memoized


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
    collection_family: str = ""
    """For a face inside a font collection (.ttc): the family of the face to take from it."""


def _package_dir(module: object) -> Path:
    """Return the folder holding a font package's files."""
    return Path(str(getattr(module, "__file__", ""))).parent / "files"


SERIF_DIR = _package_dir(font_source_serif_pro)
SANS_DIR = _package_dir(font_source_sans_pro)
NOTO_TTF = Path("/usr/share/fonts/truetype/noto")
NOTO_OTF = Path("/usr/share/fonts/opentype/noto")
FONT_DIRS = (SERIF_DIR, SANS_DIR, NOTO_TTF, NOTO_OTF)
"""The folders of font files the PDF renderer may read (besides the project)."""

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
SCRIPT_FACES = (
    Face("Noto Naskh Arabic", NOTO_TTF / "NotoNaskhArabic-Regular.ttf", 400, "normal"),
    Face("Noto Naskh Arabic", NOTO_TTF / "NotoNaskhArabic-Bold.ttf", 700, "normal"),
    Face("Noto Sans Arabic", NOTO_TTF / "NotoSansArabic-Regular.ttf", 400, "normal"),
    Face("Noto Sans Arabic", NOTO_TTF / "NotoSansArabic-Bold.ttf", 700, "normal"),
    Face("Noto Serif Hebrew", NOTO_TTF / "NotoSerifHebrew-Regular.ttf", 400, "normal"),
    Face("Noto Serif Hebrew", NOTO_TTF / "NotoSerifHebrew-Bold.ttf", 700, "normal"),
    Face("Noto Sans Hebrew", NOTO_TTF / "NotoSansHebrew-Regular.ttf", 400, "normal"),
    Face("Noto Sans Hebrew", NOTO_TTF / "NotoSansHebrew-Bold.ttf", 700, "normal"),
    Face("Noto Serif CJK SC", NOTO_OTF / "NotoSerifCJK-Regular.ttc", 400, "normal",
         "Noto Serif CJK SC"),
    Face("Noto Serif CJK SC", NOTO_OTF / "NotoSerifCJK-Bold.ttc", 700, "normal",
         "Noto Serif CJK SC"),
    Face("Noto Sans CJK SC", NOTO_OTF / "NotoSansCJK-Regular.ttc", 400, "normal",
         "Noto Sans CJK SC"),
    Face("Noto Sans CJK SC", NOTO_OTF / "NotoSansCJK-Bold.ttc", 700, "normal",
         "Noto Sans CJK SC"),
)
"""Faces for the scripts Source Serif and Sans lack (they cover Latin, its extensions, Greek
and Cyrillic): Arabic, Hebrew and Chinese, from Debian's fonts-noto-core and fonts-noto-cjk
(setup.sh installs them). The stylesheets name them after the Source families, so each
character takes the first face that has it. A machine without them prints what they cover
with no font: `check` says so (see unprintable)."""
FACES_LIMIT = len(FACES) + len(SCRIPT_FACES)
"""Entries of a table that remembers something of each face: all of them fit."""
EMBEDDED_FONT_NAMES = tuple(sorted({f.family.replace(" ", "-") for f in FACES + SCRIPT_FACES}))
"""How the PDF names the fonts it embeds from these faces (WeasyPrint names a subset after
its CSS family): any other font there came from the machine."""
FONTS_PLACEHOLDER = "/* embedded fonts */"
"""Where the HTML template's stylesheet receives the fonts, once the page's text is known."""
BASE_CHARACTERS = frozenset(chr(c) for c in range(0x20, 0x7F))
"""Always embedded, so what a reviewer types in the search box shows in the text's face."""


SCRIPT_TEXT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"
                         "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
"""A character of a script only the script faces have (Hebrew, Arabic, Chinese)."""


def needs_script_faces(text: str) -> bool:
    """Return whether ``text`` has a character only the script faces print.

    Declared, those faces are copied by WeasyPrint into a folder of its own for every
    process that lays out (92 MB with the Chinese collections): only when the text needs
    them."""
    return SCRIPT_TEXT.search(text) is not None


def font_face_css(scripts: bool = True) -> str:
    """Return @font-face rules pointing at the packaged font files (the script faces'
    only if ``scripts``).

    A face of a collection is named by its family (``local()``): WeasyPrint would take a
    collection's first face (Japanese forms) where the text is Chinese."""
    return "\n".join(
        f'@font-face {{ font-family: "{f.family}"; src: {_source(f)}; '
        f"font-weight: {f.weight}; font-style: {f.style}; }}"
        for f in (all_faces() if scripts else FACES))


def _source(face: Face) -> str:
    """Return the CSS ``src`` of a face."""
    if face.collection_family:
        return f'local("{_postscript_name(face)}")'
    return f'url("{face.path.as_uri()}")'


def _postscript_name(face: Face) -> str:
    """Return the PostScript name of a face of a collection (``NotoSerifCJKsc-Bold``): what
    WeasyPrint's ``local()`` finds a face by (the family alone finds none)."""
    import uharfbuzz

    return str(_face(face).get_name(uharfbuzz.OTNameIdPredefined.POSTSCRIPT_NAME))


@memoized(limit=1)
def all_faces() -> tuple[Face, ...]:
    """Return the Source faces and the script faces this machine has."""
    return FACES + tuple(f for f in SCRIPT_FACES if f.path.is_file())


IGNORED_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Mn")
"""Controls, format characters (direction marks, joiners), line and paragraph separators and
combining marks (shaped with their base letter): no glyph of their own is needed."""


@memoized(limit=65_536)
def unprintable(text: str) -> str:
    """Return the characters of ``text`` that the serif faces or the sans faces of the
    compendium lack, sorted, once: a record's text is set in both (its body in serif, its
    heading and facts in sans), and a character one kind lacks is taken from the machine's
    fonts ("ŋ" is in Source Sans, not in Source Serif)."""
    return "".join(sorted(c for c in set(text) if not c.isspace()
                          and unicodedata.category(c) not in IGNORED_CATEGORIES
                          and not all(_has(kind, ord(c)) for kind in ("serif", "sans"))))


def _has(kind: str, code: int) -> bool:
    """Return whether a face of ``kind`` (serif or sans) of the compendium has ``code``."""
    return code in _covered(kind) or any(
        code in _code_points(f) for f in _script_faces() if _kind(f) == kind)


def _kind(face: Face) -> str:
    """Return whether ``face`` is a serif face (Naskh is Arabic's) or a sans one."""
    return "sans" if "Sans" in face.family else "serif"


@memoized(limit=2)
def _covered(kind: str) -> frozenset[int]:
    """Return the code points the Source faces of ``kind`` have (a Chinese face alone has
    44,000: the few characters beyond these are looked up in the script faces one by one)."""
    return frozenset().union(*(_unicodes(f) for f in FACES if _kind(f) == kind))


@memoized(limit=1)
def _script_faces() -> tuple[Face, ...]:
    """Return the script faces this machine has, one per family (the weights cover the same
    characters)."""
    return tuple({f.family: f for f in reversed(all_faces()) if f not in FACES}.values())


@memoized(limit=FACES_LIMIT)
def _unicodes(face: Face) -> frozenset[int]:
    """Return the code points ``face`` has."""
    return frozenset(_code_points(face))


@memoized(limit=FACES_LIMIT)
def _code_points(face: Face) -> Any:
    """Return HarfBuzz's set of the code points ``face`` has (asked without copying it)."""
    return _face(face).unicodes


@memoized(limit=FACES_LIMIT)
def _face(face: Face) -> Any:
    """Return the HarfBuzz face of ``face`` (the named face of a collection)."""
    import uharfbuzz

    blob = uharfbuzz.Blob.from_file_path(str(face.path))
    if not face.collection_family:
        return uharfbuzz.Face(blob)
    for index in range(64):
        candidate = uharfbuzz.Face(blob, index)
        if not candidate.unicodes:
            break
        if candidate.get_name(uharfbuzz.OTNameIdPredefined.FONT_FAMILY) == \
                face.collection_family:
            return candidate
    raise ValueError(f"{face.path} has no face {face.collection_family}")


def embedded_font_css(text: str, cache: Cache = NO_CACHE) -> str:
    """Return @font-face rules with each face subset to ``text``'s characters, inline as WOFF.

    The HTML draft travels as one e-mail attachment: it must carry its fonts, and subsetting
    keeps them to a few kilobytes each."""
    characters = "".join(sorted(_characters(text) | BASE_CHARACTERS))
    rules = []
    for face in all_faces():
        if face not in FACES and not any(ord(c) in _code_points(face) for c in characters
                                         if ord(c) not in _covered(_kind(face))):
            continue  # a script the page does not use
        key = key_of("font-subset", _file_hash(face), face.collection_family, characters)
        woff = cache.get(key)
        if woff is None:
            woff = _subset(face, characters)
            cache.put(key, woff)
        rules.append(f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
                     f"font-style: {face.style}; font-display: swap; src: url(data:font/woff;"
                     f'base64,{base64.b64encode(woff).decode()}) format("woff"); }}')
    return "\n".join(rules)


ARTICLE = "<article"


def _characters(text: str) -> frozenset[str]:
    """Return the characters of ``text``, the HTML edition: the union of those of its
    articles, each remembered, so that a preview looks only at the edited one (the whole
    page's set is a large part of an HTML refresh)."""
    pieces = text.split(ARTICLE)
    found = frozenset().union(*map(_piece_characters, pieces))
    return found | frozenset(ARTICLE) if len(pieces) > 1 else found


@memoized(limit=16_384)
def _piece_characters(piece: str) -> frozenset[str]:
    """Return the characters of ``piece`` (a record's article, most often)."""
    return frozenset(piece)


@memoized(limit=FACES_LIMIT)
def _file_hash(face: Face) -> str:
    """Return the SHA-256 of a font file (read once per process), or for a script face of
    the system (up to 25 MB each) its size and time: a package upgrade changes them."""
    if face in FACES:
        return _package_file_hash(face.path)
    stat = face.path.stat()
    return f"{face.path}:{stat.st_size}:{stat.st_mtime_ns}"


@memoized(limit=FACES_LIMIT)
def _package_file_hash(path: Path) -> str:
    """Return the SHA-256 of a font file (read once per process)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def font_files_hash() -> str:
    """Return one hash of every font file, for keys of products that embed them."""
    return hashlib.sha256("".join(_file_hash(f) for f in all_faces()).encode()).hexdigest()


def _subset(face: Face, characters: str) -> bytes:
    """Return ``face`` cut down to ``characters``, as WOFF.

    HarfBuzz cuts it (fontTools, far slower, decompiles the layout tables), keeping kerning
    and ligatures, dropping hinting. fontTools wraps the result as WOFF, not WOFF2: Brotli
    is ten times as slow as zlib for a file a fifth smaller, and a preview pays this for all
    12 faces whenever an edit brings a new character."""
    # Imported here: only a build whose cache lacks the subset needs them.
    import uharfbuzz
    from fontTools.ttLib import TTFont

    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(ord(c) for c in characters)
    request.flags |= uharfbuzz.SubsetFlags.NO_HINTING
    subset = uharfbuzz.subset(_face(face), request)
    # recalcTimestamp=False keeps the font's own date: the same text gives the same bytes.
    font = TTFont(io.BytesIO(subset.blob.data), recalcTimestamp=False)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
