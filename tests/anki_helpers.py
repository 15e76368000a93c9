"""Read a built .apkg back through the real Anki backend (the `anki` package), no mocks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest


@dataclass
class ImportLog:
    new: int
    updated: int
    duplicate: int  # Anki's name for "already there, unchanged"
    conflicting: int
    missing_notetype: int


def open_collection(path: Path) -> Collection:
    return Collection(str(path))


def import_apkg(col: Collection, apkg: Path) -> ImportLog:
    """Import like Anki desktop's defaults: update notes and note types when newer."""
    request = ImportAnkiPackageRequest(package_path=str(Path(apkg).resolve()),
                                       options=ImportAnkiPackageOptions(with_scheduling=False))
    log = col.import_anki_package(request).log
    return ImportLog(new=len(log.new), updated=len(log.updated), duplicate=len(log.duplicate),
                     conflicting=len(log.conflicting), missing_notetype=len(log.missing_notetype))


def notes_by_id(col: Collection) -> dict:
    """Card id (the Id field) -> Anki note."""
    notes = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notes[note["Id"]] = note
    return notes


def deck_names(col: Collection) -> set[str]:
    return {d.name for d in col.decks.all_names_and_ids()} - {"Default"}


def fresh_import(tmp_path: Path, apkg: Path, name: str = "collection.anki2"):
    """A new collection with ``apkg`` imported; returns (collection, log). Caller closes it."""
    col = open_collection(tmp_path / name)
    log = import_apkg(col, apkg)
    return col, log


def import_for_rendering(tmp_path: Path, apkg: Path, name: str = "collection.anki2"):
    """Like :func:`fresh_import`, reopened so cards render with the imported note types (the
    import bypasses the backend's note type cache). Caller closes it."""
    col, log = fresh_import(tmp_path, apkg, name)
    col.close()
    return open_collection(tmp_path / name), log
