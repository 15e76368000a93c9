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

from .assemble import NotePlan, PackagePlan

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

    @classmethod
    def _find_invalid_html_tags_in_field(cls, field):
        return []  # every field is sanitiser output; genanki's check only warns, at a regex per field


def guid_for(card_id: str) -> str:
    return genanki.guid_for(card_id)


def write_apkg(plan: PackagePlan, path: Path) -> None:
    """Write ``plan`` to ``path`` (the caller makes the write atomic)."""
    nt = plan.note_type
    model = _Model(
        plan.note_type_id,
        nt.name,
        fields=[{"name": name} for name in nt.fields],
        templates=[{"name": nt.template_name, "qfmt": nt.front, "afmt": nt.back}],
        css=nt.css,
        mtime=plan.note_type_mtime,
    )
    decks = {d.deck_id: genanki.Deck(d.deck_id, d.name, d.description) for d in plan.decks}
    for note in plan.notes:
        decks[note.deck_id].add_note(_make_note(model, note))
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
    return _Note(model, list(note.fields), tags=list(note.tags), guid=guid_for(note.card_id), due=note.position,
                 mtime=note.mtime)


def _add(out: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    out.writestr(info, data)
