"""The command line: one function per verb, each a few lines over the library."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from compendium.errors import CompendiumError, InvalidInput
from compendium.model import BuildStats
from compendium.pipeline import BUILD_STAGES, CHECK_STAGES, FORMATS, BuildRequest, run
from compendium.progress import Progress

log = logging.getLogger("compendium")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verb named in ``argv``; return the process exit code."""
    args = _parser().parse_args(_default_verb(list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        return int(args.run(args))
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    except CompendiumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _default_verb(argv: list[str]) -> list[str]:
    """Make ``build`` the verb when none is given (``python build.py --out x``)."""
    verbs = {"build", "check", "import", "serve"}
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
    build.add_argument("--format", choices=(*FORMATS, "all"), default="all",
                       help="which editions to make besides the chapter Markdown")
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
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (8000)")
    serve.set_defaults(run=_serve)
    _add_import(verbs)
    return parser


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


def _request(args: argparse.Namespace) -> BuildRequest:
    """Turn parsed options into a build request."""
    formats = frozenset(FORMATS if getattr(args, "format", "all") == "all" else [args.format])
    archive = bool(getattr(args, "pdfa", False))
    draft = getattr(args, "draft", True) and not archive
    if getattr(args, "since", None) and not draft:
        raise CompendiumError("--since marks changes in a draft; it cannot be combined "
                              "with --publication")
    return BuildRequest(config=args.config, sources=args.sources,
                        out=getattr(args, "out", Path("out")), formats=formats,
                        draft=draft, since=getattr(args, "since", None), archive=archive,
                        use_cache=getattr(args, "use_cache", True))


def _build(args: argparse.Namespace) -> int:
    """Build the compendium and print a summary."""
    _, stats = run(_request(args), BUILD_STAGES, Progress())
    print(_summary(stats))
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve the live preview until interrupted."""
    from compendium.serve import serve

    return serve(_request(args), args.port)


def _check(args: argparse.Namespace) -> int:
    """Validate everything and say so."""
    build, _ = run(_request(args), CHECK_STAGES)
    flagged = [r for r in build.records if r.review]
    for record in flagged:
        print(f"note: {record.path}:{record.line}: {record.id}: review: {record.review}")
    notes = f", {len(flagged)} to review" if flagged else ""
    print(f"ok: {len(build.records)} records in {len(build.chapters)} chapters, no problems"
          f"{notes}")
    return 0


def _summary(stats: BuildStats) -> str:
    """Return the one-line summary printed after a build."""
    pages = f", {stats.pages} PDF pages" if stats.pages else ""
    return (f"built {stats.records} records into {stats.chapters} chapters{pages} "
            f"in {stats.seconds:.1f} s: {', '.join(str(p) for p in stats.outputs[-2:])}")
