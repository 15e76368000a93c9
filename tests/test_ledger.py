"""Retired cards reach the learner through a plain .apkg import (the ledger, git history, real Anki)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from anki_helpers import fresh_import, import_apkg, notes_by_id, open_collection
from conftest import run_cli

OUT = "dist/deck.apkg"
GONE = "security-privacy"


def build(*extra: str) -> Path:
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", OUT, *extra) == 0
    return Path(OUT)


def remove_card(path: Path, card_id: str) -> None:
    """Drop one card from a card file, keeping the rest of the file as written."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {card_id}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- id:")), len(lines))
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def review_all(col) -> None:
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        card.start_timer()
        col.sched.answerCard(card, 3)


def test_removed_card_is_retired_in_place_keeping_history(checkout, tmp_path):
    col, log = fresh_import(tmp_path, build())
    try:
        assert log.new == 4
        checkout.commit("ledger")  # the first build wrote cards/ledger.yaml
        review_all(col)
        before = {cid: n["Question"] for cid, n in notes_by_id(col).items()}

        remove_card(checkout.root / "cards/deploy.yaml", GONE)
        removed_at = checkout.commit("remove a card")
        build()
        ledger = yaml.safe_load((checkout.root / "cards/ledger.yaml").read_text(encoding="utf-8"))
        [entry] = ledger["retired"]
        assert (entry["id"], entry["kind"], entry["retired_at"]) == (GONE, "qa", removed_at)

        log = import_apkg(col, Path(OUT))
        assert (log.new, log.updated, log.duplicate) == (0, 1, 3)
        notes = notes_by_id(col)
        retired = notes[GONE]
        assert "qadeck::retired" in retired.tags and "topic::security" in retired.tags
        assert "已退役" in retired["Question"] and before[GONE] in retired["Question"]
        assert col.db.scalar("select count() from revlog where cid in (select id from cards where nid=?)", retired.id) == 1
        assert {cid: n["Question"] for cid, n in notes.items() if cid != GONE} == {k: v for k, v in before.items() if k != GONE}
        assert col.find_notes("tag:qadeck::retired") == [retired.id]
    finally:
        col.close()


def test_retirement_survives_a_build_outside_git(checkout, tmp_path):
    build()
    remove_card(checkout.root / "cards/deploy.yaml", GONE)
    removed_at = checkout.commit("remove a card")
    build()
    checkout.commit("ledger records the retirement")
    outside = tmp_path / "export"
    shutil.copytree(checkout.root / "cards", outside / "cards")
    shutil.copytree(checkout.root / "templates", outside / "templates")
    assert not (outside / ".git").exists()
    out = outside / "deck.apkg"
    assert run_cli("--cards", str(outside / "cards"), "--templates", str(outside / "templates"), "-o", str(out)) == 0
    col, log = fresh_import(tmp_path, out)
    try:
        note = notes_by_id(col)[GONE]
        assert "qadeck::retired" in note.tags and note.mod == removed_at
    finally:
        col.close()


def test_a_card_that_comes_back_is_never_retired(checkout, tmp_path):
    build()
    original = (checkout.root / "cards/deploy.yaml").read_text(encoding="utf-8")
    remove_card(checkout.root / "cards/deploy.yaml", GONE)
    checkout.commit("remove")
    build()
    (checkout.root / "cards/deploy.yaml").write_text(original, encoding="utf-8")
    checkout.commit("restore")
    build()
    assert yaml.safe_load((checkout.root / "cards/ledger.yaml").read_text(encoding="utf-8"))["retired"] == []
    col, _ = fresh_import(tmp_path, Path(OUT))
    try:
        assert not col.find_notes("tag:qadeck::retired") and len(col.find_notes("")) == 4
    finally:
        col.close()


def test_tags_builds_ship_only_the_selected_topics_retired_notes(checkout, tmp_path, capsys):
    build()
    remove_card(checkout.root / "cards/deploy.yaml", GONE)
    checkout.commit("remove")
    for tags, expected in (("security,training", 1), ("training", 0)):
        out = f"dist/{tags.replace(',', '-')}.apkg"
        assert run_cli("--cards", "cards", "--templates", "templates", "--tags", tags, "-o", out) == 0
        col, _ = fresh_import(tmp_path, Path(out), name=f"{expected}.anki2")
        try:
            assert len(col.find_notes("tag:qadeck::retired")) == expected
        finally:
            col.close()
    assert "1 retired note(s)" in capsys.readouterr().out


def test_uncommitted_removal_is_retired_now_and_the_ledger_is_not_rewritten_when_unchanged(checkout):
    build()
    checkout.commit("ledger")
    ledger = checkout.root / "cards/ledger.yaml"
    before = ledger.stat().st_mtime_ns
    build()
    assert ledger.stat().st_mtime_ns == before  # nothing changed: not rewritten, git stays clean
    # The build cache (.cache/, git-ignored in a real corpus: see `qadeck init`) may grow; nothing else changes.
    assert subprocess.run(["git", "status", "--porcelain", "--", ".", ":!.cache"], capture_output=True, text=True).stdout == ""
    remove_card(checkout.root / "cards/deploy.yaml", GONE)
    build()
    [entry] = yaml.safe_load(ledger.read_text(encoding="utf-8"))["retired"]
    assert entry["retired_at"] > checkout.clock  # not committed yet: "now"


def test_damaged_ledger_is_an_input_error(checkout, capsys):
    build()
    (checkout.root / "cards/ledger.yaml").write_text("shipped: {nonsense: [a]}\nretired: [{id: x}]\n", encoding="utf-8")
    assert run_cli("--cards", "cards", "--templates", "templates", "--check") == 2
    err = capsys.readouterr().err
    assert "cards/ledger.yaml:1: ledger entry 'nonsense' must be one of qa, cloze with a list of card ids" in err
    assert "cards/ledger.yaml:2: retired entry #1 is damaged" in err
    assert "Traceback" not in err


def test_ledger_kept_in_the_cache_is_read_again_once_edited(checkout, capsys):
    build()
    build()  # this build's load stores the ledger it read in the cache (parsed-…/)
    ledger = checkout.root / "cards/ledger.yaml"
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("qa:", "qa_typo:", 1), encoding="utf-8")
    assert run_cli("--cards", "cards", "--templates", "templates", "--check") == 2
    assert "cards/ledger.yaml:4: ledger entry 'qa_typo' must be one of qa, cloze" in capsys.readouterr().err


__all__ = ["open_collection"]
