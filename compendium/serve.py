"""Live preview: serve the HTML draft on 127.0.0.1 and rebuild it whenever an input changes.

The HTML is rebuilt in this process at once (the build cache makes that a fraction of a
second); the PDF is rebuilt after it, in a thread, from the sources the HTML rebuild read
and checked, by worker processes kept from one build to the next (warm: WeasyPrint loaded,
fonts and stylesheets parsed). A build still running when another edit arrives stops and
starts again; outputs are written atomically, so stopping never leaves a broken file. A
broken record does not stop the server: the page shows the problems instead.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import html
import http.server
import logging
import signal
import threading
import time
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import watchfiles

from compendium.errors import BuildStopped, CompendiumError, InvalidInput
from compendium.pdf.workers import Workers
from compendium.pipeline import (
    BUILD_STAGES,
    HTML_NAME,
    PREVIEW_PDF_STAGES,
    Build,
    BuildRequest,
    run,
)

log = logging.getLogger(__name__)

RELOAD_SCRIPT = """<script>
(function () {  // live preview: reload when the server has a newer build than this page
  const shown = "%d";
  // Where the reader is: the record at the top of the window and how far it is scrolled.
  // A problems page in between keeps it, so a fixed draft comes back at the same place.
  const draft = document.querySelector("article.record") !== null;
  const place = () => {
    const top = [...document.querySelectorAll("article.record")]
      .find(r => r.getBoundingClientRect().bottom > 0);
    return top ? {id: top.id, offset: top.getBoundingClientRect().top} : null;
  };
  const saved = JSON.parse(sessionStorage.getItem("preview-place") || "null");
  history.scrollRestoration = "manual";  // the browser's would put back the problems page's
  const restore = () => {
    const target = saved && document.getElementById(saved.id);
    if (target) scrollTo(0, target.getBoundingClientRect().top + scrollY - saved.offset);
    addEventListener("scroll", () =>
      sessionStorage.setItem("preview-place", JSON.stringify(place())), {passive: true});
  };
  // Once laid out with its fonts: the place is measured in the final layout.
  if (draft) addEventListener("load", () => document.fonts.ready.then(restore));
  setInterval(async () => {
    try {
      const now = await (await fetch("/__version", {cache: "no-store"})).text();
      if (now !== shown) location.reload();
    } catch (error) { /* server restarting: try again */ }
  }, 400);
})();
</script>"""
IDLE_SECONDS = 5
"""How long the preview keeps a connection that sends nothing (a browser asks again)."""
MAX_CONNECTIONS = 64
"""Connections served at once."""


@dataclass
class Preview:
    """What the server shows: the latest HTML (or the problems), and its version."""

    request: BuildRequest
    page: bytes = b""
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: float = 0.0
    """How long the last rebuild took until its page was served."""
    prepared: Build | None = None
    """The last rebuild's sources, read and checked, for the PDF's (None if it failed
    before they were)."""

    def rebuild(self) -> None:
        """Rebuild the HTML edition now, or a page listing what stops it."""
        started = time.perf_counter()
        self.prepared = None
        try:
            run(replace(self.request, formats=frozenset({"html"})),
                (("keep the sources for the PDF", self._keep), *BUILD_STAGES))
            page = (self.request.out / HTML_NAME).read_bytes()
            summary = f"HTML rebuilt in {time.perf_counter() - started:.2f} s"
        except InvalidInput as exc:
            page = problems_page([str(p) for p in exc.problems])
            summary = f"{len(exc.problems)} problem(s): the page shows them"
        except CompendiumError as exc:
            page = problems_page([str(exc)])
            summary = f"error: {exc}"
        except Exception as exc:  # a bug: the preview says so in the page and keeps going
            log.exception("HTML not rebuilt: unexpected error")
            page = problems_page([f"unexpected error (a bug in the compendium compiler; "
                                  f"please report it): {type(exc).__name__}: {exc}"])
            summary = "error: unexpected, see above"
        with self.lock:
            self.version += 1
            script = (RELOAD_SCRIPT % self.version).encode()
            # The draft's policy forbids every connection; the preview's script asks this
            # server (and only it) for the latest version.
            page = page.replace(b"connect-src 'none'", b"connect-src 'self'", 1)
            self.page = page.replace(b"</body>", script + b"\n</body>", 1)
        self.seconds = time.perf_counter() - started
        print(summary, flush=True)
        settle_memory()

    def _keep(self, build: Build) -> Build:
        """Keep ``build`` as prepare left it, for the PDF rebuild (a stage of the HTML's)."""
        self.prepared = build
        return build


class PdfRebuilds:
    """The preview's PDF: rebuilt in a thread of its own whenever asked, by workers kept warm
    between builds; a build still running when a newer one is asked for stops first."""

    def __init__(self, request: BuildRequest) -> None:
        self.request = replace(request, formats=frozenset({"pdf"}))
        self.seconds = 0.0
        """How long the last build that finished took."""
        self._asked = 0  # builds asked for, the last one started, the last one that ended
        self._started = 0
        self._done = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()  # stops the build under way
        self._closed = False
        self._workers: Workers | None = None
        self._prepared: Build | None = None  # the sources of the last build asked for
        self._thread = threading.Thread(target=self._loop, daemon=True, name="pdf-rebuilds")
        self._thread.start()

    def ask(self, prepared: Build | None = None) -> None:
        """Rebuild the PDF from the sources as they are now (as the HTML rebuild has just
        ``prepared`` them, if given), stopping a build under way."""
        with self._changed:
            self._prepared = prepared
            self._asked += 1
            self._stop.set()
            self._changed.notify_all()

    def interrupt(self) -> None:
        """Stop the build under way, if any (the sources are changing: it is out of date)."""
        self._stop.set()

    def wait(self, timeout: float) -> bool:
        """Wait until the last build asked for is done; return whether it is."""
        with self._changed:
            return self._changed.wait_for(lambda: self._done == self._asked, timeout)

    def close(self) -> None:
        """Stop building, and let the workers go."""
        with self._changed:
            self._closed = True
            self._stop.set()
            self._changed.notify_all()
        self._thread.join()
        if self._workers is not None:
            self._workers.stop()

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or self._asked > self._started)
                if self._closed:
                    return
                self._started = number = self._asked
                prepared, self._prepared = self._prepared, None
                self._stop.clear()
            if self._build(prepared):
                with self._changed:
                    self._done = max(self._done, number)
                    self._changed.notify_all()

    def _build(self, prepared: Build | None) -> bool:
        """Build the PDF once (from the sources ``prepared``, if given); return False if it
        was stopped by a newer build."""
        started = time.perf_counter()
        if self._workers is None:
            self._workers = Workers(keep=True)
        try:
            _, stats = run(self.request, PREVIEW_PDF_STAGES, workers=self._workers,
                           stop=self._stop, prepared=prepared)
        except BuildStopped:
            return False
        except InvalidInput as exc:
            print(f"PDF not rebuilt: {len(exc.problems)} problem(s), shown in the page",
                  flush=True)
        except CompendiumError as exc:
            print(f"PDF not rebuilt: {exc}", flush=True)
        except BrokenProcessPool:  # a worker was killed: start new ones for the next build
            self._workers.shutdown(wait=False)
            self._workers = None
            print("PDF not rebuilt: a PDF worker stopped; save again to retry", flush=True)
        except Exception:  # a bug: say so, and keep rebuilding after the next edit
            log.exception("PDF not rebuilt: unexpected error")
        else:
            self.seconds = time.perf_counter() - started
            print(f"PDF rebuilt in {self.seconds:.2f} s ({stats.pages} pages)", flush=True)
        settle_memory()  # the next HTML rebuild would otherwise collect this build's garbage
        return True


def settle_memory() -> None:
    """Collect this build's garbage, then exempt what survives (the records, rendered
    articles and caches the next rebuild reuses) from later collections, which then look
    only at new objects instead of walking them all every few rebuilds."""
    gc.collect()
    gc.freeze()


def problems_page(problems: Iterable[str]) -> bytes:
    """Return an HTML page listing build problems (escaped: they quote record text)."""
    items = "\n".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f'script-src \'unsafe-inline\'; connect-src \'self\'"><title>Build '
            f'problems</title></head><body><main><h1>The compendium cannot be built</h1>'
            f'<p>Fix these and save: the page reloads by itself.</p><ul class="problems">'
            f'{items}</ul></main></body></html>').encode()


def handler_for(preview: Preview) -> type[http.server.BaseHTTPRequestHandler]:
    """Return a request handler serving ``preview``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = IDLE_SECONDS  # an idle connection lets its thread go

        def do_GET(self) -> None:
            self._answer(head=False)

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def _answer(self, head: bool) -> None:
            if not is_local_host(self.headers.get("Host", ""), self.connection.getsockname()[1]):
                # A page elsewhere whose name was pointed at 127.0.0.1 (DNS rebinding) must
                # not read the draft: only the names of this machine are answered.
                self.send_error(421, "this preview answers http://127.0.0.1 only")
                return
            found = self._body(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
            else:
                self._send(*found, head=head)

        def _body(self, path: str) -> tuple[bytes, str] | None:
            pdf = preview.request.out / "compendium.pdf"
            if path in ("/", "/compendium.html"):
                with preview.lock:
                    return preview.page, "text/html; charset=utf-8"
            if path == "/__version":
                return str(preview.version).encode(), "text/plain"
            if path == "/compendium.pdf":
                with contextlib.suppress(OSError):
                    return pdf.read_bytes(), "application/pdf"
            return None

        def _send(self, body: bytes, kind: str, head: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            # The browser may have gone away (reload, closed tab): nothing to do then.
            with contextlib.suppress(OSError):
                if not head:
                    self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass  # one line per rebuild is enough on the editor's terminal

    return Handler


class PreviewServer(http.server.ThreadingHTTPServer):
    """A thread per connection, at most MAX_CONNECTIONS at once: a connection beyond them is
    closed at once (a browser opens six; hundreds of idle ones would each hold a thread)."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog: a burst of connections is not refused

    def __init__(self, address: tuple[str, int],
                 handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve ``request`` in a thread of its own if a slot is free, else close it."""
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve the request, then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def is_local_host(host: str, port: int | str) -> bool:
    """Return whether a request's Host header names this machine on the preview's port."""
    return host in {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}


def watched(request: BuildRequest) -> list[Path]:
    """Return what the preview watches: sources, templates, styles, config files and the
    front matter's folder."""
    project = request.project
    return [p for p in (request.sources, project / "templates", project / "styles",
                        request.config.resolve(), project / "entities.yml",
                        project / "glossary.yml", project / "front") if p.exists()]


def serve(request: BuildRequest, port: int, stop: threading.Event | None = None) -> int:
    """Serve the preview until interrupted (or ``stop`` is set)."""
    preview = Preview(request)
    try:  # the port first: a busy one should not wait for a build to be said
        server = PreviewServer(("127.0.0.1", port), handler_for(preview))
    except OSError as exc:
        raise CompendiumError(f"cannot serve on 127.0.0.1 port {port}: {exc.strerror}; is "
                              "another preview running? Choose another with --port") from exc
    preview.rebuild()
    pdf = PdfRebuilds(request)
    pdf.ask(preview.prepared)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving the draft at http://127.0.0.1:{server.server_address[1]}/ "
          "(Ctrl-C to stop)", flush=True)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():  # `kill`: stop as on Ctrl-C
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        # `kill -USR1` prints every thread's stack: what a preview that does not stop waits
        # for (the tests ask for it when one does not end in time).
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        while not stop.is_set():
            follow_changes(request, preview, pdf, stop)
    finally:
        server.shutdown()
        pdf.close()
    return 0


def follow_changes(request: BuildRequest, preview: Preview, pdf: PdfRebuilds,
                   stop: threading.Event) -> None:
    """Rebuild after each change, until ``stop`` or until a watched file was replaced.

    A file is watched by its inode: an editor that saves by writing a new file and renaming
    it over the old (vim, many others) leaves the watch on the old one, and the next save
    would go unseen. After such a change the caller watches again, the new file included."""
    files = {str(p) for p in watched(request) if p.is_file()}
    for changes in watchfiles.watch(*watched(request), stop_event=stop, debounce=50, step=20,
                                    watch_filter=_not_output(request), raise_interrupt=False):
        refresh(preview, pdf)
        if any(path in files for _, path in changes):
            return
    stop.set()  # the watch ended: interrupted (Ctrl-C) or asked to stop


def refresh(preview: Preview, pdf: PdfRebuilds) -> None:
    """Rebuild after an edit: the HTML at once, then the PDF, from the sources the HTML
    rebuild read and checked."""
    pdf.interrupt()  # now, not after the HTML: it would slow the HTML down
    preview.rebuild()
    pdf.ask(preview.prepared)


def _not_output(request: BuildRequest) -> watchfiles.DefaultFilter:
    """Ignore the output folder, the cache and editors' temporary files."""
    out = str(request.out.resolve())

    class Filter(watchfiles.DefaultFilter):
        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            return not path.startswith(out) and "/.cache/" not in path and \
                super().__call__(change, path)

    return Filter()
