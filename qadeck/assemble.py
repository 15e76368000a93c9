"""Assemble: rendered cards -> a package plan (decks, notes, tags, ids, times). No I/O."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

from .model import Corpus, RenderedCard

RETIRED_TAG = "qadeck::retired"
from .notetype import NoteType

DECK_SEPARATOR = "::"


@dataclass(frozen=True)
class NotePlan:
    card_id: str  # the GUID is derived from this and the kind alone
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck_id: int
    mtime: int
    position: int  # new-card order: the corpus order
    kind: str = "qa"  # the note type: "qa" or "cloze"


@dataclass(frozen=True)
class DeckPlan:
    deck_id: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class NoteTypePlan:
    note_type: NoteType
    note_type_id: int
    mtime: int


@dataclass(frozen=True)
class PackagePlan:
    note_types: dict[str, NoteTypePlan]  # kind -> the note type its notes use
    decks: tuple[DeckPlan, ...]
    notes: tuple[NotePlan, ...]
    timestamp: int  # package creation time: the newest of all times, so builds are reproducible


def stable_id(key: str) -> int:
    """An Anki id (note type, deck) from a stable name: the same name always gives the same id."""
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


def _deck(name: str, descriptions: dict[str, str]) -> DeckPlan:
    return DeckPlan(stable_id(f"qadeck-deck:{name}"), name, descriptions.get(name, ""))


def deck_name(corpus: Corpus, topic_key: str) -> str:
    return f"{corpus.deck}{DECK_SEPARATOR}{corpus.topics[topic_key].name}"


def note_tags(rendered: RenderedCard) -> tuple[str, ...]:
    card = rendered.card
    tags = [f"topic::{key}" for key in card.topics]
    if card.source_slug:
        tags.append(f"source::{card.source_slug}")
    tags.extend(card.tags)
    return tuple(dict.fromkeys(tags))


def assemble(corpus: Corpus, rendered: list[RenderedCard], note_types: dict[str, NoteType],
             times: dict[str, int], note_type_mtime: int,
             retired: Sequence[tuple[RenderedCard, int]] = (), descriptions: dict[str, str] | None = None) -> PackagePlan:
    """``note_types``: kind -> note type (``load_note_types``); only the kinds in use go in the package.
    ``retired``: (rendered retired card, its time) shipped after the live ones; ``descriptions``:
    deck name -> sanitised HTML description."""
    descriptions = descriptions or {}
    decks: dict[str, DeckPlan] = {}
    parts = corpus.deck.split(DECK_SEPARATOR)
    for depth in range(1, len(parts) + 1):  # parents that exist only as path components get ids too
        name = DECK_SEPARATOR.join(parts[:depth])
        decks[name] = _deck(name, descriptions)
    notes = []
    items = [(item, times[item.card.id], ()) for item in rendered]
    items += [(item, mtime, (RETIRED_TAG,)) for item, mtime in retired]
    for position, (item, mtime, extra_tags) in enumerate(items):
        card = item.card
        name = deck_name(corpus, card.primary_topic) if card.topics else corpus.deck
        deck = decks.get(name) or decks.setdefault(name, _deck(name, descriptions))  # one id hash per deck, not per note
        kind = card.kind
        notes.append(NotePlan(
            card_id=card.id,
            fields=tuple(item.fields[name] for name in note_types[kind].fields),
            tags=note_tags(item) + extra_tags,
            deck_id=deck.deck_id,
            mtime=mtime,
            position=position,
            kind=kind,
        ))
    used = {"qa"} | {n.kind for n in notes}
    timestamp = max([note_type_mtime, *(n.mtime for n in notes)])
    return PackagePlan(
        note_types={kind: NoteTypePlan(nt, stable_id(nt.key), note_type_mtime) for kind, nt in note_types.items() if kind in used},
        decks=tuple(decks.values()),
        notes=tuple(notes),
        timestamp=timestamp,
    )
