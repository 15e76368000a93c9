"""The shipped cards/ corpus: builds cleanly, passes the strict lint, every code block parses, and it
imports into real Anki with the right topics. Builds run on a copy, so the tests never write into
the repository (a build maintains cards/ledger.yaml)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from anki_helpers import fresh_import, notes_by_id
from conftest import ROOT, run_cli
from qadeck.article import question_text
from qadeck.loader import load_corpus

NAMED_TOPICS = ("training", "compression", "hardware", "security")
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


@pytest.fixture(scope="module")
def cards(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("shipped") / "cards"
    shutil.copytree(ROOT / "cards", copy)
    return copy


@pytest.fixture(scope="module")
def corpus(cards):
    return load_corpus(cards)


@pytest.fixture(scope="module")
def imported(cards, tmp_path_factory):
    """The shipped deck as the real Anki backend holds it."""
    tmp = tmp_path_factory.mktemp("anki")
    out = tmp / "shipped.apkg"
    assert run_cli("--cards", str(cards), "-o", str(out)) == 0
    col, log = fresh_import(tmp, out)
    yield col, log
    col.close()


def test_check_is_clean_and_the_ledger_is_current(cards, capsys):
    before = (cards / "ledger.yaml").read_text(encoding="utf-8")
    assert run_cli("--cards", str(cards), "--check") == 0
    captured = capsys.readouterr()
    assert captured.err == "lint: no problems found\n", captured.err  # no near-duplicate or lint warning
    assert "check passed" in captured.out
    assert run_cli("--cards", str(cards), "-o", str(cards.parent / "x.apkg")) == 0
    assert (cards / "ledger.yaml").read_text(encoding="utf-8") == before, "commit the ledger the build wrote"


def test_strict_lint_passes(cards, capsys):
    assert run_cli("lint", "--cards", str(cards), "--strict") == 0, capsys.readouterr().out


def test_every_python_block_parses_and_passes_pyflakes():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "check_code.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^(\d+) Python block\(s\): \1 parse and pass pyflakes, 0 do not$", done.stdout, re.M), done.stdout


def test_topic_minimums(corpus):
    """Each topic the user named is a real subdeck (>= 20 notes), every other one has >= 5."""
    primary = {}
    for card in corpus.cards:
        primary[card.primary_topic] = primary.get(card.primary_topic, 0) + 1
    for topic in corpus.topics:
        assert primary.get(topic, 0) >= (20 if topic in NAMED_TOPICS else 5), (topic, primary)


def test_imports_into_anki_with_every_card_and_no_seed_file_name(corpus, imported):
    col, log = imported
    assert log.new == col.note_count() >= len(corpus.cards)
    notes = notes_by_id(col)
    assert {c.id for c in corpus.cards} <= set(notes)
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        shown = card.question() + card.answer()
        assert not SEED_FILE.search(shown), card.note()["Id"]


def test_every_card_is_tagged_in_anki_with_exactly_its_topics(corpus, imported):
    """Every topic of topics.yaml is used, and Anki reads back each card's topics as its topic:: tags."""
    col, _ = imported
    assert {t for c in corpus.cards for t in c.topics} == set(corpus.topics)
    notes = notes_by_id(col)
    for card in corpus.cards:
        tags = {t[len("topic::"):] for t in notes[card.id].tags if t.startswith("topic::")}
        assert tags == set(card.topics), card.id


@pytest.mark.parametrize("topic", NAMED_TOPICS)
def test_tags_selects_each_named_topic(cards, corpus, topic: str, tmp_path: Path):
    """`--tags TOPIC` builds a deck with exactly that topic's cards (plus its retired notes)."""
    expected = {c.id for c in corpus.cards if topic in c.topics}
    out = tmp_path / f"{topic}.apkg"
    assert run_cli("--cards", str(cards), "--tags", topic, "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        live = {nid: note for nid, note in notes_by_id(col).items() if "qadeck::retired" not in note.tags}
        assert set(live) == expected and len(expected) >= 20, (topic, sorted(expected))
    finally:
        col.close()


def test_no_question_states_itself_twice(corpus):
    """A question of two paragraphs keeps its second only when the importer's rule says it adds something."""
    for card in corpus.cards:
        first, _, rest = card.question.strip().partition("\n\n")
        if rest:
            assert question_text(first, rest) == card.question.strip(), card.id


def test_ships_a_table_and_math(corpus):
    assert any(re.search(r"^\s*\|.*\|\s*$\n^\s*\|[\s:|-]+\|\s*$", c.answer + c.cloze, re.M) for c in corpus.cards)
    assert any("$" in c.answer + c.cloze for c in corpus.cards)


