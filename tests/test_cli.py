"""The command line as a user meets it: names in --help, init, and the hint after an import."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT, run_cli
from qadeck.cli import main, program_name


def help_text(*args: str) -> str:
    done = subprocess.run([sys.executable, *args, "--help"], capture_output=True, text=True, cwd=ROOT, check=True)
    return done.stdout


def test_help_names_the_program_the_user_ran():
    assert help_text("build.py").startswith("usage: build.py")
    module = help_text("-m", "qadeck")
    assert module.startswith("usage: qadeck") and "build.py" not in module
    for command in ("build", "lint", "import", "serve", "init", "push"):
        assert f"  {command} " in module
    assert program_name("/usr/local/bin/qadeck") == "qadeck" and program_name("build.py") == "build.py"


def test_build_subcommand_and_no_subcommand_are_the_same_build(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("build", "--cards", str(corpus), "-o", "a.apkg") == 0
    assert run_cli("--cards", str(corpus), "-o", "b.apkg") == 0
    assert Path("a.apkg").read_bytes() == Path("b.apkg").read_bytes()


def test_init_scaffolds_a_project_that_builds_and_never_overwrites(tmp_path, monkeypatch, capsys):
    project = tmp_path / "deck"
    assert run_cli("init", str(project), "--deck", "测试 Deck") == 0
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == [
        ".gitignore", "README.md", "cards/example.yaml", "cards/topics.yaml"]
    (project / "cards/example.yaml").write_text("cards: []\n# mine\n", encoding="utf-8")
    capsys.readouterr()
    assert run_cli("init", str(project)) == 0
    out = capsys.readouterr().out
    assert out.count("kept ") == 4 and "wrote " not in out
    assert (project / "cards/example.yaml").read_text(encoding="utf-8") == "cards: []\n# mine\n"
    (project / "cards/example.yaml").unlink()
    assert run_cli("init", str(project)) == 0
    monkeypatch.chdir(project)
    assert run_cli("build") == 0
    assert list(Path("dist").glob("*.apkg"))


def test_init_hint_is_a_command_that_builds_the_new_project(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "deck"], prog="build.py") == 0
    assert capsys.readouterr().out.splitlines()[-1] == \
        "next: cd deck && python ../build.py build   (or: python ../build.py serve, to preview while you write)"
    assert main(["init", "my deck"], prog="qadeck") == 0
    assert capsys.readouterr().out.splitlines()[-1] == \
        "next: cd 'my deck' && qadeck build   (or: qadeck serve, to preview while you write)"
    monkeypatch.chdir(tmp_path / "deck")
    assert main(["init"], prog="build.py") == 0
    assert capsys.readouterr().out.splitlines()[-1] == \
        "next: python build.py build   (or: python build.py serve, to preview while you write)"


def test_import_hint_is_a_command_that_checks_what_was_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards/topics.yaml").write_text((FIXTURES / "corpus/topics.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    article = FIXTURES / "articles/labelled.md"
    assert run_cli("import", str(article), "-o", "cards/new.yaml") == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("then run: qadeck --check")  # pytest is not build.py
    (tmp_path / "cards/new.yaml").unlink()  # else every question is already in the corpus: nothing to import
    assert run_cli("import", str(article), "-o", "elsewhere.yaml") == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.endswith("then run: mv elsewhere.yaml cards/ && qadeck --check")


def test_problems_come_sorted_by_file_and_line_and_topics_problems_never_crash(tmp_path, monkeypatch, capsys):
    """A broken topics.yaml beside a cloze card is reported, not an internal error; output is in file order."""
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "topics.yaml").write_text("deck: X\n", encoding="utf-8")
    (cards / "a.yaml").write_text("cards:\n  - id: b\n    question: 问？\n    cloze: 'x {{c1::y}}'\n    topics: [t]\n"
                                  "  - id: a\n    question: 另一问？\n    answer: 答。\n    topics: [t]\n    colour: red\n",
                                  encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run_cli("--cards", "cards", "--check") == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    located = [line for line in err.splitlines() if line.startswith("error: cards/")]
    assert located and located == sorted(located, key=lambda l: (l.split(":")[1].strip(), int(l.split(":")[2])))
    assert any("cards/topics.yaml:1:" in line for line in located)
