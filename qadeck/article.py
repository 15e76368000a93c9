"""Parse one Q&A article (simple, line-structured Markdown) into importable cards.

The articles come in a few shapes: questions as headings of any level or as bold lines, numbered
(``1.``, ``题目 1：``) or not; labelled parts (``**题目：**``, ``**答案：**``, ``**解析：**``,
``源代码实例``); prose sections (引言, 总结) and section headings (``一、典型面试题``) that are not
questions; and later "answer detail" sections that repeat earlier questions to add explanation or
code. Parsing is line based and fence aware: nothing inside a fenced code block is ever read as a
heading or a label (``# comment`` lines in Python are not headings).

Section headings. A heading that is not numbered and does not end in a question mark is a section
name, never a card, when it reads like one (``一、…``, or it names a set of questions: 题库, 面试题,
编程题, 典型问题 …, see ``_SECTION_WORDS``). A numbered bold label, ``**题目 1：** 什么是量化？``
(also ``问题 N`` / ``面试题 N``, text on the same line or the next one), starts a question of its
own, so the questions listed under such a section become cards and the section does not.

Question text. A question may have a heading and a labelled ``题目``/``问题`` text (the *ask*).
The card's question is, see :func:`question_text`:

- the heading alone when the ask adds fewer than ``ASK_ADDS`` content units (CJK characters or
  Latin words) the heading lacks, ignoring framing words (请简述, 一般步骤, 有哪些, 如何 …) and a
  leading setting clause (``在深度学习模型训练过程中，``; only Latin names in it count): the ask is
  then a paraphrase;
- the ask alone when it adds information and also covers every content unit of the heading;
- otherwise the heading, a blank line, and the ask.

Everything here is pure: text in, dataclasses and warnings out.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from rapidfuzz import fuzz

from .errors import Location, Problem
from .similarity import core, normalise


@dataclass
class ArticleCard:
    """One question of an article, with everything later sections added to it."""

    number: str  # as numbered in the article ('' when unnumbered)
    title: str  # the heading text without its numbering
    question: str  # Markdown
    answer: str  # Markdown
    explanation: str  # Markdown, may be empty
    line: int  # line of the question's heading
    ask: str = ""  # the labelled 题目/问题 text, kept for matching later sections
    merged_from: list[int] = field(default_factory=list)  # lines of repeats folded into this card


@dataclass
class Article:
    path: Path
    title: str
    cards: list[ArticleCard]
    warnings: list[Problem]


# --- line shapes -----------------------------------------------------------------------------

# Linear on purpose: the trailing '#'s are stripped in code (a lazy group followed by '\s*#*\s*$'
# backtracks cubically on a long run of spaces).
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_LINE = re.compile(r"^\s*\*\*(.+?)\*\*\s*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$")
_NUMBER = re.compile(r"^(?:(?:题目|问题|面试题|Question|Q)\s*(\d+)\s*[:：.、．]?|(\d+)\s*[.、．:：)）])\s*", re.IGNORECASE)
_CN_SECTION = re.compile(r"^[一二三四五六七八九十百]+\s*[、.．:：]")
_PROSE = re.compile(r"^(?:[一二三四五六七八九十]+\s*[、.．]\s*)?(?:引言|前言|导言|导语|简介|介绍|概述|背景|摘要|结论|结束语|总结|小结|结语|尾声|参考文献|参考资料|参考|附录|后记|写在最后)\s*$")
_SECTION_WORDS = re.compile(r"题库|面试题|编程题|试题|习题|题目|问题集|问答|典型问题|常见问题")
_SUPPLEMENT = re.compile(r"答案解析|解析说明|详细解析|源代码实例|代码实例|详解|答案详解")
_TITLE_PREFIX = re.compile(r"^(?:自拟标题|文章标题|标题|主题|题目)\s*[:：]\s*")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
_LABELS = {
    "题目": "ask", "问题": "ask",
    "答案解析": "answer", "参考答案": "answer", "答案": "answer", "解答": "answer", "回答": "answer",
    "解析": "explanation",
    "源代码实例": "code", "代码实例": "code", "源代码": "code", "示例代码": "code", "代码示例": "code",
}
_LABEL_WORDS = "|".join(sorted(_LABELS, key=len, reverse=True))
_LABEL_NOTE = r"(?P<note>\s*[（(][^）)]*[）)])?"
# **答案：** text   |   **答案**：text   |   答案：text   |   源代码实例（以TensorFlow为例）：
_LABEL_BOLD = re.compile(rf"^\s*\*\*\s*(?P<label>{_LABEL_WORDS}){_LABEL_NOTE}\s*[:：]?\s*\*\*\s*[:：]?\s*(?P<rest>.*)$")
# **题目 1：** text   |   **问题 2**：text   |   **题目 3：**  (text on the next line): a question of its own
_NUMBERED_ASK = re.compile(r"^\s*\*\*\s*(?P<label>题目|问题|面试题)\s*(?P<number>\d+)\s*[:：.、．]?\s*\*\*\s*[:：.、．]?\s*(?P<rest>.*)$")
_LABEL_PLAIN = re.compile(rf"^\s*(?P<label>{_LABEL_WORDS}){_LABEL_NOTE}\s*[:：]\s*(?P<rest>.*)$")

SUPPLEMENT_MATCH = 60  # rapidfuzz score a detail section's title needs to join an earlier question
ASK_ADDS = 3  # content units the 题目/问题 text must add to the heading to be kept (see question_text)


def _label(line: str):
    """(kind, label, note, rest) when the line opens a labelled part, else None."""
    m = _LABEL_BOLD.match(line) or _LABEL_PLAIN.match(line)
    if not m:
        m = _NUMBERED_ASK.match(line)
        if not m:
            return None
        return "ask", m.group("label"), "", m.group("rest").strip()
    label = m.group("label")
    return _LABELS[label], label, (m.group("note") or "").strip(), m.group("rest").strip()


def _split_number(text: str) -> tuple[str, str]:
    m = _NUMBER.match(text)
    if not m:
        return "", text.strip()
    return (m.group(1) or m.group(2)), text[m.end():].strip()


def _is_questionish(text: str) -> bool:
    number, title = _split_number(text)
    return bool(title) and (bool(number) or title.endswith(("？", "?")))


# --- splitting into entries ----------------------------------------------------------------------


@dataclass
class _Entry:
    kind: str  # 'preamble' | 'heading' | 'bold'
    level: int  # 1-6 for headings, 7 for bold question lines
    text: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)


class _FenceTracker:
    """Knows whether a line is inside a fenced code block (``` or ~~~, any length >= 3)."""

    def __init__(self) -> None:
        self.open: str | None = None

    def feed(self, line: str) -> bool:
        """Feed one line; True when the line belongs to a fence (including its markers)."""
        m = _FENCE.match(line)
        if self.open is None:
            if m:
                self.open = m.group(2)
                return True
            return False
        if m and m.group(2)[0] == self.open[0] and len(m.group(2)) >= len(self.open) and not (m.group(3) + m.group(4)).strip():
            self.open = None
        return True


def _entries(lines: Sequence[str]) -> list[_Entry]:
    entries = [_Entry("preamble", 0, "", 1)]
    fence = _FenceTracker()
    pending: _Entry | None = None  # a bare '**题目 N：**' line, waiting for its text on the next line
    for number, line in enumerate(lines, 1):
        if fence.feed(line):
            pending = None
            entries[-1].body.append((number, line))
            continue
        heading = _heading(line)
        if pending is not None and line.strip():
            if not heading and not _label(line):
                pending.text += line.strip()
                pending = None
                continue
            pending = None
        if heading:
            entries.append(_Entry("heading", heading[0], _unbold(heading[1]), number))
            continue
        numbered = _NUMBERED_ASK.match(line)
        if numbered and not _awaits_ask(entries[-1]):
            rest = numbered.group("rest").strip()
            entries.append(_Entry("bold", 7, f"{numbered.group('label')} {numbered.group('number')}：{rest}", number))
            if not rest:
                pending = entries[-1]
            continue
        bold = _BOLD_LINE.match(line)
        if bold and not _label(line) and _is_questionish(bold.group(1)):
            entries.append(_Entry("bold", 7, bold.group(1).strip(), number))
            continue
        entries[-1].body.append((number, line))
    return entries


def _heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, its closing '#'s and spaces removed."""
    found = _HEADING.match(line)
    if not found:
        return None
    return len(found.group(1)), found.group(2).rstrip().rstrip("#").rstrip()


def _awaits_ask(entry: _Entry) -> bool:
    """True when ``entry`` is a question heading with nothing under it yet: a numbered
    ``**题目 N：**`` line right below it is its labelled question text, not a new question."""
    if entry.kind == "preamble" or any(line.strip() for _, line in entry.body):
        return False
    number, title = _split_number(entry.text)
    return bool(title) and not _is_section(entry.text) and (bool(number) or title.endswith(("？", "?")))


def _is_section(text: str) -> bool:
    """A section name (``一、典型面试题``, ``算法编程题库``): unnumbered, not a question, and worded as one."""
    number, title = _split_number(text)
    if number or title.endswith(("？", "?")):
        return False
    return bool(_CN_SECTION.match(text) or _SECTION_WORDS.search(title))


def _unbold(text: str) -> str:
    m = re.fullmatch(r"\*\*(.+)\*\*", text.strip())
    return m.group(1).strip() if m else text.strip()


# --- parsing -------------------------------------------------------------------------------------


def parse_article(text: str, path: Path) -> Article:
    """Parse an article's text. ``path`` only names the file in warnings and provenance."""
    lines = [_clean(line) for line in text.lstrip("\ufeff").splitlines()]
    warnings: list[Problem] = []
    cards: list[ArticleCard] = []
    by_title: dict[str, ArticleCard] = {}
    by_meaning: dict[tuple[str, str], ArticleCard] = {}  # the same question in other words (see _meaning)
    title = ""
    supplement_level: int | None = None  # heading level of the current answer-detail section

    entries = _entries(lines)
    merges: dict[int, _Merging] = {}  # id(card) -> the answer being merged into it
    exact: dict[str, list[int]] = {}  # normalised title or ask -> positions in cards
    normalised: list[tuple[str, str]] = []  # (title, ask) of each of cards, normalised
    for index, entry in enumerate(entries):
        parts = _parts(entry.body)
        number, heading = _split_number(entry.text)
        labelled = bool(parts["labels"])
        is_question = entry.kind != "preamble" and bool(heading) and not _PROSE.match(heading) and (
            entry.kind == "bold"
            or (not _CN_SECTION.match(entry.text) and (bool(number) or heading.endswith(("？", "?"))
                                                        or (labelled and not _is_section(entry.text))))
        )
        if not is_question:
            if entry.kind == "heading":
                if index == 1 and not title and not _PROSE.match(heading):
                    title = _TITLE_PREFIX.sub("", heading)
                    continue  # text under the article's title is its introduction
                if supplement_level is not None and entry.level <= supplement_level:
                    supplement_level = None
                if _SUPPLEMENT.search(heading):
                    supplement_level = entry.level
                if _PROSE.match(heading):
                    continue  # introductions and conclusions are prose by design
            _warn_leftover(entry, path, warnings)
            continue

        if entry.kind == "heading" and supplement_level is not None and entry.level <= supplement_level:
            supplement_level = None  # a question at the detail section's level ends that section
        card = ArticleCard(
            number=number,
            title=heading,
            question=question_text(heading, parts["ask"]),
            answer=parts["answer"],
            explanation=parts["explanation"],
            line=entry.line,
            ask=parts["ask"],
        )
        if supplement_level is not None:
            target = _match_supplement(card, cards, exact, normalised)
            if target is not None:
                _merge(target, card, False, merges)
                continue
            warnings.append(Problem(Location(path, entry.line),
                                    f"'{heading}' is in an answer-detail section but matches no earlier question; imported as its own card"))
        key = normalise(heading)
        repeat = by_title.get(key) or by_meaning.get(_meaning(heading))
        if supplement_level is None and repeat is not None:
            _merge(repeat, card, True, merges)
            continue
        if not card.answer.strip():
            warnings.append(Problem(Location(path, entry.line), f"question '{heading}' has no answer; not imported"))
            continue
        normalised.append((key, normalise(card.ask)))
        for text in set(normalised[-1]) - {""}:
            exact.setdefault(text, []).append(len(cards))
        cards.append(card)
        by_title.setdefault(key, card)
        by_meaning.setdefault(_meaning(heading), card)
    for card in cards:
        if id(card) in merges and merges[id(card)].changed:
            card.answer = _join(merges[id(card)].blocks)
    return Article(path=path, title=title, cards=cards, warnings=warnings)


_ASKS = (("what", re.compile(r"什么是|是什么|含义|定义")), ("why", re.compile(r"为什么|为何")),
         ("which", re.compile(r"哪些|哪几")), ("how", re.compile(r"如何|怎样|怎么|进行|实现")))


def _meaning(heading: str) -> tuple[str, str]:
    """(what a question is about, how it asks): "大规模模型的迁移学习如何实现？" and "如何进行大规模模型的
    迁移学习？" are one question; "什么是量化？" and "如何实现量化？" are two."""
    kind = next((name for name, pattern in _ASKS if pattern.search(heading)), "")
    return core(heading), kind


def _clean(line: str) -> str:
    line = line.rstrip().expandtabs(4)  # tabs would force YAML out of block style
    # Lines of ideographic / no-break spaces only are blank lines in disguise.
    return "" if not line.replace("\u3000", "").replace("\xa0", "").strip() else line


def _warn_leftover(entry: _Entry, path: Path, warnings: list[Problem]) -> None:
    text = [(n, line) for n, line in entry.body if line.strip()]
    if text:
        where = f"under '{entry.text}'" if entry.text else "before the first heading"
        warnings.append(Problem(Location(path, text[0][0]),
                                f"text {where} is not part of any question; not imported ({len(text)} line(s))"))


# Words that frame a question without saying what it is about.
_FRAMING = re.compile(r"请|简要|简述|解释|说明|描述|列举|介绍|谈谈|一下|一般|步骤|流程|方法|常用|常见|几种|及其"
                      r"|有哪些|哪些|如何|怎样|怎么|进行|实现|应用|处理|解决方案|解决|问题|是什么|什么是"
                      r"|针对|对其|应对|技术|技巧|的")
# A leading setting clause: 在深度学习模型训练过程中， / 针对大规模模型， / 大模型训练完成后，
_SETTING = re.compile(r"^(?:(?:在|针对|对于)[^，,。？?]*|[^，,。？?]*(?:过程中|完成后|之后|时))[，,]\s*")
_UNIT = re.compile(r"[a-z0-9][a-z0-9.+#-]*|[^\sa-z0-9]")


def _units(text: str) -> list[str]:
    """Content units of a question: Latin words and single other characters, without framing words."""
    return _UNIT.findall(_FRAMING.sub(" ", normalise(text)))


def question_text(heading: str, ask: str) -> str:
    """The card question for a heading and its labelled 题目/问题 text (rule: the module docstring)."""
    if not ask:
        return heading
    if not heading:
        return ask
    setting = _SETTING.match(ask.strip())
    body = ask.strip()[setting.end():] if setting else ask.strip()
    own = set(_units(heading))
    asked = _units(body)
    if setting:  # only the names a setting clause brings count
        asked += [u for u in _units(setting.group(0)) if u[0].isascii()]
    added = [u for u in dict.fromkeys(asked) if u not in own]
    if len(added) < ASK_ADDS:
        return heading
    if own <= set(_units(ask)):
        return ask
    return f"{heading}\n\n{ask}"


def _parts(body: Sequence[tuple[int, str]]) -> dict:
    """Split a question's body into its labelled parts (answer when unlabelled)."""
    parts: dict[str, list[str]] = {"ask": [], "answer": [], "explanation": []}
    labels: list[str] = []
    current = "answer"
    fence = _FenceTracker()
    for _, line in body:
        if fence.feed(line):
            target = "answer" if current == "ask" else current
            parts[target].append(line)
            continue
        found = _label(line)
        if found is None:
            parts[current].append(line)
            continue
        kind, label, note, rest = found
        labels.append(label)
        if kind == "code":
            # Code belongs to the answer; keep its lead-in as a paragraph of its own.
            current = "answer"
            parts["answer"] += ["", f"**{label}{note}：**" + (f" {rest}" if rest else ""), ""]
        else:
            current = kind
            if rest:
                parts[current].append(rest)
    result = {key: tidy_markdown(lines) for key, lines in parts.items()}
    result["ask"] = " ".join(result["ask"].split("\n")).strip() if result["ask"] else ""
    result["labels"] = labels
    return result


# --- Markdown tidying ------------------------------------------------------------------------------


def tidy_markdown(lines: Sequence[str]) -> str:
    """Make article Markdown render as its author meant under Python-Markdown.

    Adds the blank line a list or fence needs after a paragraph, indents nested list items by four
    spaces, collapses runs of blank lines, and labels unlabelled fences (``python`` when the code
    parses or reads as Python, else ``text``) so code is always highlighted.
    """
    out: list[str] = []
    fence = _FenceTracker()
    in_list = False
    i = 0
    lines = list(lines)
    while i < len(lines):
        line = lines[i]
        was_open = fence.open is not None
        if fence.feed(line):
            if not was_open:
                m = _FENCE.match(line)
                if out and out[-1].strip():
                    out.append("")
                if not m.group(3):
                    body = _fence_body(lines, i + 1, m.group(2))
                    line = f"{m.group(1)}{m.group(2)}{guess_language(body)}"
            out.append(line)
            i += 1
            continue
        if not line.strip():
            if out and out[-1].strip():
                out.append("")
            i += 1
            continue
        item = _LIST_ITEM.match(line)
        if item:
            indent = len(item.group(1))
            if 0 < indent < 4 and in_list:
                line = "    " + line.lstrip()
            elif indent == 0 and out and out[-1].strip() and not in_list:
                out.append("")
            in_list = True
        elif not line.startswith((" ", "\t")) and out and not out[-1].strip():
            in_list = False  # a paragraph after a blank line ends the list
        elif out and out[-1].startswith("```") and not in_list:
            out.append("")
        out.append(line)
        i += 1
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out)


def _fence_body(lines: Sequence[str], start: int, marker: str) -> str:
    body = []
    for line in lines[start:]:
        if line.strip().startswith(marker[0] * len(marker)) and not line.strip().strip(marker[0]):
            break
        body.append(line)
    return "\n".join(body)


_PY_HINT = re.compile(r"^[ \t]*(import \w|from [\w.]+ import |def \w+\(|class \w+[(:]|print\(|@\w|for \w+ in |if __name__)", re.MULTILINE)


def guess_language(code: str) -> str:
    """'python' for code that is Python (the seeds' unlabelled fences are), else 'text'."""
    try:
        ast.parse(code)
        parses = bool(code.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # deeply nested code
        parses = False
    if _PY_HINT.search(code) or (parses and re.search(r"[=(]", code)):
        return "python"
    return "text"


# --- merging later sections into earlier questions -----------------------------------------------


def _match_supplement(card: ArticleCard, cards: Sequence[ArticleCard], exact: Mapping[str, list[int]],
                      normalised: Sequence[tuple[str, str]]) -> ArticleCard | None:
    """The earlier question an answer-detail entry belongs to: best title match, number breaks ties.

    ``exact``: normalised title or ask -> positions in ``cards``. An identical one is taken without
    comparing every card (so an article of many detail sections stays fast); then earliest wins.
    ``normalised``: each card's (title, ask), normalised once rather than once per comparison.
    """
    wanted = normalise(card.title)
    number_first = lambda p: (int(bool(card.number) and card.number == cards[p].number), -p)  # noqa: E731
    if exact.get(wanted):
        return cards[max(exact[wanted], key=number_first)]
    best: tuple[float, int, int] | None = None
    chosen = None
    for position, (other, (title, ask)) in enumerate(zip(cards, normalised)):
        score = max(_fuzzy(wanted, title), _fuzzy(wanted, ask))
        rank = (score, int(bool(card.number) and card.number == other.number), -position)
        if best is None or rank > best:
            best, chosen = rank, other
    if best is not None and best[0] >= SUPPLEMENT_MATCH:
        return chosen
    return None


def _fuzzy(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    if min(len(a), len(b)) >= 4:
        return fuzz.partial_ratio(a, b)
    return fuzz.ratio(a, b)


@dataclass
class _Merging:
    """An answer that repeats are merged into: its blocks and their keys, kept between merges so
    merging n repeats costs O(n), not O(n^2); joined into text once at the end."""

    blocks: list[list[str]]
    known: set[str]
    changed: bool = False

    @classmethod
    def of(cls, markdown: str) -> "_Merging":
        blocks = _blocks(markdown)
        return cls(blocks, {_block_key(b) for b in blocks})


def _merge(target: ArticleCard, extra: ArticleCard, fold_items: bool, merges: dict[int, _Merging]) -> None:
    """Fold a repeat (``fold_items``: new list items join the list) or a detail section into target."""
    if extra.answer.strip():
        merging = merges.get(id(target)) or merges.setdefault(id(target), _Merging.of(target.answer))
        merging.changed |= _add_blocks(merging, _blocks(extra.answer), fold_items)
    if extra.explanation and normalise(extra.explanation) not in normalise(target.explanation):
        if not target.explanation:
            target.explanation = extra.explanation
        elif not fold_items:
            target.explanation = f"{target.explanation}\n\n{extra.explanation}"
    target.merged_from.append(extra.line)


def _blocks(markdown: str) -> list[list[str]]:
    """Top-level blocks: a fenced code block, a list item with its continuation, or a paragraph."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    fence = _FenceTracker()
    for line in markdown.split("\n"):
        was_open = fence.open is not None
        if fence.feed(line):
            if not was_open and (current is None or not line.startswith((" ", "\t"))):
                current = [line]
                blocks.append(current)
            else:
                current.append(line)
            if was_open and fence.open is None and not line.startswith((" ", "\t")):
                current = None
            continue
        if not line.strip():
            if current is not None and not _is_item(current):
                current = None
            elif current is not None:
                current.append(line)
            continue
        item = _LIST_ITEM.match(line)
        if item and not item.group(1):
            current = [line]
            blocks.append(current)
        elif current is not None and (line.startswith((" ", "\t")) or (_is_item(current) and current[-1].strip())):
            current.append(line)
        else:
            if current is None or _is_item(current):
                current = [line]
                blocks.append(current)
            else:
                current.append(line)
    for block in blocks:
        while block and not block[-1].strip():
            block.pop()
    return [b for b in blocks if b]


def _is_item(block: Sequence[str]) -> bool:
    m = _LIST_ITEM.match(block[0])
    return bool(m) and not m.group(1)


def _block_key(block: Sequence[str]) -> str:
    if _is_item(block):
        head = _LIST_ITEM.sub("", block[0], count=1)
        label = re.match(r"\*\*(.+?)\*\*", head)
        if label:
            return "item:" + normalise(re.sub(r"[（(][^）)]*[）)]", "", label.group(1)))
    return normalise("\n".join(block))


def _join(blocks: Sequence[list[str]]) -> str:
    out: list[str] = []
    for index, block in enumerate(blocks):
        if index and not (_is_item(block) and _is_item(blocks[index - 1])):
            out.append("")
        out.extend(block)
    return "\n".join(out)


def merge_markdown(base: str, extra: str, fold_items: bool) -> str:
    """``base`` plus the blocks of ``extra`` it does not already have.

    With ``fold_items`` new list items join the end of base's last list (renumbered to follow it);
    otherwise everything new is appended after base, in order.
    """
    if not extra.strip():
        return base
    if not base.strip():
        return extra
    merging = _Merging.of(base)
    return _join(merging.blocks) if _add_blocks(merging, _blocks(extra), fold_items) else base


def _add_blocks(merging: _Merging, blocks: list[list[str]], fold_items: bool) -> bool:
    """Add the blocks ``merging`` does not know yet (see :func:`merge_markdown`); True if any."""
    new = [block for block in blocks if _block_key(block) not in merging.known]
    if not new:
        return False
    base_blocks = merging.blocks
    # The last list item: after an earlier fold it is the last item folded in, so search backwards.
    last = next((i for i in range(len(base_blocks) - 1, -1, -1) if _is_item(base_blocks[i])), None)
    if fold_items and last is not None:
        others = [b for b in new if not _is_item(b)]
        new = _continue_list(base_blocks[last], [b for b in new if _is_item(b)]) + others
        base_blocks[last + 1:last + 1] = new[:len(new) - len(others)]
        base_blocks += others
    else:
        base_blocks += new
    merging.known.update(_block_key(b) for b in new)
    return True


def _continue_list(last: Sequence[str], items: Sequence[list[str]]) -> list[list[str]]:
    marker = _LIST_ITEM.match(last[0]).group(2)
    number = int(marker[:-1]) if marker[0].isdigit() else None
    result = []
    for item in items:
        if number is not None:
            number += 1
            new_marker = f"{number}{marker[-1]}"
        else:
            new_marker = marker
        first = _LIST_ITEM.sub(lambda m: f"{new_marker} ", item[0], count=1)
        result.append([first, *item[1:]])
    return result


# --- topics --------------------------------------------------------------------------------------


def suggest_topics(question: str, body: str, rules: Mapping[str, Sequence[str]], limit: int = 3) -> list[str]:
    """Topic keys whose keywords the card mentions, best first.

    A keyword in the question counts three times one in the answer; a topic needs a keyword in the
    question or three different ones in the answer. Ties keep the order of topics.yaml.
    """
    ranked = []
    for order, (key, words) in enumerate(rules.items()):
        in_question = sum(1 for w in words if _mentions(question, w))
        in_body = sum(1 for w in words if _mentions(body, w))
        if in_question or in_body >= 3:
            ranked.append((-(3 * in_question + in_body), order, key))
    return [key for *_, key in sorted(ranked)[:limit]]


def _mentions(text: str, word: str) -> bool:
    word = word.strip()
    if not word:
        return False
    if re.fullmatch(r"[A-Za-z0-9][\w .+-]*", word):
        # ASCII words must stand alone: 'RL' is not in 'URL'.
        return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", text, re.IGNORECASE) is not None
    return word.lower() in text.lower()
