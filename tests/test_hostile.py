"""Hostile and broken input (issue 13): each case ends quickly in exit 2 with `file:line` next to the
corpus's other problems, or in a correct build. Nothing is written, no traceback."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES
from test_loader import cwd, fails_with, write  # noqa: F401 (cwd is a fixture)

HOSTILE = FIXTURES / "hostile"
# Another card file's problem that must still be reported next to each hostile case.
OTHER_PROBLEM = "cards:\n  - id: other\n    question: 问？\n    answer: 答\n    topics: [no-such-topic]\n"


@pytest.fixture
def quick():
    """Each hostile case must finish well under a second of CPU time (CPU, not wall clock: the
    cases this guards against burned minutes of CPU, and a busy machine must not fail the test)."""
    start = time.process_time()
    yield
    assert time.process_time() - start < 1.0


def hostile_run(capsys, corpus: Path, *args: str) -> list[str]:
    write(corpus, "other.yaml", OTHER_PROBLEM)
    lines = fails_with(capsys, "--cards", "cards", *args)
    assert any(line.startswith("error: cards/other.yaml:5: card 'other': unknown topic 'no-such-topic'") for line in lines), lines
    return lines


@pytest.mark.parametrize("fixture, line", [("alias-bomb.yaml", 2), ("alias-key.yaml", 2)])
def test_alias_bomb_is_refused_at_its_line(cwd, corpus, capsys, quick, fixture, line):
    shutil.copy(HOSTILE / fixture, corpus / "bomb.yaml")
    lines = hostile_run(capsys, corpus)
    assert f"error: cards/bomb.yaml:{line}: YAML anchors and aliases (&name, *name) are not allowed in the corpus; write the value out" in lines
    assert all(len(line) < 300 for line in lines)


def test_alias_bomb_in_topics_yaml(cwd, corpus, capsys, quick):
    shutil.copy(HOSTILE / "topics-bomb.yaml", corpus / "topics.yaml")
    lines = fails_with(capsys, "--cards", "cards")
    assert lines[0] == "error: cards/topics.yaml:3: YAML anchors and aliases (&name, *name) are not allowed in the corpus; write the value out"


def test_a_lone_anchor_is_refused_too(cwd, corpus, capsys, quick):
    write(corpus, "anchor.yaml", "cards:\n  - id: a\n    question: &q 问？\n    answer: 答\n    topics: [training]\n")
    assert "error: cards/anchor.yaml:3: YAML anchors and aliases (&name, *name) are not allowed in the corpus; write the value out" \
        in hostile_run(capsys, corpus)


@pytest.mark.parametrize("depth", [40, 400, 100_000])
def test_deep_flow_nesting(cwd, corpus, capsys, quick, depth):
    write(corpus, "deep.yaml", "cards:\n  - id: deep\n    question: 问？\n    answer: 答\n    topics: "
          + "[" * depth + "]" * depth + "\n")
    assert "error: cards/deep.yaml:5: nested more than 32 levels deep" in hostile_run(capsys, corpus)


def test_deep_fixture_and_block_nesting(cwd, corpus, capsys, quick):
    shutil.copy(HOSTILE / "deep.yaml", corpus / "deep.yaml")
    write(corpus, "block.yaml", "cards:\n" + "".join("  " * i + "- \n" for i in range(1, 400)))
    write(corpus, "dashes.yaml", "- " * 50_000 + "x\n")
    lines = hostile_run(capsys, corpus)
    assert "error: cards/deep.yaml:5: nested more than 32 levels deep" in lines
    assert "error: cards/block.yaml:33: nested more than 32 levels deep" in lines
    assert "error: cards/dashes.yaml:1: nested more than 32 levels deep" in lines


def test_unbounded_values_are_not_quoted_whole(cwd, corpus, capsys, quick):
    long_id = "x" * 200_000
    write(corpus, "long.yaml", f"cards:\n  - id: [{', '.join(['v'] * 20_000)}]\n    question: 问？\n    answer: 答\n"
                               f"    topics: [training]\n  - id: '{long_id}'\n    question: 问？\n    answer: 答\n"
                               f"    topics: [training, {long_id}]\n    tags: ['{long_id} x']\n")
    lines = hostile_run(capsys, corpus)
    assert "error: cards/long.yaml:2: card #1: id must be text, not a list" in lines
    assert len(lines) == 5, lines
    assert all(len(line) < 400 for line in lines), max(map(len, lines))


def test_long_names_in_topics_yaml_are_not_quoted_whole(cwd, corpus, capsys, quick):
    long = "x" * 100_000
    write(corpus, "topics.yaml", f"deck: D\nlang: {long}\ntopics:\n  training: {{name: 'A::{long}'}}\n  ? {long}\n  : {{name: B}}\n")
    write(corpus, "other.yaml", f"cards:\n  - id: a\n    question: 问？\n    answer: 答\n    topics: [training]\n"
                                f"    distinct_from: [{long}]\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert len(lines) >= 4 and all(len(line) < 300 for line in lines), [line[:100] for line in lines]


def test_file_size_limit(cwd, corpus, capsys, quick):
    write(corpus, "huge.yaml", "cards: []\n" + "#" * (8 * 1024 * 1024) + "\n")
    assert "error: cards/huge.yaml: file is 8192 KiB; the limit is 8 MiB" in hostile_run(capsys, corpus)


# --- files that are not regular files ----------------------------------------------------------


def test_files_that_cannot_be_read(cwd, corpus, capsys, quick, tmp_path):
    os.mkfifo(corpus / "pipe.yaml")
    (corpus / "folder.yaml").mkdir()
    (corpus / "dangling.yaml").symlink_to(corpus / "nowhere.yaml")
    (corpus / "loop.yaml").symlink_to(corpus / "loop.yaml")
    outside = tmp_path / "outside.yaml"
    outside.write_text("cards: []\n", encoding="utf-8")
    (corpus / "escape.yaml").symlink_to(outside)
    lines = hostile_run(capsys, corpus)
    assert "error: cards/pipe.yaml: is not a regular file (a pipe, socket or device); qadeck reads only files" in lines
    assert "error: cards/folder.yaml: is a folder, not a YAML file" in lines
    assert "error: cards/dangling.yaml: is a symbolic link to a file that does not exist" in lines
    assert "error: cards/loop.yaml: is a symbolic link loop" in lines
    assert "error: cards/escape.yaml: is a symbolic link out of the corpus folder; copy the file in instead" in lines


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(cwd, corpus, capsys, quick):
    write(corpus, "secret.yaml", "cards: []\n")
    (corpus / "secret.yaml").chmod(0)
    assert "error: cards/secret.yaml: cannot be read: Permission denied" in hostile_run(capsys, corpus)


def test_topics_yaml_as_a_pipe(cwd, corpus, capsys, quick):
    (corpus / "topics.yaml").unlink()
    os.mkfifo(corpus / "topics.yaml")
    assert fails_with(capsys, "--cards", "cards")[0] == \
        "error: cards/topics.yaml: is not a regular file (a pipe, socket or device); qadeck reads only files"


def test_templates_that_are_pipes(cwd, corpus, capsys, quick):
    shutil.copytree(Path(__file__).parent.parent / "templates", cwd / "templates")
    for name in ("front.html", "pygments.yaml"):
        (cwd / "templates" / name).unlink()
        os.mkfifo(cwd / "templates" / name)
    lines = hostile_run(capsys, corpus, "--templates", "templates")
    for name in ("front.html", "pygments.yaml"):
        assert f"error: templates/{name}: is not a regular file (a pipe, socket or device); qadeck reads only files" in lines


def test_a_link_inside_the_corpus_is_read(cwd, corpus, capsys):
    from conftest import run_cli
    (corpus / "deploy.yaml").rename(corpus / "deploy.txt")
    (corpus / "deploy.yaml").symlink_to("deploy.txt")
    assert run_cli("--cards", "cards", "--check") == 0


# --- ids, slugs and names Anki would merge --------------------------------------------------------


def test_ids_and_slugs_may_not_end_in_a_newline(cwd, corpus, capsys, quick):
    write(corpus, "nl.yaml", 'cards:\n  - id: "a\\n"\n    question: 问？\n    answer: 答\n    topics: [training]\n')
    topics = (corpus / "topics.yaml").read_text(encoding="utf-8")
    write(corpus, "topics.yaml", re.sub(r"(?m)^slug: .*$", 'slug: "deck\\n"', topics))
    lines = hostile_run(capsys, corpus)
    assert "error: cards/nl.yaml:2: card #1: id 'a\\n' must start with a-z or 0-9 and use only lowercase a-z, 0-9 and '-'" in lines
    assert "error: cards/topics.yaml:2: 'slug' must be ASCII: lowercase letters, digits and '-' (at most 100)" in lines


def test_topic_names_anki_would_merge(cwd, corpus, capsys, quick):
    write(corpus, "topics.yaml", "deck: Deck\ntopics:\n  training: {name: Caf\u00e9}\n  compression: {name: Cafe\u0301}\n"
                                 '  hardware: {name: T2}\n  security: {name: "T\\n2"}\n  deployment: {name: "A  B"}\n'
                                 "  scaling: {name: a b}\n")
    lines = fails_with(capsys, "--cards", "cards")
    assert "error: cards/topics.yaml:4: topic 'compression' has the same subdeck name as topic 'training' " \
           "('Cafe\u0301'; Anki ignores case, Unicode form and spacing)" in lines
    assert "error: cards/topics.yaml:6: topic 'security': name contains a line break or control character" in lines
    assert "error: cards/topics.yaml:8: topic 'scaling' has the same subdeck name as topic 'deployment' " \
           "('a b'; Anki ignores case, Unicode form and spacing)" in lines


def test_deck_name_with_a_line_break(cwd, corpus, capsys, quick):
    topics = (corpus / "topics.yaml").read_text(encoding="utf-8").splitlines()
    write(corpus, "topics.yaml", "\n".join(['deck: "AI\\nDeck"'] + [l for l in topics if not l.startswith("deck:")]) + "\n")
    assert any(l.startswith("error: cards/topics.yaml:1: 'deck' has an empty part around '::', a line break") for l in
               fails_with(capsys, "--cards", "cards"))


# --- Markdown the renderer cannot take in bounded time ----------------------------------------------


@pytest.mark.parametrize("key, text, problem", [
    ("answer", "[" * 16_000, "has too many unclosed or nested '[' or '(' for the Markdown renderer; close them or escape them as \\["),
    ("answer", "[a](" * 4_000, "has too many unclosed or nested '[' or '(' for the Markdown renderer; close them or escape them as \\["),
    ("question", "- " * 3_000 + "x", "nests lists or quotes more than 16 levels deep"),
    ("explanation", "\n".join("    " * i + "- a" for i in range(40)), "nests lists or quotes more than 16 levels deep"),
    ("explanation", "\n".join(">" * i + " a" for i in range(40)), "nests lists or quotes more than 16 levels deep"),
    ("answer", "字" * 20_001, "is 20,001 characters long; the limit is 20,000 (split the card)"),
])
def test_markdown_the_renderer_cannot_take(cwd, corpus, capsys, quick, key, text, problem):
    import json
    fields = {"question": "问？", "answer": "答", "explanation": ""}
    fields[key] = text
    body = "".join(f"    {k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in fields.items())
    write(corpus, "md.yaml", f"cards:\n  - id: md\n{body}    topics: [training]\n")
    line = 3 + list(fields).index(key)
    assert f"error: cards/md.yaml:{line}: card 'md': '{key}' {problem}" in hostile_run(capsys, corpus)


def test_brackets_and_lists_in_code_and_ordinary_markdown_build(cwd, corpus, capsys):
    from conftest import run_cli
    code = "\n".join("    " * (i % 20) + f"x{i} = [[{i}], (" for i in range(300))
    answer = "见 [链接](https://example.org)，`a[0]`。\n\n```text\n" + code + "\n```\n\n" + "- 项\n" * 200
    import json
    write(corpus, "fine.yaml", f"cards:\n  - id: fine\n    question: 问题？\n    answer: {json.dumps(answer, ensure_ascii=False)}\n"
                               "    topics: [training]\n")
    assert run_cli("--cards", "cards", "--check") == 0, capsys.readouterr().err


# --- outputs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["-o", "cards/topics.yaml"], "cards/topics.yaml is inside the corpus folder cards; qadeck never writes there"),
    (["-o", "cards/new.apkg"], "cards/new.apkg is inside the corpus folder cards; qadeck never writes there"),
    (["--html", "templates/x.html"], "templates/x.html is inside the templates folder templates; qadeck never writes there"),
    (["-o", "same", "--html", "./same"], "the package and the --html preview would both be written to same; give two paths"),
    (["-o", "notes.txt"], "notes.txt exists and is not an Anki package; qadeck does not overwrite it (delete it or give another path)"),
    (["--html", "notes.txt"], "notes.txt exists and is not a qadeck preview; qadeck does not overwrite it (delete it or give another path)"),
    (["--tags", ""], "--tags '' names no tag; give at least one, e.g. --tags hardware (or leave --tags out)"),
    (["--tags", ",,,"], "--tags ',,,' names no tag; give at least one, e.g. --tags hardware (or leave --tags out)"),
])
def test_outputs_that_are_refused(cwd, corpus, capsys, quick, args, message):
    shutil.copytree(Path(__file__).parent.parent / "templates", cwd / "templates")
    (cwd / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in [*corpus.iterdir(), cwd / "notes.txt"]}
    assert fails_with(capsys, "--cards", "cards", "--templates", "templates", *args) == [f"error: {message}"]
    assert {p: p.read_bytes() for p in [*corpus.iterdir(), cwd / "notes.txt"]} == before
    assert not (cwd / "same").exists() and not (cwd / "templates" / "x.html").exists()


def test_a_package_and_preview_qadeck_wrote_are_replaced(cwd, corpus, capsys):
    from conftest import run_cli
    for _ in range(2):
        assert run_cli("--cards", "cards", "-o", "out/deck.bin", "--html", "out/page.htm") == 0, capsys.readouterr().err


@pytest.mark.parametrize("value, code", [("0", 2), ("946684799", 2), ("99999999999999", 2), ("١٢٣", 2), ("946684800", 0)])
def test_source_date_epoch_floor(cwd, corpus, capsys, monkeypatch, tmp_path, value, code):
    from anki_helpers import fresh_import
    from conftest import run_cli
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert run_cli("--cards", "cards", "-o", "deck.apkg") == code
    err = capsys.readouterr().err
    if code:
        assert err.startswith("error: SOURCE_DATE_EPOCH"), err
        return
    col, log = fresh_import(tmp_path, cwd / "deck.apkg")  # Anki takes a deck dated at the floor
    try:
        assert (log.new, log.missing_notetype) == (4, 0)
    finally:
        col.close()


# --- interrupts ----------------------------------------------------------------------------------

# Runs a real build in a child process that pauses inside the package write (after its temp file
# exists), so a signal is sure to land mid-write.
_PAUSED_BUILD = """
import sys, time
from pathlib import Path
import qadeck.pipeline as pipeline
real = pipeline.write_apkg
def paused(plan, tmp):
    real(plan, tmp)
    Path("writing").write_text(str(tmp))
    time.sleep(60)
pipeline.write_apkg = paused
from qadeck.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _paused_build(cwd: Path):
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", _PAUSED_BUILD, "--cards", "cards", "--no-cache"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (cwd / "writing").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    temp = Path((cwd / "writing").read_text())
    assert temp.exists() and temp.parent == cwd / "dist"
    return proc, temp


def test_sigterm_during_the_write_leaves_nothing(cwd, corpus):
    import signal
    proc, temp = _paused_build(cwd)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.strip() == "terminated; nothing written.", err
    assert list((cwd / "dist").iterdir()) == []


def test_temp_file_of_a_killed_build_is_swept_by_the_next(cwd, corpus, capsys):
    import signal
    from conftest import run_cli
    proc, temp = _paused_build(cwd)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert temp.exists()
    dist = cwd / "dist"
    (dist / ".keep.tmp").write_text("not ours", encoding="utf-8")
    live = dist / f".ai-interview.apkg.{os.getppid()}.abcd1234.tmp"  # a live process may still be writing it
    live.write_text("", encoding="utf-8")
    old = dist / ".ai-interview.apkg.abcd1234.tmp"  # no pid, an hour old: left over
    old.write_text("", encoding="utf-8")
    os.utime(old, (time.time() - 3700, time.time() - 3700))
    assert run_cli("--cards", "cards") == 0, capsys.readouterr().err
    assert sorted(p.name for p in dist.iterdir()) == sorted([".keep.tmp", live.name, "ai-interview.apkg"])


# --- git history and environment -------------------------------------------------------------------


def test_unreadable_past_versions_cost_only_exact_times(checkout, tmp_path, capsys, quick):
    from conftest import run_cli
    from test_history import note_mods
    first = checkout.clock
    cards = checkout.root / "cards"
    good = (cards / "deploy.yaml").read_bytes()
    shutil.copy(HOSTILE / "alias-bomb.yaml", cards / "bomb.yaml")
    (cards / "deploy.yaml").write_text("cards: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    broken_at = checkout.commit("a bomb and a deep file")
    (cards / "bomb.yaml").unlink()
    (cards / "deploy.yaml").write_bytes(good)
    restored_at = checkout.commit("both gone again")
    assert run_cli("--cards", "cards", "--templates", "templates", "-o", "deck.apkg") == 0
    warnings = [l for l in capsys.readouterr().err.splitlines() if l.startswith("warning: ")]
    sha = checkout.git("rev-parse", "HEAD~1").strip()[:10]
    assert sorted(warnings) == [
        f"warning: cards/bomb.yaml: the version in commit {sha} cannot be read (YAML anchors and aliases (&name, *name) "
        "are not allowed in the corpus; write the value out); its cards are dated by later commits",
        f"warning: cards/deploy.yaml: the version in commit {sha} cannot be read (nested more than 32 levels deep); "
        "its cards are dated by later commits"]
    mods = note_mods(Path("deck.apkg"), tmp_path)
    deploy_ids = {l.split(":", 1)[1].strip() for l in good.decode().splitlines() if l.strip().startswith("- id:")}
    assert {mods[i] for i in deploy_ids} == {restored_at}  # lost their exact time, nothing worse
    assert {m for i, m in mods.items() if i not in deploy_ids} == {first}
    assert broken_at < restored_at


def test_repository_owned_by_another_user(checkout, capsys, monkeypatch, quick):
    from conftest import run_cli
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")  # git's own switch for this very check
    lines = fails_with(capsys, "--cards", "cards", "--templates", "templates")
    root = checkout.root.resolve()
    assert lines == [f"error: git refuses to read {root}: another user owns it, so the cards' modification times cannot "
                     f"be read from its history; if you trust it, run: git config --global --add safe.directory {root}"]
    assert fails_with(capsys, "--cards", "cards", "--check") == lines  # the check reads history too (changes, ledger)
    # The suggested fix works (given here as git's environment form of command-line config).
    for key, value in {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": str(root)}.items():
        monkeypatch.setenv(key, value)
    assert run_cli("--cards", "cards", "--templates", "templates") == 0


# --- the importer ----------------------------------------------------------------------------------


@pytest.fixture
def articles(tmp_path: Path, monkeypatch) -> Path:
    """cwd with the importer's fixture corpus in cards/."""
    shutil.copytree(FIXTURES / "articles" / "corpus", tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def import_fails(capsys, *args: str) -> list[str]:
    from conftest import run_cli
    before = sorted(Path("cards").iterdir())
    assert run_cli("import", *args, "--cards", "cards") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and sorted(Path("cards").iterdir()) == before
    return [line for line in err.splitlines() if line.startswith("error: ")]


def test_import_heading_pattern_is_linear(articles, capsys, quick):
    from conftest import run_cli
    shutil.copy(HOSTILE / "heading-spaces.md", "article.md")
    Path("long-line.md").write_text("### 1. 什么是量化？\n\n**答案：** 降低精度。\n\n# " + " " * 4000 + "x#\n", encoding="utf-8")
    assert run_cli("import", "article.md", "long-line.md", "-o", "out.yaml", "--cards", "cards") == 0, capsys.readouterr().err


def test_import_merges_many_repeats_in_linear_time(quick):
    from qadeck.article import parse_article
    article = "".join(f"### 1. 什么是量化？\n\n- 要点 {i}\n\n" for i in range(4000))
    cards = parse_article(article, Path("repeats.md")).cards
    assert len(cards) == 1 and cards[0].answer.splitlines() == [f"- 要点 {i}" for i in range(4000)]


def test_import_matches_many_detail_sections_quickly(quick):
    from qadeck.article import parse_article
    titles = [f"{chr(0x4E00 + 7 * i)}{chr(0x5000 + 3 * i)}是什么？" for i in range(2000)]
    questions = "".join(f"### {i}. {t}\n\n答{i}。\n\n" for i, t in enumerate(titles, 1))
    details = "## 答案解析\n\n" + "".join(f"### {i}. {t}\n\n**解析：** 细节{i}。\n\n" for i, t in enumerate(titles, 1))
    cards = parse_article(questions + details, Path("big.md")).cards
    assert len(cards) == 2000 and cards[-1].explanation == "细节2000。"


def test_import_rejects_control_characters(articles, capsys, quick):
    shutil.copy(HOSTILE / "control.md", "control.md")
    Path("fine.md").write_text("### 1. 什么是剪枝？\n\n**答案：** 去掉权重。\n", encoding="utf-8")
    os.mkfifo("pipe.md")
    assert import_fails(capsys, "control.md", "fine.md", "pipe.md") == [
        "error: control.md:3: the article contains the control character U+0007; remove it",
        "error: pipe.md: is not a regular file (a pipe, socket or device); qadeck reads only files"]


def test_import_into_a_folder_is_a_usage_error(articles, capsys, quick):
    Path("fine.md").write_text("### 1. 什么是剪枝？\n\n**答案：** 去掉权重。\n", encoding="utf-8")
    Path("out").mkdir()
    assert import_fails(capsys, "fine.md", "-o", "out", "--force") == [
        "error: out is a folder; give a card file name, e.g. out/imported.yaml"]


@pytest.mark.parametrize("content", [
    (HOSTILE / "topics-bomb.yaml").read_text(encoding="utf-8"),
    "deck: D\ntopics: " + "[" * 100_000 + "]" * 100_000 + "\n",
], ids=["alias-bomb", "deep"])
def test_import_reads_a_hostile_topics_yaml_quickly(articles, capsys, quick, content):
    from conftest import run_cli
    Path("cards/topics.yaml").write_text(content, encoding="utf-8")
    Path("cards/existing.yaml").write_text(content, encoding="utf-8")
    Path("fine.md").write_text("### 1. 什么是剪枝？\n\n**答案：** 去掉权重。\n", encoding="utf-8")
    assert run_cli("import", "fine.md", "-o", "cards/existing.yaml", "--force", "--cards", "cards") == 0
    warnings = capsys.readouterr().err
    assert "warning: cards/topics.yaml:" in warnings and "cannot be read (" in warnings


def test_text_that_renders_to_nothing(cwd, corpus, capsys, quick):
    write(corpus, "blank.yaml", "cards:\n  - id: blank\n    question: '[x]: https://example.org'\n"
                                "    answer: '<span title=\"t\"></span>&nbsp;'\n    explanation: '---'\n    topics: [training]\n"
                                "  - id: fine\n    question: '![图](https://example.org/x.png)'\n    answer: '&#65;'\n    topics: [training]\n")
    lines = hostile_run(capsys, corpus)
    blank = "shows nothing on the card (only link definitions, empty tags or spaces)"
    assert [l for l in lines if "blank.yaml" in l] == [f"error: cards/blank.yaml:3: card 'blank': 'question' {blank}",
                                                       f"error: cards/blank.yaml:4: card 'blank': 'answer' {blank}",
                                                       f"error: cards/blank.yaml:5: card 'blank': 'explanation' {blank}"]


def test_a_corpus_at_the_project_root_builds_into_dist(cwd, corpus, capsys, monkeypatch):
    from conftest import run_cli
    monkeypatch.chdir(corpus)
    assert run_cli("--cards", ".", "--templates", str(Path(__file__).parent.parent / "templates")) == 0, capsys.readouterr().err
    assert (corpus / "dist" / "ai-interview.apkg").is_file()
