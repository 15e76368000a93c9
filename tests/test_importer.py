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
from qadeck.article import guess_language, suggest_topics
from qadeck.loader import load_corpus

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
GOLDEN = ["headings", "labelled", "supplement", "repeats"]


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
    assert len(corpus.cards) == 13
    assert all(card.topics for card in corpus.cards)
    assert run_cli("--cards", "cards", "--check") == 0


def test_many_articles_into_one_file(work: Path):
    assert import_("headings.md", "repeats.md", "-o", "cards/mixed.yaml") == 0
    data = yaml.safe_load((work / "cards/mixed.yaml").read_text(encoding="utf-8"))
    assert [c["id"] for c in data["cards"]] == [f"mixed-{n:02d}" for n in range(1, 8)]
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
    assert ("warning: repeats.md:14: card 'repeats-02': duplicate question of card 'existing-inference' "
            "at cards/existing.yaml:9") in err


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
