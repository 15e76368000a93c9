"""Choose the cards of a ``--tags`` selection: a card matches when any topic or tag is asked for."""
from __future__ import annotations

from .errors import InputError, Location, Problem, UsageError
from .model import Card, Corpus


def known_tags(corpus: Corpus) -> list[str]:
    tags = dict.fromkeys(corpus.topics)
    for card in corpus.cards:
        tags.update(dict.fromkeys(card.topics + card.tags))
    return list(tags)


def select_cards(corpus: Corpus, wanted: list[str]) -> tuple[Card, ...]:
    if not wanted:
        return corpus.cards
    known = known_tags(corpus)
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UsageError(f"unknown tag(s) {', '.join(map(repr, unknown))} for --tags; known: {', '.join(sorted(known))}")
    chosen = set(wanted)
    cards = tuple(c for c in corpus.cards if chosen & set(c.topics + c.tags))
    if not cards:
        location = corpus.topics_location or Location(corpus.root)
        raise InputError([Problem(location, f"--tags {','.join(wanted)} matches no card")])
    return cards
