"""``build.py push``: into a real Anki collection, keeping the learner's tags and history."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from anki_helpers import fresh_import, notes_by_id, open_collection
from conftest import run_cli
from test_ledger import GONE, build, remove_card, review_all

EDITED = "scaling-transfer-learning"


@pytest.fixture
def learner(checkout, tmp_path):
    """v1 imported into a collection, every card reviewed once, one note tagged by the learner."""
    path = tmp_path / "collection.anki2"
    col, _ = fresh_import(tmp_path, build(), name=path.name)
    checkout.commit("ledger")
    review_all(col)
    note = notes_by_id(col)[EDITED]
    note.tags += ["marked", "my-tag"]
    col.update_note(note)  # stamps the note "now": later commits must be newer to update it
    col.close()
    checkout.clock = max(checkout.clock, int(time.time()))
    return path


def push(collection: Path, *extra: str) -> int:
    return run_cli("push", "--cards", "cards", "--templates", "templates", "--collection", str(collection), *extra)


def v2(checkout) -> None:
    path = checkout.root / "cards/scaling.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("3. 用新数据集训练并评估。", "3. 用新数据集微调并评估。"), encoding="utf-8")
    remove_card(checkout.root / "cards/deploy.yaml", GONE)
    checkout.commit("v2")


def test_push_updates_keeps_learner_tags_and_suspends_retired(checkout, learner, capsys):
    v2(checkout)
    assert push(learner) == 0
    out = capsys.readouterr().out
    assert "0 added, 2 updated, 2 unchanged" in out, out[-600:]
    col = open_collection(learner)
    try:
        notes = notes_by_id(col)
        edited = notes[EDITED]
        assert "用新数据集微调并评估" in edited["Answer"]
        assert {"marked", "my-tag", "topic::training"} <= set(edited.tags)
        retired = notes[GONE]
        assert "qadeck::retired" in retired.tags
        assert {c.queue for c in retired.cards()} == {-1}  # suspended
        assert {c.queue for n in notes.values() if n is not retired for c in n.cards()} != {-1}
        assert col.db.scalar("select count() from revlog") == 4  # every review kept
    finally:
        col.close()


def test_delete_retired_spares_reviewed_cards(checkout, learner):
    v2(checkout)
    assert push(learner, "--delete-retired") == 0
    col = open_collection(learner)
    try:
        assert GONE in notes_by_id(col)  # it was reviewed: suspended, not deleted
    finally:
        col.close()


def test_dry_run_leaves_the_collection_byte_identical(checkout, learner, capsys):
    v2(checkout)
    before = learner.read_bytes()
    assert push(learner, "--dry-run") == 0
    assert "dry run, collection unchanged: 0 added, 2 updated" in capsys.readouterr().out
    assert learner.read_bytes() == before
    assert sorted(p.name for p in learner.parent.iterdir() if p.name.startswith(learner.name)) == [learner.name]


def test_move_puts_cards_in_their_new_subdeck(checkout, learner):
    path = checkout.root / "cards/scaling.yaml"
    text = path.read_text(encoding="utf-8")
    card = text[text.index(f"- id: {EDITED}"):]
    topics_line = next(line for line in card.splitlines() if line.strip().startswith("topics:"))
    path.write_text(text.replace(topics_line, topics_line.split("topics:")[0] + "topics: [hardware]"), encoding="utf-8")
    checkout.commit("move to hardware")
    assert push(learner, "--move") == 0
    col = open_collection(learner)
    try:
        [card] = notes_by_id(col)[EDITED].cards()
        assert col.decks.name(card.did) == "AI 大模型面试题::硬件 Hardware"
    finally:
        col.close()


def test_open_missing_and_bogus_collections_exit_2_with_one_line(checkout, learner, tmp_path, capsys):
    col = open_collection(learner)
    try:
        col.set_config("qadeck-test", 1)  # Anki writes: the collection is in use
        before = learner.read_bytes()
        assert push(learner) == 2
        assert learner.read_bytes() == before
    finally:
        col.close()
    bogus = tmp_path / "bogus.anki2"
    bogus.write_text("not a database", encoding="utf-8")
    assert push(bogus) == 2
    assert push(tmp_path / "missing.anki2") == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3, err
    assert "open in Anki" in err[0] and "close Anki" in err[0]
    assert "not an Anki collection" in err[1]
    assert "no such collection file" in err[2]
