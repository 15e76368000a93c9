"""Write a package plan as an ``.apkg`` file; the only module that imports genanki.

genanki stamps every note, card and note type with one package timestamp and zips with the
clock's date; here each note carries its own modification time, the note type its template time,
and the zip entries a fixed date, so the same plan always gives the same bytes.
"""
from __future__ import annotations

import itertools
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import genanki

from . import cloze
from .assemble import NotePlan, PackagePlan
from .notetype import CLOZE_FIELD

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class _Model(genanki.Model):
    def __init__(self, *args, mtime: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.mtime = mtime

    def to_json(self, timestamp, deck_id):
        return super().to_json(self.mtime, deck_id)


class _Note(genanki.Note):
    """A genanki note stamped with its own modification time (genanki uses the package's)."""

    def __init__(self, *args, mtime: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.mtime = mtime

    def write_to_db(self, cursor, timestamp, deck_id, id_gen):
        super().write_to_db(cursor, self.mtime, deck_id, id_gen)

    def _cloze_cards(self):
        # One card per deletion number, read as qadeck wrote the markers (code in a deletion may
        # hold "}}"), which is how Anki reads them too.
        index = [f["name"] for f in self.model.fields].index(CLOZE_FIELD)
        return [genanki.Card(number - 1) for number in cloze.numbers(self.fields[index])]

    @classmethod
    def _find_invalid_html_tags_in_field(cls, field):
        return []  # every field is sanitiser output; genanki's check only warns, at a regex per field


def guid_for(card_id: str, kind: str = "qa") -> str:
    """A note's GUID. Q&A notes keep the GUID of the card id alone (what existing collections hold);
    cloze notes add their kind, so a card that changes kind arrives as a new note instead of being
    skipped by Anki (it skips a note whose GUID exists under another note type)."""
    return genanki.guid_for(card_id) if kind == "qa" else genanki.guid_for(card_id, kind)


def write_apkg(plan: PackagePlan, path: Path) -> None:
    """Write ``plan`` to ``path`` (the caller makes the write atomic)."""
    models = {}
    for kind, nt_plan in plan.note_types.items():
        nt = nt_plan.note_type
        model = _Model(
            nt_plan.note_type_id,
            nt.name,
            fields=[{"name": name} for name in nt.fields],
            templates=[{"name": nt.template_name, "qfmt": nt.front, "afmt": nt.back}],
            css=nt.css,
            model_type=genanki.Model.CLOZE if kind == "cloze" else genanki.Model.FRONT_BACK,
            mtime=nt_plan.mtime,
        )
        models[kind] = model
    decks = {d.deck_id: genanki.Deck(d.deck_id, d.name, d.description) for d in plan.decks}
    for note in plan.notes:
        decks[note.deck_id].add_note(_make_note(models[note.kind], note))
    package = genanki.Package(list(decks.values()))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        _add(out, "collection.anki2", _collection_bytes(package, plan.timestamp))
        _add(out, "media", b"{}")


def _collection_bytes(package: genanki.Package, timestamp: int) -> bytes:
    """The collection database's file bytes.

    A scratch file, so no fsync and a journal in memory: a crash loses nothing that matters (the
    package is written atomically). Neither setting is recorded in the file, so the bytes stay the
    same; an in-memory database would differ in its header's change counters.
    """
    with tempfile.TemporaryDirectory(prefix="qadeck-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        try:
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA journal_mode = MEMORY")
            package.write_to_db(conn.cursor(), timestamp, itertools.count(timestamp * 1000))
            conn.commit()
        finally:
            conn.close()
        return db_path.read_bytes()


def _make_note(model: _Model, note: NotePlan) -> _Note:
    return _Note(model, list(note.fields), tags=list(note.tags), guid=guid_for(note.card_id, note.kind), due=note.position,
                 mtime=note.mtime)


def _add(out: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    out.writestr(info, data)
