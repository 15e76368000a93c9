"""The retirement ledger (``cards/ledger.yaml``): every note a build has shipped, and the cards since
removed from the corpus, so their notes can still be shipped, marked retired.

An ``.apkg`` import never deletes or suspends a note, so a card removed from the corpus would stay in
every learner's collection forever, looking current. The ledger remembers each (id, kind) ever built;
one that is no longer in the corpus is retired: its last content is kept in the ledger (so it
survives shallow clones and builds outside git) and shipped under the same GUID with a notice and the
``qadeck::retired`` tag. A card that comes back is simply live again: the ledger never retires a card
that exists.
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import Location, Problem
from .loader import LEDGER_FILE
from .model import Card, Corpus, RenderedCard, Source
from .select import matches
from .yamlread import LinedDict, read_yaml

KINDS = ("qa", "cloze")
_HEADER = ("# Written by qadeck's build: every note it has shipped, and the cards removed since, which are\n"
           "# still shipped marked retired (tag qadeck::retired) so learners see it. Commit this file; do not edit.\n")


@dataclass(frozen=True)
class RetiredCard:
    """A card no longer in the corpus (or no longer of this kind), as it last was."""

    card: Card
    kind: str
    retired_at: int  # unix seconds: the commit that removed it, or the build that first saw it gone


@dataclass(frozen=True)
class Ledger:
    shipped: dict[str, tuple[str, ...]]  # card id -> kinds ever built
    retired: tuple[RetiredCard, ...]

    @property
    def retired_keys(self) -> set[tuple[str, str]]:
        return {(r.card.id, r.kind) for r in self.retired}


def read_ledger(cards_dir: Path, memo=None) -> tuple[Ledger, list[Problem]]:
    """The ledger of a corpus (empty when there is none yet) and any problem reading it.

    ``memo``: a cache.ParsedFiles, which keeps the ledger read from the same bytes by an earlier
    build (parsing it with line numbers costs 0.2 s at 10,000 cards).
    """
    path = Path(cards_dir) / LEDGER_FILE
    if not path.is_file():
        return Ledger({}, ()), []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Ledger({}, ()), [Problem(Location(path), f"cannot be read: {exc.strerror or exc}")]
    if memo is not None:
        return memo.ledger(path, raw, lambda: _parse_ledger(path, raw))
    return _parse_ledger(path, raw)


def _parse_ledger(path: Path, raw: bytes) -> tuple[Ledger, list[Problem]]:
    data, problems = read_yaml(path, raw)
    if problems:
        return Ledger({}, ()), problems
    if not isinstance(data, LinedDict):
        return Ledger({}, ()), [Problem(Location(path, 1), "the ledger must be a mapping with 'shipped' and 'retired'")]
    shipped: dict[str, tuple[str, ...]] = {}
    raw_shipped = data.get("shipped") or {}
    if not isinstance(raw_shipped, dict):
        problems.append(Problem(Location(path, data.key_lines.get("shipped", 1)), "'shipped' must list card ids by kind"))
        raw_shipped = {}
    # kind -> the ids shipped as that kind: plain lists of text, cheap to read at 10,000 cards.
    for kind, ids in raw_shipped.items():
        if kind not in KINDS or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            problems.append(Problem(Location(path, raw_shipped.key_lines.get(kind, 1)),
                                    f"ledger entry '{str(kind)[:60]}' must be one of {', '.join(KINDS)} with a list of card ids"))
            continue
        for card_id in ids:
            shipped[card_id] = (*shipped.get(card_id, ()), kind)
    retired = []
    for index, raw in enumerate(data.get("retired") or [], 1):
        entry = _retired_entry(path, raw, index, problems)
        if entry is not None:
            retired.append(entry)
    return Ledger(shipped, tuple(retired)), problems


def _retired_entry(path: Path, raw, index: int, problems: list[Problem]) -> RetiredCard | None:
    line = getattr(raw, "line", 1)
    try:
        source = raw.get("source") or {}
        card = Card(id=str(raw["id"]), question=str(raw["question"]), answer=str(raw.get("answer", "")),
                    explanation=str(raw.get("explanation", "")), topics=tuple(raw["topics"]), tags=tuple(raw.get("tags", ())),
                    source=Source(**{k: str(source.get(k, "")) for k in ("title", "origin", "slug")}),
                    location=Location(path, line), source_slug=str(raw.get("source_slug", "")),
                    cloze=str(raw.get("cloze", "")), recall=str(raw.get("recall", "")))
        kind, when = str(raw["kind"]), int(raw["retired_at"])
    except (AttributeError, KeyError, TypeError, ValueError):
        problems.append(Problem(Location(path, line), f"retired entry #{index} is damaged; restore the file from git"))
        return None
    if kind not in KINDS or not card.topics:
        problems.append(Problem(Location(path, line), f"retired entry #{index} has an unknown kind or no topics"))
        return None
    return RetiredCard(card, kind, when)


def update_ledger(ledger: Ledger, corpus: Corpus, now: int) -> Ledger:
    """The ledger after this build: today's cards are shipped and live; every (id, kind) shipped
    before but missing now is retired, dated by the commit that removed it when git knows it."""
    live = {(card.id, card.kind) for card in corpus.cards}
    shipped = {card_id: tuple(kinds) for card_id, kinds in ledger.shipped.items()}
    for card in corpus.cards:
        if card.kind not in shipped.get(card.id, ()):
            shipped[card.id] = tuple(sorted({*shipped.get(card.id, ()), card.kind}))
    kept = [r for r in ledger.retired if (r.card.id, r.kind) not in live]
    known = {(r.card.id, r.kind) for r in kept}
    gone = sorted((cid, kind) for cid, kinds in ledger.shipped.items() for kind in kinds
                  if (cid, kind) not in live and (cid, kind) not in known)
    if gone:
        kept += _find_removed(corpus, gone, now)
    return Ledger(dict(sorted(shipped.items())), tuple(sorted(kept, key=lambda r: (r.card.id, r.kind))))


def _find_removed(corpus: Corpus, gone: list[tuple[str, str]], now: int) -> list[RetiredCard]:
    """The last content of each removed (id, kind), from git: the working tree's HEAD first, then the
    newest commit that still had it. A card git cannot show (no repository, shallow history) is
    retired with a notice only."""
    from .history import last_versions  # git access lives in history

    found = last_versions(Path(corpus.root), set(gone), now)
    retired = []
    for cid, kind in gone:
        when, card = found.get((cid, kind)) or (now, _placeholder(corpus, cid, kind))
        retired.append(RetiredCard(card, kind, when))
    return retired


def _placeholder(corpus: Corpus, card_id: str, kind: str) -> Card:
    topic = next(iter(corpus.topics), "")
    return Card(id=card_id, question=f"（已从题库删除的卡片 {card_id}）", answer="" if kind == "cloze" else "—",
                explanation="", topics=(topic,), tags=(), source=Source(), location=Location(Path(corpus.root) / LEDGER_FILE),
                cloze="{{c1::—}}" if kind == "cloze" else "")


def ledger_text(ledger: Ledger) -> str:
    """The file's bytes-to-be: deterministic, so an unchanged ledger is never rewritten."""
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for cid, kinds in ledger.shipped.items():
        for kind in kinds:
            by_kind[kind].append(cid)
    data = {"shipped": {kind: sorted(ids) for kind, ids in by_kind.items() if ids}, "retired": []}
    for r in ledger.retired:
        c = r.card
        entry = {"id": c.id, "kind": r.kind, "retired_at": r.retired_at, "question": c.question}
        entry.update({k: v for k, v in (("answer", c.answer), ("cloze", c.cloze), ("recall", c.recall),
                                         ("explanation", c.explanation)) if v})
        entry["topics"] = list(c.topics)
        if c.tags:
            entry["tags"] = list(c.tags)
        if not c.source.empty:
            entry["source"] = {k: v for k, v in (("title", c.source.title), ("origin", c.source.origin),
                                                 ("slug", c.source.slug)) if v}
        if c.source_slug:
            entry["source_slug"] = c.source_slug
        data["retired"].append(entry)
    import yaml  # only a ledger that changed is written: an unchanged build does not load PyYAML

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return _HEADER + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def retired_for(ledger: Ledger, corpus: Corpus, selected: tuple[Card, ...], tags: tuple[str, ...]) -> list[RetiredCard]:
    """The retired cards a build ships: all of them, or for ``--tags`` those of the selected topics/tags.
    Topics that no longer exist are dropped from a retired card (it lands in the root deck then)."""
    chosen = []
    for r in ledger.retired:
        if tags and not matches(r.card, list(tags)):
            continue
        topics = tuple(t for t in r.card.topics if t in corpus.topics)
        chosen.append(replace(r, card=replace(r.card, topics=topics)))
    return chosen


def git_added(path: Path) -> bool:
    """Whether git tracks the ledger (the build reminds the author to commit it otherwise)."""
    try:
        subprocess.run(["git", "-C", str(path.parent), "ls-files", "--error-unmatch", path.name],
                       capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def retired_notice(rendered: RenderedCard, retired_at: int) -> RenderedCard:
    """The rendered card with a visible notice and the date above its question."""
    day = time.strftime("%Y-%m-%d", time.gmtime(retired_at))
    notice = f'<div class="qa-retired">已退役 · retired {day}：此卡已从题库删除，可暂停或删除。</div>'
    return replace(rendered, fields={**rendered.fields, "Question": notice + rendered.fields["Question"]})
