"""Benchmarks of issue 7, measured side by side in one run on the same generated corpus.

Usage: python bench/run.py [SIZE ...] [--repeat N]     (default: 100 1000, 3 repeats)

For each size it prints the median of N runs of:
  cold      full build (HTML and PDF) with an empty cache, in a new process
  weasy     WeasyPrint alone rendering the build's final PDF HTML, in one new process
  html      one record edited -> HTML refreshed, in the running process (as `serve` does)
  pdf       one record edited -> PDF refreshed, in a new process with the cache warm
  peak MB   the largest resident memory of any of those processes
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from compendium.paging import last_pagination  # noqa: E402
from compendium.pipeline import (  # noqa: E402
    BuildRequest,
    make_pdf_job,
    make_print_job,
    run,
    stages_until,
)

WEASY_ALONE = """
import sys
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
html, *styles = sys.argv[1:]
fonts = FontConfiguration()
css = [CSS(filename=s, font_config=fonts) for s in styles]
HTML(filename=html).write_pdf(sys.argv[1] + ".pdf", stylesheets=css, font_config=fonts)
"""


def timed(command: list[str], cwd: Path) -> float:
    """Run ``command``; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def build_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", *args]


def final_html(project: Path) -> list[str]:
    """Write the build's PDF HTML and its stylesheets to files; return their paths."""
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out")
    built, _ = run(request, stages_until("render record text"))
    # The page numbers the parted build printed, so that the HTML is the same.
    job = make_pdf_job(built, last_pagination(make_print_job(built), built.cache))
    folder = project / "weasy-alone"
    folder.mkdir(exist_ok=True)
    (folder / "page.html").write_text(job.html, encoding="utf-8")
    from compendium.fonts import font_face_css

    (folder / "fonts.css").write_text(font_face_css(), encoding="utf-8")
    (folder / "page.css").write_text(job.page_css, encoding="utf-8")
    return [str(folder / "page.html"), str(folder / "fonts.css"),
            *(str(s) for s in job.stylesheets), str(folder / "page.css")]


def edit(project: Path, round_: int) -> None:
    """Change the text of one record."""
    record = sorted((project / "sources" / "iom").glob("iom-bench-*.md"))[round_ % 5]
    front, body = record.read_text(encoding="utf-8").split("\n---\n", 1)
    record.write_text(f"{front}\n---\nRevised ({round_}). {body}", encoding="utf-8")


def html_refresh(project: Path, repeat: int) -> list[float]:
    """Time edit → HTML rebuild in this process after one warm-up build."""
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out", formats=frozenset({"html"}))
    run(request)
    times = []
    for n in range(repeat):
        edit(project, 100 + n)
        started = time.perf_counter()
        run(request)
        times.append(time.perf_counter() - started)
    return times


def measure(size: int, repeat: int, workdir: Path) -> dict[str, float]:
    """Return the medians for a corpus of ``size`` records."""
    project = workdir / f"corpus-{size}"
    generate(size, project)
    cold = []
    for _ in range(repeat):
        shutil.rmtree(project / ".cache", ignore_errors=True)
        cold.append(timed(build_command(), project))
    paths = final_html(project)
    weasy = [timed([sys.executable, "-c", WEASY_ALONE, *paths], project) for _ in range(repeat)]
    pdf = []
    for n in range(repeat):
        edit(project, n)
        pdf.append(timed(build_command("--format", "pdf"), project))
    html = html_refresh(project, max(repeat, 5))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pages = int(subprocess.run(["pdfinfo", str(project / "out" / "compendium.pdf")],
                               capture_output=True, text=True, check=True).stdout
                .split("Pages:")[1].split()[0])
    return {"records": size, "pages": pages, "cold": statistics.median(cold),
            "weasy": statistics.median(weasy), "html": statistics.median(html),
            "pdf": statistics.median(pdf), "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/compendium-bench"))
    args = parser.parse_args()
    print(f"{'records':>8} {'pages':>6} {'cold s':>8} {'weasy s':>8} {'cold/weasy':>10} "
          f"{'html s':>7} {'pdf s':>7} {'pdf/cold':>8} {'peak MB':>8}")
    for size in args.sizes:
        m = measure(size, args.repeat, args.workdir)
        print(f"{m['records']:>8} {m['pages']:>6} {m['cold']:>8.2f} {m['weasy']:>8.2f} "
              f"{m['cold'] / m['weasy']:>10.2f} {m['html']:>7.3f} {m['pdf']:>7.2f} "
              f"{m['pdf'] / m['cold']:>8.2f} {m['peak']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
