"""The note type: frozen field/template names (a public API) plus HTML/CSS from ``templates/``."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from pygments.formatters import HtmlFormatter
from pygments.style import Style
from pygments.styles import get_style_by_name

from .errors import QadeckError

# Anki imports a note type whose field or template *names* changed as a new note type and skips
# its notes, so these names never change (tests pin them). Content and CSS may change freely.
NOTE_TYPE_NAME = "qadeck Q&A"
NOTE_TYPE_KEY = "qadeck-note-type-v1"
FIELDS = ("Question", "Answer", "Explanation", "Source", "Topics", "Id")
TEMPLATE_NAME = "Q&A"

TEMPLATE_FILES = ("front.html", "back.html", "card.css", "pygments.yaml")
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NIGHT_SELECTORS = (".nightMode", ".night_mode")


@dataclass(frozen=True)
class NoteType:
    name: str
    key: str
    fields: tuple[str, ...]
    template_name: str
    front: str
    back: str
    css: str


def load_note_type(templates_dir: Path = DEFAULT_TEMPLATES) -> NoteType:
    import yaml

    front = (templates_dir / "front.html").read_text(encoding="utf-8")
    back = (templates_dir / "back.html").read_text(encoding="utf-8")
    css = (templates_dir / "card.css").read_text(encoding="utf-8")
    styles = yaml.safe_load((templates_dir / "pygments.yaml").read_text(encoding="utf-8"))
    return NoteType(
        name=NOTE_TYPE_NAME,
        key=NOTE_TYPE_KEY,
        fields=FIELDS,
        template_name=TEMPLATE_NAME,
        front=front,
        back=back,
        css=css + "\n" + pygments_css(styles["light"], styles["dark"]),
    )


def pygments_style(spec: str) -> type[Style]:
    """A style named in ``pygments.yaml``: a built-in name (``monokai``) or ``module:ClassName``."""
    from pygments.util import ClassNotFound

    try:
        if ":" in spec:
            module, _, attr = spec.partition(":")
            style = getattr(importlib.import_module(module), attr, None)
            if not (isinstance(style, type) and issubclass(style, Style)):
                raise ClassNotFound(f"{attr!r} is not a Pygments style class in {module}")
            return style
        return get_style_by_name(spec)
    except (ImportError, ClassNotFound) as exc:
        raise QadeckError(f"pygments.yaml: unknown Pygments style {spec!r} ({exc})") from exc


# What a night-mode rule sets for a property only the light style set, so no light colour leaks.
_NIGHT_RESETS = {"color": "inherit", "background-color": "transparent", "font-weight": "inherit",
                 "font-style": "inherit", "text-decoration": "inherit", "border": "none"}


def _token_rules(style: type[Style]) -> dict[str, dict[str, str]]:
    """CSS class ('' = the code block itself) -> declarations, in Pygments' order (general first)."""
    rules: dict[str, dict[str, str]] = {"": {"background-color": style.background_color}}
    if style.highlight_color:
        rules["hll"] = {"background-color": style.highlight_color}
    ordered = sorted(HtmlFormatter(style=style).class2style.items(), key=lambda kv: (kv[1][2], kv[0]))
    for cls, (decls, _ttype, _level) in ordered:
        parsed = dict(part.split(": ", 1) for part in decls.split("; ") if part)
        rules.setdefault(cls, {}).update(parsed)
    return rules


def _css_rules(selectors: list[str], rules: dict[str, dict[str, str]]) -> list[str]:
    out = []
    for cls, decls in rules.items():
        chosen = ", ".join(f"{sel} .{cls}" if cls else sel for sel in selectors)
        out.append(f"{chosen} {{ {'; '.join(f'{k}: {v}' for k, v in decls.items())} }}")
    return out


def pygments_css(light: str, dark: str) -> str:
    """Light code colours by default; the dark style only under Anki's night-mode classes.

    Every class the light style colours is also given a night rule (the dark style's, or a reset
    to the surrounding text), so no light-mode colour shows on a dark code background.
    """
    day = _token_rules(pygments_style(light))
    night = _token_rules(pygments_style(dark))
    for cls, decls in day.items():
        merged = night.setdefault(cls, {})
        for prop in decls:
            merged.setdefault(prop, _NIGHT_RESETS.get(prop, "inherit"))
    lines = [f"/* Pygments: {light} (light), {dark} (night) */"]
    lines += _css_rules([".codehilite"], day)
    lines += _css_rules([f"{cls} .codehilite" for cls in NIGHT_SELECTORS], night)
    return "\n".join(lines) + "\n"
