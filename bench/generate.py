"""Write N synthetic records shaped like the real ones, deterministically (same N, same bytes).

Usage: python bench/generate.py N OUT_PROJECT_DIR

The project gets the real config, templates and styles; its records reuse sentences of the
shipped records (so text, countries and acronyms look real) with the same mix of profiles,
dated and undated entries, partners and paragraph counts.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("compendium.yml", "entities.yml", "glossary.yml", "front", "templates", "styles")
ENTITIES = ["IOM", "UNODC", "OHCHR", "UNSD", "FAO", "UN Action", "UNFPA", "UNHCR", "UN Women",
            "UNICEF", "UNDP", "WHO", "Spotlight Initiative"]


def sentences() -> list[str]:
    """Return the sentences of the shipped records' bodies."""
    text = " ".join(p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
                    for p in sorted((ROOT / "sources").rglob("*.md")) if "raw" not in p.parts)
    found = re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(text.split()))
    return [s for s in found if 40 <= len(s) <= 400 and not s.startswith(("-", "#", "*"))]


def record(n: int, rng: random.Random, pool: list[str]) -> tuple[str, str]:
    """Return (relative path, text) of synthetic record ``n``."""
    entity = rng.choices(ENTITIES, weights=[30, 12, 4, 2, 2, 2, 3, 3, 3, 3, 3, 3, 5])[0]
    slug = entity.lower().replace(" ", "-")
    rid = f"{slug}-bench-{n:05d}"
    first = n % 40 * 5 + 1
    front = [f"id: {rid}", "kind: activity", f"entity: {entity}",
             f"sources: [{{page: bench-{n // 40:04d}.txt, lines: '{first}-{first + 3}'}}]"]
    if rng.random() < 0.2:
        partners = rng.sample([e for e in ENTITIES if e != entity], rng.randint(1, 2))
        front.append(f"partners: [{', '.join(partners)}]")
    if rng.random() < 0.6:
        year, month = rng.randint(2005, 2024), rng.randint(1, 12)
        end = f", end: {year + rng.randint(0, 2)}-{rng.randint(1, 12):02d}" \
            if rng.random() < 0.5 else ""
        if end and end[7:14] < f"{year}-{month:02d}":
            end = ""
        front.append(f"period: {{start: {year}-{month:02d}{end}}}")
    paragraphs = [" ".join(rng.sample(pool, rng.randint(1, 4)))
                  for _ in range(rng.choices([1, 2, 3, 4], weights=[50, 30, 15, 5])[0])]
    return f"{slug}/{rid}.md", "---\n" + "\n".join(front) + "\n---\n" + \
        "\n\n".join(paragraphs) + "\n"


def generate(count: int, target: Path) -> None:
    """Write a project with ``count`` records (plus one profile per entity) to ``target``."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target / name)
    sources = target / "sources"
    for profile in sorted((ROOT / "sources").rglob("*-profile.md")):
        destination = sources / profile.relative_to(ROOT / "sources")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(profile, destination)
    rng = random.Random(20261122)
    pool = sentences()
    for n in range(count):
        path, text = record(n, rng, pool)
        (sources / path).parent.mkdir(parents=True, exist_ok=True)
        (sources / path).write_text(text, encoding="utf-8")
    # The raw pages the records cite: a build checks that each exists and has the lines.
    shutil.copytree(ROOT / "sources" / "raw", sources / "raw")
    for page in range((count + 39) // 40):
        (sources / "raw" / f"bench-{page:04d}.txt").write_text(
            "".join(f"Line {k} of a synthetic raw page.\n" for k in range(1, 201)))


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
