"""Where a part is cut into pieces (flow.py lays them out and remembers them): at a page
that opens with an element of its own, chosen by the layout alone.

Apart from the layout machinery (WeasyPrint is not loaded here) because the rule is pure:
it is tested, and reasoned about, without laying anything out.
"""

from __future__ import annotations

import hashlib

PIECE_EVERY = 1
"""One checkpoint in this many starts a piece (about one page in two is a checkpoint). Every
fourth: an edit laid out 16 to 35 pages of the longest chapter again; every second: 5 to
10; every one: 5 to 7. Twice the pieces make a longer join (0.25 s at 1,000 records), but
the join copies those the cache has while the edited ones are laid out. Every one against
every second, ten edits of three kinds to records of ten entities, each build in a new
process, side by side: 50.8 s in all against 51.3 s, medians 4.30 s against 4.57 s; with
the annex's entries quoting their records (since changed), 53.1 s against 56.5 s."""
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
