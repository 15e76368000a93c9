"""Modification times: when each card's own content last changed, from git history.

Anki's importer replaces a known note only when the incoming modification time is newer than
its own, so a note's time must move forward exactly when that card is edited, and stay put
otherwise (deterministic builds). In a git checkout we walk the first-parent history of the
corpus directory and date each card by the oldest commit of the newest unbroken run in which its
content fingerprint equals today's; uncommitted edits count as "now". Outside git, the card
file's mtime is the best we know. ``SOURCE_DATE_EPOCH`` caps every time.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .loader import LEDGER_FILE, TOPICS_FILE, cards_from_bytes, lang_from_bytes, topic_names_from_bytes
from .errors import Location, Problem, UsageError
from .model import Card, Corpus

_NULL_SHA = "0" * 40
SANE_TIMES = (946_684_800, 253_402_300_799)  # 2000-01-01 and 9999-12-31 (UTC)


@dataclass(frozen=True)
class Clock:
    """The build's notion of 'now' and of SOURCE_DATE_EPOCH, passed in (no hidden globals)."""

    now: int
    source_date_epoch: int | None = None

    @classmethod
    def from_environment(cls, environ=os.environ) -> "Clock":
        sde = environ.get("SOURCE_DATE_EPOCH", "").strip()
        if sde and not (sde.isascii() and sde.isdigit()):
            raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {sde[:40]!r}")
        if sde and not SANE_TIMES[0] <= int(sde) <= SANE_TIMES[1]:
            # Anki refuses a note type dated 0 ("No such notetype") and cannot store year 10000.
            raise UsageError(f"SOURCE_DATE_EPOCH={sde[:40]} is outside 2000-01-01 .. 9999-12-31 "
                             f"({SANE_TIMES[0]} .. {SANE_TIMES[1]}); use a commit time, e.g. $(git log -1 --format=%ct)")
        return cls(now=int(time.time()), source_date_epoch=int(sde) if sde else None)

    def stamp(self, changed: int, not_before: int) -> int:
        """A modification time: when the content changed, never before ``not_before``, capped by
        SOURCE_DATE_EPOCH when it is set."""
        value = max(changed, not_before)
        return min(value, self.source_date_epoch) if self.source_date_epoch is not None else value


def fingerprint(card: Card, topic_names: dict[str, str]) -> str:
    """Hash of everything from the corpus that ends up in the card's note."""
    return hashlib.sha256(json.dumps(_content(card, topic_names), ensure_ascii=False).encode()).hexdigest()


def _content(card: Card, topic_names: dict[str, str]) -> list:
    content = [card.id, card.question, card.answer, card.explanation, list(card.topics), list(card.tags),
               card.source.title, card.source.origin, card.source_slug,
               [topic_names.get(t, "") for t in card.topics]]
    if card.kind == "cloze":  # only then, so a Q&A card's fingerprint is what older builds computed
        content += [card.cloze, card.recall]
    return content


@dataclass
class CorpusTimes:
    """What the history walk found (unix seconds; ``clock.now`` for what is not committed)."""

    cards: dict[str, int]  # card id -> when its content last changed
    lang: int  # when topics.yaml's lang (which the note type's templates carry) last changed
    warnings: list[Problem]  # a shallow clone; past versions that could not be read


def corpus_times(corpus: Corpus, clock: Clock, repo: Repo | None, cache=None, content: bytes | None = None) -> CorpusTimes:
    """When each card's content last changed, and when topics.yaml's ``lang`` did.

    One walk of the corpus folder's history dates both (topics.yaml lives in it). Turning a time
    into a note's stamp (floor, SOURCE_DATE_EPOCH cap) is :meth:`Clock.stamp`'s job. Past versions
    are read with the corpus's own limits; one that cannot be read only dates its cards by the later
    commits, and is named in ``warnings``. ``repo``: the corpus's repository (:func:`find_repo`),
    None outside git. ``cache``: a cache.RenderCache beside which the walk's result is kept for the
    same HEAD commit and working-tree cards, and the past versions an earlier walk read (card files,
    topics.yaml's names and lang; cache.PastPrints), so they are not read and parsed again.
    ``content``: a digest of the corpus's card files (cache.ParsedFiles.content_key), which spares
    hashing the cards for that.
    The lang is dated like a card: the oldest commit of the newest unbroken run in which it equals
    today's, so edits elsewhere in the file do not move it. Outside git, both come from the files'
    modification times.
    """
    root = Path(corpus.root)
    if repo is None:
        file_times: dict = {}  # one stat per card file, not per card
        for card in corpus.cards:
            if card.location.path not in file_times:
                file_times[card.location.path] = int(Path(card.location.path).stat().st_mtime)
        try:
            lang = int((root / TOPICS_FILE).stat().st_mtime)
        except OSError:
            lang = clock.now
        return CorpusTimes({card.id: file_times[card.location.path] for card in corpus.cards}, lang, [])
    warnings = [_shallow_warning(root)] if repo.shallow else []
    names = {key: topic.name for key, topic in corpus.topics.items()}
    store, key = None, None
    if cache is not None and not repo.shallow:  # deepening a shallow clone keeps HEAD but adds history
        from .cache import ResultCache

        store, key = ResultCache(cache.root, "history", cache.secret), _walk_key(repo, corpus, names, content)
    found = store.get(key, _valid_walk) if store is not None else None
    if found is not None:
        times, lang = found
    else:
        from .cache import PastPrints

        memo = PastPrints(cache) if cache is not None else None
        before = len(warnings)
        current = {card.id: fingerprint(card, names) for card in corpus.cards}
        times, lang = _git_corpus_times(repo.top, repo.head or "HEAD", root, current, warnings, memo, corpus.lang)
        if memo is not None:
            memo.save()
        if store is not None and len(warnings) == before:  # a walk that warned walks (and warns) again
            store.put(key, (times, lang))
    return CorpusTimes({card.id: times.get(card.id, clock.now) for card in corpus.cards},
                       clock.now if lang is None else lang, warnings)


def tree_time(directory: Path, clock: Clock, names: tuple[str, ...], near: Repo | None = None, cache=None) -> int:
    """When the named files in ``directory`` (e.g. the templates) last changed: the newest commit
    touching them, or now when the working tree's bytes differ from HEAD's (git's filters applied).

    Only the files that are read count, so a stray editor or OS file never moves the time.
    ``near``: a repository already found (the corpus's); used when ``directory`` is in it.
    ``cache``: a cache.RenderCache beside which that commit and HEAD's versions of the files are
    kept per HEAD commit. Either way the working tree's files are compared with HEAD's versions,
    and git is asked only when they differ (its filters, e.g. line endings, may still call them
    unchanged).
    """
    found = near if near is not None and _same_repo(directory, near) else find_repo(directory)
    if found is not None:
        repo = found.top
        paths = [_rel(repo, Path(directory) / name) for name in names]
        store = key = None
        if cache is not None:
            from .cache import ResultCache

            store = ResultCache(cache.root, "tree-times", cache.secret)
            key = hashlib.blake2b("\0".join([Path(__file__).read_text(encoding="utf-8"), found.head, *paths])
                                  .encode("utf-8", "surrogatepass"), digest_size=20).digest()
        stored = store.get(key, _valid_tree) if store is not None else None
        if stored is None:
            head = found.head or "HEAD"  # named: the result is cached under this commit
            log, tree = (out.strip() for out in _git_all(repo, ("log", "-1", "--format=%ct", head, "--", *paths),
                                                         ("ls-tree", "--full-tree", head, "--", *paths)))
            stored = (int(log) if log else None, _parse_tree(tree))
            if store is not None:
                store.put(key, stored)
        last, blobs = stored
        # Changed means other bytes than HEAD's (a staged-then-undone edit or a mode change is not),
        # as git's filters see them (line endings): git is asked only when the bytes differ.
        if last is None:
            return clock.now
        if all(_blob_id(Path(directory) / name) == blobs.get(path) for name, path in zip(names, paths)):
            return last
        return clock.now if _git(repo, "status", "--porcelain", "--", *paths).strip() else last
    mtimes = [int(p.stat().st_mtime) for p in (Path(directory) / name for name in names) if p.is_file()]
    return max(mtimes, default=clock.now)


def _blob_id(path: Path) -> str | None:
    """The git (SHA-1) blob id of a file's bytes, or None when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _valid_tree(value) -> bool:
    return (type(value) is tuple and len(value) == 2 and (value[0] is None or type(value[0]) is int)
            and type(value[1]) is dict and all(type(k) is str and type(v) is str for k, v in value[1].items()))


def _walk_key(repo: Repo, corpus: Corpus, names: dict[str, str], content: bytes | None) -> bytes:
    """What the walk's result depends on: HEAD (which fixes the history), the folder, the working
    tree's cards (what their fingerprints hash: given by ``content`` and the selected ids, else
    hashed here) and lang, and the code that reads and dates them."""
    from . import history
    from .cache import _loader_code

    cards = [card.id for card in corpus.cards] if content is not None else [_content(card, names) for card in corpus.cards]
    digest = hashlib.blake2b(_loader_code(history), digest_size=20)
    digest.update(marshal.dumps((repo.head, _rel(repo.top, Path(corpus.root)), corpus.lang, content, cards)))
    return digest.digest()


def _valid_walk(value) -> bool:
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is dict
            and all(type(k) is str and type(v) is int for k, v in value[0].items())
            and (value[1] is None or type(value[1]) is int))


_SHALLOW = ("this is a shallow git clone, so cards are dated by its oldest commit and "
            "a later commit may re-send every note; run 'git fetch --unshallow'")


def _shallow_warning(root: Path) -> Problem:
    """A shallow clone hides when cards changed: every card looks as old as the clone's boundary."""
    return Problem(Location(root), _SHALLOW)


def _git_corpus_times(repo: Path, head: str, root: Path, current: dict[str, str], warnings: list[Problem], memo,
                      lang: str) -> tuple[dict[str, int], int | None]:
    """(card id -> time, the lang's time or None) from the first-parent walk of ``root`` from ``head``
    (the commit the result is cached under, named rather than "HEAD": a commit made meanwhile must
    not end up under the older commit's key)."""
    rel = _rel(repo, root)
    # HEAD's tree of the folder is that of the newest commit touching it: both asked at once.
    log, tree = _git_all(repo, _LOG[:-1] + (head, "--", rel or "."), ("ls-tree", "-r", "--full-tree", head, "--", rel or "."))
    commits = _parse_commits(log)
    if not commits:
        return {}, None
    state = _parse_tree(tree)
    topics_path = f"{rel}/{TOPICS_FILE}" if rel else TOPICS_FILE
    reader = _BlobReader(repo, warnings, memo)
    times: dict[str, int] = {}
    value_time = None
    value_pending = True
    try:
        # Cards whose HEAD version differs from the working tree are uncommitted edits: "now".
        pending = {cid for cid, fp in _fingerprints(reader, state, rel, commits[0][0]).items() if current.get(cid) == fp}
        for sha, stamp, changes in commits:
            if not pending and not value_pending:
                break
            if pending:
                prints = _fingerprints(reader, state, rel, sha)
                for cid in list(pending):
                    if prints.get(cid) == current[cid]:
                        times[cid] = stamp  # still identical this far back: dated by this commit
                    else:
                        pending.discard(cid)
            if value_pending:
                blob = state.get(topics_path)
                if blob is not None and reader.lang(topics_path, blob) == lang:
                    value_time = stamp
                else:
                    value_pending = False
            _step_back(state, changes)
    finally:
        reader.close()
    return times, value_time


def _step_back(state: dict[str, str], changes: list[tuple[str, str]]) -> None:
    """Turn a commit's tree (path -> blob) into its first parent's, from the commit's changes."""
    for path, old_blob in changes:
        if old_blob == _NULL_SHA:
            state.pop(path, None)
        else:
            state[path] = old_blob


def last_versions(root: Path, wanted: set[tuple[str, str]], now: int) -> dict[tuple[str, str], tuple[int, Card]]:
    """(card id, kind) -> (when it was removed, its last version) for cards git still remembers.

    Removed from the working tree only: "now". Otherwise the commit that removed it (first parent).
    """
    repo = _git_toplevel(Path(root))
    if repo is None or not wanted:
        return {}
    rel = _rel(repo, Path(root))
    commits = _commits(repo, rel)
    if not commits:
        return {}
    state = _tree_at(repo, commits[0][0], rel)
    reader = _BlobReader(repo)
    found: dict[tuple[str, str], tuple[int, Card]] = {}
    removed_at = now
    try:
        for sha, stamp, changes in commits:
            for path, blob in _card_files(state, rel):
                for card in reader.cards(path, blob):
                    key = (card.id, card.kind)
                    if key in wanted and key not in found:
                        found[key] = (removed_at, card)
            if len(found) == len(wanted):
                break
            removed_at = stamp  # older states lost the card in this commit
            _step_back(state, changes)
    finally:
        reader.close()
    return found


def newest_tag(repo: Repo | None) -> str | None:
    """The newest tag reachable from HEAD, or None (no repository, no tag)."""
    if repo is None or not repo.tagged:
        return None
    try:
        return _git(repo.top, "describe", "--tags", "--abbrev=0", "HEAD").strip() or None
    except subprocess.CalledProcessError:
        return None


def cards_at(repo: Repo | None, root: Path, ref: str) -> list[Card] | None:
    """The cards of the corpus at ``root`` as they were at ``ref`` (None: no repository or no such ref)."""
    if repo is None:
        return None
    repo = repo.top
    try:
        sha = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except subprocess.CalledProcessError:
        return None
    rel = _rel(repo, Path(root))
    reader = _BlobReader(repo)
    try:
        cards = []
        for path, blob in _card_files(_tree_at(repo, sha, rel), rel):
            cards.extend(reader.cards(path, blob))
        return cards
    finally:
        reader.close()


def _card_files(state: dict[str, str], rel: str):
    """(path, blob) of the card files of a tree, sorted: as the loader reads them, the ``*.yaml``
    directly in the corpus folder but its topics.yaml and ledger.yaml."""
    start = len(rel) + 1 if rel else 0
    for path, blob in sorted(state.items()):
        name = path[start:]
        if name.endswith(".yaml") and "/" not in name and name not in (TOPICS_FILE, LEDGER_FILE):
            yield path, blob


def _fingerprints(reader: "_BlobReader", state: dict[str, str], rel: str, commit: str) -> dict[str, str]:
    topics_path = f"{rel}/{TOPICS_FILE}" if rel else TOPICS_FILE
    names = reader.topic_names(topics_path, state.get(topics_path), commit)
    prints: dict[str, str] = {}
    for path, blob in _card_files(state, rel):
        for card_id, print_ in reader.prints(path, blob, names, commit):
            prints.setdefault(card_id, print_)
    return prints


# What the memo (cache.PastPrints) keeps of a topics.yaml version besides card fingerprints, in its
# (name, value) pairs: the topic names and the lang. Real topic names never have a "\0" key.
_NAMES_MEMO = {"\0": "topic names"}
_LANG_MEMO = {"\0": "lang"}


class _BlobReader:
    """Reads git blobs through one ``git cat-file --batch`` process; each blob is parsed once."""

    def __init__(self, repo: Path, warnings: list[Problem] | None = None, memo=None):
        self._proc: subprocess.Popen | None = None  # started on the first read: a memo may answer everything
        self._repo = repo
        self._warnings = warnings
        self._cards: dict[str, list[Card]] = {}
        self._names: dict[str | None, dict[str, str]] = {None: {}}
        self._memo = memo  # cache.PastPrints or None
        self._prints: dict[tuple, list[tuple[str, str]]] = {}
        self._raw: dict[str, bytes] = {}  # topics.yaml versions: read for their names and their lang
        self._langs: dict[str, str] = {}

    def read(self, blob: str) -> bytes:
        if self._proc is None:
            self._proc = subprocess.Popen(["git", "-C", str(self._repo), "cat-file", "--batch"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(blob.encode() + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        size = int(header[2])
        data = self._proc.stdout.read(size)
        self._proc.stdout.read(1)
        return data

    def cards(self, path: str, blob: str, commit: str = "") -> list[Card]:
        if blob not in self._cards:
            problems: list[Problem] = []
            self._cards[blob] = cards_from_bytes(self._repo / path, self.read(blob), problems)
            if not self._cards[blob]:
                self._unreadable(path, commit, problems)
        return self._cards[blob]

    def prints(self, path: str, blob: str, names: dict[str, str], commit: str = "") -> list[tuple[str, str]]:
        """(card id, fingerprint) of each card in one blob, in file order."""
        key = (path, blob, id(names))  # one names dict per topics blob (see topic_names)
        if key not in self._prints:
            def compute():
                return [(card.id, fingerprint(card, names)) for card in self.cards(path, blob, commit)]

            self._prints[key] = compute() if self._memo is None else self._memo(path, blob, names, compute)
        return self._prints[key]

    def topic_names(self, path: str, blob: str | None, commit: str) -> dict[str, str]:
        if blob not in self._names:
            found = None

            def compute() -> list[tuple[str, str]]:
                nonlocal found
                problems: list[Problem] = []
                found = topic_names_from_bytes(self._repo / path, self._topics(blob), problems)
                self._unreadable(path, commit, problems)
                return [] if problems else sorted(found.items())  # remembered only when read whole

            pairs = compute() if self._memo is None else self._memo(path, blob, _NAMES_MEMO, compute)
            self._names[blob] = found if found is not None else dict(pairs)
        return self._names[blob]

    def lang(self, path: str, blob: str) -> str:
        """The ``lang`` of one version of topics.yaml ("" when it has none or a bad one)."""
        if blob not in self._langs:
            def compute() -> list[tuple[str, str]]:
                return [("lang", lang_from_bytes(Path(TOPICS_FILE), self._topics(blob)))]

            pairs = compute() if self._memo is None else self._memo(path, blob, _LANG_MEMO, compute)
            self._langs[blob] = dict(pairs).get("lang", "")
        return self._langs[blob]

    def _topics(self, blob: str) -> bytes:
        """A topics.yaml version's bytes, read once for both its names and its lang."""
        if blob not in self._raw:
            self._raw[blob] = self.read(blob)
        return self._raw[blob]

    def _unreadable(self, path: str, commit: str, problems: list[Problem]) -> None:
        """Warn about a past version that cannot be read at all (not about one invalid card)."""
        whole = [p for p in problems if p.card_id is None]
        if whole and self._warnings is not None:
            self._warnings.append(Problem(Location(self._repo / path), f"the version in commit {commit[:10]} cannot be read "
                                          f"({whole[0].message}); its cards are dated by later commits"))

    def close(self) -> None:
        if self._proc is not None:
            assert self._proc.stdin
            self._proc.stdin.close()
            self._proc.wait()
            self._proc = None


_LOG = ("log", "--first-parent", "--no-renames", "--raw", "--no-abbrev", "--format=@%H %ct", "--")


def _commits(repo: Path, rel: str) -> list[tuple[str, int, list[tuple[str, str]]]]:
    """First-parent commits touching ``rel``, newest first, each with (path, blob before) changes."""
    return _parse_commits(_git(repo, *_LOG, rel or "."))


def _parse_commits(out: str) -> list[tuple[str, int, list[tuple[str, str]]]]:
    commits: list = []
    for line in out.splitlines():
        if line.startswith("@"):
            sha, stamp = line[1:].split()
            commits.append((sha, int(stamp), []))
        elif line.startswith(":") and commits:
            meta, path = line.split("\t", 1)
            commits[-1][2].append((path, meta.split()[2]))
    return commits


def _tree_at(repo: Path, commit: str, rel: str) -> dict[str, str]:
    return _parse_tree(_git(repo, "ls-tree", "-r", "--full-tree", commit, "--", rel or "."))


def _parse_tree(out: str) -> dict[str, str]:
    state = {}
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        state[path] = meta.split()[2]
    return state


def _git_toplevel(path: Path) -> Path | None:
    """The repository holding ``path``, or None outside git (or in a repo with no commit yet)."""
    repo = find_repo(path)
    return repo.top if repo is not None else None


@dataclass(frozen=True)
class Repo:
    """The git repository holding a folder (see :func:`find_repo`)."""

    top: Path  # its work tree's top level
    shallow: bool  # a shallow clone: history ends at its boundary
    tagged: bool  # it has at least one tag
    head: str = ""  # HEAD's commit id


def find_repo(path: Path) -> Repo | None:
    """The repository holding ``path``, or None outside git (or in a repo with no commit yet).

    One git process per build: the build passes the answer on instead of asking again. Raises
    UsageError when git refuses the repository because another user owns it: falling back to
    file dates would silently re-send every note.
    """
    try:  # it fails when there is no HEAD commit; --tags lists every tag after HEAD's id
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel", "--is-shallow-repository",
                              "HEAD", "--tags"], capture_output=True, text=True, check=True).stdout.splitlines()
    except OSError:
        return None
    except subprocess.CalledProcessError as exc:
        if "dubious ownership" in (exc.stderr or ""):
            found = re.search(r"repository at '([^'\n]+)'", exc.stderr)
            where = found.group(1) if found else str(Path(path).resolve())
            raise UsageError(f"git refuses to read {where}: another user owns it, so the cards' modification times "
                             f"cannot be read from its history; if you trust it, run: git config --global --add "
                             f"safe.directory {where}") from None
        return None
    return Repo(Path(out[0]), out[1] == "true", len(out) > 3, out[2]) if len(out) >= 3 and out[0] else None


def _same_repo(directory: Path, repo: Repo) -> bool:
    """Is ``directory`` in ``repo``'s work tree, with no other repository (a submodule, a nested
    clone) or file system boundary between? Then git would find ``repo`` from it too."""
    if "GIT_CEILING_DIRECTORIES" in os.environ:
        return False  # discovery may stop short of the top level
    try:
        here = Path(directory).resolve(strict=True)
        top = repo.top.resolve(strict=True)
        if not here.is_relative_to(top):
            return False
        device = top.stat().st_dev
        for folder in (here, *here.parents):
            if folder == top:
                return True
            if (folder / ".git").exists() or folder.stat().st_dev != device:
                return False
    except OSError:
        return False
    return False


def _rel(repo: Path, path: Path) -> str:
    rel = Path(path).resolve().relative_to(repo.resolve()).as_posix()
    return "" if rel == "." else rel


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
                          capture_output=True, text=True, check=True).stdout


def _git_all(repo: Path, *commands: tuple[str, ...]) -> list[str]:
    """The outputs of several independent git commands, run side by side (each one's start-up
    and reading of the repository overlap the others')."""
    procs = [subprocess.Popen(["git", "-C", str(repo), "-c", "core.quotepath=off", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in commands]
    outputs = []
    try:
        for args, proc in zip(commands, procs):
            out, err = proc.communicate()
            if proc.returncode:
                raise subprocess.CalledProcessError(proc.returncode, ["git", *args], out, err)
            outputs.append(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return outputs
