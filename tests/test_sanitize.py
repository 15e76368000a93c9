"""Nothing executable reaches a card: every field passes the allow-list sanitiser."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from anki_helpers import fresh_import, notes_by_id
from conftest import run_cli

HOSTILE = r'''cards:
  - id: hostile
    question: "在页面中 <script>alert('q')</script> 会怎样？ <img src=x onerror=alert(1)>"
    answer: |
      正文 <script>alert(1)</script> 结束。

      <iframe src="https://evil.example/"></iframe>

      <style>body {display:none}</style><link rel="stylesheet" href="https://evil.example/x.css">

      [点我](javascript:alert(1)) 和 <a href="javascript:alert(2)" onclick="alert(3)">链接</a>

      <div onmouseover="alert(4)">悬停</div> H<sub>2</sub>O <kbd>Ctrl</kbd>

      讨论 `<script>` 标签，以及裸写的 <script> 标签也要能读。

      ```html
      <script>console.log("code is shown, not run")</script>
      ```
    explanation: <svg onload=alert(5)><b onclick=alert(6)>粗体</b>
    topics: [security]
'''


@pytest.fixture
def hostile_note(corpus: Path, tmp_path: Path):
    (corpus / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "h.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    yield col, notes_by_id(col)["hostile"]
    col.close()


def all_fields(note) -> str:
    return "\n".join(note[name] for name in note.keys())


class _Elements(HTMLParser):
    """Real elements and attributes as a browser parses them (escaped text is not an element)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def test_no_executable_html_in_fields(hostile_note):
    _, note = hostile_note
    parsed = _Elements(all_fields(note))
    assert parsed.tags  # the parser did see the markup
    assert not parsed.tags & {"script", "iframe", "style", "link", "svg", "object", "embed"}
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert not [value for _, value in parsed.attributes if "javascript:" in value.lower()]
    assert "<script" not in all_fields(note).lower()


def test_allowed_markup_survives(hostile_note):
    _, note = hostile_note
    assert "H<sub>2</sub>O" in note["Answer"]
    assert "<kbd>Ctrl</kbd>" in note["Answer"]
    assert "<b>粗体</b>" in note["Explanation"]
    assert "悬停" in note["Answer"]


def test_text_about_tags_reads_correctly(hostile_note):
    _, note = hostile_note
    assert "讨论 <code>&lt;script&gt;</code> 标签" in note["Answer"]
    assert "裸写的 &lt;script&gt; 标签也要能读" in note["Answer"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note["Answer"]  # shown as text, never run
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;" in note["Question"] or \
           "&lt;script&gt;alert('q')&lt;/script&gt;" in note["Question"]


def test_code_block_shows_markup_as_text(hostile_note):
    _, note = hostile_note
    assert 'console.log(&quot;code is shown, not run&quot;)' in note["Answer"] or \
           "code is shown, not run" in note["Answer"]
    assert '<div class="codehilite">' in note["Answer"]


def test_rendered_card_has_no_script_from_fields(hostile_note):
    col, note = hostile_note
    answer = note.cards()[0].answer()
    assert "<script" not in answer.lower()
    assert "javascript:" not in answer.lower()


MARKUP = r"""cards:
  - id: markup
    question: 'Anki 的 [sound:evil.mp3] 和 [latex]x^2[/latex] 语法？'
    answer: '还有 [$]y[/$]、[$$]z[/$$] 与 [anki:play:q:0]。'
    topics: [security]
  # Each of these also rewrites text after the sanitiser: a neutralised TeX command, a cloze
  # deletion, list items made deletions. None may bring the "[" of Anki's markup back.
  - id: markup-tex
    question: '[sound:evil.mp3] 与 \evil 命令？'
    answer: '[sound:evil.mp3] 旁边的 \href 也被中和。'
    topics: [security]
  - id: markup-cloze
    question: 'Anki 的标记'
    cloze: '[sound:evil.mp3] 在 {{c1::[sound:evil.mp3] 挖空}} 中 \evil。'
    topics: [security]
  # Anki shows an active deletion's hint as "[" + hint + "]".
  - id: markup-hint
    question: 'Anki 的提示'
    cloze: '答案是 {{c1::任意内容::sound:evil.mp3}}，再看 {{c2::a::$}} x^2 {{c2::b::/$}} 与 {{c3::c::LaTeX}}，{{c4::d::$]y^2[/$}}。'
    topics: [security]
  - id: markup-list
    question: 'Anki 的两种标记？'
    recall: list
    answer: |
      - [sound:evil.mp3] 声音
      - [latex]x[/latex] 公式
    topics: [security]
"""


def test_anki_markup_in_text_stays_text(corpus: Path, tmp_path: Path):
    """[sound:…] would become a play button with an onclick handler, [latex] would run LaTeX."""
    (corpus / "markup.yaml").write_text(MARKUP, encoding="utf-8")
    out = tmp_path / "m.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        notes = notes_by_id(col)
        card = notes["markup"].cards()[0]
        rendered = card.question() + card.answer()
        assert "[anki:play" not in rendered and "[sound:" not in rendered
        assert 'class="latex"' not in rendered and "<img" not in rendered
        assert "&#91;sound:evil.mp3]" in rendered and "&#91;latex]x^2[/latex]" in rendered
        assert not card.question_av_tags() and not card.answer_av_tags()
        for note_id in ("markup-tex", "markup-cloze", "markup-list"):
            cards = notes[note_id].cards()
            assert cards, note_id
            for card in cards:
                rendered = card.question() + card.answer()
                assert "[sound:" not in rendered and "[latex]" not in rendered, (note_id, rendered)
                assert "&#91;sound:evil.mp3]" in rendered, (note_id, rendered)
                assert not card.question_av_tags() and not card.answer_av_tags(), note_id
        for card in notes["markup-hint"].cards():
            rendered = card.question() + card.answer()
            assert "[sound:" not in rendered and "[anki:play" not in rendered, rendered
            assert 'class="latex"' not in rendered and "class=latex" not in rendered and "<img" not in rendered, rendered
            assert not card.question_av_tags() and not card.answer_av_tags()
        hinted = notes["markup-hint"].cards()[0].question()
        assert "[&#115;ound:evil.mp3]" in hinted  # still reads "[sound:evil.mp3]" on the card
    finally:
        col.close()
