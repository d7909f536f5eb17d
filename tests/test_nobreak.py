"""What hyphenation must not break: marked in the HTML (quick tests of nobreak.py), and not
broken in the PDF (a real build of generated text, read back with pdftotext)."""

from __future__ import annotations

import html
import itertools
import random
import re
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compendium.html.nobreak import TOKEN, _wrap, mark_html, mark_text, registry_names
from tests.conftest import RecordFactory, run_cli

NAMES = registry_names(["Spotlight Initiative", "Spotlight", "UN Women",
                        "International Organization for Migration"],
                       ["Bosnia and Herzegovina", "Azerbaijan", "Kyrgyzstan", "Mozambique"])


SYMBOLS = ["A/RES/70/176", "A/Res/70/176", "E/CN.6/2020/3", "S/RES/1325", "CEDAW/C/GC/35"]
"""United Nations document symbols: cited whole, never cut at a slash."""


def plain(fragment: str) -> str:
    """Return the text of an HTML fragment."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_each_kind_of_token_is_marked() -> None:
    marked = mark_html("<p>UNHCR and BiH in Bosnia and Herzegovina, pages 17–19, see "
                       "https://www.unodc.org/docs/a.html. The Spotlight Initiative.</p>", NAMES)
    assert "<abbr>UNHCR</abbr>" in marked and "<abbr>BiH</abbr>" in marked
    assert '<span class="name">Bosnia and Herzegovina</span>' in marked
    assert '<span class="name">Spotlight Initiative</span>' in marked  # the longest name
    assert '<span class="nobreak">17–19</span>' in marked
    # An address is cut after "/" and "." only, and its final full stop is the sentence's.
    assert ('<span class="url"><span class="nowrap">https://</span><wbr><span class="nowrap">'
            'www.</span><wbr><span class="nowrap">unodc.</span><wbr>') in marked
    assert '<span class="nowrap">html</span></span>. The' in marked


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("around", ["resolution {}.", "({})", "{}, adopted"])
def test_a_document_symbol_is_kept_whole(symbol: str, around: str) -> None:
    marked = mark_html(f"<p>{around.format(symbol)}</p>", NAMES)
    assert f'<span class="nobreak">{symbol}</span>' in marked, marked


@pytest.mark.parametrize("text", ["and/or", "the 2010/11 period", "A/B", "km/h", "24/7"])
def test_slashes_that_are_no_symbol_stay_as_they_are(text: str) -> None:
    assert 'class="nobreak"' not in mark_html(f"<p>{text}</p>", NAMES)


@pytest.mark.parametrize(("text", "marked"), [
    ("the Resident Coordinator led", '<span class="name">Resident Coordinator</span>'),
    ("the UN Foundation helped", '<span class="name">UN Foundation</span>'),
    ("the Standard Minimum Rules for the Treatment of Prisoners apply",
     '<span class="name">Standard Minimum Rules for the Treatment of Prisoners</span>'),
    ("The Spotlight Initiative works", 'The <span class="name">Spotlight Initiative</span>'),
    ("a UNHCR COVID-19 plan", "<abbr>UNHCR</abbr> <abbr>COVID-19</abbr>"),
    ("Programmes were reviewed by all", "Programmes were reviewed by all")])
def test_a_name_in_title_case_is_kept_whole(text: str, marked: str) -> None:
    """"Resident Coordina-tor", "UN Foun-dation": a name the registry does not know, in
    title case, was hyphenated and no longer read as the name."""
    result = mark_html(f"<p>{text}.</p>", NAMES)
    assert marked in result, result
    assert plain(result) == f"{text}."


def test_links_and_code_keep_their_text() -> None:
    marked = mark_html('<p><a href="https://a.org/b">https://a.org/b</a> and '
                       '<a href="#x">UNHCR report</a> <code>GBV-x 1-2</code></p>', NAMES)
    assert '<a href="https://a.org/b"><span class="nowrap">https://</span><wbr>' in marked
    assert '<a href="#x">UNHCR report</a>' in marked  # a link is kept whole by the CSS
    assert "<code>GBV-x 1-2</code>" in marked


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ["UNHCR", "BiH", "COVID-19", "Spotlight", "Initiative", "Bosnia", "and", "Herzegovina",
     "17–19", "2014-2016", "https://un.org/a/b.pdf", "www.x.org.", "a@b.org", "word", ",",
     "(", ")", "&amp;", "don't", "Kyrgyzstan.", "UN", "Women", "1,200–1,300"]),
    max_size=40))
def test_marking_keeps_the_text(words: list[str]) -> None:
    """Marks add elements, never change or lose a character of the text."""
    text = " ".join(words)
    marked = mark_html(f"<p>{text}</p>", NAMES)
    assert plain(marked) == html.unescape(text)
    kept = re.findall(r'<abbr>([^<]+)</abbr>|class="name">([^<]+)<', marked)
    kept_text = " ".join(a or b for a, b in kept)
    for word in words:
        if sum(c.isupper() for c in word) >= 2:
            assert word in kept_text, (word, marked)


def marked_token_by_token(text: str) -> str:
    """Return ``text`` marked as mark_text did before it passed over plain words: every
    token given to _wrap."""
    out: list[str] = []
    done = 0
    while (token := TOKEN.search(text, done)) is not None:
        start, end, wrapped = _wrap(token, text, NAMES.by_first_word)
        out += [text[done:start], wrapped]
        done = end
    return "".join(out) + text[done:]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["UNHCR", "BiH", "Spotlight", "Initiative", "Bosnia", "and",
                     "Herzegovina", "UN", "Women", "UN-Women", "Women's", "17–19", "x",
                     "https://un.org/a.", "a@b.org", "Azerbaijan-based", "iOS", "É", "ÉU"]),
    st.text(alphabet="aAbBzZ-'’ .,0123456789_é", max_size=8)), max_size=30))
def test_words_passed_over_are_the_ones_left_as_they_are(words: list[str]) -> None:
    """mark_text passes over most words without a look (speed): it marks exactly what
    looking at every token marks."""
    text = " ".join(words)
    assert mark_text(text, NAMES.by_first_word) == marked_token_by_token(text)


def test_marking_is_linear_on_hostile_text() -> None:
    """No pattern backtracks over user text: 40,000 characters of each worst case."""
    for hostile in ("a." * 20_000, "1," * 20_000, "x@" * 20_000, "A" * 40_000,
                    "www." + "a/" * 20_000, "Bosnia " * 6_000, "1-" * 20_000):
        start = time.perf_counter()
        mark_html(f"<p>{hostile}</p>", NAMES)
        assert time.perf_counter() - start < 1.0, hostile[:10]


# --- In the PDF --------------------------------------------------------------------------

SINGLE = ["UNHCR", "UNFPA", "UNODC", "SARPCCO", "GBViC", "BiH", "COVID-19", "Spotlight",
          "Azerbaijan", "Kyrgyzstan", "Mozambique"]
NAMES_USED = ["Bosnia and Herzegovina", "Spotlight Initiative",
              "International Organization for Migration"]
TITLES = ["Resident Coordinator", "Civil Society Reference Group", "UN Foundation",
          "Standard Minimum Rules for the Treatment of Prisoners", "Protection Mainstreaming"]
"""Names the registry does not know, in title case: never hyphenated."""
PROTECTED = SINGLE + [w for name in NAMES_USED + TITLES for w in name.split() if w[0].isupper()]
"""Words never to be hyphenated: the generated text has the words of names only in them."""
FILLER = ["the", "programme", "strengthened", "comprehensive", "multisectoral", "coordination",
          "mechanisms", "for", "survivors", "through", "extraordinary", "institutional",
          "responsibilities", "understanding", "community-based", "interventions", "in",
          "humanitarian", "environments"]
ADDRESSES = ["https://www.unodc.org/documents/human-trafficking/2023/publication.html",
             "https://www.spotlightinitiative.org/resources/knowledge-products",
             "www.iom.int/sites/g/files/tmzbdl486/files/documents/gender-policy.pdf"]
RANGES = ["17–19", "2014–2016", "1,200–1,350", "103–107"]


def generated_text(seed: int, words: int = 900) -> str:
    """Return running text dense in tokens that must not break, with long ordinary words."""
    rng = random.Random(seed)
    pool = (SINGLE * 2 + NAMES_USED * 4 + ADDRESSES + RANGES + SYMBOLS + TITLES * 2 +
            FILLER * 2)
    return " ".join(rng.choice(pool) for _ in range(words)) + "."


@pytest.mark.slow
def test_the_pdf_breaks_no_protected_token(project: Path, make_record: RecordFactory) -> None:
    for n in range(4):
        make_record(body="\n\n".join(generated_text(10 * n + k, 180) for k in range(5)))
    assert run_cli(project, "build", "--format", "pdf") == 0
    text = subprocess.run(["pdftotext", "-raw", str(project / "out" / "compendium.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    protected = {w.casefold() for w in PROTECTED} | {r.casefold() for r in RANGES}
    hyphenated = 0
    for line, following in itertools.pairwise(lines):
        last, first = line.split()[-1], following.split()[0]
        inside = [a for a in ADDRESSES if last in a and not a.endswith(last.rstrip("."))]
        assert not any(symbol.startswith(last) and symbol != last.rstrip(".,")
                       for symbol in SYMBOLS), (last, first)  # a symbol cut
        if ("/" in last or last.startswith("www")) and inside:  # a line ends in an address:
            assert last.endswith(("/", ".")), (last, first)  # after / or ., no hyphen
        if not last.endswith(("-", "‐", "–")):
            continue
        stem = re.sub(r"^\W+", "", last).rstrip("-‐–")
        joined = {(stem + first).casefold(), (stem + "-" + first).casefold(),
                  (stem + "–" + first).casefold()}
        assert not {re.sub(r"[.,;:]$", "", j) for j in joined} & protected, (last, first)
        assert not re.fullmatch(r"[\d,.]+", stem), (last, first)  # a number range cut
        assert sum(c.isupper() for c in stem) < 2, (last, first)  # an acronym cut
        hyphenated += last.endswith(("-", "‐")) and stem.isalpha() and stem.islower()
    assert hyphenated >= 3, "running text is no longer hyphenated"


@pytest.mark.parametrize("end", [".", ").", "”.", "", "…", ";"])
@pytest.mark.parametrize("block", ["p", "li"])
def test_a_paragraphs_last_long_word_is_kept_whole(end: str, block: str) -> None:
    """"sup-/port." left a fragment alone on a paragraph's last line."""
    marked = mark_html(f"<{block}>The programme offered psychosocial support{end}</{block}>",
                       NAMES)
    assert f'<span class="last-word">support</span>{end}</{block}>' in marked, marked
    assert marked.count("last-word") == 1


@pytest.mark.parametrize("text", ["ends short.", "ends with UNHCR.", "see <a href='x'>link "
                                  "words</a>.", "a <code>function_name</code>"])
def test_a_last_word_already_marked_or_short_is_left(text: str) -> None:
    assert "last-word" not in mark_html(f"<p>{text}</p>", NAMES)


@pytest.mark.parametrize(("html_in", "ragged"), [
    ('<p id="r-p1">See https://www.un.org/en/x for more.</p>', True),
    ('<li id="r-p1-1">Read <a href="https://x.org/a" class="bare-link">https://x.org/a</a></li>',
     True),
    ('<p id="r-p1">See <a href="https://x.org/a">the report</a>.</p>', False),
    ('<p id="r-p1">No address here.</p>', False)])
def test_a_paragraph_holding_an_address_is_set_ragged(html_in: str, ragged: bool) -> None:
    """Justified, the line before a long address stretched its spaces 3 cm wide."""
    from compendium.html.page import _ragged_where_addresses

    marked = _ragged_where_addresses(mark_html(html_in, NAMES))
    assert ('class="has-address"' in marked) == ragged, marked
    assert plain(marked) == plain(html_in)
