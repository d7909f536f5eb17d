"""Time the import of one generated page of N entries: the import must stay linear.

    PYTHONPATH=. .venv/bin/python -m bench.importer 1000 5000 20000

Half the entries are dated (a header naming a lead entity, one in five outside the registry,
and a partner), half a mixed listing of undated entries naming their entity in the text,
some shown as a "View More" teaser and full text. Prints seconds per size and per 1,000
entries.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from compendium.importer.command import import_pages
from compendium.records.config import load_edition

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("survivors", "shelters", "police", "training", "justice", "data", "prevention",
         "health", "services", "community", "girls", "women", "national", "capacity")
KNOWN = ("UNDP", "UNFPA", "UNICEF", "WHO", "OCHA", "ECA", "DPKO", "UN Women")


def page_lines(entries: int) -> list[str]:
    """Return the lines of a page holding ``entries`` entries: first a listing of undated
    entries (every third one as a "View More" teaser and full text), then dated entries
    (after a dated entry, plain paragraphs would be more of its text)."""
    undated: list[str] = ["Inventory of United Nations system activities"]
    dated: list[str] = []
    for n in range(entries):
        entity = f"ORG{n % 97}X" if n % 5 == 0 else KNOWN[n % len(KNOWN)]
        words = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(40))
        text = f"Entry {n}: {entity} supported {words} in country {n}."
        if n % 2:
            dated += [f"Mar {2000 + n % 20} - Sept {2001 + n % 20} | {entity}; UNFPA", "",
                      text, ""]
        elif n % 3 == 0:
            undated += [text[:80], f"View More{text}"]
        else:
            undated.append(text)
    return undated + dated


def main(sizes: list[int]) -> None:
    """Import one page of each size and print the time it took."""
    entities = load_edition(ROOT / "compendium.yml").entities
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            page = Path(folder) / f"page-{size}.txt"
            page.write_text("\n".join(page_lines(size)) + "\n", encoding="utf-8")
            start = time.perf_counter()
            result = import_pages([page], entities)
            seconds = time.perf_counter() - start
            if result.failures:
                raise SystemExit("\n".join(result.failures))
            print(f"{size:>7,} entries: {seconds:6.2f} s ({seconds / size * 1000:.3f} s per "
                  f"1,000), {len(result.records):,} records, "
                  f"{len(result.names.learned)} entities learned")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000, 20000])
