"""qadeck: turn a Q&A corpus (YAML + Markdown) into Anki decks."""

__version__ = "0.1.0"
