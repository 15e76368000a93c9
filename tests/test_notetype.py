"""The note type's field and template names are a public API: Anki treats a renamed field or
template as a new note type and silently skips every matching note on re-import."""
from __future__ import annotations

from pathlib import Path

from anki_helpers import fresh_import, notes_by_id, open_collection
from conftest import run_cli
from qadeck.apkg import guid_for
from qadeck.assemble import stable_id
from qadeck.notetype import FIELDS, NOTE_TYPE_KEY, NOTE_TYPE_NAME, TEMPLATE_NAME, load_note_type


def test_frozen_names():
    assert FIELDS == ("Question", "Answer", "Explanation", "Source", "Topics", "Id")
    assert TEMPLATE_NAME == "Q&A"
    assert NOTE_TYPE_NAME == "qadeck Q&A"
    assert NOTE_TYPE_KEY == "qadeck-note-type-v1"


def test_ids_are_pinned():
    """Users' collections hold these values: a changed hash would orphan every note and deck."""
    assert stable_id(NOTE_TYPE_KEY) == 1724355969
    assert stable_id("qadeck-deck:AI 大模型面试题") == 1782340453
    assert stable_id("qadeck-deck:AI 大模型面试题::硬件 Hardware") == 1983107323
    assert guid_for("scaling-compute-efficiency") == "c%Mui{`)a|"


def test_imported_ids_match_the_pinned_ones(corpus: Path, tmp_path: Path):
    out = tmp_path / "d.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        notes = notes_by_id(col)
        assert notes["scaling-compute-efficiency"].guid == "c%Mui{`)a|"
        assert notes["scaling-compute-efficiency"].mid == 1724355969
        # Anki matches decks by name on import and gives them ids of its own, so only the
        # package's deck ids are pinned (above); GUID and note type id survive the import.
    finally:
        col.close()


def test_templates_use_only_known_fields():
    import re

    nt = load_note_type()
    used = set(re.findall(r"{{[#/^]?([A-Za-z]+)}}", nt.front + nt.back)) - {"FrontSide"}
    assert used <= set(FIELDS)
    assert "{{Question}}" in nt.front and "{{Topics}}" in nt.front
    for field in ("Question", "Answer", "Explanation", "Source"):
        assert "{{%s}}" % field in nt.back


def test_imported_note_type_matches_frozen_schema(corpus: Path, tmp_path: Path):
    out = tmp_path / "d.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    col.close()
    col = open_collection(tmp_path / "collection.anki2")
    try:
        (model,) = [m for m in col.models.all() if m["name"] == NOTE_TYPE_NAME]
        assert model["id"] == stable_id(NOTE_TYPE_KEY)
        assert [f["name"] for f in model["flds"]] == list(FIELDS)
        assert [t["name"] for t in model["tmpls"]] == [TEMPLATE_NAME]
        assert ".nightMode .codehilite" in model["css"]
    finally:
        col.close()


def test_same_ids_across_builds_of_different_selections(corpus: Path, tmp_path: Path):
    """A --tags deck and the full deck share note type, deck and note identities."""
    full, part = tmp_path / "full.apkg", tmp_path / "part.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(full)) == 0
    assert run_cli("--cards", str(corpus), "--tags", "hardware", "-o", str(part)) == 0
    col, _ = fresh_import(tmp_path, part)
    try:
        from anki_helpers import import_apkg

        log = import_apkg(col, full)
        assert (log.new, log.updated + log.duplicate) == (3, 1)
        assert col.note_count() == 4
        assert len([m for m in col.models.all() if m["name"].startswith(NOTE_TYPE_NAME)]) == 1
    finally:
        col.close()
