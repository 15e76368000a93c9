"""Assemble: rendered cards -> a package plan (decks, notes, tags, ids, times). No I/O."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .model import Corpus, RenderedCard
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
             times: dict[str, int], note_type_mtime: int) -> PackagePlan:
    """``note_types``: kind -> note type (``load_note_types``); only the kinds in use go in the package."""
    root = DeckPlan(stable_id(f"qadeck-deck:{corpus.deck}"), corpus.deck)
    decks = {corpus.deck: root}
    notes = []
    for position, item in enumerate(rendered):
        name = deck_name(corpus, item.card.primary_topic)
        deck = decks.setdefault(name, DeckPlan(stable_id(f"qadeck-deck:{name}"), name))
        kind = item.card.kind
        notes.append(NotePlan(
            card_id=item.card.id,
            fields=tuple(item.fields[name] for name in note_types[kind].fields),
            tags=note_tags(item),
            deck_id=deck.deck_id,
            mtime=times[item.card.id],
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
