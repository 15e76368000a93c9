"""Regenerate the README screenshots in docs/ from the shipped corpus.

    python tools/screenshots.py [--cards DIR] [--card ID] [--out docs]

Builds the deck, imports it into a fresh collection with the real Anki backend (the `anki` package),
and photographs the answer side of one card with code -- the HTML Anki renders, in a 360 px wide
phone view (<body class="card">, plus `nightMode night_mode` for the dark shot) -- and the --html
preview page. Needs the test dependencies, Debian's chromium and a CJK font (fonts-noto-cjk),
else the Chinese shows as boxes. Writes docs/card-light.png, docs/card-dark.png, docs/preview.png.
"""
from __future__ import annotations

import argparse
import re
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


def pick_card(answers: dict[str, str]) -> str:
    """The shortest card that shows code and a list (else the shortest with code)."""
    bodies = {cid: re.sub(r"<style>.*?</style>", "", html, flags=re.S) for cid, html in answers.items()}
    with_code = [cid for cid, body in bodies.items() if 'class="codehilite"' in body]
    if not with_code:
        raise SystemExit("no card with a code block in this corpus")
    rich = [cid for cid in with_code if "<li>" in bodies[cid]]
    return min(rich or with_code, key=lambda cid: (len(re.sub(r"<[^>]+>", "", bodies[cid])), cid))


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
        if build(["--cards", str(args.cards), "-o", str(apkg), "--html", str(preview)]) != 0:
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

        playwright, browser = launch_browser()
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=SCALE)
            for name, night in (("card-light.png", False), ("card-dark.png", True)):
                page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
                page.set_content(card_page(answers[card_id], night), wait_until="load")
                height = page.evaluate("document.documentElement.scrollHeight")
                page.set_viewport_size({"width": WIDTH, "height": min(height, HEIGHT)})  # no blank tail
                page.screenshot(path=str(args.out / name), full_page=True)
                print(f"wrote {args.out / name} ({card_id}, {WIDTH} px wide{', night' if night else ''})")
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
