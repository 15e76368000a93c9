"""``--tags``: every form a user sees in Anki selects the same cards, through the CLI."""
from __future__ import annotations

from pathlib import Path

import pytest

from anki_helpers import fresh_import, notes_by_id
from conftest import run_cli

TAGGED = """\
source:
  title: 数值
  slug: numbers
cards:
  - id: float-card
    question: FP16 的指数位有几位？
    answer: 5 位。
    topics: [hardware]
    tags: [numerics::float]
  - id: history-card
    question: IEEE 754 标准哪一年发布？
    answer: 1985 年。
    topics: [training]
    tags: [numerics-history]
"""


@pytest.fixture
def tagged(corpus: Path, monkeypatch) -> Path:
    (corpus / "numbers.yaml").write_text(TAGGED, encoding="utf-8")
    monkeypatch.chdir(corpus.parent)
    return corpus


def selected(tmp_path: Path, tags: str) -> set[str]:
    out = tmp_path / "sel.apkg"
    assert run_cli("--cards", "cards", "--tags", tags, "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out, name=f"{abs(hash(tags))}.anki2")
    try:
        return set(notes_by_id(col))
    finally:
        col.close()


@pytest.mark.parametrize("tags", ["hardware", "HARDWARE", "topic::hardware", "Topic::Hardware"])
def test_topic_forms_are_the_same_selection(tagged, tmp_path, tags):
    assert selected(tmp_path, tags) == {"scaling-compute-efficiency", "float-card"}


def test_a_parent_tag_selects_its_children_only(tagged, tmp_path):
    assert selected(tmp_path, "numerics") == {"float-card"}  # not numerics-history
    assert selected(tmp_path, "numerics::FLOAT") == {"float-card"}
    assert selected(tmp_path, "numerics-history") == {"history-card"}


def test_source_tag_selects_the_articles_cards(tagged, tmp_path):
    assert selected(tmp_path, "source::numbers") == {"float-card", "history-card"}


def test_typo_suggests_the_nearest_tag(tagged, capsys):
    assert run_cli("--cards", "cards", "--tags", "numerics::flaot") == 2
    err = capsys.readouterr().err
    assert "'numerics::flaot' (did you mean 'numerics::float'?)" in err
    assert "Traceback" not in err and not Path("dist").exists()
