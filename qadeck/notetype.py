"""The note type: frozen field/template names (a public API) plus HTML/CSS from ``templates/``."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, Location, Problem, QadeckError

if TYPE_CHECKING:
    from pygments.style import Style

# Anki imports a note type whose field or template *names* changed as a new note type and skips
# its notes, so these names never change (tests pin them). Content and CSS may change freely.
NOTE_TYPE_NAME = "qadeck Q&A"
NOTE_TYPE_KEY = "qadeck-note-type-v1"
FIELDS = ("Question", "Answer", "Explanation", "Source", "Topics", "Id")
TEMPLATE_NAME = "Q&A"
# The cloze note type (Anki's cloze kind: one card per deletion number in {{cloze:Text}}).
CLOZE_NOTE_TYPE_NAME = "qadeck Cloze"
CLOZE_NOTE_TYPE_KEY = "qadeck-cloze-note-type-v1"
CLOZE_FIELDS = ("Question", "Text", "Explanation", "Source", "Topics", "Id")
CLOZE_TEMPLATE_NAME = "Cloze"
CLOZE_FIELD = "Text"
# Fields Anki itself offers to every template (the preview fills them in as Anki would).
SPECIAL_FIELDS = ("Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag")

TEMPLATE_FILES = ("front.html", "back.html", "cloze_front.html", "cloze_back.html", "card.css", "pygments.yaml")
# kind -> (name, key, fields, template name, front file, back file)
_KINDS = {
    "qa": (NOTE_TYPE_NAME, NOTE_TYPE_KEY, FIELDS, TEMPLATE_NAME, "front.html", "back.html"),
    "cloze": (CLOZE_NOTE_TYPE_NAME, CLOZE_NOTE_TYPE_KEY, CLOZE_FIELDS, CLOZE_TEMPLATE_NAME, "cloze_front.html", "cloze_back.html"),
}
# The templates shipped inside the package (a wheel); in a checkout, the repository's templates/.
_PACKAGED = Path(__file__).resolve().parent / "templates"
DEFAULT_TEMPLATES = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "templates"


def project_templates(cards_dir: Path) -> Path:
    """The corpus project's own ``templates/`` (beside its cards folder) when it has one, else qadeck's."""
    own = Path(cards_dir).resolve().parent / "templates"
    return own if own.is_dir() else DEFAULT_TEMPLATES
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
    kind: str = "qa"  # "qa" or "cloze" (Anki's cloze note type)


def load_note_type(templates_dir: Path = DEFAULT_TEMPLATES) -> NoteType:
    """The Q&A note type from ``templates/``; raises InputError naming every missing file or bad setting."""
    return load_note_types(templates_dir, ("qa",))["qa"]


def load_note_types(templates_dir: Path = DEFAULT_TEMPLATES, kinds=("qa", "cloze"), cache=None) -> dict[str, NoteType]:
    """kind -> note type, for each of ``kinds``; raises InputError naming every problem in ``templates/``.

    ``cache`` (a cache.RenderCache) keeps the code CSS made from ``pygments.yaml``, so a build that
    renders nothing does not import Pygments to make the same CSS again.
    """
    from .loader import read_corpus_file

    templates_dir = Path(templates_dir)
    problems: list[Problem] = []
    texts = {}
    files = [name for kind in kinds for name in _KINDS[kind][4:]]
    for name in (*files, "card.css"):
        path = templates_dir / name
        if not path.exists() and not path.is_symlink():
            problems.append(Problem(Location(path), "cannot read the note type template: No such file or directory"))
            continue
        raw = read_corpus_file(path, templates_dir, problems)  # a pipe would block the build forever
        try:
            if raw is not None:
                texts[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(Location(path), "cannot read the note type template: it is not UTF-8"))
    for kind in kinds:
        fields, front, back = _KINDS[kind][2], _KINDS[kind][4], _KINDS[kind][5]
        for name in (front, back):
            problems.extend(_unknown_fields(templates_dir / name, texts.get(name, ""), fields, allow_front_side=name == back))
        if kind == "cloze" and front in texts and f"{{{{cloze:{CLOZE_FIELD}}}}}" not in texts[front]:
            problems.append(Problem(Location(templates_dir / front), f"must show {{{{cloze:{CLOZE_FIELD}}}}}: "
                                                                      "Anki makes a cloze note's cards from it"))
    styles_path = templates_dir / "pygments.yaml"
    css = ""
    if not styles_path.exists() and not styles_path.is_symlink():
        problems.append(Problem(Location(styles_path), "missing: name the light and dark code styles"))
    elif (raw := read_corpus_file(styles_path, templates_dir, problems)) is not None:
        css = code_css(styles_path, raw, problems, cache)
    if problems:
        raise InputError(problems)
    types = {}
    for kind in kinds:
        name, key, fields, template_name, front, back = _KINDS[kind]
        types[kind] = NoteType(name=name, key=key, fields=fields, template_name=template_name, front=texts[front],
                               back=texts[back], css=texts["card.css"] + "\n" + css, kind=kind)
    return types


def code_css(path: Path, raw: bytes, problems: list[Problem], cache=None) -> str:
    """The CSS of code blocks: line indentation and the colours ``pygments.yaml`` (at ``path``, whose
    bytes are ``raw``) names; "" with ``problems`` added when it names no valid styles.

    Remembered beside ``cache`` when given (its render context covers Pygments' version; this
    file's code is added), so a warm build neither parses the file nor imports Pygments.
    """
    from .yamlread import read_yaml

    def make() -> str | None:
        styles, found = read_yaml(path, raw)
        problems.extend(found)
        if found:
            return None
        if not isinstance(styles, dict) or not {"light", "dark"} <= set(styles):
            problems.append(Problem(Location(path, 1), "must have both 'light:' and 'dark:' code styles"))
            return None
        try:
            return code_line_css() + pygments_css(styles["light"], styles["dark"])
        except QadeckError as exc:
            problems.append(Problem(Location(path, 1), str(exc).removeprefix("pygments.yaml: ")))
            return None

    if cache is None:
        return make() or ""
    from .cache import ResultCache

    store = ResultCache(cache.root, "code-css", cache.secret)
    key = cache.key([Path(__file__).read_bytes(), raw])
    css = store.get(key, lambda value: type(value) is str)
    if css is None:
        css = make()
        if css is None:
            return ""
        store.put(key, css)  # only valid styles are kept: a bad file is reported on every build
    return css


def code_line_css() -> str:
    """The indentation (in columns) of each ``.qa-indent-N`` code line, for card.css's hanging indent."""
    from .markdown_render import INDENT_CLASS, MAX_INDENT

    rules = " ".join(f".{INDENT_CLASS}{n} {{ --qa-indent: {n}ch; }}" for n in range(1, MAX_INDENT + 1))
    return f"/* Code line indentation (qadeck.markdown_render.LineFormatter) */\n{rules}\n"


def with_lang(note_type: NoteType, lang: str) -> NoteType:
    """The note type whose every card carries the corpus's language (``lang`` in topics.yaml).

    Phones pick glyph variants of Han characters from ``lang`` (without it AnkiDroid guesses, often
    Japanese). It goes into the templates at build time rather than into a field: a new field would
    make Anki import a new note type. So the templates depend on topics.yaml's ``lang``, and the
    note type's modification time follows it too (see the pipeline).
    """
    if not lang:
        return note_type
    wrap = f'<div class="qa-root" lang="{html.escape(lang, quote=True)}">\n{{}}\n</div>'.format
    return replace(note_type, front=wrap(note_type.front), back=wrap(note_type.back))


def _unknown_fields(path: Path, text: str, fields: tuple[str, ...], allow_front_side: bool) -> list[Problem]:
    """Anki shows an error on every card whose template names a field the note type lacks."""
    known = set(fields) | set(SPECIAL_FIELDS) | ({"FrontSide"} if allow_front_side else set())
    problems = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for name in re.findall(r"{{\s*[#/^]?\s*(?:[\w-]+:)*([^{}:]+?)\s*}}", line):
            if name not in known:
                problems.append(Problem(Location(path, lineno), f"unknown field '{{{{{name}}}}}'; fields: {', '.join(fields)}"))
    return problems


# Pygments accepts any word in a style string and emits nonsense CSS, so check it here.
_STYLE_WORD = r"(?:(?:no)?(?:bold|italic|underline|inherit)|roman|sans|mono|(?:bg:|border:)?#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?|bg:|border:)"
_STYLE_STRING = rf"(?:{_STYLE_WORD}(?:\s+{_STYLE_WORD})*)?"  # compiled on first use: CSS is usually cached


def pygments_style(spec, label: str = "style") -> type[Style]:
    """A style from ``pygments.yaml``: a built-in name (``monokai``) or a mapping written out there
    (``background``, ``highlight``, ``tokens: {Keyword: "#cf222e", ...}``)."""
    from pygments.style import Style
    from pygments.styles import get_style_by_name
    from pygments.token import STANDARD_TYPES, string_to_tokentype
    from pygments.util import ClassNotFound

    if isinstance(spec, str):
        try:
            return get_style_by_name(spec)
        except ClassNotFound as exc:
            raise QadeckError(f"pygments.yaml: {label}: unknown Pygments style {spec!r}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("tokens"), dict):
        raise QadeckError(f"pygments.yaml: {label}: give a Pygments style name or background/highlight/tokens")
    styles = {}
    for name, value in spec["tokens"].items():
        ttype = string_to_tokentype(str(name).removeprefix("Token").lstrip("."))
        if ttype not in STANDARD_TYPES:  # Pygments would silently invent a token type for a typo
            raise QadeckError(f"pygments.yaml: {label}: unknown token type {name!r}")
        if not re.fullmatch(_STYLE_STRING, str(value).strip()):
            raise QadeckError(f"pygments.yaml: {label}: bad style string {value!r} for {name} "
                              "(use e.g. \"bold #cf222e bg:#ffebe9\")")
        styles[ttype] = str(value)
    attrs = {"name": f"qadeck-{label}", "background_color": spec.get("background", "#ffffff"),
             "highlight_color": spec.get("highlight", "#ffffcc"), "styles": styles}
    return type(f"Qadeck{label.title()}Style", (Style,), attrs)


# What a night-mode rule sets for a property only the light style set, so no light colour leaks.
_NIGHT_RESETS = {"color": "inherit", "background-color": "transparent", "font-weight": "inherit",
                 "font-style": "inherit", "text-decoration": "inherit", "border": "none"}


def _token_rules(style: type[Style]) -> dict[str, dict[str, str]]:
    """CSS class ('' = the code block itself) -> declarations, in Pygments' order (general first)."""
    from pygments.formatters import HtmlFormatter

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


def _describe(spec) -> str:
    return spec if isinstance(spec, str) else "custom style from pygments.yaml"


def pygments_css(light, dark) -> str:
    """Light code colours by default; the dark style only under Anki's night-mode classes.

    Every class the light style colours is also given a night rule (the dark style's, or a reset
    to the surrounding text), so no light-mode colour shows on a dark code background.
    """
    day = _token_rules(pygments_style(light, "light"))
    night = _token_rules(pygments_style(dark, "dark"))
    for cls, decls in day.items():
        merged = night.setdefault(cls, {})
        for prop in decls:
            merged.setdefault(prop, _NIGHT_RESETS.get(prop, "inherit"))
    lines = [f"/* Pygments: {_describe(light)} (light), {_describe(dark)} (night) */"]
    lines += _css_rules([".codehilite"], day)
    lines += _css_rules([f"{cls} .codehilite" for cls in NIGHT_SELECTORS], night)
    return "\n".join(lines) + "\n"
