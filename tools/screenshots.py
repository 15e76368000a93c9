"""Regenerate the README screenshots in docs/ from the shipped corpus.

    python tools/screenshots.py [--cards DIR] [--card ID] [--out docs]

Builds the deck, imports it into a fresh collection with the real Anki backend (the `anki` package),
and photographs the answer side of a card with code and of a card with a table -- the HTML Anki
renders, in a 360 px wide phone view (<body class="card">, plus `nightMode night_mode` for the
dark shots) -- and the --html preview page. When the corpus has no table, the table card of
tests/fixtures/phone/ is added to a copy of it. Needs the test dependencies, Debian's chromium and
a CJK font (fonts-noto-cjk), else the Chinese shows as boxes. Writes docs/card-light.png,
docs/card-dark.png (code), docs/table-light.png, docs/table-dark.png and docs/preview.png.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from anki_helpers import fresh_import, open_collection  # noqa: E402
from browser_support import card_page, launch_browser  # noqa: E402
from qadeck.cli import main as build  # noqa: E402

WIDTH, HEIGHT, SCALE = 360, 740, 2
PHONE_FIXTURES = ROOT / "tests" / "fixtures" / "phone"
WRAPPING_LINE = 40  # characters: a code line this long wraps on a 360 px phone


def _bodies(answers: dict[str, str]) -> dict[str, str]:
    return {cid: re.sub(r"<style>.*?</style>", "", html, flags=re.S) for cid, html in answers.items()}


def _text_length(body: str) -> int:
    return len(re.sub(r"<[^>]+>", "", body))


def pick_card(answers: dict[str, str]) -> str:
    """The shortest card whose code has a line that wraps on a phone, preferring one with a list
    too (else the shortest with code)."""
    bodies = _bodies(answers)
    with_code = [cid for cid, body in bodies.items() if 'class="codehilite"' in body]
    if not with_code:
        raise SystemExit("no card with a code block in this corpus")

    def wraps(cid: str) -> bool:
        lines = re.findall(r'<span class="qa-line[^"]*">(.*?)</span>\n?(?=<span class="qa-line|</code>)', bodies[cid], re.S)
        return any(len(re.sub(r"<[^>]+>", "", line).rstrip()) >= WRAPPING_LINE for line in lines)

    wrapping = [cid for cid in with_code if wraps(cid)] or with_code
    rich = [cid for cid in wrapping if "<li>" in bodies[cid]]
    return min(rich or wrapping, key=lambda cid: (_text_length(bodies[cid]), cid))


def pick_table_card(answers: dict[str, str]) -> str | None:
    """The shortest card with a table, or None."""
    bodies = _bodies(answers)
    tables = [cid for cid, body in bodies.items() if 'class="qa-table"' in body]
    return min(tables, key=lambda cid: (_text_length(bodies[cid]), cid)) if tables else None


def _with_table_card(cards: Path, tmp: Path) -> Path:
    """``cards`` itself if a card there has a table, else a copy with the phone fixture's table card."""
    if any(re.search(r"^\s*\|.*\|\s*$", p.read_text(encoding="utf-8"), re.M) for p in cards.glob("*.yaml")):
        return cards
    copy = tmp / "cards"
    shutil.copytree(cards, copy)
    for card_file in PHONE_FIXTURES.glob("*.yaml"):
        shutil.copy(card_file, copy / card_file.name)
    return copy


def shoot(page, html: str, night: bool, path: Path) -> None:
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.set_content(card_page(html, night), wait_until="load")
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(height, HEIGHT)})  # no blank tail
    page.screenshot(path=str(path), full_page=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=Path, default=ROOT / "cards")
    parser.add_argument("--card", help="card id to photograph (default: a short card with code)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)

    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if not fonts.strip():
        print("warning: no CJK font installed (apt-get install fonts-noto-cjk); Chinese will be boxes",
              file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qadeck-shots-") as tmp:
        tmp = Path(tmp)
        apkg, preview = tmp / "deck.apkg", tmp / "preview.html"
        cards = _with_table_card(args.cards, tmp)
        if build(["--cards", str(cards), "-o", str(apkg)]) != 0:
            return 1
        # The preview shows the corpus as it is (without a borrowed table card).
        if build(["--cards", str(args.cards), "-o", str(tmp / "preview.apkg"), "--html", str(preview)]) != 0:
            return 1
        col, _ = fresh_import(tmp, apkg)
        col.close()
        col = open_collection(tmp / "collection.anki2")  # the import bypasses the note type cache
        try:
            answers = {}
            for cid in col.find_cards(""):
                card = col.get_card(cid)
                answers[card.note()["Id"]] = card.answer()
        finally:
            col.close()
        card_id = args.card or pick_card(answers)
        if card_id not in answers:
            raise SystemExit(f"no card {card_id!r} in {args.cards}")
        table_id = pick_table_card(answers)
        shots = [("card", card_id)] + ([("table", table_id)] if table_id else [])

        playwright, browser = launch_browser()
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=SCALE)
            for prefix, shown in shots:
                for name, night in ((f"{prefix}-light.png", False), (f"{prefix}-dark.png", True)):
                    shoot(page, answers[shown], night, args.out / name)
                    print(f"wrote {args.out / name} ({shown}, {WIDTH} px wide{', night' if night else ''})")
            page.close()
            page = browser.new_page(viewport={"width": 1000, "height": 760}, device_scale_factor=1)
            page.goto(preview.resolve().as_uri())
            page.fill("#pv-search", card_id)
            page.screenshot(path=str(args.out / "preview.png"))
            print(f"wrote {args.out / 'preview.png'} (--html preview, searching {card_id})")
            page.close()
        finally:
            browser.close()
            playwright.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
