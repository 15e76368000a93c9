"""``qadeck init DIR``: a new corpus project that builds at once. Never overwrites a file."""
from __future__ import annotations

from pathlib import Path

from .loader import slugify

TOPICS = """\
# The deck and its topics. A card's first topic is its subdeck; all its topics become tags.
deck: {deck}
slug: {slug}
description: Cards made with qadeck.
topics:
  basics:
    name: Basics
    keywords: []
"""

EXAMPLE = """\
# One card file; any cards/*.yaml is one. See qadeck's README, "Corpus format".
source:
  title: Example cards
cards:
  - id: example-question
    question: What does spaced repetition schedule?
    answer: |
      The next review of each card, at growing intervals, just before you would forget it.
    explanation: One question, one short answer; split anything longer into several cards.
    topics: [basics]

  - id: example-list
    question: What are the three stages of qadeck's build?
    recall: list      # each item becomes its own cloze card
    answer: |
      - load and check the cards
      - render Markdown to HTML
      - write the Anki package
    topics: [basics]
"""

GITIGNORE = """\
dist/
.cache/
"""

README = """\
# {deck}

Flashcards written as YAML + Markdown in `cards/`, built into an Anki deck by qadeck.

```sh
qadeck build          # writes dist/{slug}.apkg: import it in Anki (File -> Import)
qadeck serve          # preview in the browser; rebuilds as you edit
qadeck lint           # checks the cards against the rules of good flashcards
```
"""


def create_project(directory: Path, deck: str = "My Deck") -> tuple[list[Path], list[Path]]:
    """Write the project's files that do not exist yet; returns (written, kept as they were)."""
    directory = Path(directory)
    slug = slugify(deck).lower() if slugify(deck).isascii() else "deck"
    files = {
        directory / "cards" / "topics.yaml": TOPICS.format(deck=deck, slug=slug),
        directory / "cards" / "example.yaml": EXAMPLE,
        directory / ".gitignore": GITIGNORE,
        directory / "README.md": README.format(deck=deck, slug=slug),
    }
    written, kept = [], []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
                out.write(text)
        except FileExistsError:
            kept.append(path)
            continue
        written.append(path)
    return written, kept
