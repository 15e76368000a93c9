"""A minimal element tree for HTML that has already passed the sanitiser.

nh3 writes canonical HTML (every element closed, attributes quoted), so the standard library's
parser reads it back exactly; start tags are kept as written and only text is re-escaped. Used
where text has to move relative to elements (cloze markers), never to parse untrusted input.
"""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    __slots__ = ("tag", "start", "children", "parent")

    def __init__(self, tag: str, start: str = "", parent: "Element | None" = None):
        self.tag, self.start, self.parent = tag, start, parent
        self.children: list = []  # Element or str (text, unescaped)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("")
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, self.get_starttag_text(), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, self.get_starttag_text(), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def escape_text(text: str) -> str:
    """Text as nh3 (html5ever) serialises it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\xa0", "&nbsp;")


def serialize(node: Element) -> str:
    out: list[str] = []
    _write(node, out)
    return "".join(out)


def _write(node: Element, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, str):
            out.append(escape_text(child))
        else:
            out.append(child.start)
            if child.tag not in VOID:
                _write(child, out)
                out.append(f"</{child.tag}>")
