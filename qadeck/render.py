"""Render: each card's Markdown -> the sanitised HTML of every note field."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Callable, Sequence

from . import cloze
from .errors import InputError, Location, Problem
from .model import Card, Corpus, RenderedCard, Topic
from .notetype import CLOZE_FIELDS, FIELDS
from .sanitize import neutralise_anki_markup, sanitize
from .tex import neutralise_text

if TYPE_CHECKING:
    from .markdown_render import MarkdownRenderer

# Bump when the HTML produced for the same input changes (invalidates render caches).
RENDERER_VERSION = "4"  # 4: Anki markup escaped after cloze/list/TeX rewrites and in cloze hints; 3: math, TeX allow-list, cloze, code lines, table wrapper, source by title
# When the HTML made from unchanged input last changed: bump it together with RENDERER_VERSION.
# No note or note type is stamped older than this, so a re-import replaces cards that an older
# qadeck rendered (Anki keeps a known note unless the incoming one is newer).
RENDERED_SINCE = 1_796_140_800  # 2026-12-01 16:00 UTC


@dataclass(frozen=True)
class RenderFailure:
    """A card whose text cannot become its note (e.g. a deletion around half a **bold** phrase)."""

    key: str  # the card key holding the text: "cloze" or "answer"
    offset: int | None  # where in that text, when known
    message: str


def render_sources(card: Card) -> tuple[str, str, str, str]:
    """What a card's rendered fields depend on: (mode, question, body, explanation)."""
    if card.cloze:
        return ("cloze", card.question, card.cloze, card.explanation)
    return ("list" if card.recall == "list" else "qa", card.question, card.answer, card.explanation)


@dataclass
class RenderStats:
    cards: int = 0
    cached: int = 0  # taken from the render cache
    rendered: int = 0  # rendered in this build (identical sources rendered once)
    jobs: int = 1  # processes that rendered them
    cache: object = None  # cache.CacheStats, or None without a cache


def render_cards(corpus: Corpus, cards: Sequence[Card] | None = None, cache=None, jobs: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[list[RenderedCard], RenderStats]:
    """Render ``cards`` (default: all), taking what ``cache`` (a cache.RenderCache) holds.

    Cards not cached are rendered once per distinct source, across processes when there are enough
    of them (``jobs``: None = automatic); ``progress(done, total)`` follows that work.
    """
    pending = start_render(corpus, cards, cache, jobs, progress)
    try:
        return pending.result()
    finally:
        pending.close()


class PendingCards:
    """Rendering under way (see :func:`start_render`); :meth:`result` waits for it and returns the cards."""

    def __init__(self, corpus: Corpus, cards: Sequence[Card], keys: list, found: dict, todo: dict,
                 stats: RenderStats, cache, progress: Callable[[int, int], None] | None):
        from .parallel import PendingRender

        self._corpus, self._cards, self._keys, self._found, self._todo = corpus, cards, keys, found, todo
        self.stats, self._cache = stats, cache
        # Each distinct field text is rendered once: real corpora copy answers between articles
        # under questions in other words, so cards differ while most of their work does not.
        self._units = list(dict.fromkeys(unit for sources in todo.values() for unit in field_units(sources)))
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, len(self._units))

        self._pending = PendingRender(self._units, stats.jobs, advance) if todo else None

    def result(self) -> tuple[list[RenderedCard], RenderStats]:
        if self._pending is not None:
            html = dict(zip(self._units, self._pending.result()))
            self._pending = None
            fresh = {key: _card_fields(sources, html) for key, sources in self._todo.items()}
            failed = {key: out for key, out in fresh.items() if isinstance(out, RenderFailure)}
            fresh = {key: out for key, out in fresh.items() if key not in failed}
            if self._cache is not None:
                self._cache.put_many(fresh)
            self._found.update(fresh)
            if failed:
                raise InputError([_problem(card, failed[key]) for card, key in zip(self._cards, self._keys) if key in failed])
        small: dict = {}  # Source and Topics HTML repeat across cards: build each once
        topics = self._corpus.topics
        return [_rendered(card, self._found[key], topics, small) for card, key in zip(self._cards, self._keys)], self.stats

    def close(self) -> None:
        """Cancel rendering not yet collected (e.g. the build failed meanwhile)."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None


def start_render(corpus: Corpus, cards: Sequence[Card] | None = None, cache=None, jobs: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> PendingCards:
    """Look ``cards`` up in ``cache`` and start rendering the rest, in worker processes when there
    are enough of them; the caller may work meanwhile, then call ``.result()`` (and ``.close()``)."""
    from .parallel import plan_jobs

    cards = corpus.cards if cards is None else cards
    sources = [render_sources(card) for card in cards]
    keys = [cache.key(s) for s in sources] if cache is not None else list(sources)
    found = cache.get_many(dict.fromkeys(keys)) if cache is not None else {}
    todo = {key: source for key, source in zip(keys, sources) if key not in found}
    stats = RenderStats(cards=len(cards), cached=len(cards) - sum(1 for k in keys if k in todo), rendered=len(todo),
                        jobs=plan_jobs(len(todo), jobs), cache=cache.stats if cache is not None else None)
    return PendingCards(corpus, cards, keys, found, todo, stats, cache, progress)


def field_units(sources: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """A card's Markdown fields (Question, Answer or Text, Explanation) from :func:`render_sources`
    as (how to render, text) units; equal units render to equal HTML."""
    mode, question, body, explanation = sources
    return (("md", question), ("md" if mode == "qa" else mode, body), ("md", explanation))


def render_field(renderer: MarkdownRenderer, unit: tuple[str, str]) -> str | RenderFailure:
    """The sanitised HTML of one :func:`field_units` unit, or why it cannot be rendered."""
    how, text = unit
    if how == "md":
        return sanitize(renderer.convert(text))
    if how == "list":
        try:
            return neutralise_anki_markup(cloze.recall_list(sanitize(renderer.convert(text))))
        except cloze.NoListError as exc:
            return RenderFailure("answer", None, str(exc))
    from .markdown_render import LINE_CLASS

    deletions, problems = cloze.scan(text)
    if problems:  # the loader reports these first; a renderer used on its own says so too
        return RenderFailure("cloze", problems[0].offset, problems[0].message)
    protected = cloze.protect(text, deletions)
    try:
        return neutralise_anki_markup(
            cloze.restore(sanitize(renderer.convert(protected.text)), protected, neutralise_text, LINE_CLASS))
    except cloze.PlacementError as exc:
        return RenderFailure("cloze", exc.offset, str(exc))


def render_markdown_fields(renderer: MarkdownRenderer, sources: Sequence[str]) -> tuple[str, ...] | RenderFailure:
    """The sanitised HTML of one card's Markdown fields (Question, Answer or Text, Explanation)
    from :func:`render_sources`, or why it cannot be rendered."""
    return _card_fields(sources, {unit: render_field(renderer, unit) for unit in field_units(sources)})


def _card_fields(sources: Sequence[str], html: dict) -> tuple[str, ...] | RenderFailure:
    fields = tuple(html[unit] for unit in field_units(sources))
    return next((f for f in fields if isinstance(f, RenderFailure)), fields)


def _problem(card: Card, failure: RenderFailure) -> Problem:
    text = card.cloze if failure.key == "cloze" else card.answer
    return Problem(Location(card.location.path, card.line_in(failure.key, text, failure.offset)), failure.message, card.id)


def _rendered(card: Card, markdown_html: Sequence[str], topics: dict[str, Topic], memo: dict) -> RenderedCard:
    source_key = ("source", card.source.title)
    if source_key not in memo:
        memo[source_key] = sanitize(source_html(card))
    topics_key = ("topics", card.topics)
    if topics_key not in memo:
        memo[topics_key] = sanitize(topics_html(card, topics))
    question, body, explanation = markdown_html
    fields = {
        "Question": question,
        "Text" if card.kind == "cloze" else "Answer": body,
        "Explanation": explanation,
        "Source": memo[source_key],
        "Topics": memo[topics_key],
        "Id": escape(card.id),
    }
    assert tuple(fields) == (CLOZE_FIELDS if card.kind == "cloze" else FIELDS)
    return RenderedCard(card=card, fields=fields)


def source_html(card: Card) -> str:
    """The article the card comes from, by its title; a file name (``origin``) means nothing to a
    student, so it stays out of the card (it is still a tag's source and in the corpus)."""
    if not card.source.title:
        return ""
    return f'<span class="qa-source-title">{escape(card.source.title)}</span>'



def topics_html(card: Card, topics: dict[str, Topic]) -> str:
    # A key topics.yaml lacks is already an input error; render the key so the other checks still run.
    return "".join(f'<span class="qa-topic">{escape(topics[key].name if key in topics else key)}</span>' for key in card.topics)
