#!/usr/bin/env python3
"""The floors qadeck's build is measured against: the same work done the plain way, one process.

    python bench/floor.py cold CORPUS OUT.apkg
        parse every card file with PyYAML's CSafeLoader, render each card's Markdown fields with
        Python-Markdown + codehilite (one converter, reused), write the notes with genanki.
    python bench/floor.py warm CORPUS OUT.apkg NOTES.marshal
        parse the same way, then write ready notes (rendered fields from NOTES.marshal, made by
        ``bench/run.py``) with genanki; loading NOTES.marshal is timed apart ("setup").

Prints one JSON line of stage times (seconds); the caller times the whole process.
"""
from __future__ import annotations

import json
import marshal
import sys
import time
from pathlib import Path

import genanki
import yaml

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FIELDS = ["Question", "Answer", "Explanation", "Source", "Topics", "Id"]


NOT_CARDS = {"topics.yaml", "ledger.yaml"}  # ledger.yaml: written by qadeck's build, not part of the input


def parse(corpus: Path) -> list[dict]:
    cards = []
    for path in sorted(corpus.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        if path.name not in NOT_CARDS:
            cards.extend(data["cards"])
    return cards


def render(cards: list[dict]) -> list[list[str]]:
    import markdown

    md = markdown.Markdown(extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
                           extension_configs={"codehilite": {"css_class": "codehilite", "guess_lang": False}})
    notes = []
    for card in cards:
        fields = []
        for key in ("question", "answer", "explanation"):
            md.reset()
            fields.append(md.convert(card.get(key) or ""))
        notes.append(fields + ["", " ".join(card["topics"]), card["id"]])
    return notes


def write(notes: list[list[str]], tags: list[list[str]], out: Path) -> None:
    model = genanki.Model(
        1607392319, "floor", fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Q&A", "qfmt": (TEMPLATES / "front.html").read_text(encoding="utf-8"),
                    "afmt": (TEMPLATES / "back.html").read_text(encoding="utf-8")}],
        css=(TEMPLATES / "card.css").read_text(encoding="utf-8"))
    deck = genanki.Deck(2059400110, "floor")
    for fields, note_tags in zip(notes, tags):
        deck.add_note(genanki.Note(model=model, fields=fields, tags=note_tags, guid=genanki.guid_for(fields[-1])))
    genanki.Package(deck).write_to_file(str(out), timestamp=1_700_000_000)


def main(argv: list[str]) -> int:
    import warnings

    warnings.filterwarnings("ignore", module="genanki")
    mode, corpus, out = argv[0], Path(argv[1]), Path(argv[2])
    times = {}
    start = time.perf_counter()
    if mode == "warm":
        ready = marshal.loads(Path(argv[3]).read_bytes())
        times["setup"] = time.perf_counter() - start
        start = time.perf_counter()
    cards = parse(corpus)
    times["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    if mode == "cold":
        notes = render(cards)
        times["render"] = time.perf_counter() - start
        start = time.perf_counter()
        tags = [[f"topic::{t}" for t in card["topics"]] for card in cards]
    else:
        notes = [list(fields) for fields, _ in ready]
        tags = [list(t) for _, t in ready]
    write(notes, tags, out)
    times["write"] = time.perf_counter() - start
    print(json.dumps(times))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
