"""Shared fixtures: small corpora copied into tmp dirs, optionally as a git checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qadeck.cli import main
from qadeck.render import RENDERED_SINCE

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the small fixture corpus (4 cards, 4 topics) that a test may edit."""
    target = tmp_path / "cards"
    shutil.copytree(FIXTURES / "corpus", target)
    return target


class GitCheckout:
    """A throw-away git repo holding a corpus; commits get explicit, increasing dates."""

    def __init__(self, root: Path):
        self.root = root
        self.clock = RENDERED_SINCE + 600  # commits after the renderer's epoch date the notes (and before now)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
               "GIT_AUTHOR_DATE": f"{self.clock} +0000", "GIT_COMMITTER_DATE": f"{self.clock} +0000"}
        return subprocess.run(["git", "-C", str(self.root), *args], env=env, check=True,
                               capture_output=True, text=True).stdout

    def commit(self, message: str = "edit") -> int:
        """Commit everything a minute after the previous commit (all before now); returns the commit time."""
        self.clock += 60
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.clock


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch) -> GitCheckout:
    """The fixture corpus in a git checkout (cards/ + templates/), committed once; cwd is the checkout."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(FIXTURES / "corpus", root / "cards")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")  # builds write dist/ and .cache/, as in a user's repo
    repo = GitCheckout(root)
    repo.commit("initial corpus")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return repo


def run_cli(*args: str) -> int:
    return main(list(args))


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (skips, or fails under CI, without a browser)."""
    from browser_support import launch_browser

    playwright, browser = launch_browser()
    yield browser
    browser.close()
    playwright.stop()
