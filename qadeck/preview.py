"""``--html``: one self-contained page of the selected cards, as Anki would show them.

Each card's front and back are rendered from the note type's own templates and CSS (the
mustache-style subset Anki uses: ``{{Field}}``, ``{{#Field}}…{{/Field}}``, ``{{^Field}}…{{/Field}}``,
``{{FrontSide}}``, ``{{text:Field}}`` and the special fields), grouped by deck (one per topic).
A small inline script adds search, a topic filter and a light/night switch that toggles the
classes Anki itself puts on ``<body>`` (``nightMode``, ``night_mode``); each card face carries
``card`` like Anki's body does. Nothing is loaded from the network.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from .assemble import deck_name, note_tags
from .model import Corpus, RenderedCard
from . import cloze
from .notetype import CLOZE_FIELD, SPECIAL_FIELDS, NoteType

# ---------------------------------------------------------------------------------------------
# Anki's card templates

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
# Anki treats a field as empty when it holds only whitespace and <br>/<div> tags.
_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div)\s?/?>)*$", re.I)
_HTML_TAG = re.compile(r"<[^>]*>")


class TemplateError(ValueError):
    """The card template uses something Anki would not render."""


def field_is_empty(text: str) -> bool:
    return bool(_EMPTY_FIELD.match(text))


def render_template(template: str, fields: Mapping[str, str], front_side: str | None = None,
                    cloze_number: int | None = None) -> str:
    """Render an Anki card template: fields are HTML and inserted as they are (Anki does the same).

    ``cloze_number``: which card of a cloze note this is (``{{cloze:Text}}`` blanks its deletions
    on the front, that is when ``front_side`` is None, and shows them on the back).
    """
    nodes, end, closing = _parse(template, 0, None)
    if closing is not None:
        raise TemplateError(f"unexpected {{{{/{closing}}}}}")
    return _render(nodes, fields, (front_side, cloze_number))


def _parse(template: str, pos: int, section: str | None):
    """-> (nodes, end position, name of the closing tag that stopped parsing or None)."""
    nodes: list = []
    while True:
        match = _TAG.search(template, pos)
        if match is None:
            nodes.append(template[pos:])
            if section is not None:
                raise TemplateError(f"{{{{#{section}}}}} is never closed")
            return nodes, len(template), None
        nodes.append(template[pos:match.start()])
        tag = match.group(1).strip()
        pos = match.end()
        if tag[:1] in ("#", "^"):
            name = tag[1:].strip()
            children, pos, closing = _parse(template, pos, name)
            if closing != name:
                raise TemplateError(f"{{{{{tag}}}}} is closed by {{{{/{closing}}}}}")
            nodes.append((tag[0], name, children))
        elif tag[:1] == "/":
            return nodes, pos, tag[1:].strip()
        else:
            nodes.append(("=", tag, None))


def _render(nodes: list, fields: Mapping[str, str], side: tuple) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        kind, name, children = node
        if kind == "=":
            out.append(_replacement(name, fields, side))
        else:
            shown = not field_is_empty(_field(name, fields))
            if shown == (kind == "#"):
                out.append(_render(children, fields, side))
    return "".join(out)


def _replacement(tag: str, fields: Mapping[str, str], side: tuple) -> str:
    front_side, cloze_number = side
    *filters, name = [part.strip() for part in tag.split(":")]
    if name == "FrontSide" and not filters:
        if front_side is None:
            raise TemplateError("{{FrontSide}} only exists on the back of a card")
        return front_side
    text = _field(name, fields)
    for filt in reversed(filters):
        if filt == "text":
            text = html.unescape(_HTML_TAG.sub("", text))  # Anki's text: filter gives plain text
            text = html.escape(text, quote=False)
        elif filt == "cloze" and cloze_number is not None:
            text = cloze.reveal(text, cloze_number, question=front_side is None)
        else:
            raise TemplateError(f"the preview does not support the {filt!r} filter ({{{{{tag}}}}})")
    return text


def _field(name: str, fields: Mapping[str, str]) -> str:
    try:
        return fields[name]
    except KeyError:
        raise TemplateError(f"{{{{{name}}}}}: unknown field") from None


def card_fields(item: RenderedCard, corpus: Corpus, note_type: NoteType) -> dict[str, str]:
    """The note's fields plus the special fields Anki offers to templates."""
    fields = {name: item.fields.get(name, "") for name in note_type.fields}
    deck = deck_name(corpus, item.card.primary_topic)
    special = {
        "Tags": html.escape(" ".join(note_tags(item)), quote=False),
        "Type": html.escape(note_type.name, quote=False),
        "Deck": html.escape(deck, quote=False),
        "Subdeck": html.escape(deck.rsplit("::", 1)[-1], quote=False),
        "Card": html.escape(note_type.template_name, quote=False),
        "CardFlag": "",
    }
    assert tuple(special) == SPECIAL_FIELDS  # the template check accepts exactly these
    return fields | special


def render_sides(item: RenderedCard, corpus: Corpus, note_type: NoteType, cloze_number: int | None = None) -> tuple[str, str]:
    fields = card_fields(item, corpus, note_type)
    front = render_template(note_type.front, fields, cloze_number=cloze_number)
    return front, render_template(note_type.back, fields, front_side=front, cloze_number=cloze_number)


def card_numbers(item: RenderedCard) -> list[int | None]:
    """The cards of a note: one per deletion number for a cloze note (None: the one Q&A card)."""
    if item.card.kind != "cloze":
        return [None]
    return cloze.numbers(item.fields[CLOZE_FIELD])


# ---------------------------------------------------------------------------------------------
# The page

def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def render_preview(corpus: Corpus, rendered: Sequence[RenderedCard], note_types: Mapping[str, NoteType]) -> str:
    """The whole preview page (a string of HTML; no external resources); ``note_types``: kind -> note type."""
    groups: dict[str, list[RenderedCard]] = {key: [] for key in corpus.topics}
    for item in rendered:
        groups.setdefault(item.card.primary_topic, []).append(item)
    used_topics = [key for key in corpus.topics if any(key in item.card.topics for item in rendered)]

    sections = []
    for key, items in groups.items():
        if not items:
            continue
        topic = corpus.topics[key]
        cards = "\n".join(_card_html(item, corpus, note_types[item.card.kind], number)
                          for item in items for number in card_numbers(item))
        sections.append(
            f'<section class="pv-group" data-topic="{_e(key)}">\n'
            f'<h2 class="pv-group-title"><span class="pv-deck">{_e(corpus.deck)} ::</span> '
            f'{_e(topic.name)} <span class="pv-group-count">{len(items)}</span></h2>\n{cards}\n</section>'
        )
    options = "".join(f'<option value="{_e(key)}">{_e(corpus.topics[key].name)}</option>' for key in used_topics)
    total = sum(len(card_numbers(item)) for item in rendered)
    return _PAGE.format(
        lang=_e(corpus.lang or "und"),  # the corpus's language; "und" (undetermined) when topics.yaml names none
        title=_e(f"{corpus.deck} — 预览 preview"),
        deck=_e(corpus.deck),
        total=total,
        card_css=note_types["qa"].css.replace("</", "<\\/"),
        page_css=_PAGE_CSS,
        options=options,
        sections="\n".join(sections),
        script=_SCRIPT,
    )


def _card_html(item: RenderedCard, corpus: Corpus, note_type: NoteType, number: int | None = None) -> str:
    front, back = render_sides(item, corpus, note_type, number)
    card = item.card
    tags = " ".join(f'<span class="pv-tag">#{_e(t)}</span>' for t in card.tags)
    anchor, label = (card.id, card.id) if number is None else (f"{card.id}-c{number}", f"{card.id} · c{number}")
    # A link to a cloze note's id (#card-ID) lands on its first card.
    alias = f'<span class="pv-alias" id="card-{_e(card.id)}"></span>' if number is not None and number == min(card_numbers(item)) else ""
    return (
        f'<article class="pv-item" id="card-{_e(anchor)}" data-topics="{_e(" ".join(card.topics))}">{alias}\n'
        f'<div class="pv-meta"><a class="pv-id" href="#card-{_e(anchor)}">{_e(label)}</a> {tags}</div>\n'
        f'<div class="pv-sides">\n'
        f'<div class="pv-side"><div class="pv-side-label">正面 Front</div><div class="card pv-face">{front}</div></div>\n'
        f'<div class="pv-side"><div class="pv-side-label">背面 Back</div><div class="card pv-face">{back}</div></div>\n'
        f'</div>\n</article>'
    )


_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="qadeck">
<title>{title}</title>
<style>
/* The note type's CSS (templates/card.css + Pygments), exactly as in the deck */
{card_css}
</style>
<style>
{page_css}
</style>
</head>
<body class="pv-page">
<header class="pv-header">
<div class="pv-bar">
<h1 class="pv-title">{deck}</h1>
<div class="pv-controls">
<input id="pv-search" type="search" placeholder="搜索 Search…" aria-label="搜索 Search" autocomplete="off">
<select id="pv-topic" aria-label="主题 Topic"><option value="">全部主题 All topics</option>{options}</select>
<button id="pv-night" type="button" aria-pressed="false">夜间 Night</button>
<span id="pv-count" class="pv-count" aria-live="polite">{total} / {total}</span>
</div>
</div>
</header>
<main class="pv-main">
{sections}
<p id="pv-empty" class="pv-empty" hidden>没有匹配的卡片 · No matching cards</p>
</main>
<script>
{script}
</script>
</body>
</html>
"""

_PAGE_CSS = """/* Preview page chrome (not part of the cards) */
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body.pv-page {
  margin: 0; background: #eceff3; color: #1f2328;
  font-family: -apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC",
    "Microsoft YaHei", "Segoe UI", Roboto, Arial, sans-serif;
}
.pv-header {
  position: sticky; top: 0; z-index: 10; background: rgb(236, 239, 243);
  border-bottom: 1px solid #d0d7de;
}
.pv-bar { max-width: 1100px; margin: 0 auto; padding: 8px 12px; display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; }
.pv-title { font-size: 18px; margin: 0; flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
.pv-controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; flex: 1 1 320px; }
.pv-controls input, .pv-controls select, .pv-controls button {
  font: inherit; font-size: 15px; min-height: 34px; border: 1px solid #afb8c1; border-radius: 6px;
  background: #ffffff; color: #1f2328; padding: 2px 8px; max-width: 100%; box-sizing: border-box;
}
#pv-search { flex: 1 1 10em; min-width: 0; }
#pv-topic { flex: 0 1 auto; min-width: 0; }
.pv-controls button { cursor: pointer; }
.pv-count { font-size: 14px; color: #57606a; white-space: nowrap; }
.pv-main { max-width: 1100px; margin: 0 auto; padding: 4px 12px 40px; }
.pv-group-title { font-size: 17px; margin: 22px 0 10px; overflow-wrap: anywhere; }
.pv-deck { color: #57606a; font-weight: 400; }
.pv-group-count {
  display: inline-block; font-size: 13px; font-weight: 500; padding: 0 8px; border-radius: 999px;
  background: #d8dee4; color: #36445a; vertical-align: 2px;
}
.pv-item { margin: 0 0 18px; }
/* A followed link (#card-id) puts the card below the sticky header, not under it; the script
   keeps --pv-header at the header's height, which grows when its controls wrap on a phone. */
.pv-item, .pv-group, .pv-alias { scroll-margin-top: calc(var(--pv-header, 110px) + 8px); }
.pv-meta { font-size: 13px; color: #57606a; margin: 0 2px 4px; overflow-wrap: anywhere; }
.pv-id { color: inherit; font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.pv-tag { margin-left: 6px; }
.pv-sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr)); gap: 10px; }
.pv-side { min-width: 0; }
.pv-side-label { font-size: 12px; color: #57606a; margin: 0 2px 2px; }
.pv-face { border: 1px solid #d0d7de; border-radius: 10px; min-width: 0; }
.pv-empty { text-align: center; color: #57606a; margin: 40px 0; }

body.pv-page.nightMode, body.pv-page.night_mode { background: #111315; color: #e6edf3; }
.nightMode .pv-header { background: rgb(17, 19, 21); border-bottom-color: #30363d; }
.nightMode .pv-controls input, .nightMode .pv-controls select, .nightMode .pv-controls button {
  background: #1e1f22; color: #e6edf3; border-color: #484f58;
}
.nightMode .pv-count, .nightMode .pv-deck, .nightMode .pv-meta, .nightMode .pv-side-label, .nightMode .pv-empty { color: #9ba7b4; }
.nightMode .pv-group-count { background: #2d3440; color: #c9d4e3; }
.nightMode .pv-face { border-color: #30363d; }
"""

_SCRIPT = """(function () {
  "use strict";
  var body = document.body;
  var search = document.getElementById("pv-search");
  var topic = document.getElementById("pv-topic");
  var night = document.getElementById("pv-night");
  var count = document.getElementById("pv-count");
  var empty = document.getElementById("pv-empty");
  var items = Array.prototype.slice.call(document.querySelectorAll(".pv-item"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".pv-group"));
  var texts = items.map(function (el) { return el.textContent.toLowerCase(); });

  function apply() {
    var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var wanted = topic.value;
    var shown = 0;
    items.forEach(function (el, i) {
      var topics = " " + el.getAttribute("data-topics") + " ";
      var ok = (!wanted || topics.indexOf(" " + wanted + " ") >= 0) &&
        terms.every(function (term) { return texts[i].indexOf(term) >= 0; });
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (group) { group.hidden = !group.querySelector(".pv-item:not([hidden])"); });
    count.textContent = shown + " / " + items.length;
    empty.hidden = shown > 0;
  }

  function setNight(on) {
    // The classes Anki puts on <body>: nightMode (desktop, AnkiMobile) and night_mode (AnkiDroid, desktop).
    body.classList.toggle("nightMode", on);
    body.classList.toggle("night_mode", on);
    night.setAttribute("aria-pressed", on ? "true" : "false");
    night.textContent = on ? "日间 Light" : "夜间 Night";
  }

  var header = document.querySelector(".pv-header");
  function measureHeader() {
    document.documentElement.style.setProperty("--pv-header", header.offsetHeight + "px");
  }
  window.addEventListener("resize", measureHeader);
  measureHeader();
  if (location.hash) {  // the browser scrolled to the card before the height was known
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) { target.scrollIntoView(); }
  }

  search.addEventListener("input", apply);
  topic.addEventListener("change", apply);
  night.addEventListener("click", function () { setNight(!body.classList.contains("nightMode")); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== search) { event.preventDefault(); search.focus(); }
    else if (event.key === "Escape" && document.activeElement === search) { search.value = ""; apply(); }
  });
  apply();
})();"""
