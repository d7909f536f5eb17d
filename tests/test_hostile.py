"""Hostile record text renders inert: nothing runs, nothing is fetched, no file is read.

A local HTTP server on 127.0.0.1 stands for "the internet": it must receive no request,
neither from WeasyPrint while the PDF is made nor from Chromium while the HTML is open.
"""

from __future__ import annotations

import base64
import http.server
import io
import random
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from compendium.errors import RenderError
from compendium.pdf.jobs import PdfJob, render_pdf
from tests.conftest import RecordFactory, pdf_text, run_cli

pytestmark = pytest.mark.slow

# A 1x1 PNG: the image a hostile text would try to pull in.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAh"
                       "Kmb6QAAAABJRU5ErkJggg==")


class Server:
    """A local HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Server:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    """Return a running request-recording server on 127.0.0.1."""
    with Server() as running:
        yield running


def hostile_bodies(url: str, outside: Path) -> dict[str, str]:
    """Return record bodies, each trying one way in; ``url`` is the local server."""
    return {
        "script": f"Before <script>window.pwned=1;fetch('{url}/script')</script> after.",
        "iframe": f"Framed <iframe src=\"{url}/iframe\"></iframe> text.",
        "style": f"Styled <style>@import url({url}/style.css); body{{display:none}}</style>.",
        "handler": "Handler <img src=x onerror=\"window.pwned=1\"> and "
                   "<a href=\"#\" onclick=\"window.pwned=1\">click</a>.",
        "attachment": "Attach <link rel=\"attachment\" href=\"file:///etc/passwd\"> here.",
        "javascript-link": "A [javascript link](javascript:window.pwned=1) and "
                           "<javascript:window.pwned=1>.",
        "data-link": "A [data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==).",
        "data-autolink": "An autolink "
                         "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>.",
        "file-autolink": "An autolink <file:///etc/passwd> here.",
        "file-image": "An image ![passwd](file:///etc/passwd) inline.",
        "outside-image": f"An image ![outside]({outside}) and ![up](../../../outside.png).",
        "http-image": f"An image ![remote]({url}/image.png) inline.",
        "svg-data-image": "An image ![svg](data:image/svg+xml;base64,"
                          "PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+) inline.",
        "raw-object": f"Object <object data=\"{url}/object\"></object> and "
                      f"<embed src=\"{url}/embed\">.",
        "meta-refresh": f"<meta http-equiv=\"refresh\" content=\"0;url={url}/meta\"> text.",
    }


@pytest.fixture
def hostile_project(project: Path, make_record: RecordFactory, server: Server,
                    tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Return a project whose records each carry one hostile body, plus a hostile profile."""
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    bodies = {name: body for name, body in hostile_bodies(server.url, outside).items()
              if name not in IMAGES}
    for name, body in bodies.items():
        make_record(id=f"hostile-{name}", body=f"Marker {name.replace('-', '')}. {body}")
    make_record(id="hostile-profile", kind="profile", entity="UNODC",
                name="<script>window.pwned=1</script>Office",
                address=f"<img src=\"{server.url}/address.png\">",
                body="Profile text.")
    return project, bodies


IMAGES = ("file-image", "outside-image", "http-image", "svg-data-image")
"""Images from anywhere but the project's images/ folder: refused by `check` (images.py)."""


def test_hostile_images_are_refused_before_anything_is_rendered(
        project: Path, make_record: RecordFactory, server: Server, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    for name in IMAGES:
        make_record(id=f"hostile-{name}", body=hostile_bodies(server.url, outside)[name])
    assert run_cli(project, "build") == 1
    refused = capsys.readouterr().err
    assert all(f"sources/hostile-{name}.md:9: hostile-{name}: body: image `" in refused
               for name in IMAGES)
    assert server.requests == [] and not (project / "out").exists()


def test_hostile_text_builds_with_a_warning_naming_each_record(
        hostile_project: tuple[Path, dict[str, str]], server: Server,
        caplog: pytest.LogCaptureFixture) -> None:
    project, bodies = hostile_project
    assert run_cli(project, "build") == 0
    warned = {m.split(":")[0] for m in caplog.messages}
    assert warned >= {f"hostile-{name}" for name in bodies}
    assert server.requests == []


def test_hostile_text_is_inert_in_the_pdf(hostile_project: tuple[Path, dict[str, str]],
                                          server: Server) -> None:
    project, _ = hostile_project
    assert run_cli(project, "build", "--format", "pdf") == 0
    pdf = project / "out" / "compendium.pdf"
    reader = pypdf.PdfReader(pdf)
    assert "/Names" not in reader.trailer["/Root"] or \
        "/EmbeddedFiles" not in reader.trailer["/Root"]["/Names"]
    assert all("/FileAttachment" not in str(annotation.get_object())
               for page in reader.pages for annotation in page.get("/Annots") or [])
    assert all(not page.images for page in reader.pages)
    text = pdf_text(pdf)
    assert "<script>window.pwned=1;" in text  # shown as text, not run or dropped silently
    assert "root:x:0:0" not in text
    assert server.requests == []


def test_hostile_text_is_inert_in_chromium(hostile_project: tuple[Path, dict[str, str]],
                                           server: Server, browser: Any) -> None:
    project, bodies = hostile_project
    assert run_cli(project, "build", "--format", "html") == 0
    html = project / "out" / "compendium.html"
    page = browser.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(html.as_uri(), wait_until="networkidle")
    found = page.evaluate("""() => {
        const records = [...document.querySelectorAll('article.record')];
        return {
            pwned: window.pwned === 1,
            elements: records.flatMap(r => [...r.querySelectorAll(
                'script, iframe, style, link, img, object, embed, meta, svg')]).length,
            handlers: records.flatMap(r => [...r.querySelectorAll('*')])
                .flatMap(e => [...e.attributes]).filter(a => a.name.startsWith('on')).length,
            unsafeLinks: [...document.querySelectorAll('a[href]')]
                .filter(a => !/^(https?:|mailto:|#)/.test(a.getAttribute('href'))).length,
            markers: records.map(r => r.innerText).join(' '),
        };
    }""")
    page.close()
    assert found["pwned"] is False
    assert dialogs == []
    assert (found["elements"], found["handlers"], found["unsafeLinks"]) == (0, 0, 0)
    assert all(f"Marker {name.replace('-', '')}." in found["markers"] for name in bodies)
    assert requests == [html.as_uri()]
    assert server.requests == []


REFUSED = {
    "stylesheet": '<link rel="stylesheet" href="{url}/sheet.css"><p>Text</p>',
    "css url": '<style>p {{ background: url({url}/background.png) }}</style><p>Text</p>',
    "css import": '<style>@import url({url}/import.css);</style><p>Text</p>',
    "http image": '<img src="{url}/image.png">',
    "passwd image": '<img src="file:///etc/passwd">',
    "outside image": '<img src="{outside}">',
    "relative escape": '<img src="../outside.png">',
    "attachment link": '<link rel="attachment" href="file:///etc/passwd"><p>Text</p>',
    "attachment anchor": '<a rel="attachment" href="{outside}">attached</a>',
    "object": '<object data="{url}/object.png"></object>',
}


@pytest.mark.parametrize("html", REFUSED.values(), ids=REFUSED)
def test_renderer_fetches_nothing_outside_the_project(tmp_path: Path, server: Server,
                                                      html: str) -> None:
    """Even HTML that reached the renderer unsanitized could not fetch or read a file:
    the build stops, naming what it refused, rather than publish a PDF missing a part."""
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    project = tmp_path / "project"
    project.mkdir()
    page = html.format(url=server.url, outside=outside.as_uri())
    with pytest.raises(RenderError, match=r"refused to (fetch|read)"):
        render_pdf(PdfJob(html=page, project=project))
    assert server.requests == []


def test_renderer_does_read_the_project_own_files(tmp_path: Path) -> None:
    """The control for the test above: an image inside the project is embedded."""
    (tmp_path / "logo.png").write_bytes(PNG)
    pdf = render_pdf(PdfJob(html='<img src="logo.png" alt="Logo" style="width: 2cm">',
                            project=tmp_path))
    assert sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages) == 1


def test_a_stylesheet_url_is_not_fetched_by_the_opened_draft(
        project: Path, make_record: RecordFactory, server: Server, browser: Any) -> None:
    """The draft's Content-Security-Policy lets nothing load from outside the file, even
    what the project's own stylesheet or a template asks for."""
    make_record()
    screen = project / "styles" / "screen.css"
    screen.write_text(screen.read_text(encoding="utf-8") + f"\nbody {{ background: url("
                      f"{server.url}/background.png); }}\n@import url({server.url}/x.css);\n"
                      f"@font-face {{ font-family: X; src: url({server.url}/font.woff); }}\n"
                      "p { font-family: X; }\n", encoding="utf-8")
    template = project / "templates" / "compendium.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "</body>", f'<img src="{server.url}/image.png"><script src="{server.url}/s.js">'
                   "</script></body>"), encoding="utf-8")
    assert run_cli(project, "build", "--format", "html") == 0
    page = browser.new_page()
    page.goto((project / "out" / "compendium.html").as_uri(), wait_until="networkidle")
    shown = page.evaluate("() => document.fonts.ready.then(() => document.body.innerText)")
    page.close()
    assert "Some text about the work." in shown
    assert server.requests == []


@pytest.mark.slow
def test_a_record_id_the_book_already_uses_is_refused_naming_the_record(
        small_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every id the rendered page gives to something that is not a record (parts of the
    book, headings, paragraphs), tried as a record's id: found in the page, not listed."""
    from compendium.records.validate import ID, ID_ATTRIBUTE

    assert run_cli(small_project, "build", "--format", "html") == 0
    page = (small_project / "out" / "compendium.html").read_text()
    records = {p.stem for p in (small_project / "sources").rglob("*.md")}
    taken = sorted({i for i in ID_ATTRIBUTE.findall(page) if ID.match(i)} - records)
    assert {"annex-sources", "acronyms", "introduction"} <= set(taken)
    assert any(re.fullmatch(r".+-p\d+", i) for i in taken)  # another record's paragraph
    chosen = random.Random(16).sample(taken, min(12, len(taken)))
    folder = small_project / "sources" / "taken"
    folder.mkdir()
    for rid in chosen:
        (folder / f"{rid}.md").write_text(
            f"---\nid: {rid}\nkind: activity\nentity: IOM\nprovenance: {{kind: e-mail, "
            "note: a focal point, date: 2026-01-05}\n---\nText of a record whose id is taken.\n")
    for command in ("check", "build"):  # all in one run, before any output
        assert run_cli(small_project, command) == 1
        err = capsys.readouterr().err
        for rid in chosen:
            assert f"sources/taken/{rid}.md:2: {rid}: id: the compendium already has an " \
                f"element with id `{rid}`" in err, (command, rid, err)


@pytest.mark.slow
def test_a_link_to_no_id_is_a_warning_naming_its_record(
        small_project: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = small_project / "sources" / "links"
    folder.mkdir()
    targets = {"nowhere": "no-such-anchor", "typo": "iom-profil", "gone": "iom-profile-p99",
               "fine": "iom-profile", "part": "annex-sources"}
    for name, target in targets.items():
        (folder / f"links-{name}.md").write_text(
            f"---\nid: links-{name}\nkind: activity\nentity: IOM\nprovenance: {{kind: "
            f"e-mail, note: a focal point, date: 2026-01-05}}\n---\nSee [there](#{target}).\n")
    for command in ("check", "build"):
        caplog.clear()
        assert run_cli(small_project, command, *(("--format", "html") if command == "build"
                                                 else ())) == 0
        dangling = sorted(m for m in caplog.messages if "lands nowhere" in m)
        assert [m.split(":")[0] for m in dangling] == ["links-gone", "links-nowhere",
                                                       "links-typo"], command
        assert all("sources/links/links-" in m for m in dangling)
