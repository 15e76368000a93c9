"""Markdown -> HTML with build-time Pygments highlighting (CSS classes, no JavaScript)."""
from __future__ import annotations

import html
import re

import markdown
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from pygments.formatters import HtmlFormatter

from .sanitize import TAGS

EXTENSIONS = ["fenced_code", "codehilite", "tables", "sane_lists"]
_FORMATTERS: dict[str, HtmlFormatter] = {}


def _html_formatter(**options) -> HtmlFormatter:
    """codehilite's formatter, built once per option set instead of once per code block.

    A Pygments HtmlFormatter keeps no state between ``format`` calls, but building one compiles
    the style's whole class table (~0.5 ms, a tenth of a card's render time).
    """
    key = repr(sorted(options.items()))
    formatter = _FORMATTERS.get(key)
    if formatter is None:
        formatter = _FORMATTERS[key] = HtmlFormatter(**options)
    return formatter


EXTENSION_CONFIGS = {"codehilite": {"css_class": "codehilite", "guess_lang": False, "pygments_formatter": _html_formatter}}
_TAG_NAME = re.compile(r"^/?([A-Za-z][A-Za-z0-9]*)")


class _SafeInlineHtml(HtmlInlineProcessor):
    """Raw HTML stays HTML only for allowed tags; any other tag is shown as the text it is.

    So prose such as "<script> 标签" reads correctly on the card instead of being swallowed.
    """

    def handleMatch(self, m, data):
        name = _TAG_NAME.match(m.group(2) or "")
        if name and name.group(1).lower() in TAGS:
            return super().handleMatch(m, data)
        return m.group(1), m.start(0), m.end(0)


class MarkdownRenderer:
    """One reusable Markdown converter (building one costs more than converting a field)."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
        # Block-level raw HTML would bypass the inline rule above; treat it as text instead.
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.register(_SafeInlineHtml(HTML_RE, self._md), "html", 90)

    def convert(self, text: str) -> str:
        if not text.strip():
            return ""
        self._md.reset()
        return self._md.convert(text)


def escape(text: str) -> str:
    return html.escape(text, quote=True)
