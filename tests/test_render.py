"""Rendered HTML pieces: code line indentation widths and the source line (the golden field HTML of
tests/fixtures/render/ is checked in test_math.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from qadeck.errors import Location
from qadeck.markdown_render import indent_width
from qadeck.model import Card, Source
from qadeck.render import source_html



@pytest.mark.parametrize("line, width", [("x", 0), ("    x", 4), ("\tx", 4), ("  \tx", 4), ("    \t  x", 10), ("", 0)])
def test_indent_width(line, width):
    assert indent_width(line) == width


def test_source_line_names_the_article_never_the_file():
    def card(**source) -> Card:
        return Card(id="c", question="q", answer="a", explanation="", topics=("t",), tags=(),
                    source=Source(**source), location=Location(Path("cards/x.yaml"), 1))

    assert source_html(card(title="基础 <模型>", origin="000_4337.txt")) == '<span class="qa-source-title">基础 &lt;模型&gt;</span>'
    assert source_html(card(origin="000_4337.txt")) == ""
