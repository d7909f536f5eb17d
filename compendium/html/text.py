"""Where a record's Markdown becomes safe HTML: markdown-it with the record's own core rules
(unsafe links and images made inert, headings nested, paragraphs numbered), then sanitised."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from compendium.cache import NO_CACHE, Cache, key_of
from compendium.html.images import images_key
from compendium.logcapture import captured_warnings
from compendium.memo import MISSING, Memo
from compendium.model import text_direction

log = logging.getLogger(__name__)


SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")


ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "a", "code", "pre", "blockquote",
                "h2", "h3", "h4", "h5", "h6", "br", "hr", "table", "thead", "tbody", "tr",
                "th", "td", "span", "sup", "section", "img"}


ALLOWED_ATTRIBUTES = {"*": {"id", "lang", "dir"}, "a": {"href", "title"}, "ol": {"start"},
                      "th": {"align", "style"}, "td": {"align", "style"},
                      "img": {"src", "alt", "title"}}


ALLOWED_CLASSES = {"a": {"footnote-backref", "bare-link"}, "sup": {"footnote-ref"},
                   "section": {"footnotes"}, "ol": {"footnotes-list"},
                   "li": {"footnote-item"}, "hr": {"footnotes-sep"},
                   "table": {"wide-table"}}
"""The classes the Markdown plugins give (footnotes, bare links), and the record passes
(wide tables), that the styles use."""
WIDE_TABLE_COLUMNS = 6
"""Columns from which a table is laid out in columns of equal width across the text, its
words broken anywhere if they must be: it fits the page whatever its cells hold."""
WIDE_TABLE_WORDS = 60
"""Characters of the columns' longest words, side by side, past which a table is laid out
so too (the print edition's line holds about 75 of a table's)."""


SPAN_ATTRIBUTES = ("lang",)
"""What `[text]{…}` may set on a passage: its language (the direction follows from it)."""


RAW_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
"""Something that looks like an HTML tag in record text: shown as text, and warned about."""


RENDERED_NESTING = 64
"""Levels of markup tokens the parser reads before it drops the rest of a block: far above
what check lets through (validate.MAX_NESTING), so no text that passed check is lost.
markdown-it's own 20 dropped a list's items from its tenth level on, silently."""


def make_markdown() -> MarkdownIt:
    """Return a CommonMark parser that treats raw HTML in the text as text, with what an
    editor expects besides: tables (aligned), footnotes, bare links, `[passage]{lang=fr}`."""
    # Typographer's quotes only: records mix straight quotes with the curly ones of the
    # inventory's own text; its other replacements ("(c)", "--") would change what an
    # editor wrote on purpose.
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": True,
                                   "maxNesting": RENDERED_NESTING})
    md.enable(["table", "linkify", "smartquotes"])
    md.use(footnote_plugin)
    md.use(attrs_plugin, spans=True, after=(), allowed=SPAN_ATTRIBUTES)
    md.add_render_rule("footnote_anchor", _footnote_backlink)
    # markdown-it would silently leave `[x](javascript:...)` as text; let every link
    # through to _neutralise, which makes the unsafe ones inert *and* names the record.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # An address shown as the link's text stays as written: markdown-it decoded "%20" to a
    # space, and the printed address broke there and could not be typed back.
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    # The record's own passes, after markdown-it's (inline, linkify, footnotes): they read
    # the record's id, images and heading level from the env render_body parses with.
    md.core.ruler.push("neutralise", lambda state: _neutralise(
        state.tokens, _env(state.env).record_id, _env(state.env).images))
    md.core.ruler.push("nest_headings", lambda state: _nest_headings(
        state.tokens, _env(state.env).heading_level))
    md.core.ruler.push("number_paragraphs", lambda state: _number_paragraphs(
        state.tokens, _env(state.env).record_id))
    md.core.ruler.push("wide_tables", lambda state: _mark_wide_tables(state.tokens))
    md.core.ruler.before("smartquotes", "addresses_as_written",
                         lambda state: _addresses_as_written(state.tokens))
    md.core.ruler.after("smartquotes", "typeset", lambda state: _typeset(state.tokens))
    return md


@dataclass(frozen=True, slots=True)
class _RecordEnv:
    """What the record passes need to know of the text being parsed."""

    record_id: str
    images: Mapping[str, str]
    heading_level: int


def _env(env: Mapping[str, Any]) -> _RecordEnv:
    """Return the record passes' view of a parse's env (see render_body)."""
    return _RecordEnv(str(env.get("docId", "")), env.get("images") or {},
                      int(env.get("heading_level", 2)))


def _footnote_backlink(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: Any) -> str:
    """Return the link from a footnote back to its reference (an arrow the fonts have)."""
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    if tokens[idx].meta.get("subId", 0) > 0:
        ident += f":{tokens[idx].meta['subId']}"
    return f' <a href="#fnref{ident}" class="footnote-backref" aria-label="Back">\u2191</a>'


def render_body(md: MarkdownIt, text: str, record_id: str, heading_level: int,
                images: Mapping[str, str] | None = None) -> str:
    """Render one record's Markdown as safe HTML, headings starting at ``heading_level``;
    ``images`` are the `data:` URLs of the project's images (see images.py), by source."""
    # docId: footnote anchors unique on a page of many records (the footnote plugin's key).
    env = {"docId": record_id, "images": images or {}, "heading_level": heading_level}
    return sanitize(md.render(text, env))


def sanitize(html: str, marks: bool = False) -> str:
    """Keep only the tags and attributes record text may produce (and <ins>, <del> if marks)."""
    return str(nh3.clean(html, tags=ALLOWED_TAGS | ({"ins", "del"} if marks else set()),
                         attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
                         filter_style_properties={"text-align"},
                         url_schemes={"http", "https", "mailto", "data"}, link_rel=None,
                         attribute_filter=_no_data_links))


def _no_data_links(tag: str, attribute: str, value: str) -> str | None:
    """Drop a ``data:`` address anywhere but an image's source (the project's images are
    inlined as ``data:`` URLs; a link to one could carry a page of its own)."""
    if value.lstrip().lower().startswith("data:") and (tag, attribute) != ("img", "src"):
        return None
    return value


def _neutralise(tokens: Sequence[Token], record_id: str, images: Mapping[str, str]) -> None:
    """Turn images other than the project's into their alt text and unsafe links into plain
    text, with a warning."""
    for token in tokens:
        if token.children:
            _neutralise(token.children, record_id, images)
        # Code spans and blocks are meant to show markup, so only running text is checked,
        # the text of a whole line at once (linkify cuts a tag with an address in it).
        if token.type == "inline" and (tag := RAW_TAG.search(_running_text(token))):
            log.warning("%s: HTML `%s` shown as text; record text may not contain markup",
                        record_id, _shorten(tag.group()))
        if token.type == "image" and str(token.attrGet("src")) in images:
            token.attrSet("src", images[str(token.attrGet("src"))])
        elif token.type == "image":
            log.warning("%s: image `%s` dropped; record text may not embed images",
                        record_id, _shorten(str(token.attrGet("src"))))
            token.type, token.tag, token.content = "text", "", token.content
            token.children = None
        elif token.type == "link_open" and not _is_safe_link(str(token.attrGet("href") or "")):
            # Autolinks (<data:…>) too: the scheme rule is the link's, whatever its markup.
            log.warning("%s: link `%s` made plain text; only http, https, mailto and "
                        "#anchors are kept", record_id, _shorten(str(token.attrGet("href"))))
            token.attrs = {}
            token.tag = "span"
        elif token.type == "link_open" and token.markup in ("linkify", "autolink"):
            token.attrSet("class", "bare-link")  # its text is its address: printed once
        elif token.type == "span_open" and token.attrGet("lang"):
            _set_direction(token)
    _close_neutralised_links(tokens)


def _addresses_as_written(tokens: Sequence[Token]) -> None:
    """Keep the quotes of an address shown as itself (a bare link, `<…>`) straight: a
    curled one could not be typed back. As "text_special", which the quote passes skip and
    markdown-it's text_join then turns back into text."""
    for token in tokens:
        inside = False
        for child in token.children or ():
            if child.type == "link_open":
                inside = child.markup in ("linkify", "autolink")
            elif child.type == "link_close":
                inside = False
            elif inside and child.type == "text":
                child.type = "text_special"


def _typeset(tokens: Sequence[Token]) -> None:
    """Set the text as a typesetter would, after smartquotes: the straight quotes it left,
    which close or open nothing, curled (a single one is an apostrophe, "'90s", "'tis"; a
    double one opens at a word's start and closes elsewhere); a closed en dash in a range of
    years ("2017- 2023", "2021-2025"), a spaced one for a hyphen standing alone between
    words ("Global Report - Mapping"). Code and addresses shown as themselves keep theirs."""
    for token in tokens:
        for child in token.children or ():
            if child.type == "text":
                text = _OPENING_DOUBLE.sub("\u201c", child.content)
                text = text.replace('"', "\u201d").replace("'", "\u2019")
                text = _YEAR_RANGE.sub("\\1\u2013\\2", text)
                child.content = _LONE_HYPHEN.sub(" \u2013 ", text)


_YEAR_RANGE = re.compile(r"(?<![\d/.-])((?:1[89]|20)\d\d) ?- ?((?:1[89]|20)\d\d)(?![\d/-])")
"""Two years joined by a hyphen (spaced or not): a range."""
_LONE_HYPHEN = re.compile(r"(?<=\w[\w.,)]) - (?=\w)")
"""A hyphen with a space on each side, between words: a dash."""


_OPENING_DOUBLE = re.compile(r'(?:^|(?<=[\s(\[{\u2018\u201c]))"(?=\S)')
"""A straight double quote at a word's start (the text's, or after a space or bracket)."""


def _running_text(inline: Token) -> str:
    """Return the text of an inline token outside its code spans."""
    return "".join(child.content if child.type == "text" else " "
                   for child in inline.children or () if child.type != "code_inline")


def _set_direction(token: Token) -> None:
    """Give a passage in a right-to-left language its direction (``dir=rtl``)."""
    direction = text_direction(str(token.attrGet("lang")))
    if direction:
        token.attrSet("dir", direction)


def _shorten(text: str, limit: int = 60) -> str:
    """Return ``text`` cut to ``limit`` characters for a one-line warning."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _close_neutralised_links(tokens: Sequence[Token]) -> None:
    """Give each link turned into a span a matching closing span."""
    for token in tokens:
        if token.children:
            _close_neutralised_links(token.children)
    open_tags: list[str] = []
    for token in tokens:
        if token.type == "link_open":
            open_tags.append(token.tag)
        elif token.type == "link_close" and open_tags:
            token.tag = open_tags.pop()


def _is_safe_link(href: str) -> bool:
    """Return whether a link may stay a link."""
    return href.lower().startswith(SAFE_LINK_SCHEMES)


def _nest_headings(tokens: Sequence[Token], first_level: int) -> None:
    """Shift headings so the body's top heading level becomes ``first_level``."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if not levels:
        return
    shift = first_level - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{max(2, min(6, int(token.tag[1]) + shift))}"


def _number_paragraphs(tokens: Sequence[Token], record_id: str) -> None:
    """Give top-level paragraphs and lists a citable id, ``<record id>-p<n>``, and the items
    of such a list ``<record id>-p<n>-<k>`` (an index can then point at the item)."""
    number = item = 0
    for token in tokens:
        if token.level == 0 and token.type in ("paragraph_open", "bullet_list_open",
                                               "ordered_list_open"):
            number += 1
            item = 0
            token.attrSet("id", f"{record_id}-p{number}")
        elif token.level == 1 and token.type == "list_item_open":
            item += 1
            token.attrSet("id", f"{record_id}-p{number}-{item}")


def _mark_wide_tables(tokens: Sequence[Token]) -> None:
    """Give the class ``wide-table`` to a table of WIDE_TABLE_COLUMNS columns or more, or
    whose columns' longest words (an address, a long number, a compound) could not stand
    side by side on a line of the text (WIDE_TABLE_WORDS characters)."""
    for n, token in enumerate(tokens):
        if token.type != "table_open":
            continue
        longest: dict[int, int] = {}
        column = 0
        for inner in tokens[n + 1:]:
            if inner.type == "table_close":
                break
            if inner.type == "tr_open":
                column = 0
            elif inner.type in ("th_open", "td_open"):
                column += 1
            elif inner.type == "inline":
                words = [len(word) for word in inner.content.split()]
                longest[column] = max([longest.get(column, 0), *words])
        if len(longest) >= WIDE_TABLE_COLUMNS or \
                sum(longest.values()) + 2 * len(longest) > WIDE_TABLE_WORDS:
            token.attrSet("class", "wide-table")


def cached_body(md: MarkdownIt, text: str, record_id: str, heading_level: int,
                cache: Cache, images: Mapping[str, str] | None = None) -> str:
    """Return render_body's HTML from the cache, replaying the warnings it gave."""
    def make() -> dict[str, Any]:
        with captured_warnings(__name__) as warnings:
            html = render_body(md, text, record_id, heading_level, images)
        return {"html": html, "warnings": list(warnings)}

    shown = images_key(text, images or {})  # an image changed: its records render anew
    remembered = (record_id, heading_level, text + shown)
    kept = _BODIES.find(remembered) if cache is not NO_CACHE else MISSING
    if kept is not MISSING:
        html, warnings = kept
    else:
        key = key_of("body", record_id, str(heading_level), text, shown)
        found = cache.get(key)
        if found is None:
            value = make()  # the warnings were logged as it ran
            cache.put(key, json.dumps(value, sort_keys=True).encode())
            html, warnings = str(value["html"]), ()
        else:
            value = json.loads(found)
            html, warnings = str(value["html"]), tuple(value["warnings"])
        _BODIES.keep(remembered, (html, tuple(value["warnings"])))
    for warning in warnings:
        log.warning("%s", warning)
    return html


_BODIES: Memo[tuple[str, int, str], tuple[str, tuple[str, ...]]] = Memo(
    "record bodies as HTML, with their warnings", limit=65_536)
"""Bodies rendered or read from the cache by this process, by id, heading level and text: a
preview rebuilding after an edit renders or reads only the edited record's."""
