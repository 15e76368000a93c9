"""Math and TeX safety: golden Markdown -> field HTML pairs, and TeX that would make links or raw
HTML/CSS neutralised in every field of a real build (read back through the real Anki backend)."""
from __future__ import annotations

from pathlib import Path

import pytest

from anki_helpers import fresh_import, notes_by_id
from conftest import FIXTURES, run_cli
from qadeck.markdown_render import MarkdownRenderer
from qadeck.render import render_markdown_fields
from qadeck.tex import ALLOWED, NEUTRAL_BACKSLASH, guard

GOLDEN = sorted((FIXTURES / "render").glob("*.md"))


@pytest.mark.parametrize("source", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_field_html(source: Path):
    """``<name>.md`` rendered as an answer (or, for ``cloze-*``, as cloze text) gives ``<name>.html``."""
    mode = "cloze" if source.stem.startswith("cloze") else "qa"
    html = render_markdown_fields(MarkdownRenderer(), (mode, "", source.read_text(encoding="utf-8"), ""))[1]
    assert html == source.with_suffix(".html").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, expected", [
    ("$E = mc^2$", r"<p>\(E = mc^2\)</p>"),
    ("$$a_1 * b_2$$", r"<p>\[a_1 * b_2\]</p>"),
    (r"\(x_1 * y_2\)", r"<p>\(x_1 * y_2\)</p>"),
    ("$a < b & c$", r"<p>\(a &lt; b &amp; c\)</p>"),
    ("from $5 to $10", "<p>from $5 to $10</p>"),
    (r"\$x\$", "<p>$x$</p>"),
    ("`$x$`", "<p><code>$x$</code></p>"),
    ("$ x $", "<p>$ x $</p>"),
    ("$a `b` c$", "<p>$a <code>b</code> c$</p>"),
])
def test_math_delimiters(text, expected):
    assert render_markdown_fields(MarkdownRenderer(), ("qa", "", text, ""))[1] == expected


def test_guard_reads_text_as_anki_does():
    # Pieces of a command glued together by Anki's cloze filter (tags inside \( \) are stripped).
    assert guard(r"<p>\(a<b>\hr</b>ef{x}{y}\)</p>") == f"<p>\\(a<b>{NEUTRAL_BACKSLASH}hr</b>ef{{x}}{{y}}\\)</p>"
    assert guard(r"<p>\(\ne<i>w</i>command\)</p>") == f"<p>\\({NEUTRAL_BACKSLASH}ne<i>w</i>command\\)</p>"
    # Code inside a math region would be handed to MathJax by the cloze filter; outside one it stays.
    assert guard(r"<p>\(<code>\href{x}{y}</code>\)</p>") == f"<p>\\(<code>{NEUTRAL_BACKSLASH}href{{x}}{{y}}</code>\\)</p>"
    assert guard(r"<p><code>\href{x}{y}</code></p>") == r"<p><code>\href{x}{y}</code></p>"
    # Attributes never carry a backslash (Anki's delimiter search reads the raw HTML).
    assert guard('<p title="\\(">x \\alpha</p>') == '<p title="%5C(">x \\alpha</p>'
    assert guard(r"<p>\alpha \frac{1}{2} C:\Users</p>") == f"<p>\\alpha \\frac{{1}}{{2}} C:{NEUTRAL_BACKSLASH}Users</p>"
    assert not {"href", "url", "class", "cssId", "style", "data", "unicode", "require", "def", "newcommand",
                "renewcommand", "let", "texttip", "mathtip", "toggle", "mmlToken", "color"} & ALLOWED


HOSTILE_TOPICS = """\
deck: 数学
slug: math
topics:
  algebra: {name: '代数 \\(\\frac{1}{2}\\)'}
"""

HOSTILE = r"""source:
  title: '来源 \(\href{javascript:alert(3)}{s}\)'
cards:
  - id: tex-link
    question: 'Q \(\href{javascript:alert(1)}{q}\)'
    answer: |
      A $\href{javascript:alert(2)}{a}$ and \[\class{x}{\style{color:red}{y}}\] and $\frac{1}{2}$
    explanation: '\(\url{javascript:alert(5)}\) \(\cssId{i}{x}\) \(\unicode{x41}\) \(\require{html}\)'
    topics: [algebra]
  - id: tex-cloze
    question: 填空
    cloze: |
      \(\hr{{c1::ef}}{javascript:alert(6)}{x}\) and {{c2::y::\href{javascript:alert(7)}{h}\)}}
    topics: [algebra]
"""


def test_tex_that_makes_links_is_neutralised_in_every_field(tmp_path: Path):
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "topics.yaml").write_text(HOSTILE_TOPICS, encoding="utf-8")
    (cards / "tex.yaml").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "m.apkg"
    assert run_cli("--cards", str(cards), "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        notes = notes_by_id(col)
        fields = [value for note in notes.values() for value in note.values()]
        text = "\n".join(fields)
        for command in ("href", "class", "style", "url", "cssId", "unicode", "require"):
            assert f"\\{command}" not in text, command
            assert f"{NEUTRAL_BACKSLASH}{command}" in text, command
        assert r"\frac{1}{2}" in notes["tex-link"]["Answer"]  # allowed math is untouched
        # The deletion's text would complete "\hr" on the back: the check reads past the marker.
        assert f"{NEUTRAL_BACKSLASH}hr{{{{c1::ef}}}}" in notes["tex-cloze"]["Text"]
        for card in notes["tex-cloze"].cards():
            for side in (card.question(), card.answer()):
                assert "\\href" not in side and "\\hr" + "ef" not in side
    finally:
        col.close()


def test_tex_commands_in_tags_and_deck_names_are_input_errors(tmp_path: Path, capsys):
    """Tags and deck names are no fields (they cannot be rewritten), but templates may show them."""
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "topics.yaml").write_text(
        "deck: '数学 \\(\\href{javascript:alert(1)}{d}\\)'\ntopics:\n"
        "  algebra: {name: '代数 \\(\\class{x}{t}\\)'}\n  calculus: {name: 微积分}\n", encoding="utf-8")
    (cards / "c.yaml").write_text(
        "cards:\n  - id: c\n    question: q\n    answer: a\n    topics: [calculus]\n    tags: ['\\\\href{x}{y}']\n",
        encoding="utf-8")
    assert run_cli("--cards", str(cards), "--check") == 2
    err = capsys.readouterr().err
    assert "topics.yaml:1: 'deck' contains a TeX command" in err
    assert "topics.yaml:3: topic 'algebra': name contains a TeX command" in err
    assert "c.yaml:6: card 'c': tag " in err and "href{x}{y}' contains a backslash" in err


def test_seeded_fuzz_math_and_tex_never_leak_or_link():
    """Random mixes of $, backticks, emphasis, escapes and TeX: no Markdown placeholder leaks into a
    field, and no command outside the allow-list keeps its backslash outside code."""
    import random

    from qadeck.htmltree import Element, parse
    from qadeck.tex import _NAME

    def prose(node: Element) -> str:  # the text outside code, as a browser parses the field
        return "".join(c if isinstance(c, str) else "" if c.tag in ("code", "pre") else prose(c) for c in node.children)

    pieces = ["$", "$$", "`", "*", "_", "\\", "\\$", "x", "a_1", "\\frac{1}{2}", "\\href{javascript:x}{y}", "\\(", "\\)",
              "\\[", "\\]", " ", "\n", "\n\n", "<", "&", "5", "{", "}", "\\class{c}{d}", "中文"]
    rng, renderer = random.Random(13), MarkdownRenderer()
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 16)))
        html = render_markdown_fields(renderer, ("qa", text, text, text))
        for field in html:
            assert "\x02" not in field and "\x03" not in field, text
            assert all(m.group(1) in ALLOWED for m in _NAME.finditer(prose(parse(field)))), (text, field)
