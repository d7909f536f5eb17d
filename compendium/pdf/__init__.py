"""The print edition's engine: the book laid out in its own divisions, in parallel, and joined.

Read in this order:

- ``session``: the print edition of one build, as the pipeline sees it: workers started
  early, the layout started once the text is rendered, the result, the workers let go.
- ``parts``: the divisions that open on a right-hand page (title pages, contents, preface,
  each chapter whole, indexes, annex); each is laid out alone, and nothing in a chapter
  depends on where another falls.
- ``jobs``: what a worker is asked to lay out and gives back, and how it is cached.
- ``workers``: one process per core with WeasyPrint loaded, and one that joins.
- ``flow``: a part laid out in a worker as pieces, each remembered: an edit lays out the
  pieces it moves, and a long chapter is laid out in windows, never held whole.
- ``cuts``: where a part is cut into pieces, by the layout alone.
- ``drawing``: each piece drawn as a PDF, in a process forked while the layout goes on when
  no other worker is busy (after an edit), in turn otherwise.
- ``resume``: checkpoints, the pages that open with an element of their own, from which a
  part's layout is taken up again alone, with the same pages.
- ``stream``: WeasyPrint laying out one page at a time (its own loop, as a generator).
- ``layout``: WeasyPrint laying out a job whole (folio sheets, the stamp) and the styles and
  fetcher every layout uses, reading only the project's files; font subsets that keep
  every glyph's id.
- ``run``: the print run: sends the parts out, settles the page numbers the contents and
  indexes print, and joins.
- ``numbers``: which page every anchor falls on (roman front matter, arabic from chapter 1,
  blank versos unnumbered), and the folio sheets the page numbers are drawn from.
- ``joining``: one PDF from the parts, copied in as they are laid out: pages, links,
  outline, page numbers, tag tree.
- ``tags``: the tag tree slimmed, margin text marked as artifacts (PDF/UA).
- ``subsets``: one embedded font subset per face across the parts.
- ``intent``: the sRGB output intent every PDF declares.

The output depends on WeasyPrint's own PDF structure (tag tree, font subsets, page boxes):
pyproject.toml pins the version this code was written against.
"""
