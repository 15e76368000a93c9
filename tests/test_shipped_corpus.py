"""The shipped cards/ corpus: builds cleanly through the CLI and imports into real Anki."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from anki_helpers import fresh_import, notes_by_id
from conftest import ROOT, run_cli
from qadeck.article import question_text
from qadeck.loader import load_corpus

CARDS = ROOT / "cards"
NAMED_TOPICS = ("training", "compression", "hardware", "security")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CARDS)


def test_check_is_clean(capsys):
    assert run_cli("--cards", str(CARDS), "--check") == 0
    captured = capsys.readouterr()
    # No near-duplicate (or any other) warnings; the card-quality lint only reports its count.
    other = [line for line in captured.err.splitlines() if not line.startswith("lint: ")]
    assert other == [], captured.err
    assert captured.err.startswith("lint: ")
    assert "check passed" in captured.out


def test_builds_and_imports_into_anki(corpus, tmp_path: Path):
    out = tmp_path / "shipped.apkg"
    assert run_cli("--cards", str(CARDS), "-o", str(out)) == 0
    col, log = fresh_import(tmp_path, out)
    try:
        assert log.new == len(corpus.cards) == col.note_count()
        for nid in col.find_notes(""):
            assert any(tag.startswith("topic::") for tag in col.get_note(nid).tags)
        for topic in NAMED_TOPICS:
            assert col.find_notes(f"tag:topic::{topic}"), f"no card in topic '{topic}'"
    finally:
        col.close()


def test_named_topics_are_really_populated(corpus):
    for topic in NAMED_TOPICS:
        cards = [c for c in corpus.cards if topic in c.topics]
        assert len(cards) >= 3, (topic, [c.id for c in cards])
    by_id = {c.id: c for c in corpus.cards}
    assert "compression" in by_id["llm-startups-24"].topics  # 剪枝
    assert "compression" in by_id["ai-infrastructure-04"].topics  # 量化
    assert "hardware" in by_id["llm-startups-20"].topics  # 硬件加速
    assert "security" in by_id["ai-infrastructure-15"].topics  # 对抗样本


def test_every_card_is_tagged_in_anki_with_exactly_its_topics(corpus, tmp_path: Path):
    """Every topic of topics.yaml is used, and Anki reads back each card's topics as its topic:: tags."""
    declared = set(yaml.safe_load((CARDS / "topics.yaml").read_text(encoding="utf-8"))["topics"])
    assert {t for c in corpus.cards for t in c.topics} == declared
    out = tmp_path / "shipped.apkg"
    assert run_cli("--cards", str(CARDS), "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        notes = notes_by_id(col)
        assert set(notes) == {c.id for c in corpus.cards}
        for card in corpus.cards:
            tags = {t[len("topic::"):] for t in notes[card.id].tags if t.startswith("topic::")}
            assert tags == set(card.topics), card.id
            assert tags <= declared, card.id
    finally:
        col.close()


@pytest.mark.parametrize("topic", NAMED_TOPICS)
def test_tags_selects_each_named_topic(corpus, topic: str, tmp_path: Path):
    """`--tags TOPIC` builds a deck with exactly that topic's cards, and there are enough of them."""
    expected = {c.id for c in corpus.cards if topic in c.topics}
    out = tmp_path / f"{topic}.apkg"
    assert run_cli("--cards", str(CARDS), "--tags", topic, "-o", str(out)) == 0
    col, log = fresh_import(tmp_path, out)
    try:
        assert set(notes_by_id(col)) == expected
        assert log.new == len(expected) >= 4, (topic, sorted(expected))
    finally:
        col.close()


def test_no_question_states_itself_twice(corpus):
    """A question of two paragraphs keeps its second only when the importer's rule says it adds something."""
    for card in corpus.cards:
        first, _, rest = card.question.strip().partition("\n\n")
        if rest:
            assert question_text(first, rest) == card.question.strip(), card.id


def test_code_blocks_keep_a_language(corpus):
    for card in corpus.cards:
        for text in (card.answer, card.explanation):
            fences = re.findall(r"^\s*(```|~~~)(.*)$", text, re.MULTILINE)
            openings = fences[0::2]
            assert all(info.strip() for _, info in openings), card.id
