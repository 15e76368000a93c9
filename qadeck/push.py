"""``build.py push``: import a built deck into a closed Anki desktop collection, then do what an
``.apkg`` import cannot: keep the learner's own tags on updated notes, suspend retired notes (and
optionally delete those never reviewed), and move cards whose primary topic changed.

All work happens on a copy of the collection beside it; the copy replaces the original only when
everything succeeded (never with ``dry_run``), so the learner's file is never left half-written.
Needs the ``anki`` package (``pip install -e '.[anki]'``).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .apkg import guid_for
from .assemble import RETIRED_TAG, PackagePlan
from .errors import UsageError

QADECK_PREFIXES = ("topic::", "source::", "qadeck::")


@dataclass
class PushReport:
    added: list[str] = field(default_factory=list)  # card ids
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    newer_in_collection: list[str] = field(default_factory=list)  # the learner's copy is newer: skipped
    conflicting: list[str] = field(default_factory=list)  # GUID exists under another note type: skipped
    tags_kept: int = 0  # updated notes whose own tags were put back
    suspended: int = 0  # cards of retired notes suspended
    deleted: int = 0  # retired notes deleted (never reviewed)
    moved: int = 0  # cards moved to their new subdeck
    dry_run: bool = False


def push(apkg: Path, plan: PackagePlan, collection: Path, *, dry_run: bool = False,
         delete_retired: bool = False, move: bool = False) -> PushReport:
    collection = Path(collection)
    check_collection(collection)
    # A private folder beside the collection: same file system, so the final rename is atomic; Anki
    # makes a media folder next to the copy, which goes away with the folder.
    work = Path(tempfile.mkdtemp(prefix=".qadeck-push-", dir=collection.parent))
    try:
        tmp = work / "collection.anki2"
        shutil.copy2(collection, tmp)
        report = _push_into(apkg, plan, tmp, delete_retired, move)
        report.dry_run = dry_run
        if not dry_run:
            os.replace(tmp, collection)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_collection(collection: Path) -> None:
    """Refuse a missing, foreign, open or crashed collection with one line saying what to do."""
    if not collection.is_file():
        raise UsageError(f"{collection}: no such collection file (Anki keeps it at <profile folder>/collection.anki2)")
    with open(collection, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise UsageError(f"{collection}: not an Anki collection (not an SQLite database)")
    wal = Path(f"{collection}-wal")
    if wal.exists() and wal.stat().st_size:
        raise UsageError(f"{collection}: the collection is open in Anki (or Anki did not close cleanly): "
                         "close Anki, then try again")
    try:
        conn = sqlite3.connect(collection, timeout=0)
        try:
            tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
            conn.execute("begin immediate")  # fails while Anki holds its exclusive lock; writes nothing
            conn.rollback()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise UsageError(f"{collection}: the collection is open in Anki: close Anki, then try again") from None
        raise UsageError(f"{collection}: not a readable Anki collection ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{collection}: not an Anki collection ({exc})") from None
    if not {"col", "notes", "cards"} <= tables:
        raise UsageError(f"{collection}: not an Anki collection (no notes/cards tables)")


def _open(path: Path):
    try:
        from anki.collection import Collection
        from anki.errors import AnkiError
    except ImportError:
        raise UsageError("push needs the anki package: pip install -e '.[anki]'") from None
    try:
        return Collection(str(path))
    except AnkiError as exc:
        raise UsageError(f"Anki cannot open this collection (a newer Anki made it, or it is damaged): {exc}") from None


def _push_into(apkg: Path, plan: PackagePlan, path: Path, delete_retired: bool, move: bool) -> PushReport:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    ours = {guid_for(n.card_id, getattr(n, "kind", "qa")): n for n in plan.notes}
    deck_names = {d.deck_id: d.name for d in plan.decks}
    corpus_tags = {tag for n in plan.notes for tag in n.tags}
    col = _open(path)
    report = PushReport()
    try:
        before = {guid: (nid, mod, tags.split(), flds) for nid, guid, mod, tags, flds
                  in col.db.all("select id, guid, mod, tags, flds from notes")}
        request = ImportAnkiPackageRequest(package_path=str(Path(apkg).resolve()),
                                           options=ImportAnkiPackageOptions(with_scheduling=False))
        log = col.import_anki_package(request).log
        by_nid = {nid: guid for guid, (nid, *_rest) in before.items()}
        report.added = [_card_id(col, e.id.nid, ours) for e in log.new]
        report.updated = [_card_id(col, e.id.nid, ours) for e in log.updated]
        report.conflicting = [_card_id(col, e.id.nid, ours) for e in log.conflicting]
        for entry in log.duplicate:
            guid = by_nid.get(entry.id.nid)
            note = ours.get(guid) if guid else None
            if note is not None and before[guid][1] > note.mtime and before[guid][3] != "\x1f".join(note.fields):
                report.newer_in_collection.append(note.card_id)
            else:
                report.unchanged.append(_card_id(col, entry.id.nid, ours))
        report.tags_kept = _keep_learner_tags(col, before, ours, corpus_tags, log.updated)
        report.suspended, report.deleted = _retire(col, ours, delete_retired)
        if move:
            report.moved = _move(col, ours, deck_names, plan.decks[0].name)
    finally:
        col.close()
    return report


def _card_id(col, note_id: int, ours) -> str:
    note = col.get_note(note_id)
    return note["Id"] if "Id" in note.keys() else str(note_id)


def _keep_learner_tags(col, before, ours, corpus_tags: set[str], updated) -> int:
    """Put back every tag the learner had that qadeck did not make (marked, leech, their own)."""
    notes = []
    for entry in updated:
        note = col.get_note(entry.id.nid)
        if note.guid not in before or note.guid not in ours:
            continue
        own = [t for t in before[note.guid][2] if not t.lower().startswith(QADECK_PREFIXES) and t not in corpus_tags]
        missing = [t for t in own if t not in note.tags]
        if missing:
            note.tags = [*note.tags, *missing]
            notes.append(note)
    if notes:
        col.update_notes(notes)
    return len(notes)


def _retire(col, ours, delete_unreviewed: bool) -> tuple[int, int]:
    """Suspend the cards of retired notes; with ``delete_unreviewed``, delete those never reviewed."""
    retired = [guid for guid, note in ours.items() if RETIRED_TAG in note.tags]
    nids = [nid for guid in retired for nid in col.db.list("select id from notes where guid = ?", guid)]
    if not nids:
        return 0, 0
    deleted = []
    if delete_unreviewed:
        for nid in nids:
            reviews = col.db.scalar("select count() from revlog where cid in (select id from cards where nid = ?)", nid)
            if not reviews:
                deleted.append(nid)
        if deleted:
            col.remove_notes(deleted)
    cids = [cid for nid in nids if nid not in deleted for cid in col.card_ids_of_note(nid)]
    unsuspended = [cid for cid in cids if col.get_card(cid).queue != -1]
    if unsuspended:
        col.sched.suspend_cards(unsuspended)
    return len(unsuspended), len(deleted)


def _move(col, ours, deck_names: dict[int, str], root: str) -> int:
    """Move cards whose planned subdeck changed; cards the learner put outside our decks stay put."""
    moved = 0
    for guid, note in ours.items():
        target = deck_names[note.deck_id]
        for nid in col.db.list("select id from notes where guid = ?", guid):
            cids = [cid for cid in col.card_ids_of_note(nid)
                    if (name := col.decks.name(col.get_card(cid).did)) != target
                    and (name == root or name.startswith(root + "::"))]
            if cids:
                col.set_deck(cids, col.decks.id_for_name(target))
                moved += len(cids)
    return moved
