"""The build: load & validate -> select -> render -> assemble -> write."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .apkg import package_reuse, write_apkg
from .assemble import PackagePlan, assemble
from .errors import InputError, Problem
from .history import Clock, corpus_times, find_repo, tree_time
from .changes import Changes, changes_since, deck_descriptions
from .ledger import ledger_text, read_ledger, retired_for, retired_notice, update_ledger
from .loader import LEDGER_FILE, read_corpus, slugify
from .lint import LintReport, lint_corpus
from .model import Corpus
from .notetype import DEFAULT_TEMPLATES, TEMPLATE_FILES, load_note_types, with_lang
from .output import sweep_stale_temps, write_all_atomically
from .cache import DEFAULT_ROOT as DEFAULT_CACHE_DIR
from .render import RENDERED_SINCE, RenderStats, start_render
from .select import select_cards
from .similarity import acknowledged_pairs, duplicate_questions
from .targets import check_targets


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
    changes_since: str | None = None  # git ref for the "what changed" block; None: the newest tag, "": no block
    write_ledger: bool = True  # record shipped/retired notes in cards/ledger.yaml (serve previews only)


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
    retired: int = 0  # retired notes shipped
    ledger: Path | None = None  # set when the build (re)wrote the retirement ledger
    changes: Changes | None = None  # what changed since options.changes_since (or the newest tag)
    plan: PackagePlan | None = None  # what was written (push reads it)
    lint_warnings: int = 0  # card-quality warnings (``build.py lint`` lists them)


# progress(stage, done, total): reported by long stages (rendering) for the CLI to show.
Progress = Callable[[str, int, int], None]


def default_output(options: BuildOptions, corpus: Corpus) -> Path:
    if options.output is not None:
        return Path(options.output)
    name = corpus.slug
    if options.tags:
        # One name per selection, however the tags were typed (HARDWARE, topic::hardware, hardware).
        name += "-" + "-".join(slugify(t.strip().lower().removeprefix("topic::")) for t in options.tags)
    return Path(options.dist_dir) / f"{name}.apkg"


def build(options: BuildOptions, clock: Clock, progress: Progress | None = None) -> BuildResult:
    timings: dict[str, float] = {}
    lap = _stopwatch(timings)
    cache = _cache(options, clock)
    parsed = None
    if cache is not None:
        from .cache import ParsedFiles

        parsed = ParsedFiles(cache)
    corpus, problems = read_corpus(options.cards_dir, parsed, parsed)
    ledger, found = read_ledger(options.cards_dir, parsed)
    problems += found
    note_types = {}
    try:
        # The cloze templates are needed (and checked) only when the corpus has cloze cards.
        note_types = load_note_types(options.templates_dir, tuple(dict.fromkeys(["qa", *(c.kind for c in corpus.cards)])),
                                     cache)
    except InputError as exc:
        problems += exc.problems
    if parsed is not None and not problems:
        parsed.save()
    lap("load")
    # Lint errors (Python that does not parse) fail the build like bad input; warnings are counted.
    lint = lint_corpus(corpus, cache_dir=options.cache_dir, jobs=options.jobs, parsed=parsed) if corpus.cards else LintReport()
    problems += [finding.as_problem() for finding in lint.errors]
    lap("lint")
    if problems:
        # Still check the valid cards (duplicate questions, cloze placement), so one run reports every problem there is.
        if corpus.cards:
            problems += duplicate_problems(corpus, cache)[0]
            problems += render_problems(corpus, cache)
        raise InputError(problems)
    cards = select_cards(corpus, list(options.tags))
    output = default_output(options, corpus)
    check_targets(output, options.html, {"corpus": options.cards_dir, "templates": options.templates_dir},
                  f"{corpus.slug}.apkg")
    # Rendering starts here (in worker processes when it is big enough), so the checks and the
    # history walk below run alongside it; "render" times the cache look-up and the wait after them.
    shipped_before, ledger = ledger, update_ledger(ledger, corpus, clock.now)
    retired = retired_for(ledger, corpus, cards, options.tags)
    repo = find_repo(options.cards_dir)  # asked once: the change block, card and template times use it
    pending = None if options.check_only else start_render(
        corpus, [*cards, *(r.card for r in retired)], cache=cache, jobs=options.jobs,
        progress=_for_stage(progress, "render"))
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
                             near_duplicates=warnings, timings=timings, retired=len(retired),
                             changes=changes_since(corpus, ledger, options.changes_since, repo),
                             lint_warnings=len(lint.warnings))
        if pending is None:
            found = render_problems(replace(corpus, cards=cards), cache)
            if found:
                raise InputError(found)
            return result
        selected = replace(corpus, cards=cards)
        # The templates carry topics.yaml's lang, so the note type is as new as the newer of the two.
        dated = corpus_times(selected, clock, repo, cache, parsed.content_key() if parsed is not None else None)
        times = {cid: clock.stamp(t, RENDERED_SINCE) for cid, t in dated.cards.items()}
        note_type_time = clock.stamp(max(tree_time(options.templates_dir, clock, TEMPLATE_FILES, repo, cache), dated.lang),
                                     RENDERED_SINCE)
        result.warnings += dated.warnings
        lap("history")
        rendered, result.render_stats = pending.result()
        lap("render")
    finally:
        if pending is not None:
            pending.close()  # a failed check (or Ctrl-C) cancels rendering not yet started
    note_types = {kind: with_lang(nt, corpus.lang) for kind, nt in note_types.items()}
    live, gone = rendered[:len(cards)], rendered[len(cards):]
    shipped_retired = [(retired_notice(item, r.retired_at), clock.stamp(r.retired_at, RENDERED_SINCE))
                       for item, r in zip(gone, retired)]
    plan = assemble(corpus, live, note_types, times, note_type_time, shipped_retired,
                    deck_descriptions(corpus, result.changes, cache))
    lap("assemble")
    result.plan = plan
    reuse = package_reuse(plan, cache)
    outputs = []
    if reuse is None or not reuse.keep(output):  # an unchanged package is left as it is
        def write_package(tmp: Path) -> None:
            write_apkg(plan, tmp)
            if reuse is not None:
                reuse.remember(tmp)

        outputs.append((output, write_package))
    ledger_path = Path(options.cards_dir) / LEDGER_FILE
    # Rewritten only when what it records changed: an unchanged ledger costs no text and no write.
    if options.write_ledger and ledger.shipped and (ledger != shipped_before or not ledger_path.is_file()):
        text = ledger_text(ledger)
        outputs.append((ledger_path, lambda tmp: tmp.write_text(text, encoding="utf-8")))
        result.ledger = ledger_path
    if options.html is not None:
        from .preview import render_preview  # only builds that ask for a preview pay for it

        page = render_preview(selected, live, note_types)
        outputs.append((Path(options.html), lambda tmp: tmp.write_text(page, encoding="utf-8")))
        result.html = Path(options.html)
    for path in dict.fromkeys([output, *(path for path, _ in outputs)]):  # left by a build that was killed (kill -9, power loss)
        sweep_stale_temps(path)
    # Package and preview land together or not at all.
    write_all_atomically(outputs)
    result.size = output.stat().st_size
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

    styles = Path(options.templates_dir) / "pygments.yaml"
    if styles.exists() and not styles.is_file():
        return None  # a pipe would block reading it; the note type check reports it
    # --check renders the cloze cards too (where their markers can go), so it uses the same context.
    return RenderCache(Path(options.cache_dir), render_context(options.templates_dir), now=clock.now)


def _for_stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def render_problems(corpus: Corpus, cache=None) -> list[Problem]:
    """Problems only rendering finds (where a cloze deletion's markers can go, whether a
    'recall: list' answer has a list): ``--check`` and failed loads render the cloze cards for them."""
    cards = [card for card in corpus.cards if card.kind == "cloze"]
    if not cards:
        return []
    pending = start_render(corpus, cards, cache=cache)
    try:
        pending.result()
    except InputError as exc:
        return exc.problems
    finally:
        pending.close()
    return []


def duplicate_problems(corpus: Corpus, cache=None) -> tuple[list[Problem], list[Problem]]:
    """Corpus-wide checks beyond one card: (errors: duplicate questions, warnings: near-duplicates).

    With ``cache`` (a cache.RenderCache), the similar questions are remembered between builds.
    """
    from .cache import similar_pairs

    # A cloze card asks its prompt plus the text around the blanks: cloze cards may share a prompt.
    asked = [card.question if card.kind == "qa" else f"{card.question}\n{card.cloze or card.answer}" for card in corpus.cards]
    pairs = similar_pairs(asked, cache, acknowledged_pairs(corpus.cards))
    return duplicate_questions(corpus.cards, pairs=pairs)
