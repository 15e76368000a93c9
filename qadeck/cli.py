"""Command line: ``python build.py [--tags T] [--cards DIR] [-o FILE] [--check]``."""
from __future__ import annotations

import argparse
import os
import sys
import unicodedata
from pathlib import Path

from .errors import InputError, QadeckError, UsageError, display_path
from .history import Clock
from .notetype import DEFAULT_TEMPLATES
from .pipeline import DEFAULT_CACHE_DIR, BuildOptions, BuildResult, build

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
NEAR_DUPLICATES_SHOWN = 20  # a paraphrasing corpus can have thousands; the first ones say what to do


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build Anki decks (.apkg) from the YAML card corpus.",
        epilog="To turn Q&A articles into card files: build.py import ARTICLE.md [...] (see build.py import --help)")
    parser.add_argument("--tags", default="", metavar="T[,T...]", help="keep only cards having any of these topics or tags")
    parser.add_argument("--cards", type=Path, default=Path("cards"), metavar="DIR", help="corpus directory (default: cards/)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the package here (default: dist/<deck-slug>[-<tags>].apkg)")
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    parser.add_argument("--html", type=Path, metavar="FILE", help="also write a self-contained HTML preview of the selected cards")
    parser.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES, metavar="DIR", help="note type templates (default: templates/)")
    parser.add_argument("--no-cache", action="store_true", help="render every card again; neither read nor write the render cache")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, metavar="DIR", help="render cache (default: .cache/qadeck/)")
    parser.add_argument("--jobs", type=_positive, metavar="N", help="render with N processes (default: the cores, when there is enough to render)")
    parser.add_argument("--all-duplicates", action="store_true",
                        help=f"print every near-duplicate warning (default: the first {NEAR_DUPLICATES_SHOWN})")
    parser.add_argument("-v", "--verbose", action="store_true", help="print how long each stage took (on stderr)")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def import_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py import", description="Turn Q&A Markdown articles into card files.")
    parser.add_argument("articles", type=Path, nargs="+", metavar="ARTICLE.md")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write all cards to this one file (default: cards/<article-slug>.yaml each)")
    parser.add_argument("--force", action="store_true", help="overwrite existing card files")
    parser.add_argument("--cards", type=Path, default=Path("cards"), metavar="DIR", help="corpus directory (default: cards/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["import"]:
            return _import(import_parser().parse_args(argv[1:]))
        return _build(build_parser().parse_args(argv))
    except InputError as exc:
        for problem in exc.problems:
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
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a bug, not bad input: say so briefly, keep details on request
        if os.environ.get("QADECK_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (set QADECK_DEBUG=1 for a traceback)", file=sys.stderr)
        return EXIT_FAILURE


def _build(args: argparse.Namespace) -> int:
    tags = tuple(t.strip() for t in args.tags.split(",") if t.strip())
    options = BuildOptions(cards_dir=args.cards, tags=tags, output=args.output, check_only=args.check,
                           templates_dir=args.templates, html=args.html,
                           cache_dir=None if args.no_cache else args.cache_dir, jobs=args.jobs)
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
              "`build.py --check --all-duplicates` lists them", file=sys.stderr)
    _print_summary(result)
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


def _import(args: argparse.Namespace) -> int:
    from .importer import run_import  # the build never pays for the importer

    report = run_import(args.articles, args.output, args.force, args.cards)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in report.written:
        print(f"wrote {display_path(path)}")
    print(f"{report.cards} card(s) imported; review them, then run: python build.py --check")
    return EXIT_OK


def _print_summary(result: BuildResult) -> None:
    total = sum(result.deck_counts.values())
    print(f"{result.corpus.deck}: {total} card(s)")
    width = max(_width(name) for name in result.deck_counts)
    for name, count in sorted(result.deck_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {name}{' ' * (width - _width(name))}  {count:>5}")
    if result.output is None:
        print("check passed; nothing written.")
    else:
        print(f"wrote {display_path(result.output)} ({_size(result.size)})")
    if result.html is not None:
        print(f"wrote {display_path(result.html)} (preview)")


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"
