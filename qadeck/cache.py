"""A content-addressed build cache, so a rebuild re-renders (and re-parses) only what changed.

Layout (default root ``.cache/qadeck/``)::

    render-v2-py311/         one generation: cache format + the Python version (marshal)
        00.pack ... ff.pack  256 buckets; an entry lives in the bucket named by its key's first byte
    parsed-v2-py311/         validated cards of each card file (:class:`ParsedFiles`), same buckets
    prints-v2-py311/         card fingerprints of past git versions of card files (:class:`PastPrints`)
    pairs-v2-py311/          near-duplicate pairs of the newest few question sets (:func:`similar_pairs`)
    lint-v2-py311/           what each card's text shows the card-quality lint (qadeck.lint)
    lintfiles-v2-py311/      the lint's findings of each whole card file, by its :class:`ParsedFiles` key

A key is a BLAKE2b digest of the card's Markdown sources plus :func:`render_context` (renderer
version, library versions, Markdown/sanitiser configuration, Pygments styles): anything that can
change the HTML changes every key. An entry holds the sanitised HTML of the card's Markdown fields
and the day it was last used.

A bucket file is ``MAGIC + length + MAC + payload`` with a marshal payload. The MAC is keyed
BLAKE2b with a secret kept outside the project (``$XDG_CACHE_HOME/qadeck/cache-key``, else
``~/.cache/qadeck/cache-key``, mode 0600, made on first use). Only this user's qadeck, which stores
nothing but sanitiser output, can write a file that verifies; a file written by anyone else (a
cache committed to the corpus repository, a crafted or damaged file) is ignored: its cards are
re-rendered and the file replaced, so cached HTML cannot bypass the sanitiser. Sanitising again
on the way out was measured at ~0.2-0.3 ms per card, as much as the rest of a warm rebuild's work
per card; the MAC costs microseconds. A file whose length, MAC or shape is wrong is never
unmarshalled. Files are only ever replaced whole (temp file + rename), so a concurrent build sees the
old or the new bucket, never half of one; when two builds add to the same bucket at once, the last
rename wins and the other's entries are simply rendered again next time. Reading 256 buckets costs
far less than 10,000 small files would (measured: ~0.25 s for 10,000 cards, most of it decoding);
one SQLite file was measured too and took twice as long (see README, Performance).
When a bucket is rewritten, entries the build did not use and that were last written more than
:data:`KEEP_DAYS` ago are dropped; generations nobody wrote to for as long are deleted.

The cache never fails a build: if it cannot be read or written, the build renders and goes on.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import marshal
import os
import pickle
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter, lt
from pathlib import Path
from typing import Collection, Iterable, Sequence

from .output import write_atomically

FORMAT = 2
MAGIC = b"QDKC\x02\n"
HEADER = struct.Struct("<Q16s")  # length of the payload that follows, and its MAC
KEEP_DAYS = 30
DEFAULT_ROOT = Path(".cache") / "qadeck"
KEY_FILE = Path("qadeck") / "cache-key"

Fields = tuple  # tuple[str, ...]: the rendered Markdown fields of one card
_BUCKETS = [f"{byte:02x}" for byte in range(256)]  # an entry's bucket: its key's first byte


def render_context(templates_dir: Path | None) -> bytes:
    """Everything besides a card's own text that can change its rendered HTML.

    Markdown and markdown_render (which loads Markdown and Pygments' formatters) are read, not
    imported: a build whose cards are all cached never needs them, and loading them would cost a
    small corpus's warm build more than its own work. markdown_render's code holds its extensions
    and their settings.
    """
    import nh3
    import pygments

    from . import cloze, htmltree, render, sanitize, tex

    styles = b""
    if templates_dir is not None:
        try:
            styles = (Path(templates_dir) / "pygments.yaml").read_bytes()
        except OSError:
            styles = b"?"
    context = {
        "renderer": render.RENDERER_VERSION,
        "markdown": markdown_version(),
        "pygments": pygments.__version__,
        "nh3": getattr(nh3, "__version__", "?"),
        "sanitizer": [sorted(sanitize.TAGS), {k: sorted(v) for k, v in sorted(sanitize.ATTRIBUTES.items())},
                      sorted(sanitize.URL_SCHEMES), sorted(sanitize.STYLE_PROPERTIES)],
        "pygments_styles": hashlib.blake2b(styles).hexdigest(),
        # The rendering code itself: a change without a RENDERER_VERSION bump must not serve stale HTML.
        "code": hashlib.blake2b(b"".join(Path(m.__file__).read_bytes() for m in (render, sanitize, cloze, htmltree, tex))
                                + Path(__file__).with_name("markdown_render.py").read_bytes()).hexdigest(),
    }
    return json.dumps(context, sort_keys=True).encode()


def markdown_version() -> str:
    """Python-Markdown's version file (``__meta__.py``, which holds ``__version_info__``), hashed."""
    import importlib.util

    spec = importlib.util.find_spec("markdown")
    try:
        return hashlib.blake2b(Path(spec.origin).with_name("__meta__.py").read_bytes()).hexdigest()
    except (AttributeError, TypeError, OSError):  # laid out otherwise: ask the module itself
        import markdown

        return markdown.__version__


def secret_path() -> Path:
    """Where this user's cache key lives: outside any project, so no corpus can ship one."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / KEY_FILE


def load_secret() -> tuple[bytes, str]:
    """(this user's cache key, why it could not be stored or "").

    Made on first use from ``os.urandom``. When it cannot be stored, a key for this run only is
    returned: the cache then verifies nothing an earlier build wrote, which costs time only.
    """
    path = secret_path()
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data, ""
    except OSError:
        pass
    fresh = os.urandom(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place (never replacing one): a build
        # racing this one reads either no key or the whole key, never an empty file.
        fd, tmp = tempfile.mkstemp(prefix=".cache-key.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(fresh)
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:  # no hard links on this file system (FAT, some network or FUSE mounts)
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                    handle.write(fresh)
        finally:
            os.unlink(tmp)
        return fresh, ""
    except FileExistsError:  # another build made it meanwhile, or it is not a key
        try:
            data = path.read_bytes()
        except OSError as exc:
            return fresh, f"{path}: {exc.strerror or exc}"
        return (data, "") if len(data) == 32 else (fresh, f"{path}: not a cache key; delete it")
    except OSError as exc:
        return fresh, f"{path}: {exc.strerror or exc}"


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=secret, digest_size=16).digest()


def frame(payload: bytes, secret: bytes) -> bytes:
    """A cache file's bytes: magic, length and MAC, then ``payload``."""
    return MAGIC + HEADER.pack(len(payload), _mac(secret, payload)) + payload


def unframe(blob: bytes, secret: bytes) -> bytes | None:
    """The payload of a cache file's bytes, or None unless it is whole and its MAC verifies."""
    start = len(MAGIC) + HEADER.size
    if len(blob) < start or not blob.startswith(MAGIC):
        return None
    length, mac = HEADER.unpack_from(blob, len(MAGIC))
    payload = blob[start:]
    if len(payload) != length or not hmac.compare_digest(_mac(secret, payload), mac):
        return None
    return payload


def load_framed(blob: bytes, secret: bytes):
    """The marshalled value inside a cache file's bytes, or None unless it verifies.

    marshal is not safe against crafted input; only bytes this user's qadeck wrote get to it.
    """
    payload = unframe(blob, secret)
    if payload is None:
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    damaged: int = 0  # bucket files ignored because their MAC or shape was wrong
    written: int = 0  # bucket files written
    error: str = ""  # why the cache could not be written, if it could not


class RenderCache:
    """Rendered fields by content key; see the module docstring for the layout and guarantees."""

    def __init__(self, root: Path, context: bytes, now: float | None = None, arity: int | None = 3,
                 secret: bytes | None = None, kind: str = "render"):
        """``arity``: fields per entry, or None for entries that are opaque bytes; ``kind``: what
        is cached (the generation folder's name)."""
        self.stats = CacheStats()
        if secret is None:
            secret, self.stats.error = load_secret()
        self.secret = secret
        self.root = Path(root)
        self._kind = kind
        self.dir = self.root / f"{kind}-v{FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"
        self._salt = hashlib.blake2b(context, digest_size=32).digest()
        self.now = now
        self._today = int((time.time() if now is None else now) // 86400)
        self._arity = arity
        self._buckets: dict[str, dict[bytes, tuple[int, Fields]]] = {}
        self._damaged: set[str] = set()
        self._used: set[bytes] = set()

    def key(self, sources: Sequence[str]) -> bytes:
        """The content key of one card's Markdown sources (length-prefixed, so unambiguous)."""
        digest = hashlib.blake2b(self._salt, digest_size=20)
        for text in sources:
            data = text if type(text) is bytes else text.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.digest()

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, Fields]:
        """The cached fields of every key found (each bucket file is read at most once)."""
        found: dict[bytes, Fields] = {}
        for key in keys:
            entry = self._bucket(_BUCKETS[key[0]]).get(key)
            if entry is None:
                self.stats.misses += 1
            else:
                self.stats.hits += 1
                self._used.add(key)
                found[key] = entry[1]
        return found

    def put_many(self, entries: dict[bytes, Fields]) -> None:
        """Add entries and rewrite their buckets (plus any damaged one); errors are recorded, not raised."""
        by_bucket: dict[str, dict[bytes, Fields]] = {}
        for key, fields in entries.items():
            by_bucket.setdefault(_BUCKETS[key[0]], {})[key] = fields if self._arity is None else tuple(fields)
            self._used.add(key)
        for name in sorted(set(by_bucket) | self._damaged):
            old = self._bucket(name)
            keep = {k: v for k, v in old.items() if k in self._used or v[0] >= self._today - KEEP_DAYS}
            for key in keep.keys() & self._used:
                keep[key] = (self._today, keep[key][1])
            keep.update((k, (self._today, f)) for k, f in by_bucket.get(name, {}).items())
            try:
                self._write(name, keep)
            except OSError as exc:
                self.stats.error = f"{self.dir}: {exc.strerror or exc}"
                return
            self._buckets[name] = keep
            self._damaged.discard(name)
        if by_bucket:
            self._forget_old_generations()

    # -- files ---------------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        return self.dir / f"{name}.pack"

    def _bucket(self, name: str) -> dict[bytes, tuple[int, Fields]]:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = self._read(name)
        return bucket

    def _read(self, name: str) -> dict[bytes, tuple[int, Fields]]:
        try:
            with open(self._path(name), "rb") as handle:
                blob = handle.read()
        except OSError:
            return {}  # missing (or unreadable): every key in it is a miss
        entries = self._decode(blob)
        if entries is None:
            self.stats.damaged += 1
            self._damaged.add(name)
            return {}
        return entries

    def _decode(self, blob: bytes) -> dict[bytes, tuple[int, Fields]] | None:
        entries = load_framed(blob, self.secret)
        if not isinstance(entries, dict):
            return None
        # Checked column by column, in C: a warm build decodes 10,000 entries and more.
        values = list(entries.values())
        if not (set(map(type, entries)) <= {bytes} and set(map(type, values)) <= {tuple} and set(map(len, values)) <= {2}
                and set(map(type, map(itemgetter(0), values))) <= {int}):
            return None
        items = list(map(itemgetter(1), values))
        if self._arity is None:
            return entries if set(map(type, items)) <= {bytes} else None
        if not (set(map(type, items)) <= {tuple} and set(map(len, items)) <= {self._arity}
                and set(map(type, chain.from_iterable(items))) <= {str}):
            return None
        return entries

    def _write(self, name: str, entries: dict[bytes, tuple[int, Fields]]) -> None:
        path = self._path(name)
        if not entries:
            path.unlink(missing_ok=True)
            return
        blob = frame(marshal.dumps(entries), self.secret)
        write_atomically(path, lambda tmp: tmp.write_bytes(blob))
        self.stats.written += 1

    def _forget_old_generations(self) -> None:
        """Delete other cache generations (older format/Python) that nobody wrote to for a while."""
        limit = time.time() - KEEP_DAYS * 86400
        try:
            siblings = [p for p in self.root.iterdir() if p.is_dir() and p.name.startswith(f"{self._kind}-") and p != self.dir]
            for path in siblings:
                if path.stat().st_mtime < limit:
                    shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


@dataclass(frozen=True)
class ServedFile:
    """One card file as :class:`ParsedFiles` gave its cards."""

    key: bytes  # digest of the path, the bytes, the topics and the loader's code
    topics: str  # the topics as the key holds them
    cards: int


class ParsedFiles:
    """Card files already read and validated, by content: a warm build parses only the files that changed.

    Called by the loader in place of its own file reader (``read_corpus(..., load_file=...)``).
    A file's entry is keyed by its bytes, its path, the topics it is checked against and the
    loader's code; only files without problems are stored, so every problem is found afresh.
    Entries are pickled Cards in MAC-verified buckets like the render cache's: only this user's
    qadeck can write one, so unpickling them runs nobody else's data.
    """

    def __init__(self, cache: RenderCache):
        self._store = RenderCache(cache.root, _loader_code(), now=cache.now, arity=None, secret=cache.secret, kind="parsed")
        self._fresh: dict[bytes, bytes] = {}
        self._served: dict[str, ServedFile] = {}
        self._topics: tuple[dict, str] | None = None  # the topics of the last file, and their repr
        self._keys: list[bytes] = []  # of the card files read, in order

    def served(self, path) -> "ServedFile | None":
        """What the last call for ``path`` gave: its key (which covers everything the cards were
        made from) and the number of cards; None for a file it did not read."""
        return self._served.get(str(path))

    def bytes_of(self, path) -> bytes | None:
        """The bytes of ``path`` if they are still those its cards were made from, else None.

        Read again (a build does not keep 10,000 cards' files in memory): a file saved since gives None.
        """
        served = self._served.get(str(path))
        try:
            raw = Path(path).read_bytes()
        except OSError:
            return None
        return raw if served is not None and self._store.key((str(path), served.topics, raw)) == served.key else None

    def content_key(self) -> bytes:
        """A digest of every card file read so far (bytes, path, topics, loader code): what the
        corpus's cards are made of, so others can key on them without hashing the cards again."""
        return hashlib.blake2b(b"".join(self._keys), digest_size=20).digest()

    @property
    def stats(self) -> CacheStats:
        return self._store.stats

    def __call__(self, path: Path, topics: dict, problems: list, parse):
        try:
            raw = Path(path).read_bytes()
        except OSError:
            return parse(path, topics, problems)  # the loader reports it
        from .model import Card

        def fresh():
            before = len(problems)
            cards = parse(path, topics, problems, raw)
            return cards, len(problems) == before

        if self._topics is None or self._topics[0] != topics:  # the same for every file of a corpus
            self._topics = (dict(topics), repr(sorted(topics.items())))
        key = self._store.key((str(path), self._topics[1], raw))
        self._keys.append(key)
        cards = self._remembered(key, lambda v: type(v) is list and all(type(c) is Card for c in v), fresh)
        self._served[str(path)] = ServedFile(key, self._topics[1], len(cards))
        return cards

    def ledger(self, path: Path, raw: bytes, parse):
        """The retirement ledger read from ``raw`` (the bytes of ``path``): ``parse()`` gives
        (ledger, problems); only a ledger without problems is stored."""
        from . import ledger

        return self.document(("ledger", str(path), Path(ledger.__file__).read_bytes(), raw),
                             lambda v: type(v) is ledger.Ledger, parse)

    def document(self, key: Sequence, valid, parse):
        """A whole file's reading (the ledger, topics.yaml) stored under ``key`` (its kind, path and
        bytes; the loader's code is in every key): ``parse()`` gives (value, problems), and only a
        ``valid`` value read without problems is stored."""
        problems: list = []

        def fresh():
            found, problems[:] = parse()
            return found, not problems

        return self._remembered(self._store.key(key), valid, fresh), problems

    def _remembered(self, key, valid, fresh):
        """The value stored under ``key`` if it unpickles and is ``valid``; else ``fresh()`` ->
        (value, storable), stored (at :meth:`save`) when storable."""
        blob = self._store.get_many([key]).get(key)
        if blob is not None:
            try:
                value = pickle.loads(blob)
            except Exception:  # written by this qadeck, yet unreadable (say, a class changed shape)
                value = None
            if valid(value):
                return value
        value, storable = fresh()
        if storable:
            self._fresh[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return value

    def save(self) -> None:
        """Store the files parsed in this build (errors are recorded in :attr:`stats`)."""
        if self._fresh:
            self._store.put_many(self._fresh)
            self._fresh = {}


def _loader_code(*more) -> bytes:
    """The code of every module that decides what a card file loads to (a stricter limit must re-check files)."""
    from . import cloze, errors, limits, lint_rules, loader, model, tex, visible, yamlread

    return b"".join(Path(m.__file__).read_bytes()
                    for m in (errors, loader, model, yamlread, limits, visible, cloze, lint_rules, tex, *more))


class PastPrints:
    """Card fingerprints of past card-file versions, by git blob, for the history walk
    (history.corpus_times): a rebuild reads and parses only the blobs it has not seen before.

    A blob's entry is keyed by its id, its path, the topic names it was fingerprinted with and the
    loader's and history's code; it holds (card id, fingerprint) pairs in file order. Only blobs that
    gave cards are stored, so a past version that cannot be read is warned about on every build.
    """

    def __init__(self, cache: RenderCache):
        from . import history

        self._store = RenderCache(cache.root, _loader_code(history), now=cache.now, arity=None,
                                  secret=cache.secret, kind="prints")
        self._fresh: dict[bytes, bytes] = {}

    def __call__(self, path: str, blob: str, names: dict[str, str], compute) -> list[tuple[str, str]]:
        """The (id, fingerprint) pairs of one blob; ``compute()`` makes them when not stored."""
        key = self._store.key((path, blob, repr(sorted(names.items()))))
        stored = self._store.get_many([key]).get(key)
        if stored is not None:
            value = load_marshal(stored)
            if type(value) is list and all(type(v) is tuple and len(v) == 2 and type(v[0]) is str
                                           and type(v[1]) is str for v in value):
                return value
        prints = compute()
        if prints:
            self._fresh[key] = marshal.dumps(prints)
        return prints

    def save(self) -> None:
        if self._fresh:
            self._store.put_many(self._fresh)
            self._fresh = {}


def load_marshal(data: bytes):
    """``marshal.loads`` of MAC-verified bytes, or None if they do not decode."""
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None


class ResultCache:
    """Whole results of corpus-wide work (e.g. the near-duplicate pairs), one small file per key.

    Same framing and guarantees as the render cache's buckets; only the newest few are kept.
    """

    KEEP_FILES = 8

    def __init__(self, root: Path, name: str, secret: bytes):
        self.dir = Path(root) / f"{name}-v{FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"
        self.secret = secret

    def get(self, key: bytes, valid) -> object | None:
        """The value stored under ``key`` if it is intact and ``valid(value)``; else None."""
        try:
            value = load_framed((self.dir / f"{key.hex()}.pack").read_bytes(), self.secret)
        except OSError:
            return None
        return value if value is not None and valid(value) else None

    def put(self, key: bytes, value) -> None:
        payload = marshal.dumps(value)
        try:
            write_atomically(self.dir / f"{key.hex()}.pack", lambda tmp: tmp.write_bytes(frame(payload, self.secret)))
            files = sorted(self.dir.glob("*.pack"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[self.KEEP_FILES:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time


def similar_pairs(questions: Sequence[str], cache: RenderCache | None, distinct: Collection[tuple[int, int]] = ()):
    """The build's near-duplicate search (similarity.similar_pairs, each question's
    similarity.NEIGHBOURS closest), remembered beside ``cache`` (None: not remembered).

    Its result depends only on the questions, the reviewed pairs and the similarity code, so an
    edit to an answer, tags or topics reuses it.
    """
    from . import similarity

    def search():
        return similarity.similar_pairs(questions, top=similarity.NEIGHBOURS, distinct=distinct)

    if cache is None:
        return search()
    try:
        code = Path(similarity.__file__).read_bytes()
    except (OSError, TypeError):
        return search()
    digest = hashlib.blake2b(code, digest_size=20)
    digest.update(repr((similarity.NEAR_THRESHOLD, similarity.NEIGHBOURS, sorted(distinct))).encode())
    # Each text length-prefixed in one C call; format 2 writes no back-references, so equal lists give equal bytes.
    digest.update(marshal.dumps(list(questions), 2))
    key = digest.digest()
    store = ResultCache(cache.root, "pairs", cache.secret)
    count = len(questions)

    def valid(value) -> bool:
        return type(value) is list and _valid_rows(value, (int, int, float, bool), count)

    stored = store.get(key, valid)
    if stored is not None:
        return list(map(similarity.Pair._make, stored))
    # The search state of the last search (any question set): after a few edited questions, only
    # the questions they can affect are searched again.
    state_key = hashlib.blake2b(code + b"\0search state", digest_size=20).digest()
    base = store.get(state_key, _valid_search_state)
    memo = base if base is not None else {}
    pairs = similarity.similar_pairs(questions, top=similarity.NEIGHBOURS, distinct=distinct, memo=memo)
    store.put(key, list(map(tuple, pairs)))
    store.put(state_key, memo)
    return pairs


def _valid_search_state(value) -> bool:
    """The shape similarity.similar_pairs gives its ``memo``: the questions with their keys, the
    cores of the unique ones with their prefixes and bigram frequencies, and the pairs found
    (earlier, later, score)."""
    if not (type(value) is dict and set(value) == {"state", "questions", "keys", "unique", "cores", "df", "prefixes", "near"}):
        return False
    questions, keys, unique, cores = value["questions"], value["keys"], value["unique"], value["cores"]
    df, prefixes, near = value["df"], value["prefixes"], value["near"]
    if not (type(questions) is list and type(keys) is list and len(keys) == len(questions) and type(unique) is list
            and type(cores) is list and len(cores) == len(unique) and type(prefixes) is list
            and len(prefixes) == len(cores) and type(df) is dict and type(near) is list):
        return False
    count, strings = len(cores), {str}
    return (set(map(type, questions)) <= strings and set(map(type, keys)) <= strings and set(map(type, cores)) <= strings
            and set(map(type, unique)) <= {int} and all(0 <= i < len(questions) for i in unique)
            and set(map(type, prefixes)) <= {list} and all(set(map(type, p)) <= strings for p in prefixes)
            and set(map(type, df)) <= strings and set(map(type, df.values())) <= {int}
            and _valid_rows(near, (int, int, float), count) and all(map(lt, map(itemgetter(0), near), map(itemgetter(1), near))))


def _valid_rows(rows: list, types: tuple, count: int) -> bool:
    """Whether ``rows`` are tuples of exactly ``types`` whose first two items are indices below ``count``.

    Column by column, in C: a cached search holds tens of thousands of rows.
    """
    if not (set(map(type, rows)) <= {tuple} and set(map(len, rows)) <= {len(types)}):
        return False
    columns = [list(map(itemgetter(k), rows)) for k in range(len(types))]
    return (all(set(map(type, column)) <= {kind} for column, kind in zip(columns, types))
            and all(not column or (min(column) >= 0 and max(column) < count) for column in columns[:2]))
