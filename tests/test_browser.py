"""The cards on a phone, in a real browser: every card of the shipped corpus, as the real Anki
backend renders it (question and answer HTML with the note type's CSS), wrapped like a mobile
card view, at 360x740 and 412x915, light and night mode: no hidden code (every code line wraps
inside its block), tables that scroll in their own wrapper without splitting a word in a cell,
code at 13 px or more, the deck's ``lang`` on every piece of text, WCAG AA contrast everywhere.

Needs Playwright + a local Chromium (Debian's ``chromium``); skipped with the reason when missing,
a failure under ``CI=true``. One browser per module keeps it quick.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from anki_helpers import fresh_import, open_collection
from browser_support import VIEWPORTS, card_page, contrast_ratio
from conftest import FIXTURES, ROOT, run_cli

SHIPPED = ROOT / "cards"
PHONE_FIXTURES = FIXTURES / "phone"  # card files made for these checks (a wide table)
MIN_FONT_PX = 16
MIN_CODE_FONT_PX = 13
MIN_CONTRAST = 4.5
LANG = "zh-Hans"  # cards/topics.yaml and the fixture corpus both say so

# Cards built to break a phone layout: a long URL and identifier in prose, a long code line,
# a wide table. They go through the same pipeline and Anki import as the shipped corpus.
STRESS_CARDS = textwrap.dedent("""\
    source:
      title: 布局压力测试 https://example.org/a/very/long/path/that/never/breaks/anywhere/at/all/index.html
      origin: stress.txt
    cards:
      - id: stress-long-text
        question: 这个标识符会不会撑破页面 torch_distributed_elastic_multiprocessing_errors_ChildFailedError_handler？
        answer: |
          见 https://example.org/docs/deep/learning/frameworks/distributed/training/checkpointing/very-long-page-name.html
          以及 `TensorflowKerasCallbacksReduceLROnPlateauWithWarmupAndCosineDecayScheduler` 和
          **AVeryLongBoldIdentifierWithoutAnySpacesThatMustWrapInsideTheCardInsteadOfOverflowing**。

          | 配置项 | 说明 | 默认值 | 示例 |
          |---|---|---|---|
          | gradient_accumulation_steps_for_large_batch | 梯度累积步数，显存不足时增大 | 1 | per_device_train_batch_size=4 |

          ```python
          result = some_module.some_really_long_function_name(argument_number_one=1, argument_number_two=2, argument_number_three=3)  # 注释
          ```
        explanation: 长链接 https://example.org/?q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 也要折行。
        topics: [training]
      - id: stress-cloze
        question: 补全：注意力的计算与一个很长的标识符
        cloze: |
          核心是 {{c1::自注意力 self-attention}}，标识符 {{c2::`torch_distributed_elastic_multiprocessing_errors_ChildFailedError`}}。

          ```python
          scores = {{c3::query_states @ key_states.transpose(-2, -1) / math.sqrt(self.head_dim_for_attention_scaling)}}  # 缩放
          weights = softmax(scores)
          ```

          | 方法 | 作用 |
          |---|---|
          | 量化 | {{c1::浮点参数转为整数以节省显存}} |
        explanation: 复杂度是 $O(n^2)$。
        topics: [training]
      - id: stress-recall
        question: 列表回忆：迁移学习的步骤？
        recall: list
        answer: |
          1. 获取一个**预训练**模型。
          2. 冻结预训练模型的权重，只训练最后几层 `model.layers[-2:].requires_grad_(True)`。
          3. 用新数据集训练并评估。
        topics: [training]
    """)

# Words in table cells that the layout split over two lines. A word is a run of Latin letters and
# digits (FP32, BF16) or of Han characters (格式): keep-all keeps both whole. A Range over the word
# has one client rect per line box it occupies, so a word whose rects start on different lines
# was split (FP3 / 2, 格 / 式).
FIND_SPLIT_WORDS = """function findSplitWords(doc) {
  const found = [];
  for (const cell of doc.querySelectorAll('td, th')) {
    const walker = doc.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[A-Za-z0-9]+|\\p{Script=Han}+/gu)) {
        const range = doc.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
        const first = rects[0];
        if (first && rects.some(r => r.top >= first.bottom - 1)) found.push(m[0]);
      }
    }
  }
  return found;
}"""

# Everything measured in one round trip per card side.
MEASURE = """() => {
  """ + FIND_SPLIT_WORDS + """
  const vw = window.innerWidth;
  const rgba = (s) => { const m = s.match(/rgba?\\(([^)]*)\\)/); if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];  // the canvas behind everything
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (el.closest('style')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const bg = background(el);
    texts.push({
      text: n.textContent.trim().slice(0, 40),
      fg: over(rgba(cs.color), bg), bg: bg,
      fontSize: parseFloat(cs.fontSize),
      lang: (el.closest('[lang]') || {}).lang || '',
      inCode: !!el.closest('pre'),
      isBody: !!el.closest('.qa-question, .qa-answer, .qa-explanation') && !el.closest('pre, .qa-label'),
    });
  }
  const code = Array.from(document.querySelectorAll('pre')).map(pre => {
    const box = pre.parentElement.getBoundingClientRect(), r = pre.getBoundingClientRect();
    // What a reader copies: the code's own lines, no blank line added by the per-line elements.
    const range = document.createRange(), selection = getSelection();
    range.selectNodeContents(pre);
    selection.removeAllRanges();
    selection.addRange(range);
    const copied = selection.toString().replace(/\\n+$/, '') === pre.textContent.replace(/\\n+$/, '');
    selection.removeAllRanges();
    return { right: r.right, containerRight: box.right, scrollWidth: pre.scrollWidth,
             clientWidth: pre.clientWidth, text: pre.textContent.trim().slice(0, 40), copied };
  });
  const tables = Array.from(document.querySelectorAll('table')).map(table => {
    const wrapper = table.parentElement, r = wrapper.getBoundingClientRect();
    return { wrapped: wrapper.classList.contains('qa-table'), right: r.right,
             scrolls: wrapper.scrollWidth > wrapper.clientWidth, overflowX: getComputedStyle(wrapper).overflowX };
  });
  const splits = findSplitWords(document);
  const handlers = [];
  document.querySelectorAll('*').forEach(el => { for (const a of el.attributes) {
    if (/^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)) handlers.push(el.tagName + ' ' + a.name);
  } });
  return { vw, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
           texts, code, tables, splits, scripts: document.querySelectorAll('script').length, handlers,
           cardClass: document.body.className };
}"""


def _anki_sides(tmp: Path, cards_dir: Path, name: str) -> list[tuple[str, str, str]]:
    """Build ``cards_dir``, import it into a fresh real Anki collection, return
    (card id, "question"/"answer", HTML as Anki renders it) for every card."""
    apkg = tmp / f"{name}.apkg"
    assert run_cli("--cards", str(cards_dir), "-o", str(apkg)) == 0
    col, log = fresh_import(tmp, apkg, name=f"{name}.anki2")
    assert log.new > 0
    col.close()  # the import bypasses the note type cache: reopen before rendering
    col = open_collection(tmp / f"{name}.anki2")
    try:
        sides = []
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            note_id = card.note()["Id"]
            sides.append((note_id, "question", card.question()))
            sides.append((note_id, "answer", card.answer()))
        return sides
    finally:
        col.close()


@pytest.fixture(scope="module")
def anki_sides(tmp_path_factory) -> list[tuple[str, str, str]]:
    tmp = tmp_path_factory.mktemp("anki-render")
    shipped = SHIPPED if (SHIPPED / "topics.yaml").is_file() else FIXTURES / "corpus"
    stress = tmp / "stress-corpus"
    shutil.copytree(FIXTURES / "corpus", stress)
    (stress / "stress.yaml").write_text(STRESS_CARDS, encoding="utf-8")
    for card_file in PHONE_FIXTURES.glob("*.yaml"):
        shutil.copy(card_file, stress / card_file.name)
    extra = ("stress-", "precision-")
    return _anki_sides(tmp, shipped, "shipped") + [s for s in _anki_sides(tmp, stress, "stress") if s[0].startswith(extra)]


def test_corpus_exercises_the_checks(anki_sides):
    assert any("codehilite" in html for _, _, html in anki_sides), "no code block to check"
    assert any('class="qa-table"' in html and "FP32" in html and "格式" in html for _, _, html in anki_sides)
    assert all(html.startswith("<style>") and ".nightMode .codehilite" in html for _, _, html in anki_sides)
    assert any(card_id == "stress-long-text" for card_id, _, _ in anki_sides)
    # Cloze cards: every card's front has its blank, every back shows the deletion filled in.
    for card_id in ("stress-cloze", "stress-recall"):
        fronts = [html for cid, side, html in anki_sides if cid == card_id and side == "question"]
        backs = [html for cid, side, html in anki_sides if cid == card_id and side == "answer"]
        assert len(fronts) == len(backs) == 3
        assert all('class="cloze"' in html and "[...]" in html for html in fronts)
        assert all('class="cloze"' in html and "[...]" not in html for html in backs)


def _open_page(browser, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1,
                            java_script_enabled=True)
    page.route("**/*", lambda route: route.abort())  # a card must not need the network
    return page


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_cards_on_a_phone(browser, anki_sides, viewport, night):
    width, height = viewport
    page = _open_page(browser, width, height)
    problems: list[str] = []
    code_blocks = tables = scrolling_tables = 0
    try:
        for card_id, side, html in anki_sides:
            where = f"{card_id} {side}"
            page.set_content(card_page(html, night), wait_until="load")
            m = page.evaluate(MEASURE)
            assert m["cardClass"] == ("card nightMode night_mode" if night else "card")
            if m["scrollWidth"] > m["vw"] or m["bodyScrollWidth"] > m["vw"]:
                problems.append(f"{where}: page is {m['scrollWidth']} px wide in a {m['vw']} px viewport")
            for block in m["code"]:
                code_blocks += 1
                if block["containerRight"] > m["vw"] + 0.5 or block["right"] > m["vw"] + 0.5:
                    problems.append(f"{where}: code block reaches x={block['containerRight']:.0f} > {m['vw']}")
                if not block["copied"]:
                    problems.append(f"{where}: copying the code changes its lines: {block['text']!r}")
                if block["scrollWidth"] > block["clientWidth"]:  # a line runs past the block's edge
                    problems.append(f"{where}: code hidden past the block's edge ({block['scrollWidth']} px of "
                                    f"code in {block['clientWidth']} px): {block['text']!r}")
            for table in m["tables"]:
                tables += 1
                scrolling_tables += table["scrolls"]
                if not table["wrapped"] or table["right"] > m["vw"] + 0.5:
                    problems.append(f"{where}: table not in a scroll wrapper inside the card")
                elif table["scrolls"] and table["overflowX"] not in ("auto", "scroll"):
                    problems.append(f"{where}: wide table does not scroll (overflow-x {table['overflowX']})")
            if m["splits"]:
                problems.append(f"{where}: word(s) split inside a table cell: {m['splits']}")
            body_texts = [t for t in m["texts"] if t["isBody"]]
            if not body_texts:
                problems.append(f"{where}: no body text found")
            for t in body_texts:
                if t["fontSize"] < MIN_FONT_PX:
                    problems.append(f"{where}: {t['text']!r} is {t['fontSize']} px")
            for t in m["texts"]:
                if t["inCode"] and t["fontSize"] < MIN_CODE_FONT_PX:
                    problems.append(f"{where}: code {t['text']!r} is {t['fontSize']} px")
                if t["lang"] != LANG:
                    problems.append(f"{where}: {t['text']!r} has lang {t['lang']!r}, not {LANG!r}")
                ratio = contrast_ratio(tuple(t["fg"]), tuple(t["bg"]))
                if ratio < MIN_CONTRAST:
                    kind = "code token" if t["inCode"] else "text"
                    problems.append(f"{where}: {kind} {t['text']!r} contrast {ratio:.2f} "
                                    f"(colour {t['fg'][:3]} on {t['bg'][:3]})")
            if m["scripts"] or m["handlers"]:
                problems.append(f"{where}: executable content: {m['scripts']} script(s), {m['handlers']}")
    finally:
        page.close()
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])
    assert code_blocks, "no code block was measured"
    assert tables, "no table was measured"
    if width == 360:
        assert scrolling_tables, "no table was wide enough to scroll: the scrolling path went untested"


# The table rules qadeck shipped before (cells inherit `overflow-wrap: anywhere`, the table itself
# scrolls): the layout the issue saw split FP32 into FP3 / 2 and 格式 into 格 / 式.
OLD_TABLE_CSS = """<style>
.card .qa-card td, .card .qa-card th { overflow-wrap: anywhere; word-break: normal; }
.card .qa-card .qa-table { width: auto; overflow: visible; border: 0; }
.card .qa-card table { display: block; max-width: 100%; overflow-x: auto; }
</style>"""


def test_split_detector_catches_split_words(browser, anki_sides):
    """The word-split check is real: under the old table rules it finds the broken words."""
    (html,) = [h for card_id, side, h in anki_sides if card_id == "precision-formats" and side == "answer"]
    page = _open_page(browser, 360, 740)
    try:
        page.set_content(card_page(html, night=False), wait_until="load")
        assert page.evaluate(f"() => {{ {FIND_SPLIT_WORDS}; return findSplitWords(document); }}") == []
        page.set_content(card_page(html + OLD_TABLE_CSS, night=False), wait_until="load")
        split = page.evaluate(f"() => {{ {FIND_SPLIT_WORDS}; return findSplitWords(document); }}")
    finally:
        page.close()
    assert {"FP32", "BF16"} & set(split), split
