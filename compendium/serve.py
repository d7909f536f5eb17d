"""Live preview: serve the HTML draft on 127.0.0.1 and rebuild it whenever an input changes.

The HTML is rebuilt in this process at once (the build cache makes that a fraction of a
second); the PDF is rebuilt by a child process in the background, restarted if another edit
arrives first (outputs are written atomically, so stopping it never leaves a broken file).
A broken record does not stop the server: the page shows the problems instead.
"""

from __future__ import annotations

import contextlib
import gc
import html
import http.server
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import watchfiles

from compendium.errors import CompendiumError, InvalidInput
from compendium.pipeline import BuildRequest, run

log = logging.getLogger(__name__)

RELOAD_SCRIPT = """<script>
(function () {  // live preview: reload when the server has a newer build than this page
  const shown = "%d";
  setInterval(async () => {
    try {
      const now = await (await fetch("/__version", {cache: "no-store"})).text();
      if (now !== shown) location.reload();
    } catch (error) { /* server restarting: try again */ }
  }, 400);
})();
</script>"""


@dataclass
class Preview:
    """What the server shows: the latest HTML (or the problems), and its version."""

    request: BuildRequest
    page: bytes = b""
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    pdf_process: subprocess.Popen[bytes] | None = None
    seconds: float = 0.0
    """How long the last rebuild took until its page was served."""

    def rebuild(self) -> None:
        """Rebuild the HTML edition now, or a page listing what stops it."""
        started = time.perf_counter()
        try:
            run(replace(self.request, formats=frozenset({"html"})))
            page = (self.request.out / "compendium.html").read_bytes()
            summary = f"HTML rebuilt in {time.perf_counter() - started:.2f} s"
        except InvalidInput as exc:
            page = problems_page([str(p) for p in exc.problems])
            summary = f"{len(exc.problems)} problem(s): the page shows them"
        except CompendiumError as exc:
            page = problems_page([str(exc)])
            summary = f"error: {exc}"
        with self.lock:
            self.version += 1
            script = (RELOAD_SCRIPT % self.version).encode()
            self.page = page.replace(b"</body>", script + b"\n</body>", 1)
        self.seconds = time.perf_counter() - started
        print(summary, flush=True)
        settle_memory()

    def rebuild_pdf_in_background(self) -> None:
        """Start the PDF build in a child process, stopping one still running."""
        self.stop_pdf()
        request = self.request
        self.pdf_process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve().parent.parent / "build.py"), "build",
             "--format", "pdf", "--config", str(request.config), "--sources",
             str(request.sources), "--out", str(request.out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def stop_pdf(self) -> None:
        """Stop the PDF build, with the worker processes it started (its process group)."""
        if self.pdf_process is not None and self.pdf_process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pdf_process.pid, signal.SIGKILL)
            self.pdf_process.wait()


def settle_memory() -> None:
    """Collect this build's garbage, then exempt what survives (the records, rendered
    articles and caches the next rebuild reuses) from later collections: a full collection
    over them took 70 ms, one rebuild in seven, and only new objects are looked at now."""
    gc.collect()
    gc.freeze()


def problems_page(problems: Iterable[str]) -> bytes:
    """Return an HTML page listing build problems (escaped: they quote record text)."""
    items = "\n".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Build '
            f'problems</title></head><body><main><h1>The compendium cannot be built</h1>'
            f'<p>Fix these and save: the page reloads by itself.</p><ul class="problems">'
            f'{items}</ul></main></body></html>').encode()


def handler_for(preview: Preview) -> type[http.server.BaseHTTPRequestHandler]:
    """Return a request handler serving ``preview``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path in ("/", "/compendium.html"):
                with preview.lock:
                    self._send(preview.page, "text/html; charset=utf-8")
            elif path == "/__version":
                self._send(str(preview.version).encode(), "text/plain")
            elif path == "/compendium.pdf" and (preview.request.out / "compendium.pdf").is_file():
                self._send((preview.request.out / "compendium.pdf").read_bytes(),
                           "application/pdf")
            else:
                self.send_error(404)

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            # The browser may have gone away (reload, closed tab): nothing to do then.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass  # one line per rebuild is enough on the editor's terminal

    return Handler


def watched(request: BuildRequest) -> list[Path]:
    """Return what the preview watches: sources, templates, styles and config files."""
    project = request.project
    return [p for p in (request.sources, project / "templates", project / "styles",
                        request.config.resolve(), project / "entities.yml",
                        project / "glossary.yml") if p.exists()]


def serve(request: BuildRequest, port: int, stop: threading.Event | None = None) -> int:
    """Serve the preview until interrupted (or ``stop`` is set)."""
    preview = Preview(request)
    preview.rebuild()
    preview.rebuild_pdf_in_background()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler_for(preview))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving the draft at http://127.0.0.1:{server.server_address[1]}/ "
          "(Ctrl-C to stop)", flush=True)
    stop = stop or threading.Event()
    try:
        for _ in watchfiles.watch(*watched(request), stop_event=stop, debounce=50, step=20,
                                  watch_filter=_not_output(request), raise_interrupt=False):
            preview.rebuild()
            preview.rebuild_pdf_in_background()
    finally:
        server.shutdown()
        preview.stop_pdf()
    return 0


def _not_output(request: BuildRequest) -> watchfiles.DefaultFilter:
    """Ignore the output folder, the cache and editors' temporary files."""
    out = str(request.out.resolve())

    class Filter(watchfiles.DefaultFilter):
        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            return not path.startswith(out) and "/.cache/" not in path and \
                super().__call__(change, path)

    return Filter()
