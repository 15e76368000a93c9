"""Random YAML, Markdown and HTML thrown at load -> render -> sanitise (Hypothesis).

For every example: no exception outside qadeck's error family, nothing active in the output (the
HTML is parsed and every tag, attribute and URL scheme checked against the allow-list), and each
example finishes within a deadline.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from qadeck.errors import InputError, Problem
from qadeck.loader import load_corpus, read_corpus
from qadeck.render import render_cards
from qadeck.sanitize import ATTRIBUTES, STYLE_PROPERTIES, TAGS, URL_SCHEMES

FUZZ = settings(max_examples=150, deadline=timedelta(seconds=3), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Pieces that exercise YAML, Markdown, HTML and Anki's own markup, plus plain and CJK text.
TOKENS = [
    "[", "]", "{", "}", "(", ")", "&a ", "*a", "!!python/object:os.system", "? ", ": ", "- ", "|", ">", "#", "'", '"',
    "\n", "\n  ", "\n    ", "\t", " ", "`", "```", "~~~", "**", "_", "\\", "<", "/>", "=", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>x</a>", "<a href=\"java\nscript:alert(1)\">y</a>",
    "[t](javascript:alert(1))", "[t](JaVaScRiPt:alert(1))", "![i](data:text/html,<script>alert(1)</script>)",
    "<svg onload=alert(1)>", "<iframe src=//x>", "<style>*{}</style>", "<td style='background:url(x)'>", "<kbd>k</kbd>",
    "<!--", "-->", "&#106;avascript:", "&lt;", "&nbsp;", "[sound:x.mp3]", "[latex]x[/latex]", "[$]x[/$]", "{{c1::x}}",
    "<details open ontoggle=alert(1)>", "<math><mi xlink:href='javascript:1'>", "\x00", "\x1f", "\u2028", "\ufeff",
    "字", "问题", "a", "1.", "1) ", "> ", "    code", "|a|b|\n|-|-|\n|1|2|", "[x]: http://e.org", "https://e.org", "%",
]
fragments = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
texts = st.one_of(fragments, st.text(max_size=200))
# Field text that gets past the loader's simple checks (no control characters, not empty) most of
# the time, so most examples reach the renderer and the sanitiser.
printable = [t for t in TOKENS if not re.search(r"[\x00-\x08\x0b-\x1f]", t)]
field_texts = st.one_of(st.lists(st.sampled_from(printable), min_size=1, max_size=40).map("".join),
                        st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200))


@pytest.fixture(scope="module")
def workdir():
    root = Path(tempfile.mkdtemp(prefix="qadeck-fuzz-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _corpus(workdir: Path, name: str, card_file: str) -> Path:
    corpus = workdir / name
    if not corpus.exists():
        corpus.mkdir()
        shutil.copy(FIXTURES / "corpus" / "topics.yaml", corpus / "topics.yaml")
    (corpus / "fuzz.yaml").write_text(card_file, encoding="utf-8", errors="surrogatepass")
    return corpus


@FUZZ
@given(document=texts)
def test_random_yaml_is_read_or_reported(workdir, document):
    corpus = _corpus(workdir, "raw", document)
    _, problems = read_corpus(corpus)
    assert all(isinstance(p, Problem) and p.location is not None for p in problems)
    assert all(len(str(p)) < 1000 for p in problems)


@FUZZ
@given(question=field_texts, answer=field_texts, explanation=field_texts, tag=st.one_of(st.just("fine::tag"), texts))
def test_random_markdown_and_html_never_reach_a_card_active(workdir, question, answer, explanation, tag):
    card = {"id": "fuzz", "question": question, "answer": answer, "explanation": explanation,
            "topics": ["training"], "tags": [tag]}
    corpus = _corpus(workdir, "cards", yaml.safe_dump({"cards": [card]}, allow_unicode=True))
    try:
        loaded = load_corpus(corpus)
    except InputError:
        event("refused with file:line")
        return
    event("rendered")
    rendered, _ = render_cards(loaded, cache=None, jobs=1)
    for card in rendered:
        for name, html in card.fields.items():
            assert_inert(html, name)


@FUZZ
@given(before=field_texts, inside=field_texts, after=field_texts, items=st.lists(field_texts, min_size=1, max_size=4))
def test_random_cloze_and_list_cards_never_reach_a_card_active(workdir, before, inside, after, items):
    """Cloze deletions and list recall rewrite the HTML after the sanitiser: checked the same way."""
    cards = [{"id": "fuzz-cloze", "question": "q", "cloze": f"{before}{{{{c1::{inside}}}}}{after}", "topics": ["training"]},
             {"id": "fuzz-list", "question": "q", "recall": "list", "topics": ["training"],
              "answer": "\n".join(f"- {item}" for item in items)}]
    for card in cards:
        corpus = _corpus(workdir, "cards", yaml.safe_dump({"cards": [card]}, allow_unicode=True))
        try:
            loaded = load_corpus(corpus)
            rendered, _ = render_cards(loaded, cache=None, jobs=1)
        except InputError:
            event(f"{card['id']}: refused with file:line")
            continue
        event(f"{card['id']}: rendered")
        for out in rendered:
            for name, html in out.fields.items():
                assert_inert(html, name)


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ATTRIBUTES.get("*", set()) | ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name not in allowed or name.startswith("on"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value is not None:
                scheme = urlsplit(re.sub(r"[\x00-\x20]", "", value)).scheme.lower()
                if scheme and scheme not in URL_SCHEMES:
                    self.problems.append(f"{name}={value!r}")
            if name == "style" and value:
                properties = {part.split(":", 1)[0].strip().lower() for part in value.split(";") if part.strip()}
                if not properties <= STYLE_PROPERTIES:
                    self.problems.append(f"style={value!r}")

    handle_startendtag = handle_starttag


def assert_inert(html: str, field: str) -> None:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert not inspector.problems, (field, inspector.problems, html)
    # Anki reads its own markup from the raw field text, so this one is checked on the text itself.
    assert not re.search(r"\[(?:sound:|anki:|latex\]|\$\$?\])", html, re.IGNORECASE), (field, html)


ARTICLE_TOKENS = ["### ", "## ", "# ", "1. ", "**", "题目 1：", "**答案：**", "**解析：**", "源代码实例", "```", "```python",
                  "~~~", "？", "?", "一、", "总结", "答案解析", "- ", "    ", " ", "#", "\n", "\n\n", "（注）", "：", "字", "a"]


@FUZZ
@given(text=st.one_of(st.lists(st.sampled_from(ARTICLE_TOKENS), max_size=80).map("".join), st.text(max_size=400)))
def test_random_articles_parse_within_the_deadline(text):
    from qadeck.article import parse_article
    article = parse_article(text, Path("fuzz.md"))
    assert all(card.question.strip() and card.answer.strip() for card in article.cards)
