"""Choose the cards of a ``--tags`` selection.

A card matches when any wanted tag names one of its topics or tags, as written in the corpus or as
Anki shows them (``topic::hardware``, ``source::scaling``), ignoring case, and a parent matches its
children (``numerics`` selects ``numerics::float``, not ``numerics-history``), as Anki's tag search does.
"""
from __future__ import annotations

import difflib

from .errors import InputError, Location, Problem, UsageError
from .model import Card, Corpus


def card_labels(card: Card) -> set[str]:
    """Every name a selection may use for this card, lowercased."""
    labels = {key.lower() for key in card.topics} | {f"topic::{key}".lower() for key in card.topics}
    labels |= {tag.lower() for tag in card.tags}
    if card.source_slug:
        labels.add(f"source::{card.source_slug}".lower())
    return labels


def matches(card: Card, wanted: list[str]) -> bool:
    labels = card_labels(card)
    return any(w in labels or any(label.startswith(w + "::") for label in labels) for w in _normal(wanted))


def known_tags(corpus: Corpus) -> list[str]:
    tags = dict.fromkeys(corpus.topics)
    for card in corpus.cards:
        tags.update(dict.fromkeys(card.topics + card.tags))
    return list(tags)


def select_cards(corpus: Corpus, wanted: list[str]) -> tuple[Card, ...]:
    if not wanted:
        return corpus.cards
    labels = set().union(*(card_labels(c) for c in corpus.cards)) if corpus.cards else set()
    labels |= {key.lower() for key in corpus.topics}
    unknown = [w for w, n in zip(wanted, _normal(wanted))
               if n not in labels and not any(label.startswith(n + "::") for label in labels)]
    if unknown:
        hints = []
        for word in unknown:
            close = difflib.get_close_matches(word.lower(), sorted(labels), n=1, cutoff=0.6)
            hints.append(f"'{word}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UsageError(f"unknown tag(s) for --tags: {', '.join(hints)}; known: {', '.join(sorted(known_tags(corpus)))}")
    cards = tuple(c for c in corpus.cards if matches(c, wanted))
    if not cards:
        location = corpus.topics_location or Location(corpus.root)
        raise InputError([Problem(location, f"--tags {','.join(wanted)} matches no card")])
    return cards


def _normal(wanted: list[str]) -> list[str]:
    return [w.strip().lower() for w in wanted]
