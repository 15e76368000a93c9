"""Cloze deletions: Anki's ``{{cN::text}}`` / ``{{cN::text::hint}}`` through Markdown, Pygments and nh3.

Markers are read from the Markdown source the way Anki reads them (``{{c`` + number + ``::``
opens, the first ``}}`` closes, the first ``::`` inside a deletion starts its hint, deletions
may nest). Before Markdown each marker becomes a private-use placeholder that Markdown, Pygments
(see ``markdown_render``) and the sanitiser pass through as plain text; afterwards the
placeholders are found in the text of the sanitised HTML and turned back into markers. A marker
pair must enclose whole elements: a deletion may cover whole blocks (its markers move out of a
paragraph they start or end), but not half of a **bold** phrase, and never a link address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import htmltree

# Anki reads its own markup out of field text: [sound:x] becomes a play button with an onclick
# handler, [latex]/[$]/[$$] run LaTeX. In our fields such text is prose, so its "[" is escaped
# (sanitize.neutralise_anki_markup; a cloze hint: _inert_hint).
ANKI_MARKUP = re.compile(r"\[(?=sound:|anki:|latex\]|\$\$?\])", re.IGNORECASE)

# Anki's marker syntax: lowercase c, a number, "::"; "}}" closes the innermost open deletion.
_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}|::")
_SOURCE_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}|::|`+")
MARKER = re.compile(r"\{\{c\d+::")
# Placeholders: U+E000 <index> U+E001 opens deletion <index>, U+E000 <index> U+E002 closes it.
_PH_OPEN, _PH_MARK, _PH_CLOSE = "\ue000", "\ue001", "\ue002"
RESERVED = (_PH_OPEN, _PH_MARK, _PH_CLOSE)
PLACEHOLDER = re.compile("\ue000(\\d+)([\ue001\ue002])")
# Elements a marker must not leave: text between table cells or rows is moved out of the table.
_STAY_INSIDE = {"td", "th", "tr", "thead", "tbody", "tfoot", "table", "caption"}


@dataclass(frozen=True)
class Deletion:
    number: int
    start: int  # offset of "{{" in the source text
    text_start: int  # offset just after "{{cN::"
    hint_start: int | None  # offset of the "::" that starts the hint
    close: int  # offset of the closing "}}"

    @property
    def end(self) -> int:
        return self.close + 2

    @property
    def text_end(self) -> int:
        return self.hint_start if self.hint_start is not None else self.close


@dataclass(frozen=True)
class ClozeProblem:
    """Something wrong with the deletions of one text; ``offset`` locates it in that text."""

    offset: int
    message: str


def scan(text: str, source: bool = True) -> tuple[list[Deletion], list[ClozeProblem]]:
    """The deletions of ``text`` in order, and every problem with them.

    ``source``: ``text`` is Markdown, in which code that starts inside a deletion (`…` on one line,
    or a fenced block) is that deletion's text: a "}}" or "::" there neither ends it nor starts a
    hint (the rendered HTML keeps them apart for Anki). Otherwise ``text`` is read exactly as Anki
    reads a field.
    """
    stack: list[list] = []  # [number, start, text_start, hint_start]
    found: list[Deletion] = []
    problems: list[ClozeProblem] = []
    tokens = _SOURCE_TOKEN if source else _TOKEN
    pos = 0
    while (match := tokens.search(text, pos)) is not None:
        pos = match.end()
        if match.group(0).startswith("`"):
            if stack:
                pos = _after_code(text, match)
            continue
        if match.group(1) is not None:
            if stack and stack[-1][3] is not None:
                problems.append(ClozeProblem(match.start(), "a deletion cannot start inside another one's hint"))
            stack.append([int(match.group(1)), match.start(), match.end(), None])
        elif match.group(0) == "::":
            if stack and stack[-1][3] is None:
                stack[-1][3] = match.start()
        elif stack:  # "}}" outside any deletion is plain text, as in Anki
            number, start, text_start, hint_start = stack.pop()
            found.append(Deletion(number, start, text_start, hint_start, match.start()))
    for number, start, _, _ in stack:
        problems.append(ClozeProblem(start, f"'{{{{c{number}::' is never closed with '}}}}'"))
    for item in found:
        marker = text[item.start:item.text_start]
        body = text[item.text_start:item.text_end]
        if item.number == 0:
            problems.append(ClozeProblem(item.start, f"'{marker}': deletions are numbered from c1"))
        if not body.strip():
            problems.append(ClozeProblem(item.start, f"'{marker}…}}}}' is empty: put the text to hide inside it"))
        elif text.count("{", item.text_start, item.close) > text.count("}", item.text_start, item.close):
            problems.append(ClozeProblem(item.start, f"'{marker}…' ends at the first '}}}}', inside its own text "
                                                     "(an unclosed '{' before it); write '} }' there instead"))
    found.sort(key=lambda d: d.start)
    problems.sort(key=lambda p: p.offset)
    return found, problems


def _after_code(text: str, opening: re.Match) -> int:
    """Where the code that ``opening`` (a run of backticks) starts ends; its own end if it is no code."""
    run, start, end = opening.group(0), opening.start(), opening.end()
    line_start = text.rfind("\n", 0, start) + 1
    if len(run) >= 3 and not text[line_start:start].strip():  # a fence: up to the closing fence line
        closing = re.compile(rf"^[ \t]*{run}`*[ \t]*$", re.M).search(text, text.find("\n", end) + 1 or len(text))
    else:  # a code span, closed by the same run on the same line
        line_end = text.find("\n", end)
        closing = re.compile(rf"(?<!`){run}(?!`)").search(text, end, len(text) if line_end < 0 else line_end)
    return closing.end() if closing is not None else end


def numbers(html: str) -> list[int]:
    """The distinct deletion numbers of a field (one card each, as Anki counts them), ascending."""
    return sorted({d.number for d in scan(html, source=False)[0]})


@dataclass(frozen=True)
class Protected:
    """Markdown whose markers are placeholders, plus what each placeholder stands for."""

    text: str
    openings: tuple[str, ...]  # "{{c1::" as written
    closings: tuple[str, ...]  # "::hint}}" or "}}"
    offsets: tuple[int, ...]  # where each deletion starts in the source (for messages)


def protect(text: str, deletions: list[Deletion]) -> Protected:
    """Replace every marker by a placeholder; the hint leaves the text (it is not Markdown)."""
    edits = []
    for index, item in enumerate(deletions):
        edits.append((item.start, item.text_start, f"{_PH_OPEN}{index}{_PH_MARK}"))
        edits.append((item.text_end, item.end, f"{_PH_OPEN}{index}{_PH_CLOSE}"))
    out, pos = [], 0
    for start, end, replacement in sorted(edits):
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return Protected(
        text="".join(out),
        openings=tuple(text[d.start:d.text_start] for d in deletions),
        closings=tuple(text[d.text_end:d.end] for d in deletions),
        offsets=tuple(d.start for d in deletions),
    )


class PlacementError(ValueError):
    """A deletion's markers cannot enclose whole elements; ``offset`` is its place in the source."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset


def restore(html: str, protected: Protected, guard, line_class: str = "") -> str:
    """Turn the placeholders in sanitised ``html`` back into markers around whole elements.

    ``guard(text)`` neutralises what the hint text must not carry (TeX that makes links).
    ``line_class``: the class of the element each line of highlighted code sits in; a deletion
    that runs from the middle of one such line into another becomes one deletion per line, all
    with the same number (Anki hides and shows them together).
    """
    if not protected.openings:
        return html
    root = htmltree.parse(html)
    nodes = _split_placeholders(root)
    for index, offset in enumerate(protected.offsets):
        marker = protected.openings[index]
        pair = nodes.get((index, _PH_MARK)), nodes.get((index, _PH_CLOSE))
        if None in pair:
            raise PlacementError(offset, f"'{marker}…' sits where no text can be hidden (a link address, an image "
                                         "or an HTML attribute); put the deletion around the whole link or image")
        pairs = _per_code_line(*pair, line_class)
        if not pairs:
            raise PlacementError(offset, f"'{marker}…' hides nothing visible")
        for start, end in pairs:
            _balance(start, end, offset, marker)
            siblings = start.parent.children
            # Markdown can make "}}" or "::" that were not in the source ("}\}"): keep Anki's reading ours.
            siblings[siblings.index(start) + 1:siblings.index(end)] = _split_anki_syntax(
                siblings[siblings.index(start) + 1:siblings.index(end)], start.parent)
    # A hint is plain text; a "}}" in it (from code in the source) must not end the deletion early.
    hints = [re.sub(r"\}(?=\})", "}<span></span>", _inert_hint(htmltree.escape_text(guard(c[:-2])))) + "}}"
             for c in protected.closings]

    def html_of(node: _Placeholder) -> str:
        if node.kind == _PH_MARK:
            return htmltree.escape_text(protected.openings[node.index])
        return hints[node.index] if node.hint else "}}"

    return _serialize(root, html_of)


def _inert_hint(hint: str) -> str:
    """``hint`` ("::text", escaped HTML, or "") with nothing Anki would read as markup.

    Anki shows an active deletion's hint as "[" + text + "]", so a text such as "sound:…" or "$"
    (or a closing such as "/$") becomes its own markup there; its first character is then written
    as a reference, which Anki's patterns do not match.
    """
    text = hint[2:]
    if not ANKI_MARKUP.match(f"[{text.removeprefix('/')}]"):
        return hint
    return f"::&#{ord(text[0])};{text[1:]}"


class _Placeholder:
    __slots__ = ("index", "kind", "parent", "hint")

    def __init__(self, index: int, kind: str, parent, hint: bool = True):
        self.index, self.kind, self.parent = index, kind, parent
        self.hint = hint  # a closing marker with the deletion's hint (one per deletion is enough)


def _split_placeholders(root: htmltree.Element) -> dict:
    """Give every placeholder its own node; -> {(index, kind): node}."""
    found: dict = {}
    stack = [root]
    while stack:
        element = stack.pop()
        children = []
        for child in element.children:
            if isinstance(child, str):
                pos = 0
                for match in PLACEHOLDER.finditer(child):
                    if match.start() > pos:
                        children.append(child[pos:match.start()])
                    node = _Placeholder(int(match.group(1)), match.group(2), element)
                    found[(node.index, node.kind)] = node
                    children.append(node)
                    pos = match.end()
                if pos < len(child):
                    children.append(child[pos:])
            else:
                children.append(child)
                stack.append(child)
        element.children = children
    return found


def _per_code_line(start: _Placeholder, end: _Placeholder, line_class: str) -> list[tuple]:
    """The marker pairs of one deletion: itself, or one pair per code line it runs through
    (lines with nothing visible in the deletion get none; the first pair carries the hint)."""
    first, last = start.parent, end.parent
    if not line_class or first is last or first.parent is not last.parent or not all(
            line_class in _classes(line) for line in (first, last)):
        return [(start, end)]
    lines = first.parent.children
    pairs = []
    for line in lines[lines.index(first):lines.index(last) + 1]:
        if not isinstance(line, htmltree.Element):
            continue
        opening = start if line is first else _Placeholder(start.index, _PH_MARK, line)
        closing = end if line is last else _Placeholder(end.index, _PH_CLOSE, line)
        children = line.children
        # Deletions are placed in source order, so a marker with a lower index on this line belongs
        # to an enclosing deletion: the new opening goes after those, the new closing before them.
        if line is not first:
            at = 0
            while at < len(children) and _encloses(children[at], _PH_MARK, start.index):
                at += 1
            children.insert(at, opening)
        if line is not last:
            at = len(children)
            while at > children.index(opening) + 1 and _encloses(children[at - 1], _PH_CLOSE, start.index):
                at -= 1
            children.insert(at, closing)
        pairs.append((opening, closing))
    kept = []
    for opening, closing in pairs:
        siblings = opening.parent.children
        if all(_blank(n) for n in siblings[siblings.index(opening) + 1:siblings.index(closing)]):
            siblings.remove(opening)
            siblings.remove(closing)
        else:
            closing.hint = not kept
            kept.append((opening, closing))
    return kept


def _encloses(node, kind: str, index: int) -> bool:
    return isinstance(node, _Placeholder) and node.kind == kind and node.index < index


def _classes(element: htmltree.Element) -> list[str]:
    found = re.search(r'\bclass="([^"]*)"', element.start)
    return found.group(1).split() if found else []


def _depth(element) -> int:
    depth = 0
    while element.parent is not None:
        element, depth = element.parent, depth + 1
    return depth


def _blank(node) -> bool:
    """Nothing a reader would see: whitespace, another marker, an empty element (Pygments' <span></span>)."""
    if isinstance(node, str):
        return not node.strip()
    if isinstance(node, _Placeholder):
        return True
    return node.tag not in htmltree.VOID and all(_blank(c) for c in node.children)


def _hoist(node: _Placeholder, opening: bool) -> bool:
    """Move a marker just before (opening) / after (closing) its parent, if it is at that edge."""
    parent = node.parent
    if parent.parent is None or parent.tag in _STAY_INSIDE:
        return False
    siblings = parent.children
    at = siblings.index(node)
    if not all(_blank(n) for n in (siblings[:at] if opening else siblings[at + 1:])):
        return False
    del siblings[at]
    grand = parent.parent.children
    grand.insert(grand.index(parent) + (0 if opening else 1), node)
    node.parent = parent.parent
    if all(isinstance(n, str) and not n.strip() for n in siblings):
        grand.remove(parent)  # a paragraph that held only the marker
    return True


def _balance(start: _Placeholder, end: _Placeholder, offset: int, marker: str) -> None:
    while start.parent is not end.parent:
        deeper = _depth(start.parent) - _depth(end.parent)
        moved = (_hoist(start, True) if deeper >= 0 else False) or (_hoist(end, False) if deeper <= 0 else False)
        if not moved:
            raise PlacementError(offset, f"'{marker}…' starts and ends in different parts of the formatting "
                                         "(e.g. half of a **bold** phrase, or two table cells); "
                                         "put whole phrases, cells or blocks inside one deletion")
    siblings = start.parent.children
    if siblings.index(start) > siblings.index(end):
        raise PlacementError(offset, f"'{marker}…' cannot be placed around this text")


def _serialize(root: htmltree.Element, html_of) -> str:
    out: list[str] = []

    def write(element) -> None:
        for child in element.children:
            if isinstance(child, str):
                out.append(htmltree.escape_text(child))
            elif isinstance(child, _Placeholder):
                out.append(html_of(child))
            else:
                out.append(child.start)
                if child.tag not in htmltree.VOID:
                    write(child)
                    out.append(f"</{child.tag}>")

    write(root)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# List recall: every top-level item of the answer's list becomes its own deletion.

class NoListError(ValueError):
    pass


# Anki would read these inside a deletion as its end or as the start of a hint; an empty
# element between the two characters keeps them apart without changing what is shown.
_ANKI_SYNTAX = re.compile(r"(?<=\})(?=\})|(?<=:)(?=:)")


def recall_list(html: str) -> str:
    """Sanitised answer HTML -> cloze text: top-level items c1…cN in order, the rest visible."""
    root = htmltree.parse(html)
    lists = [c for c in root.children if isinstance(c, htmltree.Element) and c.tag in ("ul", "ol")]
    items = [li for lst in lists for li in lst.children if isinstance(li, htmltree.Element) and li.tag == "li"]
    items = [li for li in items if not _blank(li)]
    if not items:
        raise NoListError("'recall: list' needs an answer that is a Markdown list ('- item' lines; "
                          "after a paragraph, leave a blank line before the list)")
    for number, li in enumerate(items, 1):
        li.children = _split_anki_syntax(li.children, li)
        li.children.insert(0, f"{{{{c{number}::")
        li.children.append("}}")
    return htmltree.serialize(root)


def _split_anki_syntax(nodes: list, parent: htmltree.Element) -> list:
    """``nodes`` (inside one deletion) with every "}}" and "::" kept apart: in text by an empty
    element, in attributes by a character reference (same value, but not Anki's syntax)."""
    out: list = []
    for node in nodes:
        if isinstance(node, str):
            for i, part in enumerate(_ANKI_SYNTAX.split(node)):
                if i:
                    out.append(htmltree.Element("span", "<span>", parent))
                out.append(part)
        elif isinstance(node, htmltree.Element):
            node.start = node.start.replace("::", ":&#58;").replace("}}", "}&#125;")
            node.children = _split_anki_syntax(node.children, node)
            out.append(node)
        else:
            out.append(node)  # a nested deletion's marker
    return out


# ---------------------------------------------------------------------------------------------
# What Anki shows for one card of a cloze note (the preview mirrors it).

def reveal(html: str, number: int, question: bool) -> str:
    """``{{cloze:Text}}`` for card ``number``: its deletions blank (front) or shown (back), others shown."""
    out: list[str] = []
    stack: list[dict] = []  # open deletions: number, start index in out, hint

    pos = 0
    for match in _TOKEN.finditer(html):
        segment = html[pos:match.start()]
        pos = match.end()
        if match.group(1) is not None:
            out.append(segment)
            stack.append({"number": int(match.group(1)), "at": len(out), "hint": None})
            continue
        if match.group(0) == "::":
            if stack and stack[-1]["hint"] is None:
                out.append(segment)
                stack[-1]["hint"] = len(out)
            else:
                out.append(segment + "::")
            continue
        if not stack:
            out.append(segment + "}}")
            continue
        out.append(segment)
        item = stack.pop()
        body_end = item["hint"] if item["hint"] is not None else len(out)
        body = "".join(out[item["at"]:body_end])
        hint = "".join(out[item["hint"]:]) if item["hint"] is not None else ""
        del out[item["at"]:]
        n = item["number"]
        if n != number:
            out.append(f'<span class="cloze-inactive" data-ordinal="{n}">{body}</span>')
        elif question:
            out.append(f'<span class="cloze" data-cloze="{_attribute(body)}" data-ordinal="{n}">[{hint or "..."}]</span>')
        else:
            out.append(f'<span class="cloze" data-ordinal="{n}">{body}</span>')
    out.append(html[pos:])
    return "".join(out)


def _attribute(text: str) -> str:
    """An attribute value escaped as Anki escapes ``data-cloze``: ASCII letters and digits and
    non-ASCII characters as they are, ``&<>"`` by name, any other ASCII character as ``&#xHH;``."""
    named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    return "".join(c if (c.isascii() and c.isalnum()) or not c.isascii() else named.get(c, f"&#x{ord(c):02X};")
                   for c in text)
