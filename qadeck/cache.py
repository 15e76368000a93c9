"""A content-addressed cache of rendered fields, so a rebuild re-renders only what changed.

Layout (default root ``.cache/qadeck/``)::

    render-v1-py311/         one generation: cache format + the Python version (marshal)
        00.pack ... ff.pack  256 buckets; an entry lives in the bucket named by its key's first byte

A key is a BLAKE2b digest of the card's Markdown sources plus :func:`render_context` (renderer
version, library versions, Markdown/sanitiser configuration, Pygments styles): anything that can
change the HTML changes every key. An entry holds the sanitised HTML of the card's Markdown fields
and the day it was last used.

A bucket file is ``MAGIC + CRC-32 + length + payload`` with a marshal payload. A file whose
checksum, length or shape is wrong is ignored (its cards are re-rendered, the file replaced), never
trusted. Files are only ever replaced whole (temp file + rename), so a concurrent build sees the
old or the new bucket, never half of one; when two builds add to the same bucket at once, the last
rename wins and the other's entries are simply rendered again next time. Reading 256 buckets costs
far less than 10,000 small files would (measured: ~0.25 s for 10,000 cards, most of it decoding).
When a bucket is rewritten, entries the build did not use and that were last written more than
:data:`KEEP_DAYS` ago are dropped; generations nobody wrote to for as long are deleted.

The cache never fails a build: if it cannot be read or written, the build renders and goes on.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import shutil
import struct
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .output import write_atomically

FORMAT = 1
MAGIC = b"QDKC\x01\n"
HEADER = struct.Struct("<IQ")  # CRC-32 and length of the payload that follows
KEEP_DAYS = 30
DEFAULT_ROOT = Path(".cache") / "qadeck"

Fields = tuple  # tuple[str, ...]: the rendered Markdown fields of one card


def render_context(templates_dir: Path | None) -> bytes:
    """Everything besides a card's own text that can change its rendered HTML."""
    import markdown
    import nh3
    import pygments

    from . import cloze, htmltree, markdown_render, render, sanitize, tex

    styles = b""
    if templates_dir is not None:
        try:
            styles = (Path(templates_dir) / "pygments.yaml").read_bytes()
        except OSError:
            styles = b"?"
    context = {
        "renderer": render.RENDERER_VERSION,
        "markdown": markdown.__version__,
        "pygments": pygments.__version__,
        "nh3": getattr(nh3, "__version__", "?"),
        "extensions": markdown_render.EXTENSIONS,
        "codehilite": {k: v for k, v in markdown_render.EXTENSION_CONFIGS["codehilite"].items() if isinstance(v, (str, bool, int))},
        "sanitizer": [sorted(sanitize.TAGS), {k: sorted(v) for k, v in sorted(sanitize.ATTRIBUTES.items())},
                      sorted(sanitize.URL_SCHEMES), sorted(sanitize.STYLE_PROPERTIES)],
        "pygments_styles": hashlib.blake2b(styles).hexdigest(),
        # The rendering code itself: a change without a RENDERER_VERSION bump must not serve stale HTML.
        "code": hashlib.blake2b(b"".join(Path(m.__file__).read_bytes() for m in (markdown_render, render, sanitize, cloze, htmltree, tex))).hexdigest(),
    }
    return json.dumps(context, sort_keys=True).encode()


def frame(payload: bytes) -> bytes:
    """A cache file's bytes: magic, checksum and length, then ``payload``."""
    return MAGIC + HEADER.pack(zlib.crc32(payload), len(payload)) + payload


def unframe(blob: bytes) -> bytes | None:
    """The payload of a cache file's bytes, or None unless it is whole and its checksum matches."""
    start = len(MAGIC) + HEADER.size
    if len(blob) < start or not blob.startswith(MAGIC):
        return None
    crc, length = HEADER.unpack_from(blob, len(MAGIC))
    payload = blob[start:]
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None
    return payload


def load_framed(blob: bytes):
    """The marshalled value inside a cache file's bytes, or None when it is damaged in any way."""
    payload = unframe(blob)
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
    damaged: int = 0  # bucket files ignored because their checksum or shape was wrong
    written: int = 0  # bucket files written
    error: str = ""  # why the cache could not be written, if it could not


class RenderCache:
    """Rendered fields by content key; see the module docstring for the layout and guarantees."""

    def __init__(self, root: Path, context: bytes, now: float | None = None, arity: int = 3, name: str = "render"):
        self.root = Path(root)
        self._name = name  # the lint keeps its findings in a RenderCache of its own name
        self.dir = self.root / f"{name}-v{FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"
        self._salt = hashlib.blake2b(context, digest_size=32).digest()
        self._today = int((time.time() if now is None else now) // 86400)
        self._arity = arity
        self._buckets: dict[str, dict[bytes, tuple[int, Fields]]] = {}
        self._damaged: set[str] = set()
        self._used: set[bytes] = set()
        self.stats = CacheStats()

    def key(self, sources: Sequence[str]) -> bytes:
        """The content key of one card's Markdown sources (length-prefixed, so unambiguous)."""
        digest = hashlib.blake2b(self._salt, digest_size=20)
        for text in sources:
            data = text.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.digest()

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, Fields]:
        """The cached fields of every key found (each bucket file is read at most once)."""
        found: dict[bytes, Fields] = {}
        for key in keys:
            entry = self._bucket(key.hex()[:2]).get(key)
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
            by_bucket.setdefault(key.hex()[:2], {})[key] = tuple(fields)
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
        entries = load_framed(blob)
        if not isinstance(entries, dict):
            return None
        arity = self._arity
        for key, value in entries.items():
            if not (type(key) is bytes and type(value) is tuple and len(value) == 2 and type(value[0]) is int
                    and type(value[1]) is tuple and len(value[1]) == arity and all(type(f) is str for f in value[1])):
                return None
        return entries

    def _write(self, name: str, entries: dict[bytes, tuple[int, Fields]]) -> None:
        path = self._path(name)
        if not entries:
            path.unlink(missing_ok=True)
            return
        blob = frame(marshal.dumps(entries))
        write_atomically(path, lambda tmp: tmp.write_bytes(blob))
        self.stats.written += 1

    def _forget_old_generations(self) -> None:
        """Delete other cache generations (older format/Python) that nobody wrote to for a while."""
        limit = time.time() - KEEP_DAYS * 86400
        try:
            siblings = [p for p in self.root.iterdir() if p.is_dir() and p.name.startswith(f"{self._name}-v") and p != self.dir]
            for path in siblings:
                if path.stat().st_mtime < limit:
                    shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


class ResultCache:
    """Whole results of corpus-wide work (e.g. the near-duplicate pairs), one small file per key.

    Same framing and guarantees as the render cache's buckets; only the newest few are kept.
    """

    KEEP_FILES = 8

    def __init__(self, root: Path, name: str):
        self.dir = Path(root) / f"{name}-v{FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"

    def get(self, key: bytes, valid) -> object | None:
        """The value stored under ``key`` if it is intact and ``valid(value)``; else None."""
        try:
            value = load_framed((self.dir / f"{key.hex()}.pack").read_bytes())
        except OSError:
            return None
        return value if value is not None and valid(value) else None

    def put(self, key: bytes, value) -> None:
        payload = marshal.dumps(value)
        try:
            write_atomically(self.dir / f"{key.hex()}.pack", lambda tmp: tmp.write_bytes(frame(payload)))
            files = sorted(self.dir.glob("*.pack"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[self.KEEP_FILES:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time


def similar_pairs(questions: Sequence[str], root: Path | None):
    """similarity.similar_pairs(questions), remembered under ``root`` (None: not remembered).

    The near-duplicate check compares every question with the corpus (seconds at 10,000 cards);
    its result depends only on the questions and the similarity code, so an edit to an answer,
    tags or topics reuses it.
    """
    from . import similarity

    if root is None:
        return similarity.similar_pairs(questions)
    try:
        code = Path(similarity.__file__).read_bytes()
    except (OSError, TypeError):
        return similarity.similar_pairs(questions)
    digest = hashlib.blake2b(code + repr(similarity.NEAR_THRESHOLD).encode(), digest_size=20)
    for text in questions:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    key = digest.digest()
    store = ResultCache(root, "pairs")
    count = len(questions)

    def valid(value) -> bool:
        return type(value) is list and all(
            type(v) is tuple and len(v) == 4 and type(v[0]) is int and type(v[1]) is int and 0 <= v[0] < count
            and 0 <= v[1] < count and type(v[2]) is float and type(v[3]) is bool for v in value)

    stored = store.get(key, valid)
    if stored is not None:
        return [similarity.Pair(*v) for v in stored]
    pairs = similarity.similar_pairs(questions)
    store.put(key, [(p.first, p.second, float(p.score), bool(p.exact)) for p in pairs])
    return pairs
