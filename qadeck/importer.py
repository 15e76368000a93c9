"""``build.py import``: turn Q&A articles into card files of the corpus format.

One card file per article (``cards/<article-slug>.yaml``) unless one output file is named;
``topics.yaml`` is never an output (it is the corpus's topic list, not a card file).

Card ids are ``<output-file-stem>-<nn>``. Into a new file they are numbered in article order. When
the output file already exists (a re-import with ``--force``), ids are kept stable so Anki keeps
each note's review history with its own question:

1. a question whose normalised text (:func:`qadeck.similarity.normalise`) equals an existing card's
   question gets that card's id (first unused one, in file order);
2. each remaining question gets the id of the remaining existing card it is most alike to, best
   pairs first, when their similarity (:func:`qadeck.similarity.similar_pairs`, weighted over every
   question of the corpus, so template words weigh little) is at least :data:`ID_MATCH`. That is
   stricter than the near-duplicate warning: a wrong match would give one question's review
   history to another, a missed one only starts a new card;
3. every other question gets a fresh number above the highest ``<stem>-<nn>`` number the existing
   file uses, in article order, so an id that ever named another question is never reused.

Existing cards that match no question are dropped from the file, with a warning naming them.
Re-importing the same article therefore gives the same ids and a byte-identical file.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml

from .article import Article, parse_article, suggest_topics
from .errors import InputError, Location, Problem, UsageError
from .limits import MAX_FILE_BYTES
from .loader import _CONTROL, TOPICS_FILE, load_corpus, read_corpus_file
from .model import Card, Source
from .output import write_all_atomically
from .similarity import normalise, similar_pairs
from .yamlread import read_yaml

ID_MATCH = 0.6  # similarity a reworded question needs to keep an existing card's id (see the docstring)


@dataclass
class ImportReport:
    written: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    cards: int = 0  # cards written, over all files


def article_slug(path: Path) -> str:
    """ASCII slug of an article's file name: ``000_4337de1ed0bc8049.txt`` -> ``000-4337de1ed0bc8049``."""
    ascii_name = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") or "article"


def run_import(articles: Sequence[Path], output: Path | None, force: bool, cards_dir: Path) -> ImportReport:
    """Import ``articles`` into card files; raises InputError / UsageError, writes all or nothing."""
    articles = [Path(a) for a in articles]
    cards_dir = Path(cards_dir)
    if not articles:
        raise UsageError("name at least one article to import")
    report = ImportReport()
    rules = _topic_rules(cards_dir, report.warnings)

    problems: list[Problem] = []
    parsed: list[Article] = []
    for path in articles:
        text = _read(path, problems)
        if text is None:
            continue
        article = parse_article(text, path)
        if not article.cards:
            problems.append(Problem(Location(path), "no recognisable Q&A found: expected questions as headings or bold lines "
                                                    "(e.g. '### 1. 什么是量化？') followed by their answers (e.g. '**答案：** …')"))
        parsed.append(article)
    if problems:
        raise InputError(problems)

    plans = [(Path(output), parsed)] if output else [(cards_dir / f"{article_slug(a.path)}.yaml", [a]) for a in parsed]
    for path, group in plans:
        if path.name.lower() == TOPICS_FILE:
            how = "name another output file" if output else f"{group[0].path.name} would be written there; import it with -o cards/NAME.yaml"
            raise UsageError(f"{path}: refusing to write a card file named {TOPICS_FILE}, the corpus's topic list; {how}")
    targets = [p.resolve() for p, _ in plans]
    if len(set(targets)) < len(targets):
        raise UsageError("two articles would be written to the same card file; import them with -o FILE")
    for path, _ in plans:
        if path.is_dir():
            raise UsageError(f"{path} is a folder; give a card file name, e.g. {path / 'imported.yaml'}")
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise UsageError(f"{path} is not a regular file; give another output file")
        if path.exists() and not force:
            raise UsageError(f"{path} already exists; use --force to overwrite it")

    documents = []
    new_cards: list[Card] = []
    for path, group in plans:
        previous = _existing_ids(path, report.warnings) if path.exists() else None
        background = _corpus_questions(cards_dir, path) if previous else []
        document, cards = _document(path, group, rules, report.warnings, previous, background)
        documents.append((path, document))
        new_cards += cards
    found = _corpus_warnings(new_cards, cards_dir, set(targets))
    # A question the corpus already has is not imported: the build would reject the pair.
    repeated = {w.card_id for w in found if w.message.startswith(_ALREADY)}
    if new_cards and len(repeated) == len(new_cards):
        raise InputError([w for w in found if w.message.startswith(_ALREADY)]
                         + [Problem(None, f"every imported question is already in {cards_dir}: nothing to import, "
                                          "nothing written (edit the existing cards instead)")])
    report.warnings += found
    for _, document in documents:
        document["cards"] = [entry for entry in document["cards"] if entry["id"] not in repeated]
    documents = [(path, document) for path, document in documents if document["cards"]]
    new_cards = [card for card in new_cards if card.id not in repeated]

    write_all_atomically([(path, _text_writer(dump_card_file(document))) for path, document in documents])
    report.written = [path for path, _ in documents]
    report.cards = len(new_cards)
    report.warnings = [w for a in parsed for w in a.warnings] + report.warnings
    return report


def _read(path: Path, problems: list[Problem]) -> str | None:
    if not path.exists() and not path.is_symlink():
        problems.append(Problem(Location(path), "cannot read the article: No such file or directory"))
        return None
    raw = read_corpus_file(path, Path("/"), problems)  # a pipe or folder is refused, not waited on
    if raw is None:
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(Location(path), f"the article is {len(raw) // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MiB"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(Location(path, line), "the article is not UTF-8 text; save it as UTF-8"))
        return None
    control = _CONTROL.search(text)
    if control:  # the build would reject every card holding it
        line = text.count("\n", 0, control.start()) + 1
        problems.append(Problem(Location(path, line), f"the article contains the control character U+{ord(control.group()):04X}; remove it"))
        return None
    return text


def _topic_rules(cards_dir: Path, warnings: list[Problem]) -> dict[str, list[str]]:
    """Topic key -> keywords from topics.yaml (empty when there is none)."""
    path = cards_dir / TOPICS_FILE
    if not path.exists() and not path.is_symlink():
        warnings.append(Problem(Location(path), "not found: imported cards get no topics; add them by hand"))
        return {}
    found: list[Problem] = []
    raw = read_corpus_file(path, cards_dir, found)
    data, found = read_yaml(path, raw) if raw is not None else (None, found)
    if found:
        warnings.append(Problem(found[0].location, f"cannot be read ({found[0].message}); imported cards get no topics"))
        return {}
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, dict):
        return {}
    rules = {}
    for key, spec in topics.items():
        words = spec.get("keywords", []) if isinstance(spec, dict) else []
        rules[str(key)] = [str(w) for w in words] if isinstance(words, list) else []
    return rules


def _existing_ids(path: Path, warnings: list[Problem]) -> list[tuple[str, str]] | None:
    """(id, question) of each card in an existing card file, in file order; None when unreadable."""
    found: list[Problem] = []
    raw = read_corpus_file(path, path.parent, found)
    data, found = read_yaml(path, raw) if raw is not None else (None, found)
    if found:
        warnings.append(Problem(found[0].location, f"cannot be read ({found[0].message}), so its card ids could not "
                                                   "be kept; the imported cards are numbered afresh"))
        return None
    cards = data.get("cards") if isinstance(data, dict) else None
    found = []
    for card in cards if isinstance(cards, list) else []:
        if isinstance(card, dict) and isinstance(card.get("id"), str):
            found.append((card["id"], str(card.get("question") or "")))
    return found


def _corpus_questions(cards_dir: Path, skip: Path) -> list[str]:
    """Questions of the corpus's other card files, read leniently: background for the similarity weights."""
    questions = []
    for path in sorted(Path(cards_dir).glob("*.yaml")):
        if path.name == TOPICS_FILE or path.resolve() == skip.resolve():
            continue
        for _, question in _existing_ids(path, []) or []:
            questions.append(question)
    return questions


def assign_ids(prefix: str, questions: Sequence[str], existing: Sequence[tuple[str, str]] | None,
               background: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """(an id for each question, ids of ``existing`` cards left unused): the rule of the module docstring.

    ``background``: other questions of the corpus; they only weigh the words in the similarity.
    """
    existing = list(existing or [])
    ids: list[str | None] = [None] * len(questions)
    free = list(range(len(existing)))  # existing cards not yet matched, in file order
    by_key: dict[str, list[int]] = {}
    for index, (_, question) in enumerate(existing):
        by_key.setdefault(normalise(question), []).append(index)
    for position, question in enumerate(questions):
        candidates = [i for i in by_key.get(normalise(question), []) if i in free]
        if candidates:
            ids[position] = existing[candidates[0]][0]
            free.remove(candidates[0])
    waiting = [p for p, card_id in enumerate(ids) if card_id is None]
    if waiting and free:
        skip = len(background)
        pool = [*background, *(existing[i][1] for i in free), *(questions[p] for p in waiting)]
        pairs = [pair for pair in similar_pairs(pool, ID_MATCH)
                 if skip <= pair.first < skip + len(free) <= pair.second]
        for pair in sorted(pairs, key=lambda p: (-p.score, p.second, p.first)):
            old, position = free[pair.first - skip], waiting[pair.second - skip - len(free)]
            if ids[position] is None and existing[old][0] not in ids:
                ids[position] = existing[old][0]
    numbered = re.compile(rf"{re.escape(prefix)}-(\d+)")
    used = [int(m.group(1)) for card_id, _ in existing if (m := numbered.fullmatch(card_id))]
    fresh = [p for p, card_id in enumerate(ids) if card_id is None]
    highest = max(used, default=0)
    width = max(2, len(str(highest + len(fresh))))
    for offset, position in enumerate(fresh, 1):
        ids[position] = f"{prefix}-{highest + offset:0{width}d}"
    unused = [card_id for card_id, _ in existing if card_id not in ids]
    return ids, unused


def _document(path: Path, articles: Sequence[Article], rules: dict[str, list[str]], warnings: list[Problem],
              previous: Sequence[tuple[str, str]] | None = None, background: Sequence[str] = ()):
    prefix = article_slug(path)
    ids, retired = assign_ids(prefix, [item.question for a in articles for item in a.cards], previous, background)
    if retired:
        warnings.append(Problem(Location(path), f"{len(retired)} card(s) of the existing file match no imported question "
                                                f"and are dropped: {', '.join(retired)}"))
    titles = [a.title for a in articles if a.title]
    source = {}
    if titles:
        source["title"] = " / ".join(titles)
    source["origin"] = ", ".join(a.path.name for a in articles)
    entries, cards = [], []
    number = 0
    for article in articles:
        for item in article.cards:
            card_id = ids[number]
            number += 1
            topics = suggest_topics(item.question, f"{item.answer}\n{item.explanation}", rules)
            if not topics and rules:
                topics = [next(iter(rules))]
                warnings.append(Problem(Location(article.path, item.line),
                                        f"no topic keyword matched; put under '{topics[0]}' — check it", card_id))
            entry = {"id": card_id, "question": _block(item.question), "answer": _block(item.answer)}
            if item.explanation:
                entry["explanation"] = _block(item.explanation)
            entry["topics"] = _Flow(topics)
            entries.append(entry)
            cards.append(Card(id=card_id, question=item.question, answer=item.answer, explanation=item.explanation,
                              topics=tuple(topics), tags=(), source=Source(source.get("title", ""), source["origin"]),
                              location=Location(article.path, item.line)))
    return {"source": source, "cards": entries}, cards


def _block(text: str) -> str:
    """Multi-line text ends with a newline so YAML writes it as a plain ``|`` block."""
    return text + "\n" if "\n" in text else text


_ALREADY = "question already in the corpus"


def _corpus_warnings(new_cards: list[Card], cards_dir: Path, replaced: set[Path]) -> list[Problem]:
    """Near-duplicates (and id clashes) of the imported cards against each other and the corpus."""
    existing: list[Card] = []
    warnings: list[Problem] = []
    if (cards_dir / TOPICS_FILE).is_file() and any(p.name != TOPICS_FILE for p in cards_dir.glob("*.yaml")):
        try:
            corpus = load_corpus(cards_dir)
        except InputError as exc:
            warnings.append(Problem(Location(cards_dir), f"the existing corpus has {len(exc.problems)} problem(s), so the "
                                                         "imported cards were not compared with it; run 'build.py --check'"))
        else:
            existing = [c for c in corpus.cards if Path(c.location.path).resolve() not in replaced]
    known = {c.id: c for c in existing}
    for card in new_cards:
        if card.id in known:
            warnings.append(Problem(card.location, f"id is already used by {known[card.id].location}", card.id))
    cards = existing + new_cards
    first_new = len(existing)
    for pair in similar_pairs([c.question for c in cards]):
        if pair.second < first_new:
            continue  # both already in the corpus: that is --check's business
        a, b = cards[pair.first], cards[pair.second]
        if pair.exact and pair.first < first_new:
            warnings.append(Problem(b.location, f"{_ALREADY} as card '{a.id}' at {a.location}; not imported", b.id))
            continue
        what = "duplicate" if pair.exact else f"near-duplicate ({pair.score:.0%} alike)"
        warnings.append(Problem(b.location, f"{what} question of card '{a.id}' at {a.location}", b.id))
    return warnings


# --- writing -------------------------------------------------------------------------------------


class _Flow(list):
    """A list written in flow style: ``topics: [hardware, training]``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)  # '  - id:' under 'cards:', as in the README


def _represent_str(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def dump_card_file(document: dict) -> str:
    """Human-readable YAML: keys in contract order, block literals for multi-line text, real CJK."""
    text = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000,
                     default_flow_style=False, indent=2)
    reader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster on big imports
    if yaml.load(text, Loader=reader) != _plain(document):  # never write something that reads back differently
        raise RuntimeError("card file did not survive a YAML round trip")
    return text


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _text_writer(text: str):
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8", newline="\n")

    return write
