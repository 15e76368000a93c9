"""Render: each card's Markdown -> the sanitised HTML of every note field."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .markdown_render import MarkdownRenderer, escape
from .model import Card, Corpus, RenderedCard, Topic
from .notetype import FIELDS
from .sanitize import sanitize

# Bump when the HTML produced for the same input changes (invalidates render caches).
RENDERER_VERSION = "2"  # 2: code lines in their own elements, tables in a scroll wrapper, source by title
# When the HTML made from unchanged input last changed: bump it together with RENDERER_VERSION.
# No note or note type is stamped older than this, so a re-import replaces cards that an older
# qadeck rendered (Anki keeps a known note unless the incoming one is newer).
RENDERED_SINCE = 1_796_083_200  # 2026-12-01


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
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, len(todo))

        self._pending = PendingRender(list(todo.values()), stats.jobs, advance) if todo else None

    def result(self) -> tuple[list[RenderedCard], RenderStats]:
        if self._pending is not None:
            fresh = dict(zip(self._todo, self._pending.result()))
            self._pending = None
            if self._cache is not None:
                self._cache.put_many(fresh)
            self._found.update(fresh)
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
    sources = [(card.question, card.answer, card.explanation) for card in cards]
    keys = [cache.key(s) for s in sources] if cache is not None else list(sources)
    found = cache.get_many(dict.fromkeys(keys)) if cache is not None else {}
    todo = {key: source for key, source in zip(keys, sources) if key not in found}
    stats = RenderStats(cards=len(cards), cached=len(cards) - sum(1 for k in keys if k in todo), rendered=len(todo),
                        jobs=plan_jobs(len(todo), jobs), cache=cache.stats if cache is not None else None)
    return PendingCards(corpus, cards, keys, found, todo, stats, cache, progress)


def render_markdown_fields(renderer: MarkdownRenderer, sources: Sequence[str]) -> tuple[str, ...]:
    """The sanitised HTML of each Markdown text (one card's Question, Answer, Explanation)."""
    return tuple(sanitize(renderer.convert(text)) for text in sources)


def _rendered(card: Card, markdown_html: Sequence[str], topics: dict[str, Topic], memo: dict) -> RenderedCard:
    source_key = ("source", card.source.title)
    if source_key not in memo:
        memo[source_key] = sanitize(source_html(card))
    topics_key = ("topics", card.topics)
    if topics_key not in memo:
        memo[topics_key] = sanitize(topics_html(card, topics))
    question, answer, explanation = markdown_html
    fields = {
        "Question": question,
        "Answer": answer,
        "Explanation": explanation,
        "Source": memo[source_key],
        "Topics": memo[topics_key],
        "Id": escape(card.id),
    }
    assert tuple(fields) == FIELDS
    return RenderedCard(card=card, fields=fields)


def source_html(card: Card) -> str:
    """The article the card comes from, by its title; a file name (``origin``) means nothing to a
    student, so it stays out of the card (it is still a tag's source and in the corpus)."""
    if not card.source.title:
        return ""
    return f'<span class="qa-source-title">{escape(card.source.title)}</span>'



def topics_html(card: Card, topics: dict[str, Topic]) -> str:
    return "".join(f'<span class="qa-topic">{escape(topics[key].name)}</span>' for key in card.topics)
