"""Cloze notes and list recall, end to end through the real Anki backend: cards per deletion,
what each front hides and each back shows, highlighted code inside deletions, updates in place,
a kind change, and bad markers reported with file:line."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from anki_helpers import fresh_import, import_apkg, import_for_rendering, notes_by_id
from conftest import FIXTURES, run_cli
from qadeck.apkg import guid_for
from qadeck.assemble import stable_id
from qadeck.notetype import (CLOZE_FIELDS, CLOZE_NOTE_TYPE_KEY, CLOZE_NOTE_TYPE_NAME, CLOZE_TEMPLATE_NAME,
                             NOTE_TYPE_NAME, load_note_types)

CLOZE_FILE = FIXTURES / "cloze" / "cloze.yaml"


class _Faces(HTMLParser):
    """The visible text of a rendered card side, and the text of each cloze span (active or not)."""

    def __init__(self, html: str):
        super().__init__()
        self.text: list[str] = []
        self.active: list[str] = []
        self.inactive: list[str] = []
        self._open: list[tuple[str, list[str]] | None] = []
        self._style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self._style = True
        if tag in ("br", "hr", "img"):
            return
        cls = dict(attrs).get("class", "")
        self._open.append((cls, []) if cls in ("cloze", "cloze-inactive") else None)

    def handle_endtag(self, tag):
        if tag == "style":
            self._style = False
        if tag in ("br", "hr", "img") or not self._open:
            return
        item = self._open.pop()
        if item is not None:
            (self.active if item[0] == "cloze" else self.inactive).append("".join(item[1]))

    def handle_data(self, data):
        if self._style:
            return
        self.text.append(data)
        for item in self._open:
            if item is not None:
                item[1].append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


@pytest.fixture
def cloze_corpus(corpus: Path) -> Path:
    shutil.copy(CLOZE_FILE, corpus / "cloze.yaml")
    return corpus


@pytest.fixture
def imported(cloze_corpus: Path, tmp_path: Path):
    out = tmp_path / "deck.apkg"
    assert run_cli("--cards", str(cloze_corpus), "-o", str(out)) == 0
    col, log = import_for_rendering(tmp_path, out)
    yield col, log
    col.close()


def sides(col, card_id: str) -> dict[int, tuple[_Faces, _Faces, str]]:
    """card ord -> (front, back, back HTML) of one note, as Anki renders them."""
    note = notes_by_id(col)[card_id]
    return {card.ord: (_Faces(card.question()), _Faces(card.answer()), card.answer()) for card in note.cards()}


def test_frozen_cloze_names_and_ids():
    assert CLOZE_NOTE_TYPE_NAME == "qadeck Cloze"
    assert CLOZE_FIELDS == ("Question", "Text", "Explanation", "Source", "Topics", "Id")
    assert CLOZE_TEMPLATE_NAME == "Cloze"
    assert stable_id(CLOZE_NOTE_TYPE_KEY) == 2134049202
    # Q&A notes keep the GUID of the id alone; a cloze note's GUID differs, so a kind change is a new note.
    assert guid_for("scaling-compute-efficiency") == "c%Mui{`)a|"
    assert guid_for("scaling-compute-efficiency", "cloze") == "eR-LiIuC~D"


def test_cloze_note_type_in_anki(imported):
    col, log = imported
    assert log.new == 6
    (model,) = [m for m in col.models.all() if m["name"] == CLOZE_NOTE_TYPE_NAME]
    assert model["id"] == stable_id(CLOZE_NOTE_TYPE_KEY)
    assert model["type"] == 1  # Anki's cloze kind
    assert [f["name"] for f in model["flds"]] == list(CLOZE_FIELDS)
    assert [t["name"] for t in model["tmpls"]] == [CLOZE_TEMPLATE_NAME]
    assert model["css"] == [m for m in col.models.all() if m["name"] == NOTE_TYPE_NAME][0]["css"]
    notes = notes_by_id(col)
    assert notes["cloze-attention"].note_type()["name"] == CLOZE_NOTE_TYPE_NAME
    assert notes["cloze-attention"].guid == guid_for("cloze-attention", "cloze")
    assert sorted(notes["cloze-attention"].tags) == ["attention", "source::cloze", "topic::training"]
    assert col.decks.name(notes["cloze-attention"].cards()[0].did) == "AI 大模型面试题::训练 Training"


def test_one_card_per_deletion_number_each_hiding_exactly_its_own(imported):
    col, _ = imported
    cards = sides(col, "cloze-attention")
    assert sorted(cards) == [0, 1, 2]  # c1 (twice), c2 (twice), c3
    hidden = {0: ["自注意力", "浮点参数转为整数"], 1: ["\\(O(n^2)\\)", "torch.no_grad()"], 2: ["q @ k.T / math.sqrt(d)"]}
    for ord_, (front, back, _) in cards.items():
        others = [t for o, texts in hidden.items() if o != ord_ for t in texts]
        assert front.active == ["[...]" if ord_ != 1 else "[大 O]", "[...]"][:len(hidden[ord_])]
        for text in hidden[ord_]:
            assert text not in front.all_text, (ord_, text)
        for text in others:
            assert text in front.inactive and text in front.all_text  # the rest stays readable
        assert back.active == hidden[ord_]
        assert "补全关于 Transformer 的事实" in front.all_text and "补全关于 Transformer 的事实" in back.all_text
    # The explanation and source appear on the back only.
    front, back, _ = cards[0]
    assert "缩放因子" not in front.all_text and "缩放因子" in back.all_text
    assert "填空与列表回忆" in back.all_text


def test_code_inside_a_deletion_stays_highlighted(imported):
    col, _ = imported
    front, back, html = sides(col, "cloze-attention")[2]
    assert 'data-ordinal="3"><span class="n">q</span> <span class="o">@</span>' in html
    assert '<span class="c1"># 缩放点积</span>' in html  # the code around it too
    assert "q @ k.T" not in front.all_text and "缩放点积" in front.all_text


def test_list_recall_one_deletion_per_item(imported):
    col, _ = imported
    cards = sides(col, "recall-transfer-steps")
    items = ["获取一个预训练模型（如 std::vector 里的 {}} 也不会截断）。", "冻结预训练模型的权重，只训练最后几层。",
             "用新数据集训练并评估。"]
    assert sorted(cards) == [0, 1, 2]
    for ord_, (front, back, _) in cards.items():
        assert front.active == ["[...]"]
        assert items[ord_] not in front.all_text
        assert sorted(front.inactive) == sorted(i for k, i in enumerate(items) if k != ord_)
        assert back.active == [items[ord_]]
        assert "按顺序" in front.all_text  # text around the list stays as context


def build(out: str = "dist/deck.apkg") -> Path:
    assert run_cli("-o", out) == 0
    return Path(out)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_editing_one_deletion_updates_the_note_in_place(checkout, tmp_path):
    shutil.copy(CLOZE_FILE, checkout.root / "cards" / "cloze.yaml")
    checkout.commit("add cloze cards")
    col, log = fresh_import(tmp_path, build())
    try:
        assert log.new == 6
        note = notes_by_id(col)["cloze-attention"]
        card = [c for c in note.cards() if c.ord == 1][0]
        card.start_timer()
        col.sched.answerCard(card, 3)  # a real review: revlog history
        reviews = col.db.scalar("select count() from revlog where cid=?", card.id)
        assert reviews == 1

        edit(checkout.root / "cards/cloze.yaml", "{{c1::自注意力}}", "{{c1::自注意力机制}}")
        checkout.commit("edit one deletion")
        log = import_apkg(col, build())
        assert (log.new, log.updated, log.duplicate) == (0, 1, 5)
        note = notes_by_id(col)["cloze-attention"]
        assert "{{c1::自注意力机制}}" in note["Text"]
        card = [c for c in note.cards() if c.ord == 1][0]
        assert col.db.scalar("select count() from revlog where cid=?", card.id) == reviews and card.reps == 1
        assert len(note.cards()) == 3

        # A new deletion number adds its card to the existing note; the reviewed card is untouched.
        edit(checkout.root / "cards/cloze.yaml", "关闭梯度", "{{c4::关闭}}梯度")
        checkout.commit("add a deletion")
        log = import_apkg(col, build())
        assert (log.new, log.updated) == (0, 1)
        note = notes_by_id(col)["cloze-attention"]
        assert sorted(c.ord for c in note.cards()) == [0, 1, 2, 3]
        assert [c for c in note.cards() if c.ord == 1][0].reps == 1
    finally:
        col.close()


def test_a_card_that_changes_kind_reaches_existing_collections(checkout, tmp_path):
    col, log = fresh_import(tmp_path, build())
    try:
        assert log.new == 4
        old = notes_by_id(col)["scaling-transfer-learning"]
        assert old.note_type()["name"] == NOTE_TYPE_NAME
        edit(checkout.root / "cards/scaling.yaml", "    answer: |\n      1. 获取",
             "    recall: list\n    answer: |\n      1. 获取")
        checkout.commit("the steps become list recall")
        log = import_apkg(col, build())
        # The new cloze note arrives; the old Q&A note is updated in place as retired (the ledger).
        assert (log.new, log.updated, log.duplicate, log.conflicting) == (1, 1, 3, 0)
        notes = {col.get_note(nid).note_type()["name"]: col.get_note(nid) for nid in col.find_notes("Id:scaling-transfer-learning")}
        assert set(notes) == {NOTE_TYPE_NAME, CLOZE_NOTE_TYPE_NAME}
        assert "qadeck::retired" in notes[NOTE_TYPE_NAME].tags and "qadeck::retired" not in notes[CLOZE_NOTE_TYPE_NAME].tags
        (cloze_nid,) = col.find_notes(f'"note:{CLOZE_NOTE_TYPE_NAME}"')
        assert len(col.get_note(cloze_nid).cards()) == 3
    finally:
        col.close()


def test_cloze_templates_are_checked():
    types = load_note_types()
    assert "{{cloze:Text}}" in types["cloze"].front and "{{cloze:Text}}" in types["cloze"].back
    assert types["cloze"].css == types["qa"].css


def test_missing_cloze_template_is_reported(cloze_corpus, tmp_path, capsys):
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).parent.parent / "templates", templates)
    (templates / "cloze_front.html").write_text("<div>{{Text}}</div>\n", encoding="utf-8")
    assert run_cli("--cards", str(cloze_corpus), "--templates", str(templates), "-o", str(tmp_path / "x.apkg")) == 2
    err = capsys.readouterr().err
    assert "cloze_front.html: must show {{cloze:Text}}" in err
    assert not (tmp_path / "x.apkg").exists()
    # A corpus without cloze cards does not need the cloze templates.
    (templates / "cloze_front.html").unlink()
    (cloze_corpus / "cloze.yaml").unlink()
    assert run_cli("--cards", str(cloze_corpus), "--templates", str(templates), "-o", str(tmp_path / "y.apkg")) == 0


BAD = FIXTURES / "cloze-errors"


@pytest.mark.parametrize("check", [False, True], ids=["build", "check"])
def test_bad_markers_are_input_errors_with_file_and_line(tmp_path, monkeypatch, capsys, check):
    shutil.copytree(BAD, tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    args = ["--cards", "cards", *(["--check"] if check else ["-o", "out.apkg"])]
    assert run_cli(*args) == 2
    err = capsys.readouterr().err.splitlines()
    expected = (BAD / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert err == expected
    assert not (tmp_path / "out.apkg").exists() and not (tmp_path / "dist").exists()


def test_cloze_cards_may_share_a_prompt(corpus: Path, tmp_path: Path, capsys):
    (corpus / "same.yaml").write_text(
        "cards:\n"
        "  - id: fill-a\n    question: 补全代码\n    cloze: 'x = {{c1::np.zeros(3)}}'\n    topics: [training]\n"
        "  - id: fill-b\n    question: 补全代码\n    cloze: '训练时用 {{c1::model.train()}} 打开 dropout'\n    topics: [training]\n"
        "  - id: fill-c\n    question: 补全代码\n    cloze: '训练时用 {{c1::model.train()}} 打开 dropout'\n    topics: [training]\n",
        encoding="utf-8")
    assert run_cli("--cards", str(corpus), "--check") == 2
    err = capsys.readouterr().err
    assert "card 'fill-c': duplicate question: same as card 'fill-b'" in err
    assert "fill-a" not in err


CROSSING = """cards:
  - id: crossing
    question: 跨越格式
    cloze: |
      第一行没问题 {{c2::完整}}。

      {{c1::一半 **加粗}} 一半**
    topics: [training]
"""


@pytest.mark.parametrize("args", [["--check"], ["--jobs", "2"]], ids=["check", "parallel"])
def test_a_deletion_that_cannot_be_placed_is_found_by_check_and_by_parallel_builds(corpus, tmp_path, capsys, args):
    (corpus / "crossing.yaml").write_text(CROSSING, encoding="utf-8")
    out = tmp_path / "out.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out), "--no-cache", *args) == 2
    err = capsys.readouterr().err
    assert f"{corpus / 'crossing.yaml'}:7: card 'crossing': '{{{{c1::…' starts and ends in different parts" in err
    assert not out.exists()


def test_anki_reads_each_deletion_as_written():
    """Text Markdown turns into "}}" or "::" (escapes) must not end a deletion or start a hint in Anki."""
    from qadeck.cloze import numbers, scan
    from qadeck.markdown_render import MarkdownRenderer
    from qadeck.render import render_markdown_fields

    html = render_markdown_fields(MarkdownRenderer(), ("cloze", "", r"{{c1::a}\}b}} {{c2::`x::y`::hint}}", ""))[1]
    deletions, problems = scan(html)
    assert not problems and numbers(html) == [1, 2]
    assert [html[d.text_start:d.text_end] for d in deletions] == ["a}<span></span>}b", "<code>x:<span></span>:y</code>"]
    assert html[deletions[1].hint_start:deletions[1].end] == "::hint}}"


def test_code_with_anki_syntax_inside_a_deletion_reads_as_written(corpus: Path, tmp_path: Path):
    source = (FIXTURES / "render" / "cloze-anki-syntax.md").read_text(encoding="utf-8")
    body = "".join(f"      {line}\n" if line else "\n" for line in source.splitlines())
    (corpus / "syntax.yaml").write_text(f"cards:\n  - id: syntax\n    question: 代码里的双冒号和右花括号\n    cloze: |\n{body}"
                                        "    topics: [training]\n", encoding="utf-8")
    out = tmp_path / "s.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    col, _ = import_for_rendering(tmp_path, out)
    try:
        cards = sides(col, "syntax")
        assert sorted(cards) == [0, 1, 2, 3, 4]
        active = [[text.strip() for text in cards[o][1].active] for o in range(5)]
        assert active == [["std::vector"], ['d = {"a": {}}'], ['config = {"optim": {"lr": 1e-3}}'], ["np.zeros(3)"],
                          ["build(", "layers=4,", "width=256)"]]  # across code lines: one deletion per line
        assert cards[1][0].active == ["[字典]"]
        assert cards[4][0].active == ["[构造函数]", "[...]", "[...]"]
        assert "model.train()" in cards[4][0].all_text and "build(" not in cards[4][0].all_text
        assert "std::cout 不影响" in cards[3][0].all_text
    finally:
        col.close()


def test_seeded_fuzz_anki_reads_rendered_deletions_as_the_source_marks_them():
    """Random deletions (nested, with hints, around code, lists, tables, math, `}}` and `::`):
    whenever qadeck accepts the text, Anki's reading of the field finds the same deletion numbers
    and hints (a deletion through several code lines is one per line, its hint once); otherwise
    it is one clear RenderFailure."""
    import random

    from qadeck.cloze import scan
    from qadeck.markdown_render import MarkdownRenderer
    from qadeck.render import RenderFailure, render_markdown_fields

    pieces = ["**b**", "`c::d`", "`{}}`", "x", "中文", "$x_1$", r"\(a\)", "{", "}", "<kbd>k</kbd>", "[l](http://x)",
              "std::v", r"a}\}b", "\n\n", "\n- item\n", "\n```python\nd = {}}\n```\n", "| t |", "}}}", "\n",
              "\n    y = 1\n"]
    contexts = ["前文 ", "\n\n", "- ", "| a | b |\n|---|---|\n| ", "```python\nx = ", "`", "> ", "1. ", "```python\n"]
    rng = random.Random(8)

    def deletion(depth: int = 0) -> str:
        body = "".join(rng.choice(pieces) if rng.random() < .8 or depth > 1 else deletion(depth + 1)
                       for _ in range(rng.randint(1, 3)))
        return f"{{{{c{rng.randint(1, 4)}::{body}{'::h' if rng.random() < .2 else ''}}}}}"

    renderer, accepted = MarkdownRenderer(), 0
    for _ in range(400):
        text = "".join(rng.choice(contexts) + deletion() + rng.choice([" 后文", "\n```\n", "`", " |", ""])
                       for _ in range(rng.randint(1, 3)))
        deletions, problems = scan(text)
        if problems or not deletions:
            continue
        out = render_markdown_fields(renderer, ("cloze", "", text, ""))
        if isinstance(out, RenderFailure):
            assert out.key == "cloze" and out.offset in {d.start for d in deletions}
            continue
        accepted += 1
        read_by_anki = scan(out[1], source=False)[0]
        # A deletion running through several code lines is one deletion per line, its hint once.
        marked = [(d.number, d.hint_start is not None) for d in deletions]
        read = [(d.number, d.hint_start is not None) for d in read_by_anki]
        assert {n for n, _ in read} == {n for n, _ in marked} and len(read) >= len(marked), text
        assert sorted(n for n, hint in read if hint) == sorted(n for n, hint in marked if hint), text
    assert accepted > 100
