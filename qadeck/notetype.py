"""The note type: frozen field/template names (a public API) plus HTML/CSS from ``templates/``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pygments.formatters import HtmlFormatter

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


def pygments_css(light: str, dark: str) -> str:
    """Light code colours by default; the dark style only under Anki's night-mode classes."""
    day = HtmlFormatter(style=light).get_style_defs(".codehilite")
    night = HtmlFormatter(style=dark).get_style_defs([f"{cls} .codehilite" for cls in NIGHT_SELECTORS])
    return f"/* Pygments: {light} (light), {dark} (night) */\n{day}\n{night}\n"
