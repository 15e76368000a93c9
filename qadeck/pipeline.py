"""The build: load & validate -> select -> render -> assemble -> write."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .apkg import write_apkg
from .assemble import assemble
from .errors import InputError, Problem, UsageError
from .history import Clock, card_times, history_warnings, tree_time
from .loader import read_corpus, slugify
from .model import Corpus
from .notetype import DEFAULT_TEMPLATES, TEMPLATE_FILES, load_note_type
from .output import write_all_atomically
from .cache import DEFAULT_ROOT as DEFAULT_CACHE_DIR
from .render import RENDERED_SINCE, RenderStats, start_render
from .select import select_cards
from .similarity import acknowledged_pairs, duplicate_questions


@dataclass(frozen=True)
class BuildOptions:
    cards_dir: Path = Path("cards")
    tags: tuple[str, ...] = ()
    output: Path | None = None
    check_only: bool = False
    templates_dir: Path = DEFAULT_TEMPLATES
    dist_dir: Path = Path("dist")
    html: Path | None = None  # also write a self-contained preview page here
    cache_dir: Path | None = DEFAULT_CACHE_DIR  # render cache; None: render everything, store nothing
    jobs: int | None = None  # rendering processes; None: as many cores as the uncached work pays for


@dataclass
class BuildResult:
    corpus: Corpus
    deck_counts: dict[str, int]
    output: Path | None = None
    size: int = 0
    html: Path | None = None
    warnings: list[Problem] = field(default_factory=list)
    near_duplicates: list[Problem] = field(default_factory=list)  # warnings too; may be many, so kept apart
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, in build order
    render_stats: RenderStats | None = None


# progress(stage, done, total): reported by long stages (rendering) for the CLI to show.
Progress = Callable[[str, int, int], None]


def default_output(options: BuildOptions, corpus: Corpus) -> Path:
    if options.output is not None:
        return Path(options.output)
    name = corpus.slug
    if options.tags:
        name += "-" + "-".join(slugify(t) for t in options.tags)
    return Path(options.dist_dir) / f"{name}.apkg"


def build(options: BuildOptions, clock: Clock, progress: Progress | None = None) -> BuildResult:
    timings: dict[str, float] = {}
    lap = _stopwatch(timings)
    cache = _cache(options, clock)
    parsed = None
    if cache is not None:
        from .cache import ParsedFiles

        parsed = ParsedFiles(cache)
    corpus, problems = read_corpus(options.cards_dir, parsed)
    note_type = None
    try:
        note_type = load_note_type(options.templates_dir)
    except InputError as exc:
        problems += exc.problems
    if parsed is not None and not problems:
        parsed.save()
    lap("load")
    if problems:
        # Still compare the valid cards' questions, so one run reports every problem there is.
        problems += duplicate_problems(corpus, cache)[0] if corpus.cards else []
        raise InputError(problems)
    cards = select_cards(corpus, list(options.tags))
    output = default_output(options, corpus)
    for target, example in ((output, f"{corpus.slug}.apkg"), (options.html, "preview.html")):
        if target is not None and Path(target).is_dir():
            raise UsageError(f"{target} is a folder; give a file name, e.g. {Path(target) / example}")
    # Rendering starts here (in worker processes when it is big enough), so the checks and the
    # history walk below run alongside it; "render" times the cache look-up and the wait after them.
    pending = None if options.check_only else start_render(
        corpus, cards, cache=cache, jobs=options.jobs, progress=_for_stage(progress, "render"))
    lap("render")
    try:
        errors, warnings = duplicate_problems(corpus, cache)
        if errors:
            raise InputError(errors)
        lap("check")
        counts: dict[str, int] = {}
        for card in cards:
            name = corpus.topics[card.primary_topic].name
            counts[name] = counts.get(name, 0) + 1
        result = BuildResult(corpus=corpus, deck_counts=counts, warnings=list(corpus.warnings),
                             near_duplicates=warnings, timings=timings)
        if pending is None:
            return result
        selected = replace(corpus, cards=cards)
        times = {cid: clock.stamp(t, RENDERED_SINCE) for cid, t in card_times(selected, clock).items()}
        note_type_time = clock.stamp(tree_time(options.templates_dir, clock, TEMPLATE_FILES), RENDERED_SINCE)
        result.warnings += history_warnings(selected)
        lap("history")
        rendered, result.render_stats = pending.result()
        lap("render")
    finally:
        if pending is not None:
            pending.close()  # a failed check (or Ctrl-C) cancels rendering not yet started
    plan = assemble(corpus, rendered, note_type, times, note_type_time)
    lap("assemble")
    outputs = [(output, lambda tmp: write_apkg(plan, tmp))]
    if options.html is not None:
        from .preview import render_preview  # only builds that ask for a preview pay for it

        page = render_preview(selected, rendered, note_type)
        outputs.append((Path(options.html), lambda tmp: tmp.write_text(page, encoding="utf-8")))
        result.html = Path(options.html)
    # Package and preview land together or not at all.
    result.size = write_all_atomically(outputs)[0]
    result.output = output
    lap("write")
    return result


def _stopwatch(timings: dict[str, float]) -> Callable[[str], None]:
    last = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - last
        last = now

    return lap


def _cache(options: BuildOptions, clock: Clock):
    """The build cache (rendered fields, parsed card files, near-duplicate pairs), or None."""
    if options.cache_dir is None:
        return None
    from .cache import RenderCache, render_context

    context = b"" if options.check_only else render_context(options.templates_dir)  # --check renders nothing
    return RenderCache(Path(options.cache_dir), context, now=clock.now)


def _for_stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def duplicate_problems(corpus: Corpus, cache=None) -> tuple[list[Problem], list[Problem]]:
    """Corpus-wide checks beyond one card: (errors: duplicate questions, warnings: near-duplicates).

    With ``cache`` (a cache.RenderCache), the similar questions are remembered between builds.
    """
    from .cache import similar_pairs

    pairs = similar_pairs([card.question for card in corpus.cards], cache, acknowledged_pairs(corpus.cards))
    return duplicate_questions(corpus.cards, pairs=pairs)
