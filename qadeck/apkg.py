"""Write a package plan as an ``.apkg`` file; the only module that imports genanki.

genanki stamps every note, card and note type with one package timestamp and zips with the
clock's date; here each note carries its own modification time, the note type its template time,
and the zip entries a fixed date, so the same plan always gives the same bytes. That is also why
:class:`PackageReuse` can keep an existing package that already holds exactly those bytes.
"""
from __future__ import annotations

import hashlib
import itertools
import marshal
import os
import sys
import tempfile
import zlib
from pathlib import Path

from . import cloze
from .assemble import NotePlan, PackagePlan
from .notetype import CLOZE_FIELD

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _genanki():
    """genanki and qadeck's subclasses of it. Imported only when a package is written: genanki's
    imports (asyncio among them) cost a small warm build as much as all of its own work."""
    import genanki

    class Model(genanki.Model):
        def __init__(self, *args, mtime: int, **kwargs):
            super().__init__(*args, **kwargs)
            self.mtime = mtime

        def to_json(self, timestamp, deck_id):
            return super().to_json(self.mtime, deck_id)

    class Note(genanki.Note):
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

    return genanki, Model, Note


def guid_for(card_id: str, kind: str = "qa") -> str:
    """A note's GUID. Q&A notes keep the GUID of the card id alone (what existing collections hold);
    cloze notes add their kind, so a card that changes kind arrives as a new note instead of being
    skipped by Anki (it skips a note whose GUID exists under another note type)."""
    from genanki import guid_for as genanki_guid

    return genanki_guid(card_id) if kind == "qa" else genanki_guid(card_id, kind)


def write_apkg(plan: PackagePlan, path: Path) -> None:
    """Write ``plan`` to ``path`` (the caller makes the write atomic)."""
    import zipfile

    genanki, model_class, note_class = _genanki()
    models = {}
    for kind, nt_plan in plan.note_types.items():
        nt = nt_plan.note_type
        model = model_class(
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
        decks[note.deck_id].add_note(_make_note(note_class, models[note.kind], note))
    package = genanki.Package(list(decks.values()))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        _add(out, "collection.anki2", _collection_bytes(package, plan.timestamp))
        _add(out, "media", b"{}")


def _collection_bytes(package, timestamp: int) -> bytes:
    """The collection database's file bytes.

    A scratch file, so no fsync and a journal in memory: a crash loses nothing that matters (the
    package is written atomically). Neither setting is recorded in the file, so the bytes stay the
    same; an in-memory database would differ in its header's change counters.
    """
    import sqlite3

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


def _make_note(note_class, model, note: NotePlan):
    return note_class(model, list(note.fields), tags=list(note.tags), guid=guid_for(note.card_id, note.kind),
                      due=note.position, mtime=note.mtime)


def _add(out, name: str, data: bytes) -> None:
    import zipfile

    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    out.writestr(info, data)


# Above this many notes, checking costs a changed build more than keeping saves: hashing the plan
# takes ~10 us a note (the fields are most of it), writing ~90 us a note plus ~25 ms of imports.
# At 10,000 notes that check would be ~0.1 s on every edited rebuild; below, it is a few ms.
REUSE_MAX_NOTES = 500


def package_reuse(plan: PackagePlan, cache) -> "PackageReuse | None":
    """A :class:`PackageReuse` for ``plan``, or None without a cache or for a large deck."""
    if cache is None or len(plan.notes) >= REUSE_MAX_NOTES:
        return None
    return PackageReuse(plan, cache)


# Whose code decides the package's bytes for a given plan, besides this module.
_WRITER_PACKAGES = ("genanki", "chevron")  # chevron: genanki renders the templates with it to pick the cards


class PackageReuse:
    """Keeps an existing package that already holds the bytes a plan gives.

    The same plan always gives the same bytes, so the digest of those bytes is remembered (MAC-checked,
    beside the build cache) under a key of the plan and of the code that writes it: this module,
    cloze.py, genanki, chevron, Python, SQLite and zlib. A rebuild whose package file has exactly
    those bytes leaves it in place (only its modification time moves, for make-style tools), and pays
    neither for importing genanki nor for writing. Any other file there, edited or damaged, is rewritten.
    """

    def __init__(self, plan: PackagePlan, cache):
        from .cache import ResultCache

        self._store = ResultCache(cache.root, "package", cache.secret)
        self._key = cache.key([_plan_bytes(plan), _writer_code()])

    def keep(self, path: Path) -> bool:
        """True when ``path`` already holds this plan's package (its time is then set to now)."""
        digest = self._store.get(self._key, lambda v: type(v) is bytes)
        try:
            if digest is None or _file_digest(path) != digest:
                return False
            os.utime(path)
        except OSError:
            return False
        return True

    def remember(self, path: Path) -> None:
        """Record the package just written to ``path`` as this plan's."""
        self._store.put(self._key, _file_digest(path))


def _file_digest(path: Path) -> bytes:
    return hashlib.blake2b(Path(path).read_bytes()).digest()


def _plan_bytes(plan: PackagePlan) -> bytes:
    """Everything of the plan that goes into the package, as bytes."""
    note_types = tuple((kind, p.note_type_id, p.mtime, p.note_type.name, p.note_type.key, p.note_type.fields,
                        p.note_type.template_name, p.note_type.front, p.note_type.back, p.note_type.css, p.note_type.kind)
                       for kind, p in plan.note_types.items())
    decks = tuple((d.deck_id, d.name, d.description) for d in plan.decks)
    notes = tuple((n.card_id, n.fields, n.tags, n.deck_id, n.mtime, n.position, n.kind) for n in plan.notes)
    return marshal.dumps((note_types, decks, notes, plan.timestamp))


def _writer_code() -> bytes:
    """This module and cloze.py, the libraries that write the package (read, not imported) and the
    versions of Python, SQLite and zlib: a change to any of them may change the bytes of the same plan."""
    import importlib.util
    from sqlite3 import sqlite_version

    here = Path(__file__)
    parts = [here.read_bytes(), here.with_name("cloze.py").read_bytes(),  # cloze.numbers picks a cloze note's cards
             sys.version.encode(), sqlite_version.encode(), zlib.ZLIB_RUNTIME_VERSION.encode()]
    for name in _WRITER_PACKAGES:
        spec = importlib.util.find_spec(name)
        folder = Path(spec.origin).parent if spec is not None and spec.origin else None
        for source in sorted(folder.glob("*.py")) if folder is not None else ():
            parts += [source.name.encode(), source.read_bytes()]
    return hashlib.blake2b(b"\0".join(parts)).digest()
