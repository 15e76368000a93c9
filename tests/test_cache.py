"""The render cache: hits, misses when anything that shapes the HTML changes, damage, --no-cache."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from qadeck.cache import RenderCache, frame, load_secret

SOURCE_DATE_EPOCH = "1700000000"


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))  # where the cache key is kept


def build(capsys, corpus: Path, out: Path, *extra: str) -> dict:
    """Build with --verbose; returns the render counts from the timing line."""
    capsys.readouterr()
    assert run_cli("--cards", str(corpus), "-o", str(out), "--verbose", *extra) == 0
    err = capsys.readouterr().err
    line = next(l for l in err.splitlines() if l.startswith("timing: "))
    found = re.search(r"render [\d.]+s \((\d+) cached, (\d+) rendered", line)
    return {"cached": int(found.group(1)), "rendered": int(found.group(2)), "line": line}


def packs(cache: Path) -> list[Path]:
    return sorted(cache.glob("render-*/*.pack"))


def test_second_build_takes_every_card_from_the_cache(capsys, corpus, tmp_path):
    cache = tmp_path / "cache"
    first = build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(cache))
    assert (first["cached"], first["rendered"]) == (0, 4)
    assert packs(cache)
    second = build(capsys, corpus, tmp_path / "b.apkg", "--cache-dir", str(cache))
    assert (second["cached"], second["rendered"]) == (4, 0)
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()


def test_editing_one_card_renders_only_that_card(capsys, corpus, tmp_path):
    cache = tmp_path / "cache"
    build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(cache))
    path = corpus / "scaling.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("冻结预训练模型的权重", "冻结预训练模型的大部分权重"), encoding="utf-8")
    stats = build(capsys, corpus, tmp_path / "b.apkg", "--cache-dir", str(cache))
    assert (stats["cached"], stats["rendered"]) == (3, 1)
    fresh = build(capsys, corpus, tmp_path / "c.apkg", "--no-cache")
    assert (tmp_path / "b.apkg").read_bytes() == (tmp_path / "c.apkg").read_bytes()
    assert fresh["rendered"] == 4


def test_changing_the_pygments_style_misses(capsys, corpus, tmp_path):
    cache = tmp_path / "cache"
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(cache), "--templates", str(templates))
    (templates / "pygments.yaml").write_text("light: default\ndark: monokai\n", encoding="utf-8")
    stats = build(capsys, corpus, tmp_path / "b.apkg", "--cache-dir", str(cache), "--templates", str(templates))
    assert (stats["cached"], stats["rendered"]) == (0, 4)
    again = build(capsys, corpus, tmp_path / "c.apkg", "--cache-dir", str(cache), "--templates", str(templates))
    assert (again["cached"], again["rendered"]) == (4, 0)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_damaged_cache_file_is_rendered_again_never_trusted(capsys, corpus, tmp_path, damage):
    cache = tmp_path / "cache"
    build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(cache))
    for path in packs(cache):
        data = bytearray(path.read_bytes())
        if damage == "flip":
            data[-20] ^= 0x55  # inside the rendered HTML: only the MAC can tell
        elif damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "empty":
            data = bytearray()
        else:
            data = bytearray(frame(b"not marshal", load_secret()[0]))  # intact frame, payload not a cache
        path.write_bytes(bytes(data))
    stats = build(capsys, corpus, tmp_path / "b.apkg", "--cache-dir", str(cache))
    assert (stats["cached"], stats["rendered"]) == (0, 4)
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()
    healed = build(capsys, corpus, tmp_path / "c.apkg", "--cache-dir", str(cache))  # damaged files were replaced
    assert (healed["cached"], healed["rendered"]) == (4, 0)


def test_an_intact_file_of_the_wrong_shape_is_not_trusted(tmp_path):
    import marshal

    cache = RenderCache(tmp_path, b"context")
    key = cache.key(("q", "a", "e"))
    cache.put_many({key: ("<p>q</p>", "<p>a</p>", "")})
    path = cache.dir / f"{key.hex()[:2]}.pack"
    path.write_bytes(frame(marshal.dumps({key: (0, ("<p>q</p>",))}), cache.secret))  # a valid MAC over the wrong shape
    fresh = RenderCache(tmp_path, b"context")
    assert fresh.get_many([key]) == {}
    assert fresh.stats.damaged == 1


def test_no_cache_neither_reads_nor_writes(capsys, corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stats = build(capsys, corpus, tmp_path / "a.apkg", "--no-cache")
    assert (stats["cached"], stats["rendered"]) == (0, 4)
    assert "no cache" in stats["line"]
    assert not (tmp_path / ".cache").exists()
    # A cache full of lies is not consulted either.
    cache = tmp_path / "cache"
    build(capsys, corpus, tmp_path / "b.apkg", "--cache-dir", str(cache))
    for path in packs(cache):
        path.write_bytes(b"junk")
    before = {p: p.read_bytes() for p in packs(cache)}
    stats = build(capsys, corpus, tmp_path / "c.apkg", "--no-cache", "--cache-dir", str(cache))
    assert stats["rendered"] == 4
    assert {p: p.read_bytes() for p in packs(cache)} == before


def test_default_cache_dir_is_dot_cache_qadeck(capsys, corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    build(capsys, corpus, tmp_path / "a.apkg")
    assert packs(tmp_path / ".cache" / "qadeck")


def test_an_unwritable_cache_does_not_fail_the_build(capsys, corpus, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    stats = build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(blocker))
    assert stats["rendered"] == 4
    assert "cache not written" in stats["line"]


def test_concurrent_builds_share_a_cache_safely(corpus, tmp_path):
    """Builds racing on one cache directory each produce a correct package and leave intact files."""
    cache = tmp_path / "cache"
    corpora = []
    for n in range(4):
        copy = tmp_path / f"cards{n}"
        shutil.copytree(corpus, copy)
        path = copy / "scaling.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("获取一个预训练模型", f"获取第 {n} 个预训练模型"), encoding="utf-8")
        corpora.append(copy)
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    procs = [subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--cards", str(c), "-o", str(tmp_path / f"{c.name}.apkg"),
                               "--cache-dir", str(cache)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for c in corpora]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    for copy in corpora:
        reference = tmp_path / f"{copy.name}-ref.apkg"
        assert run_cli("--cards", str(copy), "-o", str(reference), "--no-cache") == 0
        assert (tmp_path / f"{copy.name}.apkg").read_bytes() == reference.read_bytes()
    assert not list(cache.glob("render-*/*.tmp"))
    for path in packs(cache):  # every file the racers left is whole and checks out
        reader = RenderCache(cache, b"")
        assert reader._decode(path.read_bytes()) is not None


def test_racing_writers_of_one_bucket_leave_a_valid_file(tmp_path):
    first, second = RenderCache(tmp_path, b"ctx"), RenderCache(tmp_path, b"ctx")
    key_a = first.key(("a", "", ""))
    key_b = next(k for k in (second.key((str(n), "", "")) for n in range(10_000)) if k[0] == key_a[0] and k != key_a)
    assert first.get_many([key_a]) == {} and second.get_many([key_b]) == {}  # both read the empty bucket
    first.put_many({key_a: ("A", "", "")})
    second.put_many({key_b: ("B", "", "")})  # the later rename wins; nothing half-written
    reader = RenderCache(tmp_path, b"ctx")
    assert reader.get_many([key_a, key_b]) == {key_b: ("B", "", "")}
    assert reader.stats.damaged == 0


def planted_cache(corpus: Path, cache: Path, secret: bytes) -> None:
    """Cache entries for every card of ``corpus`` whose HTML carries a script, MACed with ``secret``."""
    from qadeck.cache import render_context
    from qadeck.loader import load_corpus
    from qadeck.notetype import DEFAULT_TEMPLATES
    from qadeck.render import render_sources

    planted = RenderCache(cache, render_context(DEFAULT_TEMPLATES), secret=secret)
    cards = load_corpus(corpus).cards
    planted.put_many({planted.key(render_sources(c)): ("<script>alert(1)</script>Q", "A", "") for c in cards})


@pytest.mark.parametrize("who", ["a corpus author (own key)", "anyone (no key)"])
def test_a_planted_script_entry_never_reaches_a_card(capsys, corpus, tmp_path, who):
    """A cache shipped inside a corpus repository (or crafted) cannot bypass the sanitiser."""
    from anki_helpers import fresh_import, notes_by_id

    cache = tmp_path / "cache"
    secret = os.urandom(32) if who.startswith("a corpus") else bytes(32)
    planted_cache(corpus, cache, secret)
    assert packs(cache)
    stats = build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(cache))
    assert (stats["cached"], stats["rendered"]) == (0, 4)
    assert "damaged cache file(s) replaced" in stats["line"]
    col, _ = fresh_import(tmp_path, tmp_path / "a.apkg")
    try:
        fields = [value for note in notes_by_id(col).values() for _, value in note.items()]
    finally:
        col.close()
    assert fields and not [f for f in fields if "<script" in f.lower() or "alert(1)" in f]


def test_the_cache_key_is_private_to_the_user(tmp_path):
    secret, problem = load_secret()
    assert problem == "" and len(secret) == 32
    path = tmp_path / "home-cache" / "qadeck" / "cache-key"
    assert path.read_bytes() == secret and (path.stat().st_mode & 0o777) == 0o600
    assert load_secret() == (secret, "")  # the same key for every build


def test_the_cache_key_is_kept_where_files_cannot_be_hard_linked(tmp_path, monkeypatch):
    """FAT, some network and FUSE mounts refuse hard links: the key is then created in place, so
    later builds still verify what earlier ones stored."""
    import os

    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    secret, problem = load_secret()
    assert problem == "" and len(secret) == 32
    path = tmp_path / "home-cache" / "qadeck" / "cache-key"
    assert path.read_bytes() == secret and (path.stat().st_mode & 0o777) == 0o600
    assert load_secret() == (secret, "")
    assert [p.name for p in path.parent.iterdir()] == ["cache-key"]  # no temporary file left


def test_unchanged_card_files_are_not_parsed_again(corpus, tmp_path):
    from qadeck.cache import ParsedFiles
    from qadeck.loader import read_corpus

    cache = RenderCache(tmp_path / "cache", b"ctx")
    first = ParsedFiles(cache)
    reference, problems = read_corpus(corpus)
    loaded, problems = read_corpus(corpus, first)
    assert problems == [] and first.stats.misses == 2 and loaded == reference
    first.save()
    path = corpus / "scaling.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("冻结预训练模型的权重", "冻结预训练模型的大部分权重"), encoding="utf-8")
    second = ParsedFiles(RenderCache(tmp_path / "cache", b"ctx"))
    loaded, problems = read_corpus(corpus, second)
    assert problems == [] and (second.stats.hits, second.stats.misses) == (1, 1)  # only the edited file
    assert loaded == read_corpus(corpus)[0]
    assert any("大部分权重" in card.answer for card in loaded.cards)


def test_a_cached_file_is_checked_again_when_the_topics_change(capsys, corpus, tmp_path):
    cache = tmp_path / "cache"
    build(capsys, corpus, tmp_path / "a.apkg", "--cache-dir", str(cache))
    assert list(cache.glob("parsed-*/*.pack"))
    topics = corpus / "topics.yaml"
    text = topics.read_text(encoding="utf-8")
    assert "  hardware:" in text
    topics.write_text(text.replace("  hardware:", "  gpus:"), encoding="utf-8")
    capsys.readouterr()
    assert run_cli("--cards", str(corpus), "-o", str(tmp_path / "b.apkg"), "--cache-dir", str(cache)) == 2
    assert "unknown topic 'hardware'" in capsys.readouterr().err
