"""Does a Markdown text show anything on a card? Text made only of link definitions, empty tags or
entities renders to nothing, and a card with a blank front cannot be studied."""
from __future__ import annotations

import re
from html.parser import HTMLParser

# What cannot show by itself: link definitions, tags, entities, Markdown punctuation, spaces.
_WORD = re.compile(r"\w")
_MARKUP = re.compile(r"[<\[&`~]")
_INVISIBLE = re.compile(r"(?m)^[ \t]{0,3}\[[^\]\n]*\]:.*$|<[^>\n]*>|&#?\w+;|[\s*_#>`~|\-=+.:()\[\]!]")


def renders_blank(markdown: str) -> bool:
    """True when ``markdown``, rendered and sanitised as for a card, has no visible text or image.

    Rendering costs time, so only texts with nothing but invisible-looking characters are rendered.
    """
    if not markdown.strip():
        return True
    first = _WORD.search(markdown)
    if first and not _MARKUP.search(markdown, 0, first.start()):
        return False  # the usual case: a letter before any tag, link or entity is shown
    if _INVISIBLE.sub("", markdown):
        return False
    from .markdown_render import MarkdownRenderer  # rare: only for texts that may be blank
    from .sanitize import sanitize

    finder = _VisibleFinder()
    finder.feed(sanitize(MarkdownRenderer().convert(markdown)))
    finder.close()
    return not finder.found


class _VisibleFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False

    def handle_starttag(self, tag, attrs) -> None:
        self.found |= tag == "img"

    def handle_data(self, data: str) -> None:
        self.found |= bool(data.strip())  # str.strip() also removes no-break and ideographic spaces
