"""Bad input: one line per problem (`cards/file.yaml:LINE: card 'id': what`), all in one run,
exit code 2, no traceback, nothing written."""
from __future__ import annotations

from pathlib import Path

import pytest

from anki_helpers import fresh_import
from conftest import run_cli

GOOD_CARD = """  - id: {id}
    question: 问题？
    answer: 答案。
    topics: [training]
"""


@pytest.fixture
def cwd(corpus: Path, monkeypatch) -> Path:
    """Run from the corpus's parent so messages show `cards/...` paths."""
    monkeypatch.chdir(corpus.parent)
    return corpus.parent


def write(corpus: Path, name: str, text: str) -> None:
    (corpus / name).write_text(text, encoding="utf-8")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def fails_with(capsys, *args: str) -> list[str]:
    """Run the CLI from the corpus's parent; it must exit 2, print no traceback, write nothing."""
    before = _snapshot(Path("dist"))
    code = run_cli(*args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert _snapshot(Path("dist")) == before, "a failed run changed dist/"
    return [line for line in err.splitlines() if line.startswith("error: ")]


def assert_nothing_written(root: Path) -> None:
    assert not (root / "dist").exists()


def test_yaml_syntax_error(cwd, corpus, capsys):
    write(corpus, "broken.yaml", "cards:\n  - id: a\n    question: [unclosed\n    answer: x\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert len(lines) == 1
    assert lines[0].startswith("error: cards/broken.yaml:4: YAML syntax error")
    assert_nothing_written(cwd)


def test_card_not_a_mapping(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - just a string\n")
    assert fails_with(capsys, "--cards", "cards") == [
        "error: cards/bad.yaml:2: card #1 must be a mapping with id, question, answer, topics"]


def test_missing_and_empty_question_and_answer(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: no-answer\n    question: 问？\n    topics: [training]\n"
                              "  - id: empty-question\n    question: '  '\n    answer: 答\n    topics: [training]\n")
    assert fails_with(capsys, "--cards", "cards") == [
        "error: cards/bad.yaml:2: card 'no-answer': missing 'answer'",
        "error: cards/bad.yaml:6: card 'empty-question': 'question' is empty",
    ]


def test_wrong_types(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: typed\n    question: 问？\n    answer: 42\n"
                              "    topics: {a: b}\n    tags: [ok, [nested]]\n    explanation: [x]\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert "error: cards/bad.yaml:4: card 'typed': 'answer' must be text (Markdown), not a number" in lines
    assert any(l.startswith("error: cards/bad.yaml:5: card 'typed': 'topics' must be a list of text") for l in lines)
    assert any(l.startswith("error: cards/bad.yaml:6: card 'typed': 'tags' must be a list of text") for l in lines)
    assert "error: cards/bad.yaml:7: card 'typed': 'explanation' must be text (Markdown), not a list" in lines


def test_bad_id_characters(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: Bad_ID\n    question: 问？\n    answer: 答\n    topics: [training]\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert lines == ["error: cards/bad.yaml:2: card #1: id 'Bad_ID' must start with a-z or 0-9 and use only lowercase a-z, 0-9 and '-'"]


def test_duplicate_id_names_both_places(cwd, corpus, capsys):
    write(corpus, "zz.yaml", "cards:\n" + GOOD_CARD.format(id="scaling-transfer-learning"))
    lines = fails_with(capsys, "--cards", "cards")
    assert len(lines) == 1
    assert lines[0].startswith("error: cards/zz.yaml:2: card 'scaling-transfer-learning': id 'scaling-transfer-learning' is already used at cards/scaling.yaml:")


def test_unknown_topic_suggests_closest(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: t\n    question: 问？\n    answer: 答\n    topics: [hardwre]\n")
    (line,) = fails_with(capsys, "--cards", "cards")
    assert line.startswith("error: cards/bad.yaml:5: card 't': unknown topic 'hardwre' (did you mean 'hardware'?)")
    assert "known topics: training, compression, hardware, security" in line


def test_unknown_key_suggests_closest(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: t\n    question: 问？\n    answer: 答\n    topics: [training]\n    explaination: 解\n")
    (line,) = fails_with(capsys, "--cards", "cards")
    assert line.startswith("error: cards/bad.yaml:6: card 't': unknown key 'explaination' in card (did you mean 'explanation'?)")


def test_tag_with_space(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: t\n    question: 问？\n    answer: 答\n    topics: [training]\n    tags: [deep learning]\n")
    (line,) = fails_with(capsys, "--cards", "cards")
    assert line.startswith("error: cards/bad.yaml:6: card 't': tag 'deep learning' must be non-empty and contain no spaces")


def test_empty_corpus(cwd, corpus, capsys):
    for path in corpus.glob("*.yaml"):
        if path.name != "topics.yaml":
            path.unlink()
    (line,) = fails_with(capsys, "--cards", "cards")
    assert line.startswith("error: cards: no cards found")


def test_not_utf8(cwd, corpus, capsys):
    (corpus / "gbk.yaml").write_bytes("cards:\n  - id: x\n    question: 中文问题\n".encode("gbk"))
    (line,) = fails_with(capsys, "--cards", "cards")
    assert line.startswith("error: cards/gbk.yaml:3: file is not UTF-8")


def test_missing_topics_file(cwd, corpus, capsys):
    (corpus / "topics.yaml").unlink()
    lines = fails_with(capsys, "--cards", "cards")
    assert lines[0].startswith("error: cards/topics.yaml: missing")


def test_tags_matching_nothing(cwd, corpus, capsys):
    topics = corpus / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + "  evaluation: {name: 评估 Evaluation}\n", encoding="utf-8")
    (line,) = fails_with(capsys, "--cards", "cards", "--tags", "evaluation")
    assert line.startswith("error: cards/topics.yaml:1: --tags evaluation matches no card")
    assert_nothing_written(cwd)


def test_unknown_tag_lists_known_ones(cwd, corpus, capsys):
    assert run_cli("--cards", "cards", "--tags", "hardwear") == 2
    err = capsys.readouterr().err
    assert "unknown tag(s) for --tags: 'hardwear' (did you mean 'hardware'?)" in err
    for known in ("hardware", "training", "security", "compression", "pruning", "quantization", "efficiency"):
        assert known in err
    assert_nothing_written(cwd)


def test_all_problems_in_one_run_and_old_package_kept(cwd, corpus, capsys):
    out = cwd / "dist" / "ai-interview.apkg"
    assert run_cli("--cards", "cards") == 0
    before = out.read_bytes()
    write(corpus, "a.yaml", "cards:\n  - id: A\n    question: q\n    answer: a\n    topics: [training]\n")
    write(corpus, "b.yaml", "cards: [\n")
    write(corpus, "c.yaml", "cards:\n  - id: c\n    question: q\n    topics: [nope]\n")
    capsys.readouterr()
    lines = fails_with(capsys, "--cards", "cards")
    assert [l.split(":")[1] for l in lines] == [" cards/a.yaml", " cards/b.yaml", " cards/c.yaml", " cards/c.yaml"]
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["ai-interview.apkg"]  # no temp file left behind


def test_check_reports_the_same_problems(cwd, corpus, capsys):
    write(corpus, "a.yaml", "cards:\n  - id: a\n    question: q\n    topics: [training]\n")
    assert fails_with(capsys, "--cards", "cards", "--check") == ["error: cards/a.yaml:2: card 'a': missing 'answer'"]


def test_topics_file_problems(cwd, corpus, capsys):
    write(corpus, "topics.yaml", "deck: ''\nslug: Not Ascii\ntopics:\n  Bad Key: {name: x}\n  nameless: {}\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert "error: cards/topics.yaml:1: 'deck' must be the non-empty root deck name" in lines
    assert "error: cards/topics.yaml:2: 'slug' must be ASCII: lowercase letters, digits and '-' (at most 100)" in lines
    assert "error: cards/topics.yaml:4: topic key 'Bad Key' must use lowercase letters, digits and '-'" in lines
    assert "error: cards/topics.yaml:5: topic 'nameless' needs a name: {name: 训练 Training}" in lines


def test_control_character_in_text(cwd, corpus, capsys):
    # U+001F is Anki's field separator: such a note would break the whole import.
    write(corpus, "bad.yaml", 'cards:\n  - id: c\n    question: "Unit\\x1fseparator?"\n    answer: 答\n    topics: [training]\n')
    assert fails_with(capsys, "--cards", "cards") == [
        "error: cards/bad.yaml:3: card 'c': 'question' contains the control character U+001F; remove it"]


def test_numeric_id(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: 123\n    question: 问？\n    answer: 答\n    topics: [training]\n")
    assert fails_with(capsys, "--cards", "cards") == [
        "error: cards/bad.yaml:2: card #1: id must be text, not a number (quote it: id: '123')"]


def test_non_mapping_items_point_at_their_own_line(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - [a, b]\n" + GOOD_CARD.format(id="ok") + "  - 42\n")
    assert fails_with(capsys, "--cards", "cards") == [
        "error: cards/bad.yaml:2: card #1 must be a mapping with id, question, answer, topics",
        "error: cards/bad.yaml:7: card #3 must be a mapping with id, question, answer, topics",
    ]


def test_tags_anki_would_mangle(cwd, corpus, capsys):
    write(corpus, "bad.yaml", "cards:\n  - id: t\n    question: 问？\n    answer: 答\n    topics: [training]\n"
                              "    tags: ['::x', 'y::', Topic::HW, 'a\"b', fine::nested]\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert lines == [
        "error: cards/bad.yaml:6: card 't': tag '::x' has an empty part around '::' (Anki would rename it to 'blank')",
        "error: cards/bad.yaml:6: card 't': tag 'y::' has an empty part around '::' (Anki would rename it to 'blank')",
        "error: cards/bad.yaml:6: card 't': tag 'Topic::HW' uses a reserved prefix: qadeck makes the topic:: and source:: tags itself",
        "error: cards/bad.yaml:6: card 't': tag 'a\"b' contains a character Anki's tag search treats specially",
    ]


def test_topic_and_deck_names_anki_would_merge_or_nest(cwd, corpus, capsys):
    write(corpus, "topics.yaml", "deck: 'AI::'\ntopics:\n  training: {name: 训练 Training}\n"
                                 "  hardware: {name: 训练 training}\n  security: {name: 'A::B'}\n  compression: {name: 压缩}\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert "error: cards/topics.yaml:1: 'deck' has an empty part around '::', a line break or a control character ('A::B' nests B under A)" in lines
    assert "error: cards/topics.yaml:4: topic 'hardware' has the same subdeck name as topic 'training' ('训练 training'; Anki ignores case, Unicode form and spacing)" in lines
    assert "error: cards/topics.yaml:5: topic 'security': name 'A::B' must not contain '::' (it would nest decks)" in lines


def test_ignored_files_are_reported_not_skipped_silently(cwd, corpus, capsys):
    write(corpus, "extra.yml", "cards:\n" + GOOD_CARD.format(id="in-yml"))
    (corpus / "sub").mkdir()
    write(corpus / "sub", "more.yaml", "cards:\n" + GOOD_CARD.format(id="in-sub"))
    assert run_cli("--cards", "cards", "--check") == 0
    err = capsys.readouterr().err
    assert "warning: cards/extra.yml: ignored: card files must end in '.yaml'" in err
    assert "warning: cards/sub: ignored: card files are read only directly inside the corpus folder" in err


def test_every_kind_of_problem_in_one_run(cwd, corpus, capsys, tmp_path):
    """Card problems, duplicate questions among the valid cards and template problems together."""
    write(corpus, "a.yaml", "cards:\n  - id: bad\n    question: q\n    topics: [training]\n"
                            "  - id: dup\n    question: 如何进行模型压缩和加速？\n    answer: 答\n    topics: [compression]\n")
    templates = tmp_path / "templates"
    templates.mkdir()
    lines = fails_with(capsys, "--cards", "cards", "--templates", str(templates), "--check")
    assert "error: cards/a.yaml:2: card 'bad': missing 'answer'" in lines
    assert any(l.startswith("error: cards/deploy.yaml:") and "card 'compression-methods': duplicate question: same as card 'dup' at cards/a.yaml:5" in l
               or l.startswith("error: cards/a.yaml:5: card 'dup': duplicate question") for l in lines)
    assert any(l.startswith("error: templates/front.html: cannot read the note type template") for l in lines)
    assert any(l.startswith("error: templates/pygments.yaml: missing") for l in lines)


def test_bad_templates(cwd, corpus, capsys, tmp_path):
    import shutil

    from qadeck.notetype import DEFAULT_TEMPLATES

    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    (templates / "front.html").write_text("<div>\n{{Question}} {{Qestion}}\n</div>\n", encoding="utf-8")
    (templates / "pygments.yaml").write_text("light: default\n", encoding="utf-8")
    assert fails_with(capsys, "--cards", "cards", "--templates", "templates") == [
        "error: templates/front.html:2: unknown field '{{Qestion}}'; fields: Question, Answer, Explanation, Source, Topics, Id",
        "error: templates/pygments.yaml:1: must have both 'light:' and 'dark:' code styles",
    ]
    (templates / "pygments.yaml").write_text("light: default\ndark: no-such-style\n", encoding="utf-8")
    (templates / "front.html").write_text("{{Question}}\n", encoding="utf-8")
    assert fails_with(capsys, "--cards", "cards", "--templates", "templates") == [
        "error: templates/pygments.yaml:1: dark: unknown Pygments style 'no-such-style'"]
    # The code CSS of valid styles is kept in the cache; it never hides a later bad file.
    (templates / "pygments.yaml").write_text("light: default\ndark: monokai\n", encoding="utf-8")
    assert run_cli("--cards", "cards", "--templates", "templates", "--check") == 0
    (templates / "pygments.yaml").write_text("light: default\n", encoding="utf-8")
    assert fails_with(capsys, "--cards", "cards", "--templates", "templates") == [
        "error: templates/pygments.yaml:1: must have both 'light:' and 'dark:' code styles"]


def test_output_that_is_a_folder(cwd, corpus, capsys):
    (cwd / "out").mkdir()
    assert run_cli("--cards", "cards", "-o", "out") == 2
    assert "error: out is a folder; give a file name, e.g. out/ai-interview.apkg" in capsys.readouterr().err
    assert list((cwd / "out").iterdir()) == []


def test_failed_preview_leaves_no_package(cwd, corpus, capsys):
    (cwd / "blocker").write_text("a file, not a folder", encoding="utf-8")
    assert run_cli("--cards", "cards", "--html", "blocker/preview.html") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert not [p for p in (cwd / "dist").rglob("*") if p.is_file()]


def test_bad_source_date_epoch(cwd, corpus, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert run_cli("--cards", "cards") == 2
    assert "error: SOURCE_DATE_EPOCH must be whole seconds since 1970, not 'yesterday'" in capsys.readouterr().err
    assert not (cwd / "dist").exists()


def test_templates_may_use_ankis_special_fields(cwd, corpus, capsys, tmp_path):
    import shutil

    from qadeck.notetype import DEFAULT_TEMPLATES

    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    with open(templates / "back.html", "a", encoding="utf-8") as back:
        back.write('<div class="meta">{{Deck}} · {{Tags}} · {{text:Subdeck}}</div>\n')
    assert run_cli("--cards", "cards", "--templates", str(templates), "--html", "preview.html") == 0
    assert "AI 大模型面试题::硬件 Hardware · topic::hardware" in (cwd / "preview.html").read_text(encoding="utf-8")


def _set_lang(corpus: Path, line: str) -> None:
    text = (corpus / "topics.yaml").read_text(encoding="utf-8").replace("lang: zh-Hans\n", line)
    write(corpus, "topics.yaml", text)


@pytest.mark.parametrize("value, message", [
    ("zh_CN", "'lang: zh_CN' is not a valid BCP 47 language tag (did you mean 'zh-CN'?); e.g. zh-Hans (Simplified Chinese), zh-Hant, ja, en"),
    ("zh-Hnas", "'lang: zh-Hnas' is not a valid BCP 47 language tag; e.g. zh-Hans (Simplified Chinese), zh-Hant, ja, en"),
    ("chinese", "'lang: chinese' is not a valid BCP 47 language tag; e.g. zh-Hans (Simplified Chinese), zh-Hant, ja, en"),
    ("''", "'lang' must be a BCP 47 language tag such as zh-Hans, zh-Hant, ja or en"),
    ("[zh]", "'lang' must be a BCP 47 language tag such as zh-Hans, zh-Hant, ja or en"),
])
def test_bad_lang_is_reported_with_its_line(cwd, corpus, capsys, value, message):
    _set_lang(corpus, f"lang: {value}\n")
    write(corpus, "bad.yaml", "cards:\n  - id: bad\n    question: q\n    topics: [training]\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert f"error: cards/topics.yaml:3: {message}" in lines
    assert "error: cards/bad.yaml:2: card 'bad': missing 'answer'" in lines  # reported in the same run


def test_lang_is_spelled_canonically_on_the_cards(cwd, corpus, tmp_path):
    _set_lang(corpus, "lang: ZH-hant\n")
    out = tmp_path / "d.apkg"
    assert run_cli("--cards", "cards", "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        card = col.get_card(col.find_cards("")[0])
        assert '<div class="qa-root" lang="zh-Hant">' in card.question()
    finally:
        col.close()


def test_common_langs_are_what_langcodes_accepts_and_spells_so():
    """The tags read without langcodes give exactly what langcodes would: valid, canonical."""
    import langcodes

    from qadeck.loader import COMMON_LANGS, read_lang

    for tag in COMMON_LANGS:
        assert langcodes.tag_is_valid(tag) and langcodes.standardize_tag(tag) == tag, tag
        problems = []
        assert read_lang(f" {tag} ", Path("topics.yaml"), 3, problems) == tag and not problems


def test_missing_lang_is_a_warning_when_cards_are_chinese(cwd, corpus, capsys):
    _set_lang(corpus, "")
    assert run_cli("--cards", "cards", "--check") == 0
    err = capsys.readouterr().err
    assert ("warning: cards/topics.yaml:1: no 'lang:' given, but the cards contain Chinese characters: phones then "
            "guess their glyphs (AnkiDroid picks Japanese ones); add e.g. 'lang: zh-Hans' (or zh-Hant, ja)") in err
