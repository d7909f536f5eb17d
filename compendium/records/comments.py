"""Reviewers' comments as data: exported from the HTML draft, merged into a ledger kept with
the sources, and shown again in place in the next draft.

A comment is anchored as the W3C Web Annotation model does: the record and paragraph it was
made on, plus a TextQuoteSelector (the quoted words, with a few words before and after). When
the text changed since, the quote is looked for again by matching; a comment whose record or
words are gone is listed as orphaned, never dropped.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import markupsafe

from compendium.checked import Checked, gather, refused
from compendium.errors import CompendiumError
from compendium.model import Problem
from compendium.output import write_atomically
from compendium.records.limits import character_problem
from compendium.records.sources import NotText, read_utf8

LEDGER_NAME = "comments.json"
"""The ledger, in the sources folder (not a record: records are *.md)."""
LEDGER_FORMAT = "compendium-comments-ledger/1"
EXPORT_FORMAT = "compendium-comments/1"
"""What the draft's Export comments button writes."""
OPEN, RESOLVED = "open", "resolved"
MATCH_THRESHOLD = 0.6
"""Share of a quote's words a paragraph must still hold for the comment to stay there."""
BLOCK = re.compile(r'<(p|li|ul|ol|h[2-6]|blockquote|pre|table)\b[^>]*\bid="([^"]+)"[^>]*>')
TAG = re.compile(r"<[^>]+>")
DELETED = re.compile(r"<del>.*?</del>", re.S)
COMMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
"""What a comment's id may be: it becomes part of an HTML id in the draft."""
LONGEST = 20_000
"""Characters a comment (or its quote) may have; a file sent back is untrusted input."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A W3C Web Annotation TextQuoteSelector: the words commented on, in their context."""

    exact: str
    """The words quoted (empty for a comment on the whole record)."""
    prefix: str = ""
    """A few words before them."""
    suffix: str = ""
    """A few words after them."""


@dataclass(frozen=True, slots=True)
class Comment:
    """One reviewer's comment, as the ledger keeps it."""

    id: str
    """Unique id the draft gave it."""
    record: str
    """Id of the record commented on."""
    anchor: str
    """The record's or paragraph's anchor it was made on (``<record>-p2``)."""
    quote: Quote
    """The words it concerns."""
    text: str
    """What the reviewer wrote."""
    author: str = ""
    """Who wrote it, as the reviewer gave their name."""
    created: str = ""
    """When, ISO 8601, as the reviewer's browser said."""
    draft: str = ""
    """The fingerprint of the draft it was made on."""
    status: str = OPEN
    """``open`` until the editor resolves it."""


@dataclass(frozen=True, slots=True)
class PlacedComment:
    """An open comment and where the current draft shows it."""

    comment: Comment
    """The comment."""
    anchor: str
    """The anchor it is shown at now; empty when orphaned."""
    moved: bool = False
    """Whether its words were found elsewhere or changed (matched, not found verbatim)."""

    @property
    def is_orphan(self) -> bool:
        """Return whether the comment's record or words are gone."""
        return not self.anchor


def ledger_path(sources: Path) -> Path:
    """Return where the comments ledger of ``sources`` is kept."""
    return sources / LEDGER_NAME


def read_ledger(path: Path) -> tuple[Comment, ...]:
    """Return the comments the ledger holds (none when there is no ledger)."""
    if not path.is_file():
        return ()
    text = read_utf8(path, MAX_EXPORT_BYTES)
    try:
        if isinstance(text, NotText):
            raise ValueError(text.fault)
        document = json.loads(text)
        if document.get("format") != LEDGER_FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        return tuple(_comment(c, c.get("status", OPEN)) for c in document["comments"])
    except RecursionError:  # [[[[…]]]] deeper than the parser's stack
        raise CompendiumError(f"{path}: not a comments ledger (nested too deep); expected "
                              "the file `build.py comments` writes") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CompendiumError(f"{path}: not a comments ledger ({exc}); expected the file "
                              "`build.py comments` writes") from None


def write_ledger(path: Path, comments: Iterable[Comment]) -> None:
    """Write the ledger atomically, comments in a stable order."""
    ordered = sorted(comments, key=lambda c: (c.record, c.created, c.id))
    document = {"format": LEDGER_FORMAT, "comments": [asdict(c) for c in ordered]}
    write_atomically(path, (json.dumps(document, ensure_ascii=False, indent=1,
                                       sort_keys=True) + "\n").encode())


MAX_EXPORT_BYTES = 10 * 1024 * 1024
"""A comments file larger than this is refused (a reviewer's export of a thousand comments
is well under 1 MB; /dev/zero never ends)."""
MAX_QUOTE_CHARS = 2_000
"""Characters of a comment's quote kept (its first): placing a quote costs its length times
its paragraph's (4.5 s for one of 20,000 characters), and a reviewer selects a sentence or
two."""
CONTEXT_CHARS = 200
"""Characters of the text before and after a quote kept to place it."""


def read_exports(paths: Sequence[Path]) -> tuple[Comment, ...]:
    """Return the comments of reviewers' exported files; raise every problem found at once."""
    exports = gather(_read_export(path) for path in paths).or_raise()
    return tuple(comment for comments in exports for comment in comments)


def _read_export(path: Path) -> Checked[tuple[Comment, ...] | None]:
    """Return the comments of one exported file, with a problem for each unreadable one."""
    text = read_utf8(path, MAX_EXPORT_BYTES)
    if isinstance(text, NotText):
        detail = f"over {MAX_EXPORT_BYTES:,} bytes" if text.fault == "too large" else \
            " ".join(part for part in (text.fault, text.detail) if part)
        return refused(Problem(str(path), 0, "-", "-", f"not a comments file ({detail}); "
                               "expected the file the draft's Export comments gives"))
    try:
        document = json.loads(text)
        if document.get("format") != EXPORT_FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        entries = document["comments"]
    except RecursionError:  # [[[[…]]]] deeper than the parser's stack
        return refused(Problem(str(path), 0, "-", "-", "not a comments file (nested too "
                               "deep); expected the file the draft's Export comments gives"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return refused(Problem(str(path), 0, "-", "-", f"not a comments file ({exc}); "
                               "expected the file the draft's Export comments gives"))
    return gather(_export_entry(path, number, entry) for number, entry in enumerate(entries))


def _export_entry(path: Path, number: int, entry: Any) -> Checked[Comment | None]:
    """Return the comment of entry ``number`` of an exported file (None when unreadable)."""
    try:
        return Checked(_comment(entry, OPEN))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        return refused(Problem(str(path), 0, str(_get(entry, "record")), f"comments[{number}]",
                               f"unreadable ({exc}); expected id, record, anchor, quote and "
                               "text"))


def _get(entry: object, key: str) -> object:
    """Return ``entry[key]`` when entry is a mapping, else ``-``."""
    return entry.get(key, "-") if isinstance(entry, dict) else "-"


def _text(value: object, name: str) -> str:
    """Return a field of a comment as text; raise ValueError for a lone surrogate (JSON's
    ``\\ud800``: no UTF-8 holds it, and the ledger could not be written), a control or a
    direction override (the draft shows comments beside the text they reverse)."""
    text = str(value)
    surrogate = next((c for c in text if 0xD800 <= ord(c) <= 0xDFFF), None)
    if surrogate is not None:
        raise ValueError(f"{name}: character U+{ord(surrogate):04X} is not text")
    if strange := character_problem(text):
        raise ValueError(f"{name}: {strange}")
    return text


def _comment(entry: Mapping[str, Any], status: str) -> Comment:
    """Return a comment read from a ledger's or an export's JSON."""
    quote = entry.get("quote") or {}
    if not isinstance(quote, dict):
        raise ValueError("quote: expected {exact, prefix, suffix}")
    for name in ("id", "record", "anchor", "text", "author", "created", "draft"):
        _text(entry.get(name, ""), name)
    for name in ("exact", "prefix", "suffix"):
        _text(quote.get(name, ""), f"quote.{name}")
    text = str(entry["text"])
    if not COMMENT_ID.match(str(entry["id"])):
        raise ValueError(f"id `{str(entry['id'])[:40]}` is not letters, digits, - or _")
    if not text.strip() or len(text) > LONGEST or len(str(quote.get("exact", ""))) > LONGEST:
        raise ValueError(f"text empty or longer than {LONGEST} characters")
    return Comment(id=str(entry["id"]), record=str(entry["record"]),
                   anchor=str(entry.get("anchor") or entry["record"]),
                   quote=Quote(str(quote.get("exact", ""))[:MAX_QUOTE_CHARS],
                               str(quote.get("prefix", ""))[-CONTEXT_CHARS:],
                               str(quote.get("suffix", ""))[:CONTEXT_CHARS]),
                   text=text, author=str(entry.get("author", "")),
                   created=str(entry.get("created", "")), draft=str(entry.get("draft", "")),
                   status=status if status in (OPEN, RESOLVED) else OPEN)


def merge(ledger: Sequence[Comment], incoming: Iterable[Comment]) -> tuple[tuple[Comment, ...],
                                                                           int]:
    """Return the ledger with the comments it lacked added, and how many were added.

    A comment already in the ledger keeps the ledger's state (a resolved one stays so)."""
    known = {c.id for c in ledger}
    added = [c for c in dict((c.id, c) for c in incoming).values() if c.id not in known]
    return (*ledger, *added), len(added)


def resolve(ledger: Sequence[Comment], wanted: Sequence[str]) -> tuple[Comment, ...]:
    """Return the ledger with the comments ``wanted`` names (ids, or unique id prefixes)
    marked resolved."""
    chosen = set()
    for name in wanted:
        matching = [c.id for c in ledger if c.id == name] or [
            c.id for c in ledger if c.id.startswith(name)]
        if len(matching) != 1:
            raise CompendiumError(f"--resolve {name}: {'no' if not matching else 'more than one'}"
                                  " comment has that id; expected an id `build.py comments` "
                                  "lists")
        chosen.add(matching[0])
    return tuple(replace(c, status=RESOLVED) if c.id in chosen else c for c in ledger)


def report(ledger: Sequence[Comment]) -> list[str]:
    """Return the ledger as lines, per record: each comment's id, state, author and words."""
    lines = []
    for record in sorted({c.record for c in ledger}):
        mine = [c for c in ledger if c.record == record]
        opened = sum(1 for c in mine if c.status == OPEN)
        lines.append(f"{record}: {opened} open, {len(mine) - opened} resolved")
        for c in mine:
            quoted = f" on “{_short(c.quote.exact, 50)}”" if c.quote.exact else ""
            lines.append(f"  {c.id} [{c.status}] {c.author or 'reviewer'} at "
                         f"#{c.anchor}{quoted}: {_short(c.text, 100)}")
    return lines


def _short(text: str, limit: int) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


# --- Finding a comment's place in the next draft -------------------------------------------


def place(comments: Iterable[Comment], bodies: Mapping[str, str]) -> tuple[PlacedComment, ...]:
    """Return where each open comment belongs in records whose safe HTML is ``bodies``."""
    return tuple(_place_one(c, bodies.get(c.record)) for c in comments if c.status == OPEN)


def _place_one(comment: Comment, body: str | None) -> PlacedComment:
    """Return where ``comment`` belongs in its record's ``body``; orphaned if nowhere."""
    if body is None:
        return PlacedComment(comment, "")
    words = _words(comment.quote.exact)
    if not words:
        anchor = comment.anchor if comment.anchor in _blocks(body) else comment.record
        return PlacedComment(comment, anchor)
    blocks = _blocks(body)
    exact = " ".join(words)
    if exact in " ".join(_words(blocks.get(comment.anchor, ""))):
        return PlacedComment(comment, comment.anchor)
    order = list(blocks)
    was = order.index(comment.anchor) if comment.anchor in blocks else 0
    # Best match first; of equal matches, the one nearest where the comment was made.
    scored = sorted(((_score(comment.quote, text), -abs(n - was), anchor)
                     for n, (anchor, text) in enumerate(blocks.items())), reverse=True)
    if scored and scored[0][0] >= MATCH_THRESHOLD:
        return PlacedComment(comment, scored[0][2], moved=True)
    return PlacedComment(comment, "")


def _words(text: str) -> list[str]:
    """Return the words of ``text``, case folded, as quotes are compared."""
    return re.findall(r"\w+", text.casefold())


def _blocks(body: str) -> dict[str, str]:
    """Return the plain text of each paragraph, list item and other anchored block of a body
    (deleted words of a marked body left out)."""
    found = {}
    for match in BLOCK.finditer(body):
        end = _block_end(body, match)
        found[match.group(2)] = TAG.sub(" ", DELETED.sub(" ", body[match.end():end]))
    return found


def _score(quote: Quote, text: str) -> float:
    """Return how much of the quote, in its context, ``text`` still holds (0 to 1)."""
    have = _words(text)
    want = _words(quote.exact)
    context = _words(quote.prefix)[-4:] + want + _words(quote.suffix)[:4]
    matched = difflib.SequenceMatcher(None, want, have, autojunk=False)
    core = sum(b.size for b in matched.get_matching_blocks()) / max(len(want), 1)
    around = difflib.SequenceMatcher(None, context, have, autojunk=False)
    wide = sum(b.size for b in around.get_matching_blocks()) / max(len(context), 1)
    return max(core, (core + wide) / 2)


def _block_end(body: str, start: re.Match[str]) -> int:
    """Return where the element opened at ``start`` closes (before its closing tag)."""
    tag = start.group(1)
    opening = re.compile(rf"<{tag}\b[^>]*>|</{tag}>")
    depth = 1
    for found in opening.finditer(body, start.end()):
        depth += -1 if found.group().startswith("</") else 1
        if depth == 0:
            return found.start()
    return len(body)


def with_comments_shown(bodies: Mapping[str, str],
                        placed: Sequence[PlacedComment]) -> dict[str, str]:
    """Return ``bodies`` with each placed comment shown after its paragraph (inside a list
    item, which may hold it), its words marked when they are still there verbatim."""
    shown = dict(bodies)
    for item in placed:
        if item.is_orphan:
            continue
        record = item.comment.record
        shown[record] = _insert(shown[record], item)
    return shown


def _insert(body: str, item: PlacedComment) -> str:
    """Return ``body`` with ``item``'s note at the end of the paragraph or item it is anchored
    at (a span: a paragraph may hold no block), or after a list or other block."""
    note = comment_html(item)
    for match in BLOCK.finditer(body):
        if match.group(2) == item.anchor:
            end = _block_end(body, match)
            inner = _mark_quote(body[match.end():end], item)
            if match.group(1) in ("p", "li"):
                return body[:match.end()] + inner + note + body[end:]
            close = body.index(">", end) + 1
            return body[:match.end()] + inner + body[end:close] + note + body[close:]
    return note + body  # on the whole record: before its text


TAG = re.compile(r"<[^>]*>")
"""A tag of a block's HTML: the quote is looked for between tags, never in one (a quoted
address is also a link's href, a quoted title a link's title)."""


def _mark_quote(inner: str, item: PlacedComment) -> str:
    """Return a block's HTML with the comment's quoted words marked, where they stand
    verbatim in the text between two tags (not in a tag, not across one, nor from the middle
    of a character reference)."""
    exact = str(markupsafe.escape(item.comment.quote.exact))
    if not exact.strip():
        return inner
    start = 0
    for tag in [*TAG.finditer(inner), None]:
        end = tag.start() if tag is not None else len(inner)
        at = inner.find(exact, start, end)
        while at != -1 and inner.rfind("&", start, at) > inner.rfind(";", start, at):
            at = inner.find(exact, at + 1, end)  # inside "&amp;": not the text's words
        if at != -1:
            return (inner[:at] + f'<mark class="comment-quote">{exact}</mark>'
                    + inner[at + len(exact):])
        if tag is None:
            break
        start = tag.end()
    return inner


def comment_html(item: PlacedComment) -> str:
    """Return the note that shows a comment in the draft."""
    c = item.comment
    esc = markupsafe.escape
    moved = " (its words have changed since)" if item.moved else ""
    quoted = f'<q>{esc(c.quote.exact)}</q> ' if c.quote.exact else ""
    return (f' <span class="comment comment-ledger" id="comment-{esc(c.id)}" role="note" '
            f'data-comment="{esc(c.id)}" aria-label="Reviewer comment">'
            f'<span class="comment-who">{esc(c.author or "Reviewer")}{moved}:</span> '
            f'{quoted}<span class="comment-text">{esc(c.text)}</span></span>')
