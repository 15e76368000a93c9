"""The build: load & validate -> select -> render -> assemble -> write."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .apkg import write_apkg
from .assemble import assemble
from .errors import InputError, Problem
from .history import Clock, card_times, tree_time
from .loader import load_corpus, slugify
from .model import Corpus
from .notetype import DEFAULT_TEMPLATES, load_note_type
from .output import write_atomically
from .render import render_corpus
from .select import select_cards
from .similarity import duplicate_questions


@dataclass(frozen=True)
class BuildOptions:
    cards_dir: Path = Path("cards")
    tags: tuple[str, ...] = ()
    output: Path | None = None
    check_only: bool = False
    templates_dir: Path = DEFAULT_TEMPLATES
    dist_dir: Path = Path("dist")
    html: Path | None = None  # also write a self-contained preview page here


@dataclass
class BuildResult:
    corpus: Corpus
    deck_counts: dict[str, int]
    output: Path | None = None
    size: int = 0
    html: Path | None = None
    warnings: list[Problem] = field(default_factory=list)


def default_output(options: BuildOptions, corpus: Corpus) -> Path:
    if options.output is not None:
        return Path(options.output)
    name = corpus.slug
    if options.tags:
        name += "-" + "-".join(slugify(t) for t in options.tags)
    return Path(options.dist_dir) / f"{name}.apkg"


def build(options: BuildOptions, clock: Clock) -> BuildResult:
    corpus = load_corpus(options.cards_dir)
    cards = select_cards(corpus, list(options.tags))
    warnings = check_corpus(corpus)
    counts: dict[str, int] = {}
    for card in cards:
        name = corpus.topics[card.primary_topic].name
        counts[name] = counts.get(name, 0) + 1
    result = BuildResult(corpus=corpus, deck_counts=counts, warnings=warnings)
    if options.check_only:
        return result
    note_type = load_note_type(options.templates_dir)
    rendered = render_corpus(corpus, cards)
    selected = Corpus(corpus.deck, corpus.slug, corpus.topics, cards, corpus.root, corpus.topics_location)
    plan = assemble(corpus, rendered, note_type, card_times(selected, clock), tree_time(options.templates_dir, clock))
    result.output = default_output(options, corpus)
    result.size = write_atomically(result.output, lambda tmp: write_apkg(plan, tmp))
    if options.html is not None:
        from .preview import render_preview  # only builds that ask for a preview pay for it

        page = render_preview(selected, rendered, note_type)
        write_atomically(options.html, lambda tmp: tmp.write_text(page, encoding="utf-8"))
        result.html = Path(options.html)
    return result


def check_corpus(corpus: Corpus) -> list[Problem]:
    """Corpus-wide checks beyond one card: duplicate questions are errors, near-duplicates warnings."""
    errors, warnings = duplicate_questions(corpus.cards)
    if errors:
        raise InputError(errors)
    return warnings
