"""Turn raw pages scraped from the UN Women inventory into source records.

Stages: rawpage (read, clean residue) → layout (labels, headers, text) → entries (undo
"View More" doubling, group paragraphs) → dedupe (across entries and pages) → attribution
(entity, themes) → records (ids, files) → writer (protect hand edits) → report.
"""
