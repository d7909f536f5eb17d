"""Benchmarks of issues 7 and 16, measured side by side in one run on the same generated corpus.

Usage: python bench/run.py [SIZE ...] [--repeat N] [--cold-only]
       (default: 100 1000, 3 repeats; --cold-only: the cold build and its memory, for 10,000)

For each size it prints the median of N runs of:
  cold      full build (HTML and PDF) with an empty cache, in a new process
  weasy     WeasyPrint alone rendering the same edition as one HTML document (the build's
            page numbers written in), in one new process, with one tagged write_pdf
  speed     pages per second of the cold build over pages per second of WeasyPrint alone
  bytes     size of the build's PDF over the size of WeasyPrint alone's
  html      one record edited -> HTML refreshed, in the running preview (as `serve` does)
  pdf       one record edited -> PDF refreshed in the running preview (as `serve` does: HTML
            first, then the PDF with the workers it keeps), timed from the edit
  pdf new   one record edited -> PDF refreshed by `build.py build` in a new process, cache warm
  peak MB   the largest peak resident memory (VmHWM) of any process of the builds, their PDF
            workers included, and of this process (the HTML refreshes); not WeasyPrint alone
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
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
from compendium.pdf.numbers import last_pagination  # noqa: E402
from compendium.pipeline import (  # noqa: E402
    BuildRequest,
    make_pdf_job,
    make_print_job,
    run,
)
from compendium.serve import PdfRebuilds, Preview, refresh  # noqa: E402

WEASY_ALONE = """
import sys
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
html, *styles = sys.argv[1:]
fonts = FontConfiguration()
css = [CSS(filename=s, font_config=fonts) for s in styles]
# Tagged, as the build's PDF is (PDF/UA needs the tag tree): the same kind of file.
HTML(filename=html).write_pdf(sys.argv[1] + ".pdf", stylesheets=css, font_config=fonts,
                             pdf_tags=True)
"""


PEAKS: list[float] = []
"""The largest resident memory (MB) of any process of each command run by timed()."""


def timed(command: list[str], cwd: Path, ours: bool = True) -> float:
    """Run ``command``; return its wall time in seconds. When it is ``ours`` (a build), its
    processes' peak memory (the PDF workers included, not its children) goes to PEAKS."""
    started = time.perf_counter()
    # The PDF workers and the join run in processes forked from a server that imports
    # compendium by sys.path: this checkout's, not whatever the venv has installed.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, max(high_water_marks(process.pid), default=0))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    if ours:
        PEAKS.append(peak / 1024)
    return elapsed


def high_water_marks(root: int) -> list[int]:
    """Return VmHWM (peak resident memory, kB) of ``root`` and every process below it.

    Found through each process's list of children, not by reading every process's status:
    the poll runs every 50 ms on the cores the build uses (0.2 ms a poll, was 1.8 ms)."""
    found = []
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    found.append(int(line.split()[1]))
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                pending += [int(child) for child in children.read_text().split()]
        except OSError:
            continue  # the process ended meanwhile
    return found


def build_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", *args]


def final_html(project: Path) -> list[str]:
    """Write the build's PDF HTML and its stylesheets to files; return their paths."""
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out")
    built, _ = run(request, ())
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


def preview_refresh(project: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Time edit → HTML and edit → PDF in the running preview, as `serve` rebuilds them,
    after one warm-up build of each: the HTML until the new page is served (Preview.seconds;
    the garbage collection that follows is not counted), the PDF from the edit until it is
    written (the HTML rebuilt first, as `serve` does)."""
    request = BuildRequest(config=project / "compendium.yml", sources=project / "sources",
                           out=project / "out")
    preview = Preview(request)
    html, pdf = [], []
    with contextlib.redirect_stdout(io.StringIO()):  # their one line per rebuild
        preview.rebuild()
        rebuilds = PdfRebuilds(request)
        try:
            rebuilds.ask(preview.prepared)
            rebuilds.wait(timeout=3600)
            for n in range(repeat):
                edit(project, 100 + n)
                started = time.perf_counter()
                refresh(preview, rebuilds)
                if not rebuilds.wait(timeout=3600):
                    raise RuntimeError("the preview's PDF was not rebuilt")
                pdf.append(time.perf_counter() - started)
                html.append(preview.seconds)
            PEAKS.append(max(high_water_marks(os.getpid())) / 1024)  # its workers included
        finally:
            rebuilds.close()
    return html, pdf


def measure(size: int, repeat: int, workdir: Path, cold_only: bool) -> dict[str, float]:
    """Return the medians for a corpus of ``size`` records."""
    project = workdir / f"corpus-{size}"
    generate(size, project)
    cold = []
    for _ in range(repeat):
        shutil.rmtree(project / ".cache", ignore_errors=True)
        cold.append(timed(build_command(), project))
    pages, size_ours = pdf_pages(project / "out" / "compendium.pdf"), \
        (project / "out" / "compendium.pdf").stat().st_size
    if cold_only:
        nan = float("nan")
        return {"records": size, "pages": pages, "cold": statistics.median(cold),
                "weasy": nan, "weasy_pages": nan, "bytes": nan, "html": nan, "pdf": nan,
                "pdf_new": nan, "peak": peak_mb()}
    paths = final_html(project)
    weasy = [timed([sys.executable, "-c", WEASY_ALONE, *paths], project, ours=False)
             for _ in range(repeat)]
    alone = Path(paths[0] + ".pdf")
    new_process = []
    for n in range(repeat):
        edit(project, n)
        new_process.append(timed(build_command("--format", "pdf"), project))
    html, pdf = preview_refresh(project, max(repeat, 5))
    print(f"{size:>8} records, each run: cold {_runs(cold)}; WeasyPrint alone {_runs(weasy)}; "
          f"edit -> HTML {_runs(html, 3)}; edit -> PDF in the preview {_runs(pdf)}; "
          f"edit -> PDF in a new process {_runs(new_process)}", file=sys.stderr, flush=True)
    return {"records": size, "pages": pages, "cold": statistics.median(cold),
            "weasy": statistics.median(weasy), "weasy_pages": pdf_pages(alone),
            "bytes": size_ours / alone.stat().st_size, "html": statistics.median(html),
            "pdf": statistics.median(pdf), "pdf_new": statistics.median(new_process),
            "peak": peak_mb()}


def _runs(seconds: list[float], digits: int = 2) -> str:
    """Return each run's time, in the order they ran."""
    return " ".join(f"{s:.{digits}f}" for s in seconds)


def peak_mb() -> float:
    """Return the largest resident memory, in MB, of any process of the builds run so far,
    and of this one (which rebuilt the HTML)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return max([own, *PEAKS])


def pdf_pages(pdf: Path) -> int:
    """Return the page count of ``pdf``."""
    return int(subprocess.run(["pdfinfo", str(pdf)],
                              capture_output=True, text=True, check=True).stdout
               .split("Pages:")[1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/compendium-bench"))
    parser.add_argument("--cold-only", action="store_true")
    args = parser.parse_args()
    print(f"{'records':>8} {'pages':>6} {'cold s':>8} {'w pages':>7} {'weasy s':>8} "
          f"{'speed':>6} {'bytes':>6} "
          f"{'html s':>7} {'pdf s':>7} {'pdf/cold':>8} {'pdf new s':>9} {'new/cold':>8} "
          f"{'peak MB':>8}")
    for size in args.sizes:
        m = measure(size, args.repeat, args.workdir, args.cold_only)
        speed = (m["pages"] / m["cold"]) / (m["weasy_pages"] / m["weasy"])
        print(f"{m['records']:>8} {m['pages']:>6} {m['cold']:>8.2f} {m['weasy_pages']:>7} "
              f"{m['weasy']:>8.2f} {speed:>6.2f} {m['bytes']:>6.2f} "
              f"{m['html']:>7.3f} {m['pdf']:>7.2f} "
              f"{m['pdf'] / m['cold']:>8.2f} {m['pdf_new']:>9.2f} "
              f"{m['pdf_new'] / m['cold']:>8.2f} {m['peak']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
