"""The shipped cards/ corpus: builds cleanly through the CLI and imports into real Anki."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from anki_helpers import fresh_import
from conftest import ROOT, run_cli
from qadeck.loader import load_corpus

CARDS = ROOT / "cards"
NAMED_TOPICS = ("training", "compression", "hardware", "security")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CARDS)


def test_check_is_clean(capsys):
    assert run_cli("--cards", str(CARDS), "--check") == 0
    captured = capsys.readouterr()
    assert captured.err == "", captured.err  # no near-duplicate (or any other) warnings
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


def test_every_topic_is_used_and_every_card_has_one(corpus):
    used = {t for c in corpus.cards for t in c.topics}
    assert used == set(corpus.topics)
    assert all(c.topics for c in corpus.cards)


def test_code_blocks_keep_a_language(corpus):
    for card in corpus.cards:
        for text in (card.answer, card.explanation):
            fences = re.findall(r"^\s*(```|~~~)(.*)$", text, re.MULTILINE)
            openings = fences[0::2]
            assert all(info.strip() for _, info in openings), card.id
