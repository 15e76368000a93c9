"""Render: each card's Markdown -> the sanitised HTML of every note field."""
from __future__ import annotations

from .markdown_render import MarkdownRenderer, escape
from .model import Card, Corpus, RenderedCard, Topic
from .notetype import FIELDS
from .sanitize import sanitize

# Bump when the HTML produced for the same input changes (invalidates render caches).
RENDERER_VERSION = "1"


def render_corpus(corpus: Corpus, cards: tuple[Card, ...] | None = None) -> list[RenderedCard]:
    renderer = MarkdownRenderer()
    return [render_card(card, corpus.topics, renderer) for card in (corpus.cards if cards is None else cards)]


def render_card(card: Card, topics: dict[str, Topic], renderer: MarkdownRenderer) -> RenderedCard:
    fields = {
        "Question": sanitize(renderer.convert(card.question)),
        "Answer": sanitize(renderer.convert(card.answer)),
        "Explanation": sanitize(renderer.convert(card.explanation)),
        "Source": sanitize(source_html(card)),
        "Topics": sanitize(topics_html(card, topics)),
        "Id": escape(card.id),
    }
    assert tuple(fields) == FIELDS
    return RenderedCard(card=card, fields=fields)


def source_html(card: Card) -> str:
    parts = []
    if card.source.title:
        parts.append(f'<span class="qa-source-title">{escape(card.source.title)}</span>')
    if card.source.origin:
        parts.append(f'<span class="qa-source-origin">{escape(card.source.origin)}</span>')
    return " · ".join(parts)


def topics_html(card: Card, topics: dict[str, Topic]) -> str:
    return "".join(f'<span class="qa-topic">{escape(topics[key].name)}</span>' for key in card.topics)
