"""``serve``: a real server process, a real Chromium page, edits picked up live, errors shown, Ctrl-C."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

EDIT_FROM, EDIT_TO = "如何优化深度学习模型的计算效率？", "如何把深度学习模型算得更快？"


def wait_for(predicate, timeout: float = 20.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s")


def shows(page, text: str) -> bool:
    """Whether the page shows ``text`` now; a page in the middle of its own reload shows nothing yet."""
    try:
        return text in page.content()
    except Exception as exc:  # playwright: "the page is navigating and changing the content"
        if "navigating" in str(exc):
            return False
        raise


def test_serve_rebuilds_on_edit_shows_errors_and_stops_cleanly(corpus, browser):
    project = corpus.parent
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--cards", "cards"],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line).group(1)
        page = browser.new_page()
        page.goto(url)
        wait_for(lambda: shows(page, EDIT_FROM))

        card_file = corpus / "scaling.yaml"
        text = card_file.read_text(encoding="utf-8")
        card_file.write_text(text.replace(EDIT_FROM, EDIT_TO), encoding="utf-8")
        wait_for(lambda: shows(page, EDIT_TO))  # the page reloaded itself

        card_file.write_text(text.replace("    topics: [training]", "    topics: [trainign]"), encoding="utf-8")
        wait_for(lambda: shows(page, "problem(s)"))
        problems = page.locator("ul.problems li").all_inner_texts()
        assert any(re.match(r"cards/scaling\.yaml:\d+: card '[a-z-]+': unknown topic 'trainign'", p) for p in problems), problems
        assert proc.poll() is None  # still serving

        card_file.write_text(text, encoding="utf-8")
        wait_for(lambda: shows(page, EDIT_FROM))
        assert not (corpus / "ledger.yaml").exists()  # a preview writes nothing into the corpus
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, out
    assert "stopped." in out and "Traceback" not in out


__all__ = ["Path"]
