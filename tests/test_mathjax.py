"""Math in a real browser: the cards as the real Anki backend renders them, typeset by MathJax 3
(the npm ``mathjax`` package, the major version Anki bundles) configured like Anki's own reviewer
(ankitects/anki ``ts/mathjax/index.ts``), at 360 px in light and night mode.

MathJax comes from ``tools/test.sh`` (``npm install`` into ``.cache/node``) or ``QADECK_MATHJAX``
(a folder holding ``es5/tex-chtml.js``); without it the tests skip, except under ``CI=true``.
"""
from __future__ import annotations

import json
import mimetypes
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from anki_helpers import import_for_rendering, notes_by_id
from browser_support import card_page
from conftest import FIXTURES, ROOT, run_cli

MATHJAX = Path(os.environ.get("QADECK_MATHJAX") or ROOT / ".cache" / "node" / "node_modules" / "mathjax")
ORIGIN = "https://mathjax.invalid"  # served from MATHJAX by the page's request handler, never the network

# Anki's reviewer config (ts/mathjax/index.ts): \( \) inline (MathJax's default), \[ \] display,
# no escapes/environments/refs outside delimiters, and these packages -- "autoload" and "require"
# included, which is why \href and friends must never reach it.
PACKAGES = ["action", "ams", "autoload", "configmacros", "mathtools", "mhchem", "newcommand", "noundefined", "require"]
CONFIG = {
    "tex": {"displayMath": [["\\[", "\\]"]], "processEscapes": False, "processEnvironments": False,
            "processRefs": False, "packages": ["base", *PACKAGES]},
    "loader": {"load": [f"[tex]/{p}" for p in PACKAGES], "paths": {"mathjax": f"{ORIGIN}/es5"}},
    "startup": {"typeset": False},
}
HEAD = (f"<script>window.MathJax = {json.dumps(CONFIG)};</script>"
        f'<script src="{ORIGIN}/es5/tex-chtml.js"></script>')

CARDS = textwrap.dedent(r"""
    cards:
      - id: math-attention
        question: 缩放点积注意力的公式是什么？$d_k$ 指什么？
        answer: |
          $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right) V$$

          其中 $d_k$ 是键向量的维度，$a_1 * b_2 < c$ 保持原样。
        explanation: 除以 $\sqrt{d_k}$ 防止点积过大。
        topics: [training]
      - id: math-cloze
        question: 补全公式
        cloze: |
          交叉熵 $H(p, q) = {{c1::-\sum_x p(x) \log q(x)}}$。
        topics: [training]
      - id: math-hostile
        question: 'MathJax 里的链接 \(\href{javascript:alert(1)}{点我}\)'
        answer: |
          $\href{javascript:alert(2)}{x}$ \(\class{evil}{y}\) \(\style{background:url(x)}{z}\) \(\cssId{id}{w}\)
        topics: [training]
    """)

# Typeset, then report what MathJax made of the card.
TYPESET = """async () => {
  await MathJax.startup.promise;
  await MathJax.typesetPromise([document.body]);
  const handlers = [];
  document.body.querySelectorAll(':not(script)').forEach(el => { for (const a of el.attributes) {
    if (/^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value) || /(href|src|action)$/i.test(a.name)) handlers.push(el.tagName + ' ' + a.name + '=' + a.value);
  } });
  return {
    math: document.querySelectorAll('mjx-container').length,
    errors: Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]')).map(e => e.getAttribute('data-mjx-error') || e.textContent),
    links: document.body.querySelectorAll('a, [href]').length,
    classes: document.querySelectorAll('.evil, #id').length,
    handlers,
    unprocessed: /\\\\\\(|\\\\\\[/.test(document.body.innerText),
    vw: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
  };
}"""


def _require_mathjax() -> None:
    if not (MATHJAX / "es5" / "tex-chtml.js").is_file():
        reason = f"MathJax 3 not found in {MATHJAX} (bash tools/test.sh installs it with npm)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def anki_sides(tmp_path_factory) -> dict[str, list[str]]:
    """card id -> every side (front and back of each card) as the real Anki backend renders it."""
    tmp = tmp_path_factory.mktemp("mathjax")
    cards = tmp / "cards"
    cards.mkdir()
    (cards / "topics.yaml").write_text((FIXTURES / "corpus" / "topics.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (cards / "math.yaml").write_text(CARDS, encoding="utf-8")
    assert run_cli("--cards", str(cards), "-o", str(tmp / "m.apkg")) == 0
    col, _ = import_for_rendering(tmp, tmp / "m.apkg")
    try:
        return {card_id: [side for card in note.cards() for side in (card.question(), card.answer())]
                for card_id, note in notes_by_id(col).items()}
    finally:
        col.close()


@pytest.fixture(scope="module")
def shipped_math_sides(tmp_path_factory) -> list[tuple[str, str]]:
    """(card id, side HTML) of every side of the shipped corpus that holds math, as Anki renders it."""
    tmp = tmp_path_factory.mktemp("shipped-math")
    shutil.copytree(ROOT / "cards", tmp / "cards")  # a build may update the corpus's ledger: not the repo's
    assert run_cli("--cards", str(tmp / "cards"), "-o", str(tmp / "s.apkg")) == 0
    col, _ = import_for_rendering(tmp, tmp / "s.apkg")
    try:
        sides = []
        for card_id, note in notes_by_id(col).items():
            for card in note.cards():
                sides += [(card_id, html) for html in (card.question(), card.answer()) if "\\(" in html or "\\[" in html]
        return sides
    finally:
        col.close()


@pytest.fixture
def page(browser):
    _require_mathjax()
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=1)

    def serve(route):
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            return route.abort()
        path = (MATHJAX / url[len(ORIGIN) + 1:].split("?")[0]).resolve()
        if MATHJAX.resolve() not in path.parents or not path.is_file():
            return route.fulfill(status=404, body="")
        return route.fulfill(status=200, body=path.read_bytes(), headers={
            "content-type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            "access-control-allow-origin": "*"})

    page.route("**/*", serve)
    yield page
    page.close()


def typeset(page, html: str, night: bool) -> dict:
    page.set_content(card_page(html, night).replace("</head>", HEAD + "</head>"), wait_until="load")
    return page.evaluate(TYPESET)


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_formulas_typeset_without_errors(page, anki_sides, night):
    for card_id in ("math-attention", "math-cloze"):
        for html in anki_sides[card_id]:
            result = typeset(page, html, night)
            assert result["math"] >= 1 and not result["errors"], (card_id, result)
            assert not result["unprocessed"], (card_id, "a delimiter was left as text")
            assert result["scrollWidth"] <= result["vw"], (card_id, result)
            assert not result["links"] and not result["handlers"], (card_id, result)
    # The back of the attention card holds the display formula and both inline ones.
    assert typeset(page, anki_sides["math-attention"][1], night)["math"] >= 4


def test_the_config_is_live_and_qadeck_cards_are_not(page, anki_sides):
    """Control: this MathJax setup does make a javascript: link from raw \\href (so the check can fail);
    the same TeX written in a card never becomes a link, a class, an id or a handler."""
    control = typeset(page, '<p>\\(\\href{javascript:alert(1)}{x}\\) \\(\\class{evil}{y}\\)</p>', False)
    assert control["links"] >= 1 and control["classes"] >= 1, control
    for html in anki_sides["math-hostile"]:
        result = typeset(page, html, False)
        assert result["math"] >= 1 and not result["errors"], result
        assert (result["links"], result["classes"], result["handlers"]) == (0, 0, []), result


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_shipped_formulas_typeset_without_errors(page, shipped_math_sides, night):
    if not shipped_math_sides:
        pytest.skip("the shipped corpus has no math")
    problems = []
    for card_id, html in shipped_math_sides:
        result = typeset(page, html, night)
        if not result["math"] or result["errors"] or result["unprocessed"]:
            problems.append(f"{card_id}: {result['math']} formula(s), errors {result['errors']}, "
                            f"delimiter left as text: {result['unprocessed']}")
        if result["scrollWidth"] > result["vw"]:
            problems.append(f"{card_id}: page is {result['scrollWidth']} px wide at {result['vw']} px")
        if result["links"] or result["handlers"]:
            problems.append(f"{card_id}: {result['links']} link(s), {result['handlers']}")
    assert not problems, "\n".join(problems)
