"""End to end: build the fixture corpus, import the .apkg into real Anki, read everything back."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from anki_helpers import deck_names, fresh_import, notes_by_id
from conftest import run_cli

ROOT_DECK = "AI 大模型面试题"


@pytest.fixture
def imported(corpus: Path, tmp_path: Path):
    out = tmp_path / "deck.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    col, log = fresh_import(tmp_path, out)
    yield col, log
    col.close()


def test_decks_notes_and_cards(imported):
    col, log = imported
    assert log.new == 4
    assert deck_names(col) == {ROOT_DECK, f"{ROOT_DECK}::训练 Training", f"{ROOT_DECK}::压缩 Compression",
                               f"{ROOT_DECK}::硬件 Hardware", f"{ROOT_DECK}::安全 Security"}
    assert col.note_count() == 4
    assert col.card_count() == 4


def test_card_goes_to_primary_topic_subdeck(imported):
    col, _ = imported
    notes = notes_by_id(col)
    card = notes["scaling-compute-efficiency"].cards()[0]
    assert col.decks.name(card.did) == f"{ROOT_DECK}::硬件 Hardware"


def test_tags(imported):
    col, _ = imported
    notes = notes_by_id(col)
    assert sorted(notes["scaling-compute-efficiency"].tags) == sorted(
        ["topic::hardware", "topic::training", "source::scaling", "efficiency"])
    assert sorted(notes["compression-methods"].tags) == sorted(
        ["topic::compression", "source::deploy", "quantization", "pruning"])
    assert all(" " not in tag for note in notes.values() for tag in note.tags)


def test_fields(imported):
    col, _ = imported
    note = notes_by_id(col)["scaling-compute-efficiency"]
    assert note["Question"] == "<p>如何优化深度学习模型的计算效率？</p>"
    assert "<strong>算法层面</strong>" in note["Answer"]
    assert note["Explanation"] == "<p>计算效率是算法、数据、模型与硬件共同决定的。</p>"
    # The article by its title; its file name means nothing to a student.
    assert note["Source"] == '<span class="qa-source-title">基础模型的规模化与硬件改进</span>'
    assert "000_4337de1ed0bc8049" not in "".join(note.fields)
    assert "硬件 Hardware" in note["Topics"] and "训练 Training" in note["Topics"]
    assert notes_by_id(col)["scaling-transfer-learning"]["Explanation"] == ""


def test_rendered_answer_has_pygments_highlighting(imported):
    col, _ = imported
    card = notes_by_id(col)["scaling-compute-efficiency"].cards()[0]
    answer = card.answer()
    assert '<div class="codehilite">' in answer
    assert '<span class="kn">import</span>' in answer  # a Pygments token class, rendered by Anki
    assert ".nightMode .codehilite" in answer and ".night_mode .codehilite" in answer
    assert "解析" in answer and "计算效率是算法" in answer
    assert "基础模型的规模化与硬件改进" in answer


def test_explanation_block_only_when_present(imported):
    col, _ = imported
    answer = notes_by_id(col)["scaling-transfer-learning"].cards()[0].answer()
    assert '<div class="qa-explanation">' not in answer
    assert "解析" not in answer.split("</style>")[-1]
    assert "<ol>" in answer


def test_front_shows_question_and_topics(imported):
    col, _ = imported
    question = notes_by_id(col)["scaling-compute-efficiency"].cards()[0].question()
    assert "如何优化深度学习模型的计算效率" in question
    assert "硬件 Hardware" in question
    assert "算法层面" not in question


def test_table_renders(imported):
    col, _ = imported
    answer = notes_by_id(col)["compression-methods"]["Answer"]
    assert "<table>" in answer and "<th" in answer and "量化" in answer


def test_tags_selection(corpus: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli("--cards", str(corpus), "--tags", "hardware") == 0
    out = tmp_path / "dist" / "ai-interview-hardware.apkg"
    assert out.is_file()
    col, log = fresh_import(tmp_path, out)
    try:
        assert log.new == 1
        assert set(notes_by_id(col)) == {"scaling-compute-efficiency"}
        assert deck_names(col) == {ROOT_DECK, f"{ROOT_DECK}::硬件 Hardware"}
    finally:
        col.close()
    assert "dist/ai-interview-hardware.apkg" in capsys.readouterr().out


def test_tags_selection_matches_topics_or_tags(corpus: Path, tmp_path: Path):
    out = tmp_path / "sel.apkg"
    assert run_cli("--cards", str(corpus), "--tags", "security,pruning", "-o", str(out)) == 0
    col, _ = fresh_import(tmp_path, out)
    try:
        assert set(notes_by_id(col)) == {"security-privacy", "compression-methods"}
    finally:
        col.close()


def test_default_output_and_summary(corpus: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli("--cards", str(corpus)) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "dist" / "ai-interview.apkg").is_file()
    assert "4 note(s)" in out and "硬件 Hardware" in out and "dist/ai-interview.apkg" in out and "KiB" in out


def test_cjk_deck_name_without_slug_keeps_readable_file_name(corpus: Path, tmp_path: Path, monkeypatch):
    topics = corpus / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("slug: ai-interview\n", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run_cli("--cards", str(corpus)) == 0
    assert [p.name for p in (tmp_path / "dist").iterdir()] == ["AI-大模型面试题.apkg"]


def test_check_writes_nothing(corpus: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_cli("--cards", str(corpus), "--check") == 0
    assert not (tmp_path / "dist").exists()
    assert "nothing written" in capsys.readouterr().out


def test_build_py_entry_point_runs(corpus: Path, tmp_path: Path):
    import subprocess
    import sys

    root = Path(__file__).parent.parent
    out = tmp_path / "x.apkg"
    proc = subprocess.run([sys.executable, str(root / "build.py"), "--cards", str(corpus), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0
    usage = subprocess.run([sys.executable, str(root / "build.py"), "--no-such-flag"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_unchanged_package_is_kept_and_any_other_file_there_is_rewritten(corpus, tmp_path, capsys):
    """A rebuild that would write the same bytes leaves the package alone; what it keeps is always
    exactly what a build without any cache writes."""
    cache, out, reference = tmp_path / "cache", tmp_path / "deck.apkg", tmp_path / "reference.apkg"

    def build(*extra: str) -> bytes:
        assert run_cli("--cards", str(corpus), "--cache-dir", str(cache), *extra) == 0
        return out.read_bytes()

    first = build("-o", str(out))
    assert run_cli("--cards", str(corpus), "-o", str(reference), "--no-cache") == 0
    assert first == reference.read_bytes()
    os.utime(out, (1_000_000_000, 1_000_000_000))
    inode = out.stat().st_ino
    capsys.readouterr()
    assert build("-o", str(out)) == first
    assert out.stat().st_ino == inode  # kept, not replaced by a new file
    assert out.stat().st_mtime > 1_000_000_000  # yet as new as the build (make-style tools)
    assert f"wrote {out} (" in capsys.readouterr().out
    for other in (first[:-1] + bytes([first[-1] ^ 1]), b""):  # damaged, emptied: rewritten whole
        out.write_bytes(other)
        assert build("-o", str(out)) == first
    path = corpus / "scaling.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("获取一个预训练模型", "获取另一个预训练模型"), encoding="utf-8")
    edited = build("-o", str(out))
    assert edited != first
    assert run_cli("--cards", str(corpus), "-o", str(reference), "--no-cache") == 0
    assert edited == reference.read_bytes()


def test_a_large_deck_is_always_written(corpus, tmp_path, monkeypatch):
    """Above REUSE_MAX_NOTES, hashing the plan would cost every edited rebuild more than keeping
    saves, so the package is written each time (a new file replaces the old one)."""
    from qadeck import apkg

    out = tmp_path / "deck.apkg"
    args = ("--cards", str(corpus), "-o", str(out), "--cache-dir", str(tmp_path / "cache"))
    assert run_cli(*args) == 0 and run_cli(*args) == 0
    inode = out.stat().st_ino
    monkeypatch.setattr(apkg, "REUSE_MAX_NOTES", 4)  # the fixture's 4 notes are now "large"
    assert run_cli(*args) == 0
    assert out.stat().st_ino != inode
    assert len(list((tmp_path / "cache").glob("package-*/*.pack"))) == 1  # the small deck's, nothing since


_IMPORTS = """
import sys
from qadeck.cli import main
code = main(sys.argv[1:])
print(" ".join(m for m in ("genanki", "markdown", "pygments.formatters", "yaml", "langcodes", "sqlite3") if m in sys.modules))
sys.exit(code)
"""


def test_warm_build_of_an_unchanged_corpus_loads_no_rendering_or_writing_library(corpus, tmp_path):
    """What a small corpus's warm build costs is mostly imports: one that parses, renders and
    writes nothing loads neither PyYAML, Markdown, Pygments' formatters, genanki, SQLite nor the
    lang registry."""
    import subprocess
    import sys

    from conftest import ROOT

    args = [sys.executable, "-c", _IMPORTS, "--cards", str(corpus), "-o", str(tmp_path / "d.apkg"),
            "--cache-dir", str(tmp_path / "cache")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The first build also writes the retirement ledger, which the second reads (and keeps).
    runs = [subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env) for _ in range(3)]
    assert [r.returncode for r in runs] == [0, 0, 0], runs[0].stderr
    assert runs[0].stdout.split()[-1] == "sqlite3" and "genanki markdown pygments.formatters yaml" in runs[0].stdout
    assert runs[2].stdout.splitlines()[-1] == "sqlite3"  # only its version, a key of the kept package
