"""Read the glyphs a PDF embeds and compare each with the face it was taken from.

A subset keeps the face's glyph ids; the join folds the parts' subsets of a face by id
(compendium/pdf/subsets.py). If a subset moved a glyph to another id, the folded font draws
that id with the wrong outline, and only the eye sees it: the text layer (ToUnicode) still
reads right. So the outline of every glyph in every embedded TrueType font is compared,
components resolved, with the outline at the same id in the font file of that name.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont

from compendium.fonts import all_faces


@cache
def _faces() -> dict[str, TTFont]:
    """Return our TrueType faces by PostScript name."""
    found = {}
    for face in all_faces():
        if face.path.suffix.lower() == ".ttf":
            font = TTFont(face.path, lazy=True)
            found[str(font["name"].getDebugName(6))] = font
    return found


def _outline(font: TTFont, gid: int) -> tuple[object, ...]:
    """Return the outline of glyph ``gid`` of ``font``: its points, ends and flags, with
    the points of its components put in."""
    name = font.getGlyphOrder()[gid]
    glyf = font["glyf"]
    coordinates, ends, flags = glyf[name].getCoordinates(glyf)
    return (tuple(coordinates), tuple(ends), bytes(flags), font["hmtx"][name][0])


def wrong_glyphs(pdf: bytes) -> list[str]:
    """Name every glyph with an outline, in every embedded TrueType font of ``pdf`` made from
    one of our faces, that is not the face's glyph of the same id (none compared: an error,
    for a test that compares nothing cannot fail)."""
    wrong = []
    compared = 0
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor" \
                    or "/FontFile2" not in obj:
                continue
            embedded = TTFont(io.BytesIO(obj.FontFile2.read_bytes()))
            face = _faces().get(str(embedded["name"].getDebugName(6)))
            if face is None:
                continue
            compared += 1
            glyf = embedded["glyf"]
            for gid, name in enumerate(embedded.getGlyphOrder()):
                if glyf[name].numberOfContours == 0:  # empty: not in the subset
                    continue
                if _outline(embedded, gid) != _outline(face, gid):
                    wrong.append(f"{obj.FontName} glyph {gid} is not "
                                 f"{face.getGlyphOrder()[gid]}")
    if not compared:
        raise ValueError("the PDF embeds none of our TrueType faces")
    return wrong


def wrong_glyphs_in(pdf: Path) -> list[str]:
    """Return wrong_glyphs of the PDF file ``pdf``."""
    return wrong_glyphs(pdf.read_bytes())
