"""Command line: ``qadeck [build|lint|import|serve|init|push] …``; ``python build.py …`` is the same CLI."""
from __future__ import annotations

import argparse
import gc
import os
import shlex
import signal
import sys
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

from .changes import summary
from .errors import InputError, QadeckError, UsageError, display_path
from .history import Clock
from .notetype import project_templates
from .pipeline import DEFAULT_CACHE_DIR, BuildOptions, BuildResult, build

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
EXIT_TERMINATED = 128 + signal.SIGTERM
NEAR_DUPLICATES_SHOWN = 20  # a paraphrasing corpus can have thousands; the first ones say what to do


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so every temp file is removed on the way out."""


COMMANDS = {
    "build": "build the decks (the default when no command is given)",
    "lint": "check the cards against the rules of good flashcards",
    "import": "turn Q&A Markdown articles into card files",
    "serve": "preview the cards in a browser, rebuilding on every change",
    "init": "start a new corpus project in a folder",
    "push": "build and import into a closed Anki desktop collection",
}


def build_parser(prog: str = "build.py", add_help: bool = True) -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<7} {text}" for name, text in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog=prog, description="Build Anki decks (.apkg) from the YAML card corpus.", add_help=add_help,
        usage=f"{prog} [options]" if " " in prog else f"{prog} [build] [options]  |  {prog} COMMAND [options]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"commands:\n{commands}\n\nSee '{prog} COMMAND --help' for each command's options.")
    parser.add_argument("--tags", metavar="T[,T...]",
                        help="keep only cards having any of these topics or tags (topic::x, source::x and parents work)")
    parser.add_argument("--cards", type=Path, default=Path("cards"), metavar="DIR", help="corpus directory (default: cards/)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the package here (default: dist/<deck-slug>[-<tags>].apkg)")
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    parser.add_argument("--html", type=Path, metavar="FILE", help="also write a self-contained HTML preview of the selected cards")
    parser.add_argument("--templates", type=Path, metavar="DIR",
                        help="note type templates (default: templates/ beside the corpus folder, else qadeck's own)")
    parser.add_argument("--no-cache", action="store_true", help="render every card again; neither read nor write the render cache")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, metavar="DIR", help="render cache (default: .cache/qadeck/)")
    parser.add_argument("--jobs", type=_positive, metavar="N", help="render with N processes (default: the cores, when there is enough to render)")
    parser.add_argument("--all-duplicates", action="store_true",
                        help=f"print every near-duplicate warning (default: the first {NEAR_DUPLICATES_SHOWN})")
    parser.add_argument("-v", "--verbose", action="store_true", help="print how long each stage took (on stderr)")
    parser.set_defaults(prog=prog.split()[0])  # the program's own name, for hints
    parser.add_argument("--changes-since", metavar="REF", help="list the cards added, changed and retired since this git "
                        "ref in the top deck's description (default: the newest tag, if any; '' for none)")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def import_parser(prog: str = "build.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} import", description="Turn Q&A Markdown articles into card files.")
    parser.add_argument("articles", type=Path, nargs="+", metavar="ARTICLE.md")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write all cards to this one file (default: cards/<article-slug>.yaml each)")
    parser.add_argument("--force", action="store_true", help="overwrite existing card files")
    parser.add_argument("--cards", type=Path, default=Path("cards"), metavar="DIR", help="corpus directory (default: cards/)")
    return parser


def push_parser(prog: str = "build.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{prog} push", parents=[build_parser(prog, add_help=False)],
        description="Build the deck and import it into a closed Anki desktop collection, keeping your own tags, "
                    "suspending retired cards. Needs: pip install -e '.[anki]'")
    parser.add_argument("--collection", type=Path, required=True, metavar="PATH",
                        help="the collection.anki2 of your Anki profile (close Anki first)")
    parser.add_argument("--dry-run", action="store_true", help="do everything on a temporary copy; change nothing")
    parser.add_argument("--delete-retired", action="store_true", help="delete retired notes that were never reviewed")
    parser.add_argument("--move", action="store_true", help="move cards whose primary topic changed to their new subdeck")
    return parser


def serve_parser(prog: str = "build.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{prog} serve", parents=[build_parser(prog, add_help=False)],
        description="Serve the preview page on 127.0.0.1, rebuild when cards/ or templates/ change, and reload "
                    "the page. A card file with an error shows its problems on the page. Ctrl-C stops.")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    return parser


def init_parser(prog: str = "build.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} init", description="Start a new corpus project: cards/topics.yaml, "
                                     "two example cards, .gitignore and a README. Existing files are never overwritten.")
    parser.add_argument("directory", type=Path, nargs="?", default=Path("."), metavar="DIR")
    parser.add_argument("--deck", default="My Deck", help="the deck's name (default: 'My Deck')")
    return parser


def lint_parser(prog: str = "build.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} lint", description="Check every card against the rules of good flashcards "
                                     "(see README, 'Card-quality lint'). Exit 2 on errors, and with --strict on warnings too.")
    parser.add_argument("--cards", type=Path, default=Path("cards"), metavar="DIR", help="corpus directory (default: cards/)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text: file:line: card 'id': RULE message (default); json: a list of objects")
    parser.add_argument("--strict", action="store_true", help="exit 2 when any warning is reported")
    parser.add_argument("--no-cache", action="store_true", help="analyse every card again; neither read nor write the lint cache")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, metavar="DIR", help="cache (default: .cache/qadeck/)")
    return parser


def sorted_problems(problems):
    """By file, then line (a stable sort: problems of one line keep the order they were found in)."""
    def key(problem):
        where = problem.location
        return (0, "", 0) if where is None else (1, str(where.path), where.line or 0)
    return sorted(problems, key=key)


def runnable(prog: str, in_dir: Path | None = None) -> str:
    """How a user types the program in a hint: ``build.py`` is a script run by python, from here
    (or, for a hint that changes into ``in_dir`` first, by its path from there)."""
    if prog != "build.py":
        return prog
    if in_dir is None:
        return "python build.py"
    return f"python {shlex.quote(os.path.relpath(Path.cwd() / 'build.py', Path(in_dir).resolve()))}"


def program_name(argv0: str | None = None) -> str:
    """``build.py`` when run as the checkout's script, else ``qadeck`` (console script, python -m)."""
    return "build.py" if Path(argv0 if argv0 is not None else sys.argv[0]).name == "build.py" else "qadeck"


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    previous = _on_sigterm()
    # A build keeps hundreds of thousands of objects until it ends (cards, HTML, notes); at the default
    # thresholds the collector scans them over and over: ~0.2 s of a warm 10,000-card build.
    collector = gc.get_threshold()
    gc.set_threshold(20_000, 20, 20)
    try:
        return _main(argv, prog)
    finally:
        gc.set_threshold(*collector)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm():
    """Turn SIGTERM into the Terminated exception (main thread only); returns the old handler."""
    def terminate(signum, frame):
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _main(argv: list[str], prog: str | None) -> int:
    prog = prog or program_name()
    command = argv[0] if argv and argv[0] in COMMANDS else "build"
    args = argv[1:] if argv and argv[0] in COMMANDS else argv
    try:
        if command == "import":
            return _import(import_parser(prog).parse_args(args), prog)
        if command == "push":
            return _push(push_parser(prog).parse_args(args))
        if command == "serve":
            return _serve(serve_parser(prog).parse_args(args))
        if command == "init":
            return _init(init_parser(prog).parse_args(args), prog)
        if command == "lint":
            return _lint(lint_parser(prog).parse_args(args), prog)
        return _build(build_parser(f"{prog} build" if argv[:1] == ["build"] else prog).parse_args(args))
    except InputError as exc:
        for problem in sorted_problems(exc.problems):
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found; nothing written.", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except QadeckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted; nothing written.", file=sys.stderr)
        return EXIT_FAILURE
    except Terminated:
        print("terminated; nothing written.", file=sys.stderr)
        return EXIT_TERMINATED
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a bug, not bad input: say so briefly, keep details on request
        if os.environ.get("QADECK_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (set QADECK_DEBUG=1 for a traceback)", file=sys.stderr)
        return EXIT_FAILURE


def _options(args: argparse.Namespace, **changes) -> BuildOptions:
    tags = tuple(t.strip() for t in (args.tags or "").split(",") if t.strip())
    if args.tags is not None and not tags:
        raise UsageError(f"--tags {args.tags!r} names no tag; give at least one, e.g. --tags hardware (or leave --tags out)")
    options = BuildOptions(cards_dir=args.cards, tags=tags, output=args.output, check_only=args.check,
                           templates_dir=args.templates or project_templates(args.cards), html=args.html,
                           cache_dir=None if args.no_cache else args.cache_dir, jobs=args.jobs,
                           changes_since=args.changes_since)
    return replace(options, **changes)


def _run_build(args: argparse.Namespace, options: BuildOptions, show_output: bool = True) -> BuildResult:
    with _ProgressBar() as progress:
        result = build(options, Clock.from_environment(), progress)
    if args.verbose:
        print(_timing_line(result), file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    near = result.near_duplicates
    shown = near if args.all_duplicates else near[:NEAR_DUPLICATES_SHOWN]
    for warning in shown:
        print(f"warning: {warning}", file=sys.stderr)
    if len(near) > len(shown):
        print(f"warning: … and {len(near) - len(shown)} more near-duplicate question(s); "
              f"`{runnable(args.prog)} --check --all-duplicates` lists them", file=sys.stderr)
    print(_lint_line(result.lint_warnings, args.cards, args.prog), file=sys.stderr)
    _print_summary(result, show_output)
    return result


def _build(args: argparse.Namespace) -> int:
    _run_build(args, _options(args))
    return EXIT_OK


def _push(args: argparse.Namespace) -> int:
    from .push import check_collection, push  # only push needs the anki package

    if args.check:
        raise UsageError("push builds the deck; leave out --check")
    check_collection(args.collection)  # before building: a wrong path fails fast
    with tempfile.TemporaryDirectory(prefix="qadeck-push-") as tmp:
        output = args.output or Path(tmp) / "deck.apkg"
        result = _run_build(args, _options(args, output=output), show_output=args.output is not None)
        report = push(result.output, result.plan, args.collection, dry_run=args.dry_run,
                      delete_retired=args.delete_retired, move=args.move)
    print(("dry run, collection unchanged: " if report.dry_run else f"pushed into {display_path(args.collection)}: ")
          + f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged")
    for label, ids in (("skipped, your copy is newer", report.newer_in_collection),
                       ("skipped, note type conflict", report.conflicting), ("added", report.added), ("updated", report.updated),
                       ("unchanged", report.unchanged if args.verbose else [])):  # usually most of the deck
        if ids:
            print(f"  {label} ({len(ids)}): {', '.join(ids)}")
    print(f"  kept your own tags on {report.tags_kept} note(s); suspended {report.suspended} retired card(s)"
          + (f"; deleted {report.deleted} unreviewed retired note(s)" if args.delete_retired else "")
          + (f"; moved {report.moved} card(s)" if args.move else ""))
    if not report.dry_run:
        print("Open Anki and sync: your phone gets the update on its next sync.")
    return EXIT_OK


class _ProgressBar:
    """A tqdm bar on stderr for long stages, only when stderr is a terminal (never in logs or pipes)."""

    MIN_TOTAL = 200  # fewer cards to render finish before a bar would be worth reading

    def __init__(self) -> None:
        self._bar = None
        self._stage = ""
        self._enabled = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self._enabled or total < self.MIN_TOTAL:
            return
        if self._bar is None or stage != self._stage:
            self.close()
            try:
                from tqdm import tqdm
            except ImportError:
                self._enabled = False
                return
            tqdm.monitor_interval = 0  # no monitor thread: rendering may fork worker processes
            self._bar = tqdm(total=total, desc=stage, unit="card", file=sys.stderr, leave=False, dynamic_ncols=True)
            self._stage = stage
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "_ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _timing_line(result: BuildResult) -> str:
    parts = [f"{stage} {seconds:.2f}s" for stage, seconds in result.timings.items()]
    stats = result.render_stats
    if stats is not None:
        detail = f"{stats.cached} cached, {stats.rendered} rendered"
        if stats.rendered:
            detail += f" by {stats.jobs} process{'es' if stats.jobs > 1 else ''}"
        if stats.cache is None:
            detail += ", no cache"
        elif stats.cache.error:
            detail += f", cache not written: {stats.cache.error}"
        elif stats.cache.damaged:
            detail += f", {stats.cache.damaged} damaged cache file(s) replaced"
        parts = [f"{p} ({detail})" if p.startswith("render ") else p for p in parts]
    parts.append(f"total {sum(result.timings.values()):.2f}s")
    return "timing: " + ", ".join(parts)


def _lint(args: argparse.Namespace, prog: str) -> int:
    from .lint import format_json, format_text, lint_directory, summary

    report = lint_directory(args.cards, cache_dir=None if args.no_cache else args.cache_dir)
    sys.stdout.write(format_json(report) if args.format == "json" else format_text(report))
    print(summary(report), file=sys.stderr)
    return EXIT_INVALID if report.errors or (args.strict and report.warnings) else EXIT_OK


def _import(args: argparse.Namespace, prog: str) -> int:
    from .importer import run_import  # the build never pays for the importer

    report = run_import(args.articles, args.output, args.force, args.cards)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in report.written:
        print(f"wrote {display_path(path)}")
    print(f"{report.cards} card(s) imported; review them, then {_check_hint(args, prog)}")
    return EXIT_OK


def _check_hint(args: argparse.Namespace, prog: str) -> str:
    """A command that really checks what was written (``--check`` reads only the corpus folder)."""
    command = runnable(prog)
    cards = Path(args.cards)
    flag = "" if cards == Path("cards") else f" --cards {shlex.quote(display_path(cards))}"
    if args.output is None or Path(args.output).resolve().parent == cards.resolve():
        return f"run: {command} --check{flag}"
    folder = Path(args.output).parent
    if (folder / "topics.yaml").is_file():
        return f"run: {command} --check --cards {shlex.quote(display_path(folder))}"
    # A card file is checked together with its corpus (its topics.yaml): move it there, then check.
    return f"run: mv {shlex.quote(display_path(args.output))} {shlex.quote(display_path(cards))}/ && {command} --check{flag}"


def _init(args: argparse.Namespace, prog: str) -> int:
    from .scaffold import create_project

    written, kept = create_project(args.directory, args.deck)
    for path in written:
        print(f"wrote {display_path(path)}")
    for path in kept:
        print(f"kept {display_path(path)} (exists; not overwritten)")
    here = Path(args.directory).resolve() == Path.cwd().resolve()
    where = "" if here else f"cd {shlex.quote(display_path(args.directory))} && "
    command = runnable(prog, None if here else args.directory)
    print(f"next: {where}{command} build   (or: {command} serve, to preview while you write)")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    options = _options(args, check_only=False)
    serve(options, args.port, announce=lambda line: print(line, flush=True))
    print("stopped.")
    return EXIT_OK


def _lint_line(warnings: int, cards: Path, prog: str) -> str:
    if not warnings:
        return "lint: no problems found"
    where = "" if cards == Path("cards") else f" --cards {shlex.quote(str(cards))}"
    return f"lint: {warnings} warning(s); run: {runnable(prog)} lint{where}"


def _print_summary(result: BuildResult, show_output: bool = True) -> None:
    total = sum(result.deck_counts.values())
    print(f"{result.corpus.deck}: {total} note(s)")  # a corpus card is one note; a cloze note has a card per deletion
    width = max(_width(name) for name in result.deck_counts)
    for name, count in sorted(result.deck_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {name}{' ' * (width - _width(name))}  {count:>5}")
    if result.retired:
        print(f"  + {result.retired} retired note(s), tagged qadeck::retired")
    if result.changes is not None:
        print(summary(result.changes))
    if result.output is None:
        print("check passed; nothing written.")
    elif show_output:  # push builds into a temporary file the user never sees
        print(f"wrote {display_path(result.output)} ({_size(result.size)})")
    if result.html is not None:
        print(f"wrote {display_path(result.html)} (preview)")
    if result.ledger is not None:
        print(f"wrote {display_path(result.ledger)} (the retirement ledger: commit it with your cards)")


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"
