"""Rebuilds update notes in place: modification times follow each card's own edits (git history)."""
from __future__ import annotations

import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

from anki_helpers import fresh_import, import_apkg, notes_by_id, open_collection
from conftest import ROOT, GitCheckout, run_cli
from qadeck.render import RENDERED_SINCE

OUT = "dist/deck.apkg"


def build(*extra: str) -> Path:
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", OUT, *extra) == 0
    return Path(OUT)


def note_mods(apkg: Path, tmp_path: Path) -> dict[str, int]:
    """GUID -> modification time, read straight from the package's collection."""
    db = tmp_path / "peek.anki2"
    with zipfile.ZipFile(apkg) as z:
        db.write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select flds, mod from notes").fetchall()
    return {flds.split("\x1f")[-1]: mod for flds, mod in rows}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_edited_card_updates_in_place_keeping_review_history(checkout, tmp_path):
    first = checkout.clock
    col, log = fresh_import(tmp_path, build())
    try:
        assert log.new == 4
        card = notes_by_id(col)["scaling-transfer-learning"].cards()[0]
        card.start_timer()
        col.sched.answerCard(card, 3)  # a real review: creates revlog history and schedules the card
        card.load()
        due_before, reviews_before = card.due, col.db.scalar("select count() from revlog where cid=?", card.id)
        assert reviews_before == 1

        edit(checkout.root / "cards/scaling.yaml", "3. 用新数据集训练并评估。", "3. 用新数据集微调并评估。")
        edited_at = checkout.commit("reword one answer")
        mods = note_mods(build(), tmp_path)
        assert mods["scaling-transfer-learning"] == edited_at
        assert {m for cid, m in mods.items() if cid != "scaling-transfer-learning"} == {first}

        log = import_apkg(col, Path(OUT))
        assert (log.new, log.updated, log.duplicate) == (0, 1, 3)
        assert col.note_count() == 4
        note = notes_by_id(col)["scaling-transfer-learning"]
        assert "用新数据集微调并评估" in note["Answer"]
        card = note.cards()[0]
        assert col.db.scalar("select count() from revlog where cid=?", card.id) == reviews_before
        assert card.due == due_before and card.reps == 1
    finally:
        col.close()


def test_unchanged_rebuild_updates_nothing(checkout, tmp_path):
    col, _ = fresh_import(tmp_path, build())
    try:
        log = import_apkg(col, build())
        assert (log.new, log.updated, log.duplicate) == (0, 0, 4)
    finally:
        col.close()


def test_two_builds_of_same_checkout_are_byte_identical(checkout):
    first = build().read_bytes()
    second = build().read_bytes()
    assert first == second


def test_removing_a_line_of_a_card_moves_its_time(checkout, tmp_path):
    # A deleted line leaves no trace in `git blame`; the content history must still see it.
    edit(checkout.root / "cards/deploy.yaml", "    tags: [quantization, pruning]\n", "")
    edited_at = checkout.commit("drop tags")
    mods = note_mods(build(), tmp_path)
    assert mods["compression-methods"] == edited_at
    assert mods["security-privacy"] < edited_at


def test_reformatting_without_content_change_keeps_times(checkout, tmp_path):
    before = note_mods(build(), tmp_path)
    edit(checkout.root / "cards/deploy.yaml", "    tags: [quantization, pruning]\n", "    tags:\n      - quantization\n      - pruning\n")
    checkout.commit("reformat")
    assert note_mods(build(), tmp_path) == before


def test_renaming_a_topic_moves_its_cards_times(checkout, tmp_path):
    edit(checkout.root / "cards/topics.yaml", "{name: 安全 Security", "{name: 安全与隐私 Security")
    edited_at = checkout.commit("rename topic")
    mods = note_mods(build(), tmp_path)
    assert mods["security-privacy"] == edited_at
    assert mods["scaling-compute-efficiency"] < edited_at


def test_uncommitted_edit_counts_as_now(checkout, tmp_path):
    edit(checkout.root / "cards/deploy.yaml", "剪枝 | 删除", "剪枝 | 移除")
    mods = note_mods(build(), tmp_path)
    assert abs(mods["compression-methods"] - time.time()) < 120  # 'now'
    assert mods["compression-methods"] > checkout.clock
    assert mods["security-privacy"] == checkout.clock


def test_source_date_epoch_caps_all_times(checkout, tmp_path, monkeypatch):
    edit(checkout.root / "cards/deploy.yaml", "剪枝 | 删除", "剪枝 | 移除")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(checkout.clock - 60))
    first = build().read_bytes()
    mods = note_mods(Path(OUT), tmp_path)
    assert set(mods.values()) == {checkout.clock - 60}
    assert build().read_bytes() == first


def test_css_change_reaches_existing_collection(checkout, tmp_path):
    col, _ = fresh_import(tmp_path, build())
    col.close()
    with open(checkout.root / "templates/card.css", "a", encoding="utf-8") as css:
        css.write("\n.qa-question { letter-spacing: 0.01em; }\n")
    checkout.commit("tweak css")
    col = open_collection(tmp_path / "collection.anki2")
    try:
        log = import_apkg(col, build())
        assert log.new == 0 and col.note_count() == 4
    finally:
        col.close()
    col = open_collection(tmp_path / "collection.anki2")  # reopen: the notetype cache is stale after import
    try:
        (model,) = [m for m in col.models.all() if m["name"] == "qadeck Q&A"]
        assert "letter-spacing: 0.01em" in model["css"]
        card = notes_by_id(col)["scaling-compute-efficiency"].cards()[0]
        assert "letter-spacing: 0.01em" in card.answer()
    finally:
        col.close()


def test_outside_git_uses_file_times(corpus, tmp_path, monkeypatch):
    import os

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    older, newer = RENDERED_SINCE + 100, RENDERED_SINCE + 200
    os.utime(corpus / "scaling.yaml", (older, older))
    os.utime(corpus / "deploy.yaml", (newer, newer))
    out = tmp_path / "x.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(out)) == 0
    mods = note_mods(out, tmp_path)
    assert mods["scaling-compute-efficiency"] == older
    assert mods["compression-methods"] == newer


def test_no_note_is_older_than_the_renderer(checkout, tmp_path, monkeypatch):
    """Cards last edited before the renderer's output changed are re-stamped, so a re-import
    replaces what an older qadeck rendered."""
    import qadeck.pipeline

    monkeypatch.setattr(qadeck.pipeline, "RENDERED_SINCE", checkout.clock + 600)
    mods = note_mods(build(), tmp_path)
    assert set(mods.values()) == {checkout.clock + 600}


def test_stray_file_in_templates_keeps_builds_identical(checkout):
    first = build().read_bytes()
    (checkout.root / "templates" / ".DS_Store").write_bytes(b"\0")
    (checkout.root / "templates" / "card.css~").write_text("editor backup", encoding="utf-8")
    assert build().read_bytes() == first


def test_shallow_clone_is_reported(checkout, tmp_path, monkeypatch, capsys):
    import subprocess

    edit(checkout.root / "cards/deploy.yaml", "剪枝 | 删除", "剪枝 | 移除")
    checkout.commit("second")  # a history of two commits, of which the clone keeps one
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{checkout.root}", str(shallow)], check=True)
    monkeypatch.chdir(shallow)
    capsys.readouterr()
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", "x.apkg") == 0
    assert "warning: cards: this is a shallow git clone" in capsys.readouterr().err
    monkeypatch.chdir(checkout.root)
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", "y.apkg") == 0
    assert "shallow" not in capsys.readouterr().err


def note_type_mod(apkg: Path, tmp_path: Path) -> int:
    import json

    db = tmp_path / "peek-models.anki2"
    with zipfile.ZipFile(apkg) as z:
        db.write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        (models,) = conn.execute("select models from col").fetchone()
    (model,) = json.loads(models).values()
    return model["mod"]


def test_lang_change_reaches_existing_collection(checkout, tmp_path):
    """topics.yaml's lang lives in the note type's templates, so changing it re-sends the note type
    (not the notes), and Anki then shows every card in the new language."""
    col, _ = fresh_import(tmp_path, build())
    col.close()
    edit(checkout.root / "cards/topics.yaml", "lang: zh-Hans", "lang: zh-Hant")
    changed = checkout.commit("traditional glyphs")
    assert note_type_mod(build(), tmp_path) == changed
    col = open_collection(tmp_path / "collection.anki2")
    try:
        log = import_apkg(col, Path(OUT))
        assert (log.new, log.updated) == (0, 0)
    finally:
        col.close()
    col = open_collection(tmp_path / "collection.anki2")  # reopen: the notetype cache is stale after import
    try:
        card = notes_by_id(col)["scaling-compute-efficiency"].cards()[0]
        assert 'lang="zh-Hant"' in card.question() and 'lang="zh-Hant"' in card.answer()
        assert "zh-Hans" not in card.answer()
    finally:
        col.close()


def test_note_type_time_follows_lang_not_other_topic_edits(checkout, tmp_path):
    first = note_type_mod(build(), tmp_path)
    edit(checkout.root / "cards/topics.yaml", "keywords: [GPU, TPU]", "keywords: [GPU, TPU, NPU]")
    checkout.commit("keywords only")
    assert note_type_mod(build(), tmp_path) == first
    edit(checkout.root / "cards/topics.yaml", "lang: zh-Hans\n", "")
    removed = checkout.commit("no lang")
    assert note_type_mod(build(), tmp_path) == removed
    edit(checkout.root / "cards/topics.yaml", "slug: ai-interview\n", "slug: ai-interview\nlang: ja\n")
    now = int(time.time())
    assert note_type_mod(build(), tmp_path) >= now  # not committed yet: "now"


def test_cached_history_walk_dates_cards_like_a_fresh_one(checkout, tmp_path):
    # The second build takes past versions' fingerprints from the cache (prints-…/); a further
    # commit adds new blobs to it. Every time must equal what a build without any cache finds.
    first = checkout.clock
    edit(checkout.root / "cards/deploy.yaml", "剪枝 | 删除", "剪枝 | 移除")
    checkout.commit("reword")
    build()
    assert list(Path(".cache/qadeck").glob("prints-*/*.pack"))
    edit(checkout.root / "cards/scaling.yaml", "3. 用新数据集训练并评估。", "3. 用新数据集微调并评估。")
    edited_at = checkout.commit("reword again")
    cached = note_mods(build(), tmp_path)
    assert cached == note_mods(build("--no-cache"), tmp_path)
    assert cached["scaling-transfer-learning"] == edited_at
    assert cached["compression-methods"] < edited_at and cached["security-privacy"] == first


def test_templates_in_a_repository_of_their_own_are_dated_by_it(checkout, tmp_path):
    """A templates folder inside the checkout that is a repository itself (a nested clone, a
    submodule) is dated by its own history, not by the checkout's."""
    shutil.copytree(ROOT / "templates", checkout.root / "mytemplates")
    own = GitCheckout(checkout.root / "mytemplates")
    own.clock = checkout.clock + 10 * 86400
    dated = own.commit("templates")
    assert run_cli("--cards", "cards", "--templates", "mytemplates", "-o", OUT) == 0
    assert note_type_mod(Path(OUT), tmp_path) == dated
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", OUT) == 0  # the checkout's own
    assert note_type_mod(Path(OUT), tmp_path) == checkout.clock


def test_remembered_walk_and_template_times_follow_commits_and_working_tree_edits(checkout, tmp_path):
    """Each build keeps the history walk's result per HEAD commit and working tree: whatever a
    later build reuses, every time is what a build without any cache finds."""
    first = note_mods(build(), tmp_path)
    assert note_mods(build(), tmp_path) == first == note_mods(build("--no-cache"), tmp_path)
    card = "cards/scaling.yaml"
    edit(checkout.root / card, "3. 用新数据集训练并评估。", "3. 用新数据集微调并评估。")
    now = int(time.time())
    edited = note_mods(build(), tmp_path)
    assert edited["scaling-transfer-learning"] >= now
    assert {k: v for k, v in edited.items() if k != "scaling-transfer-learning"} == \
        {k: v for k, v in first.items() if k != "scaling-transfer-learning"}
    committed = checkout.commit("reword")
    assert note_mods(build(), tmp_path)["scaling-transfer-learning"] == committed
    css = checkout.root / "templates/card.css"
    before = note_type_mod(build(), tmp_path)
    with open(css, "a", encoding="utf-8") as out:
        out.write("\n.qa-question { letter-spacing: 0.01em; }\n")
    now = int(time.time())
    assert note_type_mod(build(), tmp_path) >= now > before  # not committed yet: "now"
    tweaked = checkout.commit("tweak css")
    assert note_type_mod(build(), tmp_path) == tweaked
    # Other bytes that git calls unchanged (its line-ending filter) keep the commit's time.
    (checkout.root / ".gitattributes").write_text("*.css text\n", encoding="utf-8")
    checkout.commit("line endings")
    assert note_type_mod(build(), tmp_path) == tweaked
    css.write_bytes(css.read_bytes().replace(b"\n", b"\r\n"))
    checkout.git("add", "templates/card.css")  # stored with LF, as committed
    assert checkout.git("status", "--porcelain", "--", "templates") == ""
    assert note_type_mod(build(), tmp_path) == tweaked


def test_template_time_is_the_same_with_and_without_the_cache(checkout, tmp_path):
    """Only other bytes count as a template change: a staged edit undone in the working tree, or a
    file mode change, keeps the commit's time, whether or not the build remembers HEAD's versions."""
    committed = note_type_mod(build(), tmp_path)
    css = checkout.root / "templates/card.css"
    original = css.read_bytes()
    css.write_bytes(original + b"\n.qa-question { letter-spacing: 0.01em; }\n")
    checkout.git("add", "templates/card.css")
    css.write_bytes(original)  # staged, then undone: git status says "MM"
    (checkout.root / "templates/front.html").chmod(0o755)
    assert checkout.git("status", "--porcelain", "--", "templates")
    assert note_type_mod(build(), tmp_path) == committed
    assert note_type_mod(build("--no-cache"), tmp_path) == committed


def test_history_walk_reads_the_commit_it_is_remembered_under(checkout, tmp_path):
    """A commit made while a build runs must not be filed under the commit the build started from:
    the walk reads the history from that commit by name, not from whatever HEAD is by then."""
    from qadeck.cache import RenderCache, render_context
    from qadeck.history import Clock, corpus_times, find_repo
    from qadeck.loader import load_corpus

    started_at = find_repo(checkout.root)  # the build looks HEAD up first...
    edit(checkout.root / "cards/scaling.yaml", "3. 用新数据集训练并评估。", "3. 用新数据集微调并评估。")
    checkout.commit("committed meanwhile")  # ...then the user commits in another terminal
    clock = Clock(now=2_000_000_000)
    cache = RenderCache(tmp_path / "cache", render_context(ROOT / "templates"), now=clock.now)
    times = corpus_times(load_corpus(checkout.root / "cards"), clock, started_at, cache)
    # Against the commit the build started from, the edit is not committed yet: "now".
    assert times.cards["scaling-transfer-learning"] == clock.now
