"""A real install: wheel + sdist built, the wheel installed into a fresh venv outside the repo,
``qadeck init`` + ``qadeck build`` in an empty folder, and the deck imported into real Anki."""
from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from anki_helpers import fresh_import, notes_by_id
from conftest import ROOT


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_wheel_installs_and_builds_a_new_project_anywhere(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", dist, ROOT, cwd=tmp_path)
    [wheel] = dist.glob("qadeck-*.whl")
    [sdist] = dist.glob("qadeck-*.tar.gz")
    with zipfile.ZipFile(wheel) as z:
        assert {"qadeck/templates/front.html", "qadeck/templates/card.css"} <= set(z.namelist())
    with tarfile.open(sdist) as t:
        assert any(name.endswith("/templates/front.html") for name in t.getnames())

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, cwd=tmp_path)
    qadeck = venv / "bin/qadeck"
    assert "usage: qadeck" in run(qadeck, "--help", cwd=tmp_path).stdout
    assert "build.py" not in run(qadeck, "--help", cwd=tmp_path).stdout

    project = tmp_path / "elsewhere" / "my-cards"
    run(qadeck, "init", project, "--deck", "My Deck", cwd=tmp_path)
    built = run(qadeck, "build", cwd=project)
    assert "wrote dist/my-deck.apkg" in built.stdout
    col, log = fresh_import(tmp_path, project / "dist/my-deck.apkg")
    try:
        notes = notes_by_id(col)
        assert log.new == 2 and set(notes) == {"example-question", "example-list"}
        assert "spaced repetition" in notes["example-question"]["Question"]
    finally:
        col.close()
