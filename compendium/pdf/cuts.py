"""Where a part is cut into pieces (flow.py lays them out and remembers them): at a page
that opens with an element of its own, chosen by the layout alone.

Apart from the layout machinery (WeasyPrint is not loaded here) because the rule is pure:
it is tested, and reasoned about, without laying anything out.
"""

from __future__ import annotations

import hashlib

PIECE_EVERY = 2
"""One checkpoint in this many starts a piece (about one page in two is a checkpoint, so a
piece is about four pages). Every fourth: an edit laid out 16 to 35 pages of the longest
chapter again; every second: 5 to 10, for the same join time (1,000 records); every one:
5, and the join 0.25 s slower (twice the pieces). See bench/README.md."""
LONGEST_PIECE = 6
"""Pages after which the next checkpoint starts a piece whatever its id: ids alone once
made a piece of 13 pages (nine checkpoints in a row not chosen), all laid out again after
an edit in it."""


def starts_piece(element: str, pages: int) -> bool:
    """Return whether a page opening with ``element`` starts a piece, after ``pages`` pages
    of the piece before: one checkpoint in PIECE_EVERY, chosen by the element's id, or the
    first checkpoint once that piece has LONGEST_PIECE pages.

    Both depend on the layout alone, never on what was laid out before it: a part is cut
    into the same pieces either way, so a build after an edit gives the same bytes as a
    clean one, and the pieces after an edit start where they started before."""
    digest = hashlib.sha256(element.encode()).digest()
    return int.from_bytes(digest[:4], "big") % PIECE_EVERY == 0 or pages >= LONGEST_PIECE
