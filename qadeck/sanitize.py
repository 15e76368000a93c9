"""The allow-list sanitiser every field passes through: nothing executable reaches a card."""
from __future__ import annotations

import nh3

from .cloze import ANKI_MARKUP, PLACEHOLDER
from .tex import guard

TAGS = {
    "p", "br", "hr", "div", "span", "pre", "code", "blockquote",
    "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup", "mark", "kbd", "small", "abbr",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "img",
}
ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Python-Markdown writes table alignment as inline style; nothing else may use style.
STYLE_PROPERTIES = {"text-align"}


_OPTIONS = dict(
    tags=TAGS,
    attributes=ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    filter_style_properties=STYLE_PROPERTIES,
    link_rel="noopener noreferrer",
)
# One reusable cleaner (nh3 >= 0.2.18) instead of rebuilding the allow-lists on every call.
_CLEANER = nh3.Cleaner(**_OPTIONS) if hasattr(nh3, "Cleaner") else None



def sanitize(html: str) -> str:
    """Strip every tag, attribute and URL scheme not on the allow-list (script bodies included),
    and neutralise the markup Anki itself would act on, including TeX commands that MathJax
    would turn into links or raw HTML/CSS (see ``tex``)."""
    if not html:
        return ""
    clean = _CLEANER.clean(html) if _CLEANER is not None else nh3.clean(html, **_OPTIONS)
    # Last: the TeX guard re-escapes the text it rewrites, which would undo an earlier "&#91;".
    return neutralise_anki_markup(guard(clean, PLACEHOLDER.pattern))  # cloze placeholders vanish before MathJax runs


def neutralise_anki_markup(html: str) -> str:
    """Escape the "[" of [sound:…], [anki:…], [latex] and [$]/[$$] in sanitised HTML. Any step that
    rewrites text after :func:`sanitize` (cloze deletions, list recall) must end with this."""
    return ANKI_MARKUP.sub("&#91;", html) if "[" in html else html
