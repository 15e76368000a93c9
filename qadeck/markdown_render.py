"""Markdown -> HTML with build-time Pygments highlighting (CSS classes, no JavaScript).

Two render-time hooks serve phones: each source line of a code block is its own element carrying
its indentation width, so card.css can wrap long lines with a hanging indent below the line's own
indentation; and every table sits in a wrapper that scrolls instead of squeezing the cells.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor, InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import STX
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import Token
from pygments.util import ClassNotFound

from .cloze import PLACEHOLDER
from .sanitize import TAGS

_FORMATTERS: dict[str, HtmlFormatter] = {}


# Class names the HTML carries for card.css (the sanitiser keeps any class).
LINE_CLASS = "qa-line"
INDENT_CLASS = "qa-indent-"  # + the line's indentation in columns, capped at MAX_INDENT
MAX_INDENT = 32
TAB_SIZE = 4  # as card.css's tab-size
TABLE_WRAPPER_CLASS = "qa-table"


def indent_width(line: str) -> int:
    """Columns of a line's leading whitespace (tabs to the next multiple of TAB_SIZE)."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += TAB_SIZE - width % TAB_SIZE
        else:
            break
    return width


class LineFormatter(HtmlFormatter):
    """Pygments' HTML with each source line in ``<span class="qa-line qa-indent-N">``.

    N comes from the source text (not the HTML), so card.css can indent a wrapped line's
    continuation past the line's own indentation and Python blocks still read on a phone.
    """

    def format_unencoded(self, tokensource, outfile):
        tokens = list(tokensource)
        # A formatter is shared by every block of the process (one at a time): the widths of the
        # block being formatted live here only for the duration of this call.
        self._indents = [indent_width(line) for line in "".join(value for _, value in tokens).split("\n")]
        try:
            super().format_unencoded(iter(tokens), outfile)
        finally:
            self._indents = []

    def wrap(self, source):
        return super().wrap(self._wrap_lines(source))

    def _wrap_lines(self, source):
        indents = iter(self._indents)
        for kind, text in source:
            if kind != 1:  # not a line of code: a wrapper piece
                yield kind, text
                continue
            width = min(next(indents, 0), MAX_INDENT)
            classes = LINE_CLASS + (f" {INDENT_CLASS}{width}" if width else "")
            yield kind, f'<span class="{classes}">{text}</span>'


def _html_formatter(**options) -> HtmlFormatter:
    """codehilite's formatter, built once per option set instead of once per code block.

    A Pygments HtmlFormatter keeps no state between ``format`` calls, but building one compiles
    the style's whole class table (~0.5 ms, a tenth of a card's render time).
    """
    key = repr(sorted(options.items()))
    formatter = _FORMATTERS.get(key)
    if formatter is None:
        formatter = _FORMATTERS[key] = _ClozeAwareFormatter(**options)
    return formatter


class _ClozeAwareFormatter(LineFormatter):
    """Highlights code that holds cloze placeholders as if they were not there (one line per element).

    The placeholders would split tokens or lex as errors; so the code is lexed again without
    them, and each goes back in as a token of its own, outside every token's <span>. A deletion
    then encloses whole token spans and the code keeps its colours on both sides of the card.
    """

    def __init__(self, **options):
        super().__init__(**options)
        self._lang = str(options.get("lang_str") or "").removeprefix("language-")

    def format(self, tokensource, outfile):
        tokens = list(tokensource)
        text = "".join(value for _, value in tokens)
        if "\ue000" not in text:
            return super().format(tokens, outfile)
        marks, clean, pos = [], [], 0
        for match in PLACEHOLDER.finditer(text):
            clean.append(text[pos:match.start()])
            marks.append((sum(map(len, clean)), match.group(0)))
            pos = match.end()
        clean.append(text[pos:])
        try:
            lexer = get_lexer_by_name(self._lang or "text")
        except ClassNotFound:
            lexer = get_lexer_by_name("text")
        return super().format(_with_marks(lexer.get_tokens_unprocessed("".join(clean)), marks), outfile)


def _with_marks(tokens, marks):
    """Split ``(index, type, value)`` tokens at each mark's offset and put the mark there as text."""
    marks = list(marks)
    for index, ttype, value in tokens:
        while marks and marks[0][0] < index + len(value):
            at = max(marks[0][0] - index, 0)
            if at:
                yield ttype, value[:at]
            yield Token.Text, marks.pop(0)[1]
            index, value = index + at, value[at:]
        if value:
            yield ttype, value
    for _, mark in marks:
        yield Token.Text, mark


CODEHILITE_CONFIG = {"css_class": "codehilite", "guess_lang": False, "pygments_formatter": _html_formatter}
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


class _ScrollingTables(Treeprocessor):
    """Put every table in ``<div class="qa-table">``: the wrapper scrolls sideways on a narrow
    screen, so the cells keep their words whole instead of being squeezed."""

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    wrapper = etree.Element("div", {"class": TABLE_WRAPPER_CLASS})
                    wrapper.tail, child.tail = child.tail, None
                    parent.remove(child)
                    wrapper.append(child)
                    parent.insert(index, wrapper)


# --- Math: $…$ and $$…$$ become Anki's MathJax delimiters (what may reach MathJax: tex.py) ---

# Display: $$…$$ (may span lines of one paragraph). Inline: $…$ where the opening $ is followed and
# the closing $ preceded by a non-space, and the closing $ is not followed by a digit (pandoc's
# rule), so "$5 and $10" stays text. A backslash before a $ makes it a plain dollar.
MATH_RE = (r"(?<![\\$])\$\$(?!\$)(?P<display>.+?)(?<!\\)\$\$"
           r"|(?<![\\$])\$(?![\s$])(?P<inline>(?:\\.|[^\\$])+?)(?<![\s\\])\$(?![$\d])"
           # Anki's own delimiters written directly stay math (Markdown would drop their backslashes).
           r"|(?<!\\)\\\[(?P<display2>.+?)(?<!\\)\\\]|(?<!\\)\\\((?P<inline2>.+?)(?<!\\)\\\)")


class _MathProcessor(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API)
        # A plain string is stashed by Markdown as text: no emphasis inside, escaped on output.
        if STX in m.group(0):
            return None, None, None  # a code span inside: the code wins, so this is no math
        display = m.group("display") if m.group("display") is not None else m.group("display2")
        if display is not None:
            return f"\\[{display}\\]", m.start(0), m.end(0)
        inline = m.group("inline") if m.group("inline") is not None else m.group("inline2")
        return f"\\({inline}\\)", m.start(0), m.end(0)


class MathExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802
        # After code spans (190), before escapes (180): TeX's own backslashes stay as written.
        md.inlinePatterns.register(_MathProcessor(MATH_RE, md), "qadeck-math", 185)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")  # "\$" writes a dollar sign


class MarkdownRenderer:
    """One reusable Markdown converter (building one costs more than converting a field)."""

    def __init__(self) -> None:
        # Extension instances, not names: a name is looked up in installed packages' metadata (~10 ms per process).
        self._md = markdown.Markdown(extensions=[FencedCodeExtension(), CodeHiliteExtension(**CODEHILITE_CONFIG),
                                                 TableExtension(), SaneListExtension(), MathExtension()])
        # Block-level raw HTML would bypass the inline rule above; treat it as text instead.
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.register(_SafeInlineHtml(HTML_RE, self._md), "html", 90)
        self._md.treeprocessors.register(_ScrollingTables(self._md), "qadeck-tables", 5)

    def convert(self, text: str) -> str:
        if not text.strip():
            return ""
        self._md.reset()
        return self._md.convert(text)
