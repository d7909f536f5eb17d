"""The records side: from the project's files to validated records placed in chapters.

Read in this order:

- ``config``: the edition's declared configuration (``compendium.yml``, entities, glossary),
  read with ``yamldoc`` (YAML with the line of every key), every problem reported at once.
- ``sources``: finding and reading record files (front matter and Markdown body).
- ``validate``: record files turned into Records, or the full list of what is wrong.
- ``countries``: the countries a record concerns; ``chapters``: records placed in the
  edition's chapters and ordered for reading.
- ``provenance``, ``history``: when and from what state the sources come, and earlier
  states to compare with (``--since``, and the review rounds ``compendium/rounds.py``
  keeps); ``comments``: reviewers' comments kept with the sources.
- ``scaffold``: new records and entities written valid; ``spelling``: "did you mean";
  ``limits``: how much text a record may hold.

Every check here reports problems one way: it returns a ``compendium.checked.Checked``, what
it made with every ``compendium.model.Problem`` found (file, line, field, message), or the
problems alone when it makes nothing; callers add them up in reading order and the stage
that needs the value raises them together (``Checked.or_raise``: ``load_edition`` for the
config, ``pipeline.read_sources`` for the records). A few helpers return bare messages that
their one caller locates (``title_problems``, ``period_problems``, ``provenance_problems``).
"""
