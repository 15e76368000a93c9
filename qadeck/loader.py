"""Load & validate: ``cards/topics.yaml`` plus every card file -> a :class:`Corpus`.

Every problem is collected and raised together in one :class:`InputError`, so a user fixes a
whole corpus in one round instead of one error per run.
"""
from __future__ import annotations

import difflib
import os
import re
import stat
import unicodedata
from pathlib import Path

from . import cloze
from .errors import InputError, Location, Problem
from .limits import MAX_CARD_FILES, MAX_ID_CHARS, markdown_problem
from .lint_rules import LintSettings, read_card_lint, read_settings
from .model import Card, Corpus, Source, Topic
from .tex import neutralise_text
from .visible import renders_blank
from .yamlread import LinedDict, read_yaml, shorten

TOPICS_FILE = "topics.yaml"
LEDGER_FILE = "ledger.yaml"  # written by the build (qadeck/ledger.py), not a card file
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CARD_KEYS = ("id", "question", "answer", "cloze", "recall", "explanation", "topics", "tags", "distinct_from", "lint")
RECALL_MODES = ("list",)
FILE_KEYS = ("source", "cards")
SOURCE_KEYS = ("title", "origin", "slug")
TOPICS_KEYS = ("deck", "slug", "description", "lang", "topics", "lint")
TOPIC_KEYS = ("name", "keywords", "description")


def load_corpus(cards_dir: Path) -> Corpus:
    """Read and validate a corpus directory; raises InputError listing every problem."""
    corpus, problems = read_corpus(cards_dir)
    if problems:
        raise InputError(problems)
    return corpus


def read_corpus(cards_dir: Path, load_file=None, memo=None) -> tuple[Corpus, list[Problem]]:
    """The corpus's valid cards plus every problem found (so callers can add their own checks).

    ``load_file(path, topics, problems, parse)``: reads one card file instead of ``parse`` (this
    module's reader, same first three arguments plus the file's bytes), e.g. from a cache.
    ``memo``: a cache.ParsedFiles that keeps topics.yaml's reading by its bytes.
    """
    cards_dir = Path(cards_dir)
    problems: list[Problem] = []
    if not cards_dir.is_dir():
        return Corpus("", "deck", {}, (), cards_dir), [Problem(Location(cards_dir), "corpus directory not found")]
    deck, slug, topics, topics_loc, description, lang, lint = _load_topics(cards_dir / TOPICS_FILE, problems, memo)
    cards: list[Card] = []
    seen: dict[str, Card] = {}
    files = sorted(p for p in cards_dir.glob("*.yaml") if p.name not in (TOPICS_FILE, LEDGER_FILE))
    if len(files) > MAX_CARD_FILES:
        problems.append(Problem(Location(cards_dir), f"holds {len(files):,} card files; the limit is {MAX_CARD_FILES:,}"))
        files = []
    for path in files:
        raw = read_corpus_file(path, cards_dir, problems)  # only regular files in the corpus reach a reader
        if raw is None:
            continue
        loaded = _load_card_file(path, topics, problems, raw) if load_file is None else \
            load_file(path, topics, problems, _load_card_file)
        for card in loaded:
            if card.id in seen:
                problems.append(Problem(card.location, f"id '{card.id}' is already used at {seen[card.id].location}", card.id))
                continue
            seen[card.id] = card
            cards.append(card)
    for card in cards:
        for other in card.distinct_from:
            if other not in seen:
                problems.append(Problem(card.location, f"distinct_from names unknown card '{shorten(other)}'", card.id))
    if not cards and not problems:
        problems.append(Problem(Location(cards_dir), "no cards found: add cards to a *.yaml file (see README, 'Corpus format')"))
    warnings = _ignored_files(cards_dir)
    if lang is None:
        warnings += _missing_lang(cards, topics_loc)
    corpus = Corpus(deck=deck, slug=slug, topics=topics, cards=tuple(cards), root=cards_dir, description=description,
                    topics_location=topics_loc, warnings=tuple(warnings), lang=lang or "", lint=lint)
    return corpus, problems


# A pattern, compiled (by re's cache) on first use: its wide ranges take over a millisecond to
# compile, and only a corpus without 'lang:' needs it.
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


def _missing_lang(cards: list[Card], where: Location) -> list[Problem]:
    """Without ``lang``, a phone guesses the language of Han characters (AnkiDroid: Japanese)."""
    if not any(re.search(_HAN, card.question) for card in cards):
        return []
    return [Problem(where, "no 'lang:' given, but the cards contain Chinese characters: phones then guess "
                           "their glyphs (AnkiDroid picks Japanese ones); add e.g. 'lang: zh-Hans' (or zh-Hant, ja)")]


# Tags langcodes accepts and spells exactly so (a test checks each): these skip importing its
# language registry, which costs a small build as much as reading all its cards.
COMMON_LANGS = frozenset({
    "zh", "zh-Hans", "zh-Hant", "zh-CN", "zh-TW", "zh-HK", "zh-SG", "zh-Hans-CN", "zh-Hant-TW", "zh-Hant-HK",
    "ja", "ja-JP", "ko", "ko-KR", "en", "en-US", "en-GB", "de", "fr", "es", "pt", "pt-BR", "ru", "it", "vi",
})


def read_lang(value, path: Path, line: int, problems: list[Problem]) -> str:
    """A BCP 47 language tag from topics.yaml, in its canonical spelling ("" when invalid)."""
    if isinstance(value, str) and value.strip() in COMMON_LANGS:
        return value.strip()
    import langcodes

    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(Location(path, line), "'lang' must be a BCP 47 language tag such as zh-Hans, zh-Hant, ja or en"))
        return ""
    tag = value.strip()
    if len(tag) > MAX_ID_CHARS:
        problems.append(Problem(Location(path, line), f"'lang: {shorten(tag)}' is not a language tag (too long)"))
        return ""
    if "_" in tag or not langcodes.tag_is_valid(tag):
        hint = ""
        try:
            suggestion = langcodes.standardize_tag(tag)
            hint = f" (did you mean '{suggestion}'?)" if suggestion != tag and langcodes.tag_is_valid(suggestion) else ""
        except (ValueError, LookupError):
            pass
        problems.append(Problem(Location(path, line), f"'lang: {tag}' is not a valid BCP 47 language tag{hint}; "
                                                      "e.g. zh-Hans (Simplified Chinese), zh-Hant, ja, en"))
        return ""
    return langcodes.standardize_tag(tag)


def _ignored_files(cards_dir: Path) -> list[Problem]:
    """Files that look like cards but are not read: say so rather than silently skip them."""
    found = []
    for path in sorted(cards_dir.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix.lower() in (".yml", ".yaml") and path.suffix != ".yaml":
            found.append(Problem(Location(path), "ignored: card files must end in '.yaml'"))
        elif path.is_dir() and any(path.rglob("*.y*ml")):
            found.append(Problem(Location(path), "ignored: card files are read only directly inside the corpus folder"))
    return found


def read_corpus_file(path: Path, root: Path, problems: list[Problem]) -> bytes | None:
    """The bytes of a corpus file, or None with a problem when it is not a regular file inside
    ``root`` that can be read (a pipe would block the build forever; a link out of the corpus
    would read files the corpus does not hold)."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        problems.append(Problem(Location(path), "is a symbolic link to a file that does not exist"))
        return None
    except (RuntimeError, OSError):
        problems.append(Problem(Location(path), "is a symbolic link loop"))
        return None
    if not resolved.is_relative_to(Path(root).resolve()):
        problems.append(Problem(Location(path), "is a symbolic link out of the corpus folder; copy the file in instead"))
        return None
    try:
        mode = resolved.stat().st_mode
        if stat.S_ISDIR(mode):
            problems.append(Problem(Location(path), "is a folder, not a YAML file"))
            return None
        if not stat.S_ISREG(mode):
            problems.append(Problem(Location(path), "is not a regular file (a pipe, socket or device); qadeck reads only files"))
            return None
        # O_NONBLOCK: should the file be swapped for a pipe after the check, opening it cannot hang.
        fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            return handle.read()
    except OSError as exc:
        problems.append(Problem(Location(path), f"cannot be read: {exc.strerror or exc}"))
        return None


def slugify(text: str) -> str:
    """File-name-safe slug that keeps CJK letters readable (never '-----')."""
    slug = re.sub(r"[^\w]+", "-", text.strip(), flags=re.UNICODE).strip("-_")
    return slug or "deck"


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(data: LinedDict, allowed, path: Path, problems: list[Problem], what: str, card_id=None) -> None:
    for key in data:
        if key not in allowed:
            problems.append(Problem(Location(path, data.key_lines.get(key, data.line)),
                                    f"unknown key '{shorten(str(key))}' in {what}{_suggest(shorten(str(key)), allowed)}; allowed: {', '.join(allowed)}", card_id))
    for key, line in data.duplicate_keys:
        problems.append(Problem(Location(path, line), f"key '{shorten(str(key))}' is given twice in {what}", card_id))


# Anki splits fields on U+001F and trips over other C0 controls; tabs and newlines are fine.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RESERVED_TAG_PREFIXES = ("topic::", "source::")


def _control_char(text: str) -> str:
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else ""


def _tag_problem(tag: str) -> str:
    """Why Anki would mangle or misread this tag ('' when it is fine)."""
    if not tag or any(c.isspace() for c in tag):
        return "must be non-empty and contain no spaces (use '-' or '_')"
    if any(not part for part in tag.split("::")):
        return "has an empty part around '::' (Anki would rename it to 'blank')"
    if tag.lower().startswith(RESERVED_TAG_PREFIXES):
        return "uses a reserved prefix: qadeck makes the topic:: and source:: tags itself"
    if _control_char(tag) or any(c in tag for c in '"*'):
        return "contains a character Anki's tag search treats specially"
    if "\\" in tag:
        return "contains a backslash (a template showing {{Tags}} would hand it to MathJax as TeX)"
    return ""


def _kind(value) -> str:
    """A YAML-ish name for a value's type, for messages."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return {bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _load_topics(path: Path, problems: list[Problem], memo=None):
    """-> (deck, slug, topics, location, description, lang: the tag, "" when invalid, None when not given, lint)."""
    if not path.exists() and not path.is_symlink():
        problems.append(Problem(Location(path), "missing: the corpus needs a topics.yaml with 'deck:' and 'topics:'"))
        return _no_topics(path)
    raw = read_corpus_file(path, path.parent, problems)
    if raw is None:
        return _no_topics(path)
    if memo is None:
        found: list[Problem] = []
        result = _parse_topics(path, raw, found)
    else:
        result, found = memo.document(("topics", str(path), raw), _valid_topics, lambda: _topics_and_problems(path, raw))
    problems.extend(found)
    return result


def _no_topics(path: Path):
    return ("", "deck", {}, Location(path), "", "", LintSettings())


def _valid_topics(value) -> bool:
    """The shape :func:`_parse_topics` returns (for a reading kept in the cache). A lang spelled by
    langcodes is read again each time: another langcodes version may spell it otherwise."""
    return (type(value) is tuple and len(value) == 7 and all(type(v) is str for v in (*value[:2], value[4]))
            and type(value[2]) is dict and all(type(t) is Topic for t in value[2].values())
            and type(value[3]) is Location and (value[5] is None or value[5] in COMMON_LANGS)
            and type(value[6]) is LintSettings)


def _topics_and_problems(path: Path, raw: bytes):
    problems: list[Problem] = []
    return _parse_topics(path, raw, problems), problems


def _parse_topics(path: Path, raw: bytes, problems: list[Problem]):
    """topics.yaml's bytes -> what :func:`_load_topics` returns."""
    empty = _no_topics(path)
    data, found = read_yaml(path, raw)
    problems.extend(found)
    if found:
        return empty
    if not isinstance(data, LinedDict):
        problems.append(Problem(Location(path, 1), "must be a mapping with 'deck:' and 'topics:'"))
        return empty
    _check_keys(data, TOPICS_KEYS, path, problems, "topics.yaml")
    lint = read_settings(data.get("lint"), path, data.key_lines.get("lint", data.line), problems)
    deck = data.get("deck")
    if not isinstance(deck, str) or not deck.strip():
        problems.append(Problem(Location(path, data.key_lines.get("deck", data.line)), "'deck' must be the non-empty root deck name"))
        deck = ""
    if deck and (any(not part.strip() for part in deck.split("::")) or _control_char(deck) or _line_break(deck)):
        problems.append(Problem(Location(path, data.key_lines.get("deck", data.line)),
                                "'deck' has an empty part around '::', a line break or a control character ('A::B' nests B under A)"))
    deck = "::".join(part.strip() for part in deck.split("::"))
    if deck and neutralise_text(deck) != deck:
        problems.append(Problem(Location(path, data.key_lines.get("deck", data.line)),
                                "'deck' contains a TeX command MathJax could turn into a link or markup ({{Deck}} in a template)"))
    description = _description(data, path, problems, "the deck")
    slug = data.get("slug")
    if slug is None:
        slug = slugify(deck)
    elif not isinstance(slug, str) or not ID_RE.fullmatch(slug) or len(slug) > MAX_ID_CHARS:
        problems.append(Problem(Location(path, data.key_lines["slug"]), f"'slug' must be ASCII: lowercase letters, digits and '-' (at most {MAX_ID_CHARS})"))
        slug = slugify(deck)
    lang = None if "lang" not in data else read_lang(data["lang"], path, data.key_lines["lang"], problems)
    topics: dict[str, Topic] = {}
    raw_topics = data.get("topics")
    topics_line = data.key_lines.get("topics", data.line)
    if not isinstance(raw_topics, LinedDict) or not raw_topics:
        problems.append(Problem(Location(path, topics_line), "'topics' must map each topic key to {name: ...}"))
        return deck, slug, topics, Location(path, data.line), description, lang, lint
    for key, line in raw_topics.duplicate_keys:
        problems.append(Problem(Location(path, line), f"topic '{key}' is defined twice"))
    for key, spec in raw_topics.items():
        line = raw_topics.key_lines[key]
        if not isinstance(key, str) or not ID_RE.fullmatch(key) or len(key) > MAX_ID_CHARS:
            problems.append(Problem(Location(path, line), f"topic key '{shorten(str(key))}' must use lowercase letters, digits and '-'"))
            continue
        if not isinstance(spec, LinedDict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
            problems.append(Problem(Location(path, line), f"topic '{key}' needs a name: {{name: 训练 Training}}"))
            continue
        _check_keys(spec, TOPIC_KEYS, path, problems, f"topic '{key}'")
        keywords = spec.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            problems.append(Problem(Location(path, spec.key_lines.get("keywords", line)), f"topic '{key}': keywords must be a list of text"))
            keywords = []
        name = spec["name"].strip()
        if "::" in name:
            problems.append(Problem(Location(path, spec.key_lines.get("name", line)), f"topic '{key}': name '{shorten(name)}' must not contain '::' (it would nest decks)"))
            continue
        if _control_char(name) or _line_break(name):
            problems.append(Problem(Location(path, spec.key_lines.get("name", line)), f"topic '{key}': name contains a line break or control character"))
            continue
        if neutralise_text(name) != name:
            problems.append(Problem(Location(path, spec.key_lines.get("name", line)),
                                    f"topic '{key}': name contains a TeX command MathJax could turn into a link or markup "
                                    "(it is a deck name, which templates can show)"))
            continue
        clash = next((t for t in topics.values() if deck_name_key(t.name) == deck_name_key(name)), None)
        if clash is not None:
            problems.append(Problem(Location(path, spec.key_lines.get("name", line)),
                                    f"topic '{key}' has the same subdeck name as topic '{clash.key}' ('{shorten(name)}'; "
                                    "Anki ignores case, Unicode form and spacing)"))
            continue
        topics[key] = Topic(key=key, name=name, keywords=tuple(keywords),
                            description=_description(spec, path, problems, f"topic '{key}'"))
    return deck, slug, topics, Location(path, data.line), description, lang, lint


def _description(data: LinedDict, path: Path, problems: list[Problem], what: str) -> str:
    """A deck description: short Markdown, shown on the deck's overview screen in Anki."""
    value = data.get("description", "")
    if value is None or value == "":
        return ""
    line = data.key_lines.get("description", data.line)
    if not isinstance(value, str):
        problems.append(Problem(Location(path, line), f"the description of {what} must be text (Markdown)"))
        return ""
    if _control_char(value):
        problems.append(Problem(Location(path, line), f"the description of {what} contains the control character {_control_char(value)}"))
        return ""
    return value.strip()


def lang_from_bytes(path: Path, raw: bytes) -> str:
    """The ``lang`` of one version of topics.yaml (e.g. from git history); "" when absent or bad."""
    data, found = read_yaml(path, raw)
    if found or not isinstance(data, dict) or "lang" not in data:
        return ""
    return read_lang(data["lang"], path, 1, [])


def deck_name_key(name: str) -> str:
    """What Anki compares deck names by: Unicode NFC, case-folded, without control characters,
    spacing collapsed (two names with the same key become one deck)."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch) != "Cc")
    return " ".join(text.split()).casefold()


def _line_break(text: str) -> bool:
    return any(ch in text for ch in "\n\r\t\v\f\x85\u2028\u2029")


def cards_from_bytes(path: Path, raw: bytes, problems: list[Problem] | None = None) -> list[Card]:
    """The valid cards of one version of a card file (e.g. from git history); its problems go to
    ``problems`` when given (read with the same limits as the current corpus)."""
    return _load_card_file(path, {}, [] if problems is None else problems, raw)


def topic_names_from_bytes(path: Path, raw: bytes, problems: list[Problem] | None = None) -> dict[str, str]:
    """Topic key -> display name of one version of topics.yaml; its reading problems go to ``problems``."""
    data, found = read_yaml(path, raw)
    if problems is not None:
        problems.extend(found)
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, dict):
        return {}
    return {k: v["name"].strip() for k, v in topics.items() if isinstance(v, dict) and isinstance(v.get("name"), str)}


def _load_card_file(path: Path, topics: dict[str, Topic], problems: list[Problem], raw: bytes | None = None) -> list[Card]:
    data, found = read_yaml(path, raw)
    problems.extend(found)
    if found:
        return []
    if not isinstance(data, LinedDict):
        problems.append(Problem(Location(path, 1), "a card file must be a mapping with a 'cards:' list"))
        return []
    _check_keys(data, FILE_KEYS, path, problems, "the card file")
    source = _load_source(path, data, problems)
    file_slug = slugify(path.stem).lower()
    raw_cards = data.get("cards")
    if not isinstance(raw_cards, list):
        problems.append(Problem(Location(path, data.key_lines.get("cards", data.line)), "'cards' must be a list of cards"))
        return []
    cards = []
    item_lines = getattr(raw_cards, "item_lines", None) or [data.key_lines.get("cards", 1)] * len(raw_cards)
    for index, (raw, line) in enumerate(zip(raw_cards, item_lines), 1):
        card = _load_card(path, index, raw, line, source, file_slug, topics, problems)
        if card is not None:
            cards.append(card)
    return cards


def _load_source(path: Path, data: LinedDict, problems: list[Problem]) -> Source:
    raw = data.get("source")
    if raw is None:
        return Source()
    line = data.key_lines["source"]
    if not isinstance(raw, LinedDict):
        problems.append(Problem(Location(path, line), "'source' must be a mapping with title and/or origin"))
        return Source()
    _check_keys(raw, SOURCE_KEYS, path, problems, "source")
    values = {}
    for key in SOURCE_KEYS:
        value = raw.get(key, "")
        if not isinstance(value, (str, int)):
            problems.append(Problem(Location(path, raw.key_lines[key]), f"source {key} must be text"))
            value = ""
        values[key] = str(value).strip()
    if values["slug"] and (not ID_RE.fullmatch(values["slug"]) or len(values["slug"]) > MAX_ID_CHARS):
        problems.append(Problem(Location(path, raw.key_lines["slug"]), "source slug must use lowercase letters, digits and '-'"))
        values["slug"] = ""
    return Source(title=values["title"], origin=values["origin"], slug=values["slug"])


def _load_card(path, index, raw, item_line, source, file_slug, topics, problems) -> Card | None:
    if not isinstance(raw, LinedDict):
        problems.append(Problem(Location(path, item_line), f"card #{index} must be a mapping with id, question, answer, topics"))
        return None
    line = raw.line
    before = len(problems)

    def bad(key: str, message: str, card_id=None) -> None:
        problems.append(Problem(Location(path, raw.key_lines.get(key, line)), message, card_id))

    card_id = raw.get("id")
    if card_id is None:
        problems.append(Problem(Location(path, line), f"card #{index} has no 'id'"))
        card_id = None
    elif not isinstance(card_id, str):
        quoted = f" (quote it: id: '{shorten(str(card_id))}')" if isinstance(card_id, (int, float, bool)) else ""
        bad("id", f"card #{index}: id must be text, not {_kind(card_id)}{quoted}")
        card_id = None
    elif not ID_RE.fullmatch(card_id):
        bad("id", f"card #{index}: id {shorten(card_id)!r} must start with a-z or 0-9 and use only lowercase a-z, 0-9 and '-'")
        card_id = None
    elif len(card_id) > MAX_ID_CHARS:
        bad("id", f"card #{index}: id {shorten(card_id)!r} is longer than {MAX_ID_CHARS} characters")
        card_id = None
    label = card_id if card_id else None
    _check_keys(raw, CARD_KEYS, path, problems, "card", label)

    texts = {"answer": "", "cloze": ""}
    has_cloze = "cloze" in raw
    if has_cloze and "answer" in raw:
        bad("cloze", "give either 'answer' or 'cloze', not both", label)
    for key in ("question", "cloze" if has_cloze else "answer"):
        value = raw.get(key)
        if value is None:
            bad(key, f"missing '{key}'", label)
        elif _text(value) is None:
            bad(key, f"'{key}' must be text (Markdown), not {_kind(value)}", label)
        elif not value.strip():
            bad(key, f"'{key}' is empty", label)
        elif _control_char(value):
            bad(key, f"'{key}' contains the control character {_control_char(value)}; remove it", label)
        elif markdown_problem(value):
            bad(key, f"'{key}' {markdown_problem(value)}", label)
        elif renders_blank(value):
            bad(key, f"'{key}' shows nothing on the card (only link definitions, empty tags or spaces)", label)
        texts[key] = value if isinstance(value, str) else ""
    explanation = raw.get("explanation", "")
    if explanation is None:
        explanation = ""
    if not isinstance(explanation, str):
        bad("explanation", f"'explanation' must be text (Markdown), not {_kind(explanation)}", label)
        explanation = ""
    elif _control_char(explanation):
        bad("explanation", f"'explanation' contains the control character {_control_char(explanation)}; remove it", label)
    elif markdown_problem(explanation):
        bad("explanation", f"'explanation' {markdown_problem(explanation)}", label)
    elif explanation.strip() and renders_blank(explanation):
        bad("explanation", "'explanation' shows nothing on the card (only link definitions, empty tags or spaces)", label)

    recall = raw.get("recall", "")
    if recall and recall not in RECALL_MODES:
        bad("recall", f"'recall' must be one of: {', '.join(RECALL_MODES)} (got {str(recall)[:40]!r})", label)
    elif recall and has_cloze:
        bad("recall", "'recall' goes with 'answer'; a cloze card already marks its deletions", label)

    def at(key: str, offset: int) -> Location:  # the file line of texts[key][offset]
        first = raw.block_lines.get(key)
        return Location(path, first + texts[key].count("\n", 0, offset) if first else raw.key_lines.get(key, line))

    for key, value in (*texts.items(), ("explanation", explanation)):
        reserved = next((c for c in cloze.RESERVED if c in value), None)
        if reserved:
            problems.append(Problem(at(key, value.index(reserved)), f"'{key}' contains U+{ord(reserved):04X}, a "
                                    "private-use character qadeck reserves for cloze markers; remove it", label))
    if has_cloze and texts["cloze"].strip():
        deletions, found = cloze.scan(texts["cloze"])
        for item in found:
            problems.append(Problem(at("cloze", item.offset), item.message, label))
        if not deletions and not found:
            bad("cloze", "'cloze' has no deletion: mark the text to hide as {{c1::text}}", label)
    if recall == "list" and cloze.MARKER.search(texts["answer"]):
        problems.append(Problem(at("answer", cloze.MARKER.search(texts["answer"]).start()),
                                "'recall: list' makes the deletions itself (one per list item); "
                                "to mark them by hand, use 'cloze:' instead of 'answer:'", label))

    card_topics = _string_list(raw, "topics", bad, label)
    if "topics" not in raw:
        bad("topics", f"missing 'topics': list at least one of {', '.join(topics) or 'the topics in topics.yaml'}", label)
    elif card_topics is not None and not card_topics:
        bad("topics", "'topics' is empty: list at least one topic", label)
    for topic in card_topics or []:
        if topics and topic not in topics:
            bad("topics", f"unknown topic '{shorten(topic)}'{_suggest(shorten(topic), topics)}; known topics: {', '.join(topics)}", label)
    tags = _string_list(raw, "tags", bad, label) or []
    for tag in tags:
        problem = _tag_problem(tag)
        if problem:
            bad("tags", f"tag '{shorten(tag)}' {problem}", label)

    distinct = _string_list(raw, "distinct_from", bad, label) or []
    for other in distinct:
        if not ID_RE.fullmatch(other):
            bad("distinct_from", f"distinct_from: {shorten(other)!r} is not a card id", label)

    card_lint = read_card_lint(raw.get("lint"), path, raw.key_lines.get("lint", line), label, problems)

    if len(problems) > before or card_id is None:
        return None
    return Card(
        id=card_id,
        question=texts["question"],
        answer=texts["answer"],
        explanation=explanation,
        topics=tuple(dict.fromkeys(card_topics)),
        tags=tuple(dict.fromkeys(tags)),
        source=source,
        location=Location(path, line),
        source_slug=(source.slug or file_slug) if not source.empty else "",
        distinct_from=tuple(distinct),
        cloze=texts["cloze"],
        recall=recall or "",
        key_lines=tuple((str(k), n) for k, n in raw.key_lines.items()),
        lint=card_lint,
        block_lines=tuple((str(k), n) for k, n in raw.block_lines.items()),
    )


def _string_list(raw: LinedDict, key: str, bad, label) -> list[str] | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]  # `topics: hardware` is a common, harmless shorthand
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad(key, f"'{key}' must be a list of text, e.g. [{key[:-1]}-a, {key[:-1]}-b]", label)
        return None
    return [v.strip() for v in value]
