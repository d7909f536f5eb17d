"""The typefaces the compendium embeds, taken from font packages so every machine has them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import font_source_sans_pro
import font_source_serif_pro


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
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-Bold.ttf", 700, "normal"),
    Face("Source Serif Pro", SERIF_DIR / "SourceSerifPro-BoldIt.ttf", 700, "italic"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-Regular.ttf", 400, "normal"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-It.ttf", 400, "italic"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-Semibold.ttf", 600, "normal"),
    Face("Source Sans Pro", SANS_DIR / "SourceSansPro-Bold.ttf", 700, "normal"),
)


def font_face_css() -> str:
    """Return @font-face rules pointing at the packaged font files."""
    return "\n".join(
        f'@font-face {{ font-family: "{f.family}"; src: url("{f.path.as_uri()}"); '
        f"font-weight: {f.weight}; font-style: {f.style}; }}"
        for f in FACES)
