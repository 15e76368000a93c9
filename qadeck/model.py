"""Plain dataclasses passed between the stages: load -> render -> assemble -> write."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Location, Problem  # noqa: F401  (Problem: in warnings)
from .lint_rules import CardLint, LintSettings


@dataclass(frozen=True)
class Source:
    """Where a card file's cards came from (shown on the card back)."""

    title: str = ""
    origin: str = ""
    slug: str = ""

    @property
    def empty(self) -> bool:
        return not (self.title or self.origin or self.slug)


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    keywords: tuple[str, ...] = ()
    description: str = ""  # Markdown, becomes the subdeck's description


@dataclass(frozen=True)
class Card:
    """One validated card of the corpus; ``str()`` is its source location."""

    id: str
    question: str
    answer: str
    explanation: str
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    source: Source
    location: Location
    source_slug: str = ""  # slug of the card file, used for the ``source::`` tag
    distinct_from: tuple[str, ...] = ()  # reviewed near-duplicates that really differ
    cloze: str = ""  # Markdown with Anki's {{cN::text}} markers; a cloze card has no answer
    recall: str = ""  # "list": each top-level item of the answer's list becomes its own deletion
    key_lines: tuple[tuple[str, int], ...] = ()  # (key, line) of every key the card gives
    lint: CardLint = CardLint()  # the lint rules this card silences, and why
    block_lines: tuple[tuple[str, int], ...] = ()  # (key, first text line) of literal block ("|") values

    def line_of(self, key: str) -> int | None:
        """The line of ``key`` in the card file (the card's own line when the key is absent)."""
        return dict(self.key_lines).get(key, self.location.line)

    def line_in(self, key: str, text: str, offset: int | None) -> int | None:
        """The card-file line of ``text[offset]``, ``text`` being the value of ``key``.

        Exact for literal blocks (``key: |``), whose lines are the file's lines; otherwise the key's line.
        """
        first = dict(self.block_lines).get(key)
        if first is None or offset is None:
            return self.line_of(key)
        return first + text.count("\n", 0, offset)

    @property
    def kind(self) -> str:
        """'qa' (question -> answer) or 'cloze' (a cloze: text, or an answer list recalled item by item)."""
        return "cloze" if self.cloze or self.recall == "list" else "qa"

    def __str__(self) -> str:
        return str(self.location)

    @property
    def primary_topic(self) -> str:
        return self.topics[0]


@dataclass(frozen=True)
class Corpus:
    deck: str
    slug: str
    topics: dict[str, Topic]
    cards: tuple[Card, ...]
    root: object = None  # pathlib.Path of the corpus directory
    topics_location: Location | None = None
    warnings: tuple = ()  # Problems worth a look that do not stop the build (e.g. ignored files)
    description: str = ""  # Markdown, becomes the top deck's description
    lint: LintSettings = LintSettings()  # thresholds of the card-quality lint (``lint:`` in topics.yaml)
    lang: str = ""  # BCP 47 tag of the cards' language (topics.yaml ``lang:``); "" = not given


@dataclass(frozen=True)
class RenderedCard:
    """A card with every field turned into sanitised HTML."""

    card: Card
    fields: dict[str, str] = field(default_factory=dict)
