"""The corpus's size limits, and the Markdown shapes the renderer cannot handle in bounded time.

Python-Markdown is quadratic (or worse) on some inputs: runs of unclosed ``[`` or ``(`` (16 KB of
``[`` takes over a minute) and deeply nested lists or quotes (a few hundred levels raise
RecursionError). A field is refused, with its ``file:line``, before it reaches the renderer.
"""
from __future__ import annotations

import re

MAX_FILE_BYTES = 8 * 1024 * 1024  # one YAML file
MAX_DEPTH = 32  # YAML nesting; a card file needs 4 levels (file, cards, card, topics)
MAX_CARD_FILES = 10_000  # *.yaml files in the corpus folder
MAX_ID_CHARS = 100  # card ids and slugs
MAX_FIELD_CHARS = 20_000  # one Markdown text (question, answer, explanation)
MAX_MARKDOWN_NESTING = 16  # list / quote levels on one line
# Characters Python-Markdown's link parser may scan, summed over every '[' and '](' of a field.
# A normal link costs its own length; 20 unclosed '[' in front of 5,000 characters cost 100,000.
MAX_BRACKET_SCAN = 200_000

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# A line that could open 17+ levels: each level takes at least one of these characters.
_DEEP_HINT = re.compile(r"^[ \t>*+\-\d.)]{%d,}" % (MAX_MARKDOWN_NESTING + 1), re.MULTILINE)
_CONTAINER = re.compile(r"[ \t]*(>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")
_BRACKETS = re.compile(r"[\[\]()]")


def markdown_problem(text: str) -> str:
    """Why the Markdown renderer cannot take ``text`` in bounded time ('' when it can).

    Cheap for ordinary text: the precise checks run only when a quick count says they might fail.
    """
    if len(text) > MAX_FIELD_CHARS:
        return f"is {len(text):,} characters long; the limit is {MAX_FIELD_CHARS:,} (split the card)"
    if _DEEP_HINT.search(text) and any(_nesting(line) > MAX_MARKDOWN_NESTING for line in _prose_lines(text)):
        return f"nests lists or quotes more than {MAX_MARKDOWN_NESTING} levels deep"
    openers = text.count("[") + text.count("](")
    if openers * len(text) > MAX_BRACKET_SCAN and _bracket_scan("\n".join(_prose_lines(text))) > MAX_BRACKET_SCAN:
        return "has too many unclosed or nested '[' or '(' for the Markdown renderer; close them or escape them as \\["
    return ""


def _prose_lines(text: str):
    """The lines outside fenced code blocks (code is never parsed as Markdown)."""
    fence = None
    for line in text.split("\n"):
        marker = _FENCE.match(line)
        if fence is None and marker:
            fence = marker.group(1)
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
        else:
            yield line


def _nesting(line: str) -> int:
    """List / quote levels a line opens: its container markers plus its indentation in 4s."""
    indent = len(line) - len(line.lstrip(" \t"))
    markers, position = 0, 0
    while (found := _CONTAINER.match(line, position)) and found.end() > position:
        markers += 1
        position = found.end()
    return indent // 4 + markers


def _bracket_scan(text: str) -> int:
    """Characters Python-Markdown's link parser reads: from each '[' to its ']' (or the end), and
    from each '](' to its ')' (or the end). Linear: one pass over the brackets with a stack each."""
    total = 0
    squares: list[int] = []
    rounds: list[int] = []  # -1 for a '(' that does not follow ']'
    for found in _BRACKETS.finditer(text):
        index, char = found.start(), found.group()
        if char == "[":
            squares.append(index)
        elif char == "]":
            if squares:
                total += index - squares.pop()
        elif char == "(":
            rounds.append(index if index and text[index - 1] == "]" else -1)
        elif rounds:
            start = rounds.pop()
            if start >= 0:
                total += index - start
    end = len(text)
    return total + sum(end - s for s in squares) + sum(end - s for s in rounds if s >= 0)
