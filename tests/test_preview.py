"""``build.py --html FILE``: a self-contained preview page of the selected cards, rendered with the
note type's own templates and CSS (checked against what the real Anki backend renders), with
search, a topic filter and a light/night switch (driven in a real browser)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from anki_helpers import fresh_import, import_for_rendering, open_collection
from conftest import run_cli
from qadeck.notetype import load_note_type
from qadeck.preview import TemplateError, field_is_empty, render_template

STYLE = re.compile(r"^<style>.*?</style>", re.S)
FIXTURE_IDS = {"compression-methods", "security-privacy", "scaling-compute-efficiency", "scaling-transfer-learning"}


def build(corpus: Path, tmp_path: Path, *args: str) -> tuple[str, Path]:
    page, apkg = tmp_path / "preview.html", tmp_path / "deck.apkg"
    assert run_cli("--cards", str(corpus), "-o", str(apkg), "--html", str(page), *args) == 0
    return page.read_text(encoding="utf-8"), apkg


# --- the template renderer -----------------------------------------------------------------------

def test_template_fields_sections_and_frontside():
    fields = {"A": "<b>x</b>", "B": "", "C": " <br> "}
    assert render_template("[{{A}}|{{ A }}]", fields) == "[<b>x</b>|<b>x</b>]"
    assert render_template("{{#A}}yes{{/A}}{{#B}}no{{/B}}{{^B}}empty{{/B}}", fields) == "yesempty"
    assert render_template("{{#C}}shown{{/C}}{{^C}}blank{{/C}}", fields) == "blank"  # <br> only = empty
    assert render_template("{{#A}}{{#B}}in{{/B}}{{^B}}{{A}}{{/B}}{{/A}}", fields) == "<b>x</b>"
    assert render_template("{{FrontSide}}<hr id=answer>{{A}}", fields, front_side="Q") == "Q<hr id=answer><b>x</b>"
    assert render_template("{{text:A}}", {"A": "<i>a &amp; b</i>"}) == "a &amp; b"
    assert field_is_empty("<div></div>\n") and not field_is_empty("<p></p>")


@pytest.mark.parametrize("template", ["{{Nope}}", "{{#A}}x", "{{#A}}x{{/B}}", "x{{/A}}", "{{FrontSide}}", "{{hint:A}}"])
def test_template_errors(template):
    with pytest.raises(TemplateError):
        render_template(template, {"A": "a", "B": "b"})


# --- the page ------------------------------------------------------------------------------------

def test_page_matches_what_anki_renders(corpus: Path, tmp_path: Path):
    """Every selected card's front and back appear exactly as Anki renders them from the package."""
    page, apkg = build(corpus, tmp_path)
    col, _ = fresh_import(tmp_path, apkg)
    col.close()
    col = open_collection(tmp_path / "collection.anki2")  # import bypasses the note type cache
    try:
        seen = set()
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            card_id = card.note()["Id"]
            seen.add(card_id)
            front, back = STYLE.sub("", card.question()), STYLE.sub("", card.answer())
            article = re.search(rf'<article class="pv-item" id="card-{re.escape(card_id)}".*?</article>', page, re.S)
            assert article, card_id
            assert f'<div class="card pv-face">{front}</div>' in article.group(0), f"{card_id} front differs from Anki"
            assert f'<div class="card pv-face">{back}</div>' in article.group(0), f"{card_id} back differs from Anki"
        assert seen == FIXTURE_IDS
        assert page.count('<article class="pv-item"') == len(FIXTURE_IDS)
    finally:
        col.close()


def test_page_is_self_contained(corpus: Path, tmp_path: Path):
    page, _ = build(corpus, tmp_path)
    assert page.startswith("<!DOCTYPE html>")
    assert load_note_type().css in page  # the note type's CSS, unchanged
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<link\b|<script[^>]+src=|@import|url\(|<iframe|<object|<embed", page, re.I)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page, re.I)
    assert not re.search(r"https?://", page)
    assert page.count("<script>") == 1  # the page's own script; none comes from a card
    for control in ('id="pv-search"', 'id="pv-topic"', 'id="pv-night"', 'id="pv-count"'):
        assert control in page
    for topic in ("训练 Training", "压缩 Compression", "硬件 Hardware", "安全 Security"):
        assert f">{topic}</option>" in page and f"AI 大模型面试题 ::</span> {topic}" in page


def test_page_has_only_the_selected_cards(corpus: Path, tmp_path: Path):
    page, _ = build(corpus, tmp_path, "--tags", "training")
    ids = set(re.findall(r'<article class="pv-item" id="card-([^"]+)"', page))
    assert ids == {"scaling-compute-efficiency", "scaling-transfer-learning"}
    assert "2 / 2" in page


def test_page_escapes_names(corpus: Path, tmp_path: Path):
    topics = corpus / "topics.yaml"
    text = topics.read_text(encoding="utf-8").replace("deck: AI 大模型面试题", 'deck: "AI <img src=x onerror=alert(1)> & co"')
    text = text.replace("name: 安全 Security", 'name: "安全 </option><script>alert(2)</script>"')
    topics.write_text(text, encoding="utf-8")
    page, _ = build(corpus, tmp_path)
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "AI &lt;img src=x onerror=alert(1)&gt; &amp; co" in page
    assert "安全 &lt;/option&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page


# --- in a real browser ---------------------------------------------------------------------------

def test_page_in_a_browser(browser, corpus: Path, tmp_path: Path):
    build(corpus, tmp_path)
    url = (tmp_path / "preview.html").resolve().as_uri()
    page = browser.new_page(viewport={"width": 360, "height": 740})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(url)
        visible = lambda: page.eval_on_selector_all(  # noqa: E731
            ".pv-item", "els => els.filter(e => e.offsetParent !== null).map(e => e.id.slice(5))")
        body_classes = lambda: set(page.evaluate("document.body.className").split())  # noqa: E731
        face_bg = lambda: page.eval_on_selector(".pv-face", "e => getComputedStyle(e).backgroundColor")  # noqa: E731
        code_bg = lambda: page.eval_on_selector(".codehilite", "e => getComputedStyle(e).backgroundColor")  # noqa: E731
        overflow = lambda: page.evaluate("document.documentElement.scrollWidth - innerWidth")  # noqa: E731

        assert set(visible()) == FIXTURE_IDS
        assert page.inner_text("#pv-count") == "4 / 4"
        assert "nightMode" not in body_classes() and face_bg() == "rgb(255, 255, 255)"
        assert code_bg() == "rgb(246, 248, 250)"
        assert overflow() <= 0

        # the light/night switch toggles Anki's own night-mode classes, and the card CSS follows
        page.click("#pv-night")
        assert {"nightMode", "night_mode"} <= body_classes()
        assert page.get_attribute("#pv-night", "aria-pressed") == "true"
        assert face_bg() == "rgb(30, 31, 34)" and code_bg() == "rgb(22, 27, 34)"
        assert page.eval_on_selector(".qa-question", "e => getComputedStyle(e).color") == "rgb(230, 237, 243)"
        assert overflow() <= 0
        page.click("#pv-night")
        assert not {"nightMode", "night_mode"} & body_classes() and face_bg() == "rgb(255, 255, 255)"

        # search: every word must match somewhere in the card (front, back, id, tags)
        page.fill("#pv-search", "迁移学习")
        assert visible() == ["scaling-transfer-learning"]
        assert page.inner_text("#pv-count") == "1 / 4"
        assert page.eval_on_selector_all(".pv-group", "gs => gs.filter(g => !g.hidden).length") == 1
        page.fill("#pv-search", "TENSORFLOW predict")
        assert visible() == ["scaling-compute-efficiency"]
        page.fill("#pv-search", "no-such-words-anywhere")
        assert visible() == [] and page.is_visible("#pv-empty")
        page.fill("#pv-search", "")
        assert set(visible()) == FIXTURE_IDS and not page.is_visible("#pv-empty")

        # topic filter: a card counts for each of its topics, not only its deck's
        page.select_option("#pv-topic", "training")
        assert set(visible()) == {"scaling-compute-efficiency", "scaling-transfer-learning"}
        page.fill("#pv-search", "MobileNet")
        assert visible() == ["scaling-compute-efficiency"]
        page.select_option("#pv-topic", "security")
        assert visible() == []
        page.select_option("#pv-topic", "")
        page.fill("#pv-search", "")
        assert page.inner_text("#pv-count") == "4 / 4"

        assert requests == [url], f"the page fetched more than itself: {requests}"
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.parametrize("width", [360, 1000])
def test_linked_card_is_not_hidden_under_the_header(browser, corpus: Path, tmp_path: Path, width):
    page_html, _ = build(corpus, tmp_path)
    assert '<html lang="zh-Hans">' in page_html
    url = (tmp_path / "preview.html").resolve().as_uri()
    page = browser.new_page(viewport={"width": width, "height": 640})
    try:
        for card_id in ("security-privacy", "scaling-transfer-learning"):
            page.goto("about:blank")
            page.goto(f"{url}#card-{card_id}")
            header = page.eval_on_selector(".pv-header", "e => e.getBoundingClientRect().bottom")
            top = page.eval_on_selector(f"#card-{card_id}", "e => e.getBoundingClientRect().top")
            scrolled, at_end = page.evaluate("[scrollY, scrollY + innerHeight >= document.documentElement.scrollHeight - 1]")
            assert scrolled > 0, "the page did not scroll to the card"
            assert top >= header, f"{card_id}: card top {top} is under the header (bottom {header})"
            assert top <= header + 24 or at_end, f"{card_id}: card top {top} far below the header ({header})"
    finally:
        page.close()


def test_cloze_cards_match_what_anki_renders(corpus: Path, tmp_path: Path):
    """Each card of a cloze note is its own item: the front with its blank, the back filled in."""
    import shutil

    from conftest import FIXTURES

    shutil.copy(FIXTURES / "cloze" / "cloze.yaml", corpus / "cloze.yaml")
    page, apkg = build(corpus, tmp_path)
    col, _ = import_for_rendering(tmp_path, apkg)
    try:
        checked = 0
        for cid in col.find_cards('"note:qadeck Cloze"'):
            card = col.get_card(cid)
            anchor = f'{card.note()["Id"]}-c{card.ord + 1}'
            article = re.search(rf'<article class="pv-item" id="card-{re.escape(anchor)}".*?</article>', page, re.S)
            assert article, anchor
            front, back = STYLE.sub("", card.question()), STYLE.sub("", card.answer())
            assert "[...]" in front or "[大 O]" in front
            assert f'<div class="card pv-face">{front}</div>' in article.group(0), f"{anchor} front differs from Anki"
            assert f'<div class="card pv-face">{back}</div>' in article.group(0), f"{anchor} back differs from Anki"
            checked += 1
        assert checked == 6
        for nid in col.find_notes('"note:qadeck Cloze"'):  # #card-ID links to a cloze note's first card
            assert page.count(f'id="card-{col.get_note(nid)["Id"]}"') == 1
        assert page.count('<article class="pv-item"') == len(FIXTURE_IDS) + 6
        assert f"{len(FIXTURE_IDS) + 6} / {len(FIXTURE_IDS) + 6}" in page
    finally:
        col.close()
