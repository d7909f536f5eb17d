"""The HTML side: record text made safe HTML, and the compendium's page rendered from it.

Read in this order:

- ``text``: where a record becomes HTML: its Markdown parsed with markdown-it (core rules
  neutralise links and images, nest headings, number paragraphs), then sanitised.
- ``document``: the compendium as the templates see it (chapters, records' HTML, indexes,
  acronyms, charts, change marks).
- ``page``: the page rendered through the Jinja templates (``templates/``, one template per
  part of the PDF) for the HTML draft and the print edition.
- ``headings``: how an entry is named; ``nobreak``: what hyphenation must not break;
  ``acronyms``: the list of acronyms; ``backmatter``: the indexes and the annex;
  ``changes``: what changed since a review round, marked word by word.
- ``charts`` (what the charts show) and ``plots`` (drawn with matplotlib); ``images``: the
  project's images in record text.
- ``templating``: a template's mistakes told as the editor needs them.
"""
