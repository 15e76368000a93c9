"""``build.py import``: articles in, card files out, through the public CLI.

Each fixture article in tests/fixtures/articles/ has its expected card file next to it (golden
pair); the tests compare the whole file byte for byte.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from qadeck.article import guess_language, parse_article, question_text, suggest_topics
from qadeck.importer import assign_ids
from qadeck.loader import load_corpus

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
GOLDEN = ["headings", "labelled", "supplement", "repeats", "sections"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch) -> Path:
    """cwd = a tmp dir holding the fixture articles and a small corpus in cards/."""
    for article in ARTICLES.glob("*.md"):
        shutil.copy(article, tmp_path / article.name)
    shutil.copytree(ARTICLES / "corpus", tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def import_(*args: str) -> int:
    return run_cli("import", *args, "--cards", "cards")


@pytest.mark.parametrize("name", GOLDEN)
def test_article_imports_to_expected_card_file(work: Path, name: str):
    for other in (work / "cards").glob("*.yaml"):  # the parse alone: questions the corpus has are not imported
        if other.name != "topics.yaml":
            other.unlink()
    assert import_(f"{name}.md", "-o", f"{name}.yaml") == 0
    assert (work / f"{name}.yaml").read_text(encoding="utf-8") == (ARTICLES / f"{name}.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", GOLDEN)
def test_reimport_gives_identical_file_and_needs_force(work: Path, name: str, capsys):
    assert import_(f"{name}.md", "-o", f"{name}.yaml") == 0
    first = (work / f"{name}.yaml").read_bytes()
    capsys.readouterr()

    assert import_(f"{name}.md", "-o", f"{name}.yaml") == 2
    err = capsys.readouterr().err
    assert f"{name}.yaml already exists; use --force to overwrite it" in err
    assert (work / f"{name}.yaml").read_bytes() == first

    assert import_(f"{name}.md", "-o", f"{name}.yaml", "--force") == 0
    assert (work / f"{name}.yaml").read_bytes() == first
    assert not list(work.glob(".*.tmp")), "temp files left behind"
    umask = os.umask(0)
    os.umask(umask)
    assert (work / f"{name}.yaml").stat().st_mode & 0o777 == 0o666 & ~umask, "an ordinary file, not mkstemp's 0600"


def test_one_card_file_per_article_by_default(work: Path, capsys):
    assert import_("headings.md", "labelled.md") == 0
    out = capsys.readouterr().out
    assert "wrote cards/headings.yaml" in out and "wrote cards/labelled.yaml" in out
    headings = yaml.safe_load((work / "cards/headings.yaml").read_text(encoding="utf-8"))
    assert [c["id"] for c in headings["cards"]] == ["headings-01", "headings-02", "headings-03", "headings-04"]
    assert headings["source"] == {"title": "深度学习面试题：标题形态测试", "origin": "headings.md"}
    labelled = yaml.safe_load((work / "cards/labelled.yaml").read_text(encoding="utf-8"))
    assert [c["id"] for c in labelled["cards"]] == ["labelled-01", "labelled-02", "labelled-03"]


def test_imported_cards_are_a_valid_corpus(work: Path):
    (work / "cards/existing.yaml").unlink()  # it duplicates a fixture question on purpose
    assert import_(*(f"{name}.md" for name in GOLDEN)) == 0
    corpus = load_corpus(work / "cards")
    assert len(corpus.cards) == 18
    assert all(card.topics for card in corpus.cards)
    assert run_cli("--cards", "cards", "--check") == 0


def test_many_articles_into_one_file(work: Path):
    assert import_("headings.md", "repeats.md", "-o", "cards/mixed.yaml") == 0
    data = yaml.safe_load((work / "cards/mixed.yaml").read_text(encoding="utf-8"))
    # mixed-06 repeats a corpus question word for word: not imported (the build would reject the pair).
    assert [c["id"] for c in data["cards"]] == [f"mixed-{n:02d}" for n in (1, 2, 3, 4, 5, 7)]
    assert data["source"]["origin"] == "headings.md, repeats.md"
    assert data["cards"][4]["question"].startswith("如何处理深度学习中的过拟合问题？")


def test_article_without_questions_is_an_error(work: Path, capsys):
    assert import_("headings.md", "no-questions.md") == 2
    err = capsys.readouterr().err
    assert "error: no-questions.md: no recognisable Q&A found" in err
    assert not (work / "cards/headings.yaml").exists(), "nothing is written when one article fails"


def test_missing_and_non_utf8_articles_are_errors(work: Path, capsys):
    (work / "latin1.md").write_bytes("### 1. 问题？\n\n".encode() + b"caf\xe9\n")
    assert import_("missing.md", "latin1.md") == 2
    err = capsys.readouterr().err
    assert "missing.md: cannot read the article" in err
    assert "latin1.md:3: the article is not UTF-8 text" in err


def test_two_articles_with_the_same_slug_need_one_output(work: Path, capsys):
    (work / "sub").mkdir()
    shutil.copy(work / "repeats.md", work / "sub/repeats.md")
    assert import_("repeats.md", "sub/repeats.md") == 2
    assert "same card file" in capsys.readouterr().err


def test_leftovers_and_unplaced_text_are_warnings_with_lines(work: Path, capsys):
    assert import_("headings.md", "supplement.md", "repeats.md") == 0
    err = capsys.readouterr().err
    assert "warning: headings.md:9: text under '一、典型面试题' is not part of any question; not imported" in err
    assert ("warning: supplement.md:40: '联邦学习的通信压缩' is in an answer-detail section but matches no "
            "earlier question; imported as its own card") in err
    assert "warning: repeats.md:44: question '这个问题没有答案？' has no answer; not imported" in err
    assert "warning: headings.md:11: card 'headings-01': no topic keyword matched; put under 'training'" in err
    # introductions and conclusions are prose, not leftovers
    assert "引言" not in err and "结论" not in err and "总结" not in err


def test_duplicates_against_the_corpus_name_both_places(work: Path, capsys):
    assert import_("repeats.md") == 0
    err = capsys.readouterr().err
    assert ("warning: repeats.md:3: card 'repeats-01': near-duplicate (100% alike) question of card "
            "'existing-overfitting' at cards/existing.yaml:5") in err
    assert ("warning: repeats.md:14: card 'repeats-02': question already in the corpus as card 'existing-inference' "
            "at cards/existing.yaml:9; not imported") in err
    assert "repeats-02" not in (work / "cards/repeats.yaml").read_text(encoding="utf-8")


def test_an_import_the_corpus_already_has_writes_nothing(work: Path, capsys):
    assert import_("repeats.md", "-o", "cards/once.yaml") == 0
    capsys.readouterr()
    assert import_("repeats.md", "-o", "cards/twice.yaml") == 2
    err = capsys.readouterr().err
    assert "every imported question is already in cards: nothing to import, nothing written" in err
    assert "question already in the corpus as card 'once-01'" in err
    assert not (work / "cards/twice.yaml").exists()


def test_a_question_repeated_in_other_words_in_one_article_is_one_card(tmp_path: Path):
    text = ("### 1. 大规模模型的迁移学习如何实现？\n\n**答案：** 先预训练，再微调。\n\n"
            "### 2. 什么是迁移学习？\n\n**答案：** 把一个任务学到的知识用到另一个任务。\n\n"
            "### 3. 如何进行大规模模型的迁移学习？\n\n**答案：** 冻结底层，只训练顶层。\n")
    article = parse_article(text, tmp_path / "a.md")
    assert [c.title for c in article.cards] == ["大规模模型的迁移学习如何实现？", "什么是迁移学习？"]
    assert "冻结底层" in article.cards[0].answer and "先预训练" in article.cards[0].answer


def test_overwriting_a_file_does_not_compare_it_with_itself(work: Path, capsys):
    (work / "cards/existing.yaml").unlink()
    assert import_("repeats.md") == 0
    capsys.readouterr()
    assert import_("repeats.md", "--force") == 0
    assert "duplicate" not in capsys.readouterr().err


def test_topic_keywords_come_from_topics_yaml(work: Path):
    topics = work / "cards/topics.yaml"
    text = topics.read_text(encoding="utf-8")
    topics.write_text(text.replace("keywords: [GPU, TPU, 显存, 并行]", "keywords: [GPU, TPU, 显存, 并行, 计算效率]"), encoding="utf-8")
    assert import_("headings.md") == 0
    data = yaml.safe_load((work / "cards/headings.yaml").read_text(encoding="utf-8"))
    assert data["cards"][0]["question"] == "如何优化模型的计算效率？"
    assert data["cards"][0]["topics"] == ["hardware"]  # was the 'training' fallback before the new keyword


def test_without_topics_yaml_cards_get_no_topics_and_a_warning(tmp_path: Path, monkeypatch, capsys):
    shutil.copy(ARTICLES / "repeats.md", tmp_path / "repeats.md")
    monkeypatch.chdir(tmp_path)
    assert run_cli("import", "repeats.md", "--cards", "empty") == 0
    assert "empty/topics.yaml: not found" in capsys.readouterr().err
    data = yaml.safe_load((tmp_path / "empty/repeats.yaml").read_text(encoding="utf-8"))
    assert all(card["topics"] == [] for card in data["cards"])


def test_unlabelled_code_gets_a_language():
    assert guess_language("import torch\nx = torch.ones(3)") == "python"
    assert guess_language("model.fit(x, y)") == "python"
    assert guess_language("$ nvidia-smi -L") == "text"


def test_topic_suggestion_weighs_question_over_answer():
    rules = {"hardware": ["GPU", "TPU", "显存"], "training": ["训练"], "security": ["RL"]}
    assert suggest_topics("如何在 GPU 上训练？", "", rules) == ["hardware", "training"]
    assert suggest_topics("如何训练？", "用 GPU、TPU 和大显存", rules) == ["hardware", "training"]
    assert suggest_topics("什么是 URL？", "", rules) == []  # ASCII keywords match whole words only


# --- section headings ------------------------------------------------------------------------------


def test_section_headings_make_no_card_but_the_questions_under_them_do(work: Path, capsys):
    """`## 算法编程题库` followed by `**题目 1：** …` / `**答案：** …` pairs: one card per 题目, none for the section."""
    assert import_("sections.md") == 0
    err = capsys.readouterr().err
    data = yaml.safe_load((work / "cards/sections.yaml").read_text(encoding="utf-8"))
    questions = [c["question"] for c in data["cards"]]
    assert questions == ["什么是知识蒸馏？", "什么是模型量化？", "如何用 PyTorch 对线性层做 L1 剪枝？",
                         "低秩分解为什么能压缩模型？", "如何选择量化的校准数据？"]
    assert not any(word in q for q in questions for word in ("题库", "典型问题", "面试题"))
    assert "not part of any question" not in err and "has no answer" not in err


def test_a_section_heading_with_stray_labelled_text_is_reported_not_imported(tmp_path: Path):
    text = "# 标题\n\n## 算法编程题库\n\n**答案：** 没有题目的答案。\n\n### 1. 什么是剪枝？\n\n**答案：** 去掉冗余参数。\n"
    article = parse_article(text, tmp_path / "a.md")
    assert [c.question for c in article.cards] == ["什么是剪枝？"]
    assert [str(w) for w in article.warnings] == [
        f"{tmp_path / 'a.md'}:5: text under '算法编程题库' is not part of any question; not imported (1 line(s))"]


def test_numbered_ask_right_under_a_question_heading_is_its_text(tmp_path: Path):
    text = "### 1. 什么是量化？\n\n**题目 1：** 请简述量化的原理和作用。\n\n**答案：** 降低精度。\n"
    article = parse_article(text, tmp_path / "a.md")
    assert [(c.title, c.question, c.answer) for c in article.cards] == [
        ("什么是量化？", "请简述量化的原理和作用。", "降低精度。")]
    assert article.warnings == []


# --- the question text: heading and labelled 题目/问题 ---------------------------------------------


@pytest.mark.parametrize("heading, ask, expected", [
    # a paraphrase adds nothing: the heading alone
    ("如何在深度学习模型中应用生成对抗网络（GAN）？", "在深度学习模型中，如何应用生成对抗网络（GAN）？", "heading"),
    ("如何处理深度学习中的过拟合问题？", "在深度学习模型训练过程中，如何处理过拟合问题？", "heading"),
    ("如何进行大规模模型的调参？", "请简述大规模模型调参的一般步骤。", "heading"),
    ("大规模模型的安全性问题如何解决？", "请列举几种大规模模型的安全性问题及其解决方案。", "heading"),
    ("如何评估大模型的性能和效果？", "大模型训练完成后，如何对其进行性能和效果的评估？", "heading"),
    # added scope that covers the heading: the ask alone
    ("什么是大规模模型？", "请简述大规模模型的特点和应用场景。", "ask"),
    ("如何实现一个简单的神经网络？", "使用Python编写一个简单的神经网络，实现前向传播和反向传播。", "ask"),
    # added scope, and the heading says something the ask does not: both
    ("如何实现一个基于深度学习的手写数字识别模型？", "使用 TensorFlow 或 PyTorch 实现一个手写数字识别模型。", "both"),
    ("什么是大模型（Big Model）？", "简要解释大模型的概念及其在AI领域的重要性。", "both"),
    # a setting clause counts only for the names it brings
    ("如何部署模型？", "在 Kubernetes 集群中，如何部署模型？", "heading"),  # one name < ASK_ADDS
    ("如何部署模型？", "在 Kubernetes 集群中，如何用 Triton 和 ONNX Runtime 部署模型？", "ask"),
])
def test_question_text_keeps_the_ask_only_when_it_adds_information(heading, ask, expected):
    result = question_text(heading, ask)
    assert result == {"heading": heading, "ask": ask, "both": f"{heading}\n\n{ask}"}[expected]
    assert question_text(heading, "") == heading


# --- output file --------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["topics.md", "--force"], ["repeats.md", "-o", "cards/topics.yaml", "--force"],
                                  ["repeats.md", "-o", "elsewhere/topics.yaml"]])
def test_topics_yaml_is_never_an_output(work: Path, args, capsys):
    shutil.copy(work / "repeats.md", work / "topics.md")
    before = (work / "cards/topics.yaml").read_bytes()
    assert import_(*args) == 2
    err = capsys.readouterr().err
    assert "refusing to write a card file named topics.yaml, the corpus's topic list" in err
    assert (work / "cards/topics.yaml").read_bytes() == before
    assert not (work / "elsewhere").exists()


# --- stable ids on re-import --------------------------------------------------------------------

HEADINGS_NEW_FIRST = "### 0. 如何用 GPU 做混合精度训练？\n\n**答案：** 使用 torch.cuda.amp。\n\n"


def test_ids_survive_a_question_inserted_at_the_top(work: Path, capsys):
    assert import_("headings.md") == 0
    before = {c["question"]: c["id"] for c in yaml.safe_load((work / "cards/headings.yaml").read_text(encoding="utf-8"))["cards"]}
    assert sorted(before.values()) == ["headings-01", "headings-02", "headings-03", "headings-04"]

    text = (work / "headings.md").read_text(encoding="utf-8")
    at = text.index("### 1.")
    (work / "headings.md").write_text(text[:at] + HEADINGS_NEW_FIRST + text[at:], encoding="utf-8")
    capsys.readouterr()
    assert import_("headings.md", "--force") == 0
    cards = yaml.safe_load((work / "cards/headings.yaml").read_text(encoding="utf-8"))["cards"]
    assert cards[0]["question"] == "如何用 GPU 做混合精度训练？"
    assert cards[0]["id"] == "headings-05"  # a fresh number above every id the file used
    assert {c["question"]: c["id"] for c in cards[1:]} == before  # everyone else keeps their id


def test_reworded_question_keeps_its_id_and_removed_numbers_are_not_reused(work: Path, capsys):
    assert import_("headings.md") == 0
    first = yaml.safe_load((work / "cards/headings.yaml").read_text(encoding="utf-8"))["cards"]
    text = (work / "headings.md").read_text(encoding="utf-8")
    # reword question 1, drop question 2 (its section), add a new one at the top
    start, end = text.index("##### 什么是梯度裁剪？"), text.index("## 二、算法编程题")
    text = text[:start] + text[end:]
    text = text.replace("如何优化模型的计算效率？", "如何进一步优化模型的计算效率？")
    at = text.index("### 1.")
    (work / "headings.md").write_text(text[:at] + HEADINGS_NEW_FIRST + text[at:], encoding="utf-8")
    capsys.readouterr()
    assert import_("headings.md", "--force") == 0
    err = capsys.readouterr().err
    cards = yaml.safe_load((work / "cards/headings.yaml").read_text(encoding="utf-8"))["cards"]
    ids = {c["question"]: c["id"] for c in cards}
    assert ids["如何进一步优化模型的计算效率？"] == first[0]["id"] == "headings-01"
    assert ids["如何用 GPU 做混合精度训练？"] == "headings-05"  # not headings-03, which named another question
    assert sorted(ids.values()) == ["headings-01", "headings-02", "headings-04", "headings-05"]
    assert "1 card(s) of the existing file match no imported question and are dropped: headings-03" in err


def test_assign_ids_rule():
    existing = [("a-01", "什么是量化？"), ("a-02", "如何进行大规模模型的剪枝？"), ("a-07", "如何进行大规模模型的蒸馏？"),
                ("custom-id", "如何处理过拟合？")]
    questions = ["如何进行模型并行？", "请简述：什么是量化", "如何进行深度学习模型的剪枝？", "如何处理过拟合？", "新问题？"]
    corpus = ["如何进行大规模模型的调参？", "如何进行大规模模型的版本管理？", "如何进行大规模模型的图像处理？",
              "如何进行大规模模型的音频处理？", "如何进行大规模模型的视频处理？", "如何优化深度学习模型的推理速度？",
              "如何处理深度学习中的梯度消失问题？", "如何在深度学习模型中应用迁移学习？", "如何实现深度学习模型的量化？"]
    ids, unused = assign_ids("a", questions, existing, corpus)
    # exact after normalising; the same subject reworded; fresh numbers above a-07, in article order
    assert ids == ["a-08", "a-01", "a-02", "custom-id", "a-09"]
    assert unused == ["a-07"]
    # a template sibling (蒸馏 for 剪枝) never inherits an id, however alike the wording
    ids, unused = assign_ids("a", ["如何进行大规模模型的剪枝？"], [("a-01", "如何进行大规模模型的蒸馏？")], corpus)
    assert (ids, unused) == (["a-02"], ["a-01"])
    ids, _ = assign_ids("a", ["如何进行大规模模型的剪枝？"], [("a-01", "如何进行大规模模型的蒸馏？")])
    assert ids == ["a-02"]  # nor without a corpus to weigh the words
    assert assign_ids("a", ["一？", "二？"], None) == (["a-01", "a-02"], [])


def test_a_topic_needs_three_answer_keywords_as_topics_yaml_says():
    rules = {"hardware": ["GPU", "TPU", "显存"]}
    assert suggest_topics("如何加速？", "用 GPU 和 TPU", rules) == []
    assert suggest_topics("如何加速？", "用 GPU、TPU 和大显存", rules) == ["hardware"]
    comment = (Path(__file__).parent.parent / "cards/topics.yaml").read_text(encoding="utf-8").split("\ndeck:")[0]
    assert "or three different ones of which its answer mentions" in comment.replace("\n# ", " ")
