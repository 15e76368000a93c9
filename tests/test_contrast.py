"""Code colours stay readable: every token colour of the light and the dark Pygments style chosen
in templates/pygments.yaml has at least 4.5:1 contrast (WCAG AA) with its code background, and
night mode never keeps a light-mode token colour."""
from __future__ import annotations

import re

import pytest
import yaml
from pygments.token import Token

from browser_support import contrast_ratio
from qadeck.errors import QadeckError
from qadeck.notetype import DEFAULT_TEMPLATES, NIGHT_SELECTORS, pygments_css, pygments_style

MIN_CONTRAST = 4.5
CHOSEN = yaml.safe_load((DEFAULT_TEMPLATES / "pygments.yaml").read_text(encoding="utf-8"))
CARD_CSS = (DEFAULT_TEMPLATES / "card.css").read_text(encoding="utf-8")


def _rule_color(selector_pattern: str) -> str:
    """The ``color`` of the first rule in card.css whose selector list matches the pattern."""
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", CARD_CSS, flags=re.S)):
        if re.search(selector_pattern, selectors):
            color = re.search(r"(?:^|;)\s*color:\s*(#[0-9a-fA-F]{3,6})", body)
            if color:
                return color.group(1)
    raise AssertionError(f"card.css has no colour for {selector_pattern}")


# A token without a colour shows in the code block's text colour: the style's own, or the card's.
CARD_TEXT = {"light": _rule_color(r"^\s*\.card\s*$"), "dark": _rule_color(r"\.card\.nightMode")}


def token_contrasts(mode: str) -> list[tuple[float, str, str, str]]:
    style = pygments_style(CHOSEN[mode])
    default_fg = style.style_for_token(Token)["color"]
    default_fg = f"#{default_fg}" if default_fg else CARD_TEXT[mode]
    rows = []
    for token, spec in style:
        fg = f"#{spec['color']}" if spec["color"] else default_fg
        bg = f"#{spec['bgcolor']}" if spec["bgcolor"] else style.background_color
        rows.append((contrast_ratio(fg, bg), str(token), fg, bg))
    return sorted(rows)


def test_wcag_formula():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("rgb(118, 118, 118)", "#fff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_token_colour_is_readable(mode):
    rows = token_contrasts(mode)
    assert len(rows) > 50  # the style object lists every standard token type
    failing = [f"{token}: {fg} on {bg} = {ratio:.2f}" for ratio, token, fg, bg in rows if ratio < MIN_CONTRAST]
    assert not failing, f"{CHOSEN[mode]} ({mode}) has unreadable tokens:\n" + "\n".join(failing)


def test_light_and_dark_styles_really_are_light_and_dark():
    from browser_support import relative_luminance

    assert relative_luminance(pygments_style(CHOSEN["light"]).background_color) > 0.6
    assert relative_luminance(pygments_style(CHOSEN["dark"]).background_color) < 0.1


def _rules(css: str) -> dict[str, dict[str, str]]:
    rules: dict[str, dict[str, str]] = {}
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(part.split(":", 1) for part in body.split(";") if ":" in part)
        for sel in selectors.split(","):
            rules.setdefault(" ".join(sel.split()), {}).update({k.strip(): v.strip() for k, v in decls.items()})
    return rules


@pytest.mark.parametrize("pair", [(CHOSEN["light"], CHOSEN["dark"]), ("xcode", "monokai"), ("default", "rrt")],
                         ids=["chosen", "xcode-monokai", "default-rrt"])
def test_night_rules_cover_every_light_rule(pair):
    """A property set for a token class in light mode is set again under each night-mode class,
    so no light colour (or weight) survives on the dark background."""
    rules = _rules(pygments_css(*pair))
    day = {sel: decls for sel, decls in rules.items() if sel.startswith(".codehilite")}
    assert ".codehilite" in day and ".codehilite .k" in day
    for night_class in NIGHT_SELECTORS:
        for sel, decls in day.items():
            night = rules.get(f"{night_class} {sel}")
            assert night is not None, f"no night rule for {sel}"
            assert set(decls) <= set(night), f"{night_class} {sel} leaves {set(decls) - set(night)} from light mode"


def test_style_spec_forms():
    assert pygments_style("monokai").background_color == "#272822"
    custom = pygments_style({"background": "#101010", "tokens": {"Keyword": "bold #ff0000", "Token": "#eeeeee"}})
    assert custom.background_color == "#101010"
    assert custom.style_for_token(Token.Keyword)["color"] == "ff0000"
    assert custom.style_for_token(Token.Keyword)["bold"]
    with pytest.raises(QadeckError, match="unknown Pygments style 'no-such-style'"):
        pygments_style("no-such-style")
    with pytest.raises(QadeckError, match="unknown token type 'Keywrd'"):
        pygments_style({"tokens": {"Keywrd": "#ff0000"}})
    with pytest.raises(QadeckError, match="bad style string"):
        pygments_style({"tokens": {"Keyword": "#ff00zz"}})
    with pytest.raises(QadeckError, match="give a Pygments style name"):
        pygments_style(["monokai"])
