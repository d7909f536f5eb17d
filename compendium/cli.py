"""The command line: one function per verb, each a few lines over the library."""

from __future__ import annotations

import argparse
import datetime
import io
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from compendium.errors import CompendiumError, InvalidInput
from compendium.html.page import counted
from compendium.model import BuildStats
from compendium.pipeline import BUILD_STAGES, FORMATS, BuildRequest, run, run_check
from compendium.progress import Progress
from compendium.records.provenance import source_date_epoch
from compendium.records.sources import FRONT_MATTER_LINE, NOTE

log = logging.getLogger("compendium")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verb named in ``argv``; return the process exit code."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: outputs are written whole or not at all
        print("stopped.", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    """See main."""
    for stream in (sys.stdout, sys.stderr):  # a message may quote any file name or text
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    source_date_epoch()  # a SOURCE_DATE_EPOCH that is not a date is dropped, here and for
    # every library the build loads
    args = _parser().parse_args(_default_verb(list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=logging.INFO if args.verbose else NOTE,
                        format="%(levelname)s: %(message)s")
    try:
        return int(args.run(args))
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        # `check` never writes: saying "nothing was written" there would alarm for nothing.
        written = "" if args.verb == "check" else "; nothing was written"
        print(f"{len(exc.problems)} problem(s){written}.", file=sys.stderr)
        return 1
    except CompendiumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the machine refused a read or write the checks did not foresee
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def _default_verb(argv: list[str]) -> list[str]:
    """Make ``build`` the verb when none is given (``python build.py --out x``)."""
    verbs = {"build", "check", "import", "serve", "round", "comments", "new"}
    if not argv or (argv[0] not in verbs and argv[0] not in ("-h", "--help")):
        return ["build", *argv]
    return argv


def _parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per verb."""
    parser = argparse.ArgumentParser(prog="build.py", description=(
        "Compile the compendium: import raw pages, check records, build Markdown, HTML, PDF."))
    verbs = parser.add_subparsers(dest="verb", required=True)
    build = verbs.add_parser("build", help="build the chapters, HTML and PDF into out/")
    _add_common(build)
    build.add_argument("--out", type=Path, default=Path("out"), help="output folder (out/)")
    build.add_argument("--format", choices=(*FORMATS, "docx", "all"), default="all",
                       help="which editions to make besides the chapter Markdown (all: html "
                            "and pdf; docx: the Word edition)")
    mode = build.add_mutually_exclusive_group()
    mode.add_argument("--draft", dest="draft", action="store_true", default=True,
                      help="a draft for reviewers: Draft banner and marks (the default)")
    mode.add_argument("--publication", dest="draft", action="store_false",
                      help="the publication: no draft marks")
    build.add_argument("--pdfa", action="store_true",
                       help="a publication build whose PDF is PDF/A-3u (and PDF/UA-1) with the "
                            "records and the build manifest attached, for the archive")
    build.add_argument("--since", metavar="REF",
                       help="mark what changed since REF: a git revision of the sources, or "
                            "the compendium.manifest.json an earlier build wrote")
    build.add_argument("--no-cache", dest="use_cache", action="store_false",
                       help="build everything anew, ignoring .cache/ (the output is the same)")
    build.set_defaults(run=_build)
    check = verbs.add_parser("check", help="validate config and records, report every problem")
    _add_common(check)
    check.set_defaults(run=_check)
    serve = verbs.add_parser("serve", help="preview the HTML draft in a browser, rebuilt on "
                                           "every change")
    _add_common(serve)
    serve.add_argument("--out", type=Path, default=Path("out"), help="output folder (out/)")
    serve.add_argument("--port", type=_port, default=8000, help="port on 127.0.0.1 (8000)")
    serve.set_defaults(run=_serve)
    _add_import(verbs)
    _add_round(verbs)
    _add_comments(verbs)
    _add_new(verbs)
    return parser


def _add_comments(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``comments`` verb."""
    merge = verbs.add_parser("comments", help="merge reviewers' exported comments into the "
                                              "ledger (sources/comments.json) and list them")
    _add_common(merge)
    merge.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help="comment files reviewers exported from the draft")
    merge.add_argument("--resolve", nargs="+", default=[], metavar="ID",
                       help="mark these comments resolved (the next draft no longer shows them)")
    merge.set_defaults(run=_comments)


def _comments(args: argparse.Namespace) -> int:
    """Merge comment files and resolutions into the ledger, then list it per record."""
    from compendium.records import comments

    path = comments.ledger_path(args.sources)
    ledger, added = comments.merge(comments.read_ledger(path),
                                   comments.read_exports(args.files))
    ledger = comments.resolve(ledger, args.resolve)
    if args.files or args.resolve:
        comments.write_ledger(path, ledger)
    print("\n".join(comments.report(ledger)) or "no comments yet")
    print(f"{added} comment(s) added, {len(args.resolve)} resolved; ledger: {path}")
    return 0


def _add_round(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``round`` verb."""
    kept = verbs.add_parser("round", help="keep this draft (manifest and HTML) as review "
                                          "round NAME, for --since NAME without git")
    _add_common(kept)
    kept.add_argument("name", metavar="NAME", help="the round's name, e.g. round-1")
    kept.add_argument("--replace", action="store_true", help="replace a round of that name")
    kept.set_defaults(run=_round)


def _round(args: argparse.Namespace) -> int:
    """Keep the current draft as a named review round."""
    from compendium.rounds import keep_round

    folder = keep_round(_request(args), args.name, args.replace)
    print(f"kept round {args.name} in {folder}; compare a later draft with "
          f"`build.py build --since {args.name}`")
    return 0


def _port(text: str) -> int:
    """Return ``text`` as a TCP port number, or tell argparse what is wrong with it."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"`{text}` is not a port; expected 1 to 65535")
    return int(text)


def _add_common(parser: argparse.ArgumentParser) -> None:
    """Add the options every verb that reads records shares."""
    parser.add_argument("--sources", type=Path, default=Path("sources"),
                        help="folder of record files (sources/)")
    parser.add_argument("--config", type=Path, default=Path("compendium.yml"),
                        help="edition config (compendium.yml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say each stage")


def _add_import(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` verb."""
    from compendium.importer.command import add_arguments

    add_arguments(verbs.add_parser("import", help="import raw inventory pages into records"))


def _add_new(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``new`` verb: ``new record --entity ILO``, ``new entity ILO --name …``."""
    new = verbs.add_parser("new", help="write the skeleton of a new record or entity")
    what = new.add_subparsers(dest="what", required=True)
    record = what.add_parser("record", help="a record of a known entity, under sources/")
    record.add_argument("--entity", required=True, help="its entity's acronym (entities.yml)")
    record.add_argument("--kind", choices=("activity", "profile"), default="activity")
    entity = what.add_parser("entity", help="an entity in entities.yml and its profile")
    entity.add_argument("acronym", help="the acronym records will use, e.g. ILO")
    entity.add_argument("--name", required=True, help="its full name")
    for parser in (record, entity):
        _add_common(parser)
        parser.set_defaults(run=_new)


def _new(args: argparse.Namespace) -> int:
    """Write a skeleton and say where."""
    from compendium.records.scaffold import Project, new_entity, new_record

    project = Project(args.config, args.sources, datetime.date.today())
    if args.what == "record":
        print(f"wrote {new_record(project, args.entity, args.kind)}: fill in the fields, then "
              "remove `draft: true`")
        return 0
    registry, profile = new_entity(project, args.acronym, args.name)
    print(f"added {args.acronym} to {registry}; wrote {profile}: fill in the profile, then "
          "remove `draft: true`")
    return 0


def _request(args: argparse.Namespace) -> BuildRequest:
    """Turn parsed options into a build request."""
    formats = frozenset(FORMATS if getattr(args, "format", "all") == "all" else [args.format])
    archive = bool(getattr(args, "pdfa", False))
    draft = getattr(args, "draft", True) and not archive
    if getattr(args, "since", None) and not draft:
        raise CompendiumError("--since marks changes in a draft; it cannot be combined "
                              "with --publication")
    if hasattr(args, "out"):  # build and serve; check writes nothing
        _check_out_folder(args.out, args.sources)
    return BuildRequest(config=args.config, sources=args.sources,
                        out=getattr(args, "out", Path("out")), formats=formats,
                        draft=draft, since=getattr(args, "since", None), archive=archive,
                        use_cache=getattr(args, "use_cache", True))


def _check_out_folder(out: Path, sources: Path) -> None:
    """Refuse an output folder inside the sources: the next build would read the chapters
    it wrote as records."""
    if out.resolve().is_relative_to(sources.resolve()):
        raise CompendiumError(f"--out {out}: the output folder is inside the sources folder "
                              f"{sources}; expected a folder apart (out/)")


def _build(args: argparse.Namespace) -> int:
    """Build the compendium and print a summary."""
    _, stats = run(_request(args), BUILD_STAGES, Progress())
    print(_summary(stats))
    for path in stats.stale:
        # The Word edition is made only when asked for: "build makes every output" sent the
        # editor to a command that never makes it (an attack).
        remake = "`build.py build --format docx` makes it again" if path.suffix == ".docx" \
            else "`build.py build` makes every output"
        print(f"note: {path} is an earlier build's, perhaps of other sources (--format "
              f"{args.format} does not make it); {remake}", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve the live preview until interrupted."""
    from compendium.serve import serve

    return serve(_request(args), args.port)


def _check(args: argparse.Namespace) -> int:
    """Validate everything and say so."""
    sources, warnings = run_check(_request(args))
    lines = {file.path: file.front.line_of("review") for file in sources.files}
    flagged = [r for r in sources.records if r.review]
    for record in flagged:
        print(f"note: {record.path}:{lines.get(record.path, FRONT_MATTER_LINE)}: {record.id}: "
              f"review: {record.review} (a --publication build stops until the line is "
              "deleted)")
    drafts = [r for r in sources.records if r.draft]
    for record in drafts:
        print(f"note: {record.path}: {record.id}: draft: left out of a --publication build "
              "until its `draft: true` line is deleted")
    notes = (f", {len(flagged)} to review" if flagged else "") + \
        (f", {counted(len(drafts), 'draft', 'drafts')} left out of a publication"
         if drafts else "")
    warned = (f", {len(warnings)} warning(s) above (a --publication build stops on them)"
              if warnings else "")
    print(f"ok: {counted(len(sources.records), 'record', 'records')} in "
          f"{counted(len(sources.chapters), 'chapter', 'chapters')}, no problems"
          f"{notes}{warned}")
    return 0


def _summary(stats: BuildStats) -> str:
    """Return the one-line summary printed after a build."""
    pages = f", {stats.pages} PDF pages" if stats.pages else ""
    return (f"built {counted(stats.records, 'record', 'records')} into "
            f"{counted(stats.chapters, 'chapter', 'chapters')}{pages} "
            f"in {stats.seconds:.1f} s: {', '.join(str(p) for p in stats.outputs[-2:])}")
