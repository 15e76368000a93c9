"""Card-quality lint: find cards that break the rules of good flashcards, with ``file:line``.

Each card is analysed on its own text alone (:func:`analyse_card`), so the result is cached by
content (a :class:`cache.RenderCache` named ``lint``) and a corpus where one card changed analyses
one card. A hit is kept as (rule or measure, field, line inside the field's text, message or value).
Everything else is applied after the cache: the thresholds (:func:`judge`), the corpus's and the
card's ignores, and the line in the card file (so moving a card or changing a threshold re-analyses
nothing).
"""
from __future__ import annotations

import ast
import functools
import hashlib
import json
import marshal
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .errors import Location, Problem, display_path
from .lint_rules import ERROR, RULES, LintSettings
from .model import Card, Corpus

# Bump when the same card text can give other findings (the code's own hash is in the key too).
LINT_VERSION = "1"
FIELDS = ("question", "answer", "cloze", "explanation")
PYTHON_LANGS = ("python", "py", "python3", "py3")


def fence_re() -> re.Pattern:
    """Python-Markdown's own fence pattern: the linter sees exactly the code blocks the card renders.
    (Imported on first use: a build whose lint is cached loads no Markdown.)"""
    from markdown.extensions.fenced_code import FencedBlockPreprocessor

    return FencedBlockPreprocessor.FENCED_BLOCK_RE


# Han characters (and kana, hangul) count one each; a run of other letters or digits is one word.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff"
# Counted as runs (one string per run of Han characters, not one per character), as the single
# pattern [CJK]|[^\W_CJK]+ would count them one token each.
_HAN_RUN = re.compile(f"[{_CJK}]+")
_WORD_RUN = re.compile(f"[^\\W_{_CJK}]+")
# Math counts as one word however long its TeX: $$…$$, or $…$ as Pandoc reads it ("$5 and $10" is not math).
MATH_RE = re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$(?=[^\s$])(?:[^$\n]|\\\$)*?(?<=[^\s\\])\$(?!\d)", re.S)
INLINE_CODE_RE = re.compile(r"(`+)(.+?)\1", re.S)
LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
URL_RE = re.compile(r"<?https?://[^\s>)]+>?")
TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
ITEM_RE = re.compile(r"^( *)([-*+]|\d{1,9}[.)])[ \t]+(\S.*)$")
_NOT_WORD = re.compile(r"[\W_]+")
_MARKUP = re.compile(r"[*_`#>]+")

YES_NO_ZH = re.compile(r"吗\s*[？?]|是否|是不是|能否|能不能|可否|可不可以|会不会|有没有|要不要|对不对|对吗")
WH_ZH = re.compile(r"什么|为什么|为何|如何|怎么|怎样|哪|多少|几|谁|何时|何种|何处|还是")
YES_NO_EN = re.compile(r"^\W*(is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|may|might|must|shall)\b", re.I)
WH_EN = re.compile(r"\b(what|why|how|which|when|where|who|whom|whose|or)\b", re.I)
VAGUE = re.compile(
    r"^\W*(请)?(简单)?(谈谈|谈一谈|说说|说一说|聊聊|聊一聊|讲讲|讲一讲|浅谈|介绍一下)"
    r"|你(怎么|如何)看|你对.{0,40}?的(理解|看法|认识|见解)"
    r"|^\W*(please\s+)?(talk about|tell me about|discuss|share your)\b"
    r"|what do you think|what are your thoughts|your (understanding|thoughts|opinion|view)s? (of|on|about)\b",
    re.I | re.S)


@dataclass(frozen=True)
class Finding:
    """One rule hit: ``str()`` is ``file:line: card 'id': QD101 message``."""

    location: Location
    card_id: str
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: card '{self.card_id}': {self.rule} {self.message}"

    @property
    def name(self) -> str:
        return RULES[self.rule].name

    def as_problem(self) -> Problem:
        return Problem(self.location, f"{self.rule} {self.message}", self.card_id)

    def as_dict(self, shown_path: str | None = None) -> dict:
        shown = display_path(self.location.path) if shown_path is None else shown_path
        return {"file": shown, "line": self.location.line, "card": self.card_id,
                "rule": self.rule, "name": self.name, "severity": self.severity, "message": self.message}


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)  # sorted by file, line, card, rule
    analysed: int = 0  # cards analysed in this run (the rest came from the cache)
    cached: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != ERROR]


# -- the corpus ------------------------------------------------------------------------------

def lint_corpus(corpus: Corpus, cards: Sequence[Card] | None = None, cache_dir: Path | None = None,
                jobs: int | None = None, parsed=None) -> LintReport:
    """Lint ``cards`` (default: the whole corpus); findings are cached under ``cache_dir`` (None: not cached).

    ``parsed``: the cache.ParsedFiles the corpus was read through, if any; then a card file that
    did not change is not looked at card by card.
    """
    with _Analysis(_cache(cache_dir), jobs) as analysis:
        return _report(corpus, corpus.cards if cards is None else cards, analysis, parsed)


def _report(corpus: Corpus, cards: Sequence[Card], analysis: "_Analysis", parsed=None) -> LintReport:
    groups: dict[str, list[Card]] = {}  # card file -> its cards, in order
    for card in cards:
        groups.setdefault(str(card.location.path), []).append(card)
    files = analysis.files(corpus, parsed)
    report = LintReport()
    done: dict[str, list[Finding]] = {}
    todo: dict[str, bool] = {}  # files worked out now -> whether their findings can be stored
    for name, group in groups.items():
        known = files is not None and files.known(name, group)
        found = files.get(name, group) if known else None
        if found is None:
            todo[name] = known
        else:
            done[name] = found
            report.cached += len(group)
    if todo:
        missed = [card for name in todo for card in groups[name]]
        keys = analysis.add(missed)
        hits_of, analysed = analysis.finish(keys)
        report.analysed = len(analysed)
        report.cached += sum(1 for key in keys if key not in analysed)
        key_of = iter(keys)
        for name, known in todo.items():
            group = groups[name]
            raw = files.bytes_of(name) if known else None
            lines = _FileLines(_read(group[0].location.path) if raw is None else raw)
            found = [finding for card in group for finding in _card_findings(card, hits_of[next(key_of)], corpus.lint, lines)]
            found.sort(key=lambda f: (f.location.line or 0, f.card_id, f.rule, f.message))
            done[name] = found
            if raw is not None:  # the lines were found in the bytes the cards came from
                files.put(name, group, found)
        if files is not None:
            files.save()
    # Sorted by file, line, card, rule: each file's findings are sorted already.
    report.findings = [finding for name in sorted(done) for finding in done[name]]
    return report


def _read(path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def card_sources(card: Card) -> tuple[str, ...]:
    """Everything :func:`analyse_card` looks at."""
    return (card.question, card.answer, card.cloze, card.explanation, card.recall)


def _cache(cache_dir: Path | None):
    if cache_dir is None:
        return None
    from .cache import RenderCache

    return RenderCache(Path(cache_dir), _code_context(), arity=1, kind="lint")


def _code_context() -> bytes:
    """What besides a card's text decides its findings: the lint's code and what it reads cards with."""
    import pyflakes

    from . import cloze, lint_rules
    from .cache import markdown_version  # its version file: importing Markdown costs a warm build ~20 ms

    code = b"".join(Path(m.__file__).read_bytes() for m in (lint_rules, cloze)) + Path(__file__).read_bytes()
    return json.dumps({"version": LINT_VERSION, "pyflakes": pyflakes.__version__, "markdown": markdown_version(),
                       "code": hashlib.blake2b(code).hexdigest()}, sort_keys=True).encode()


class _FileFindings:
    """The findings of whole card files, so a rebuild does nothing per card of a file that did not change.

    Used when the cards came through the build's parsed-file cache (:class:`cache.ParsedFiles`),
    which knows a key covering everything each file's cards were made from (its bytes, path,
    topics, the loader's code): an entry is keyed by that key, the lint settings and the lint's
    code, which is everything the findings depend on. Lines are found in the same bytes: a file
    saved again since the build read it is linted from what is there now, and not stored. Nor is
    a file whose cards were not all linted (a selection, a card dropped for a duplicate id).
    """

    def __init__(self, cache, parsed, corpus: Corpus) -> None:
        from .cache import RenderCache

        context = b"\0".join([_code_context(), repr(corpus.lint).encode()])
        self._store = RenderCache(cache.root, context, now=cache.now, arity=None, secret=cache.secret,
                                  kind="lintfiles")
        self._parsed = parsed
        self._keys: dict[str, bytes] = {}
        self._fresh: dict[bytes, bytes] = {}

    def known(self, name: str, cards: list[Card]) -> bool:
        """Whether ``cards`` are all of one file's, as the parsed-file cache read them."""
        served = self._parsed.served(name)
        if served is None or served.cards != len(cards):
            return False
        self._keys[name] = self._store.key((served.key,))
        return True

    def bytes_of(self, name: str) -> bytes | None:
        """The bytes the file's cards were made from (None when it changed since: nothing is stored then)."""
        return self._parsed.bytes_of(name)

    def get(self, name: str, cards: list[Card]) -> list[Finding] | None:
        key = self._keys[name]
        blob = self._store.get_many((key,)).get(key)
        if blob is None:
            return None
        from .cache import load_marshal

        stored = load_marshal(blob)
        if type(stored) is not list:
            return None
        count, out = len(cards), []
        for item in stored:
            if not (type(item) is tuple and len(item) == 4 and type(item[0]) is int and 0 <= item[0] < count
                    and (item[1] is None or type(item[1]) is int) and item[2] in RULES and type(item[3]) is str):
                return None
            card = cards[item[0]]
            out.append(Finding(Location(card.location.path, item[1]), card.id, item[2], RULES[item[2]].severity, item[3]))
        return out

    def put(self, name: str, cards: list[Card], findings: list[Finding]) -> None:
        index = {card.id: i for i, card in enumerate(cards)}
        self._fresh[self._keys[name]] = marshal.dumps(
            [(index[f.card_id], f.location.line, f.rule, f.message) for f in findings])

    def save(self) -> None:
        if self._fresh:
            self._store.put_many(self._fresh)
            self._fresh = {}


class _Analysis:
    """Analyses cards not in the cache, in worker processes once there are enough of them.

    Cards can be added while the corpus is still loading (:func:`lint_directory` adds each file's
    cards as it is read), so the workers analyse the first files while this process parses the
    rest. Identical card texts are analysed once.
    """

    CHUNK = 64  # cards per task: a few ms each, so that a late or busy worker leaves a short tail

    def __init__(self, cache, jobs: int | None) -> None:
        self._cache, self._jobs = cache, jobs
        # Keys: the cache's, or without a cache the card texts themselves.
        self._found: dict = {}  # key -> hits, from the cache or analysed
        self._todo: dict = {}  # key -> card texts to analyse, in order
        self._queued: list = []  # keys in _todo not yet handed to a worker
        self._tasks: list = []  # (keys, future)
        self._keys: dict = {}  # card texts -> cache key: lint_directory adds each card twice
        self._pool = None

    def __enter__(self) -> "_Analysis":
        return self

    def files(self, corpus: Corpus, parsed) -> _FileFindings | None:
        """Whole files' findings beside the cards' analyses (None without a cache or ``parsed``)."""
        return None if self._cache is None or parsed is None else _FileFindings(self._cache, parsed, corpus)

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def add(self, cards: Sequence[Card]) -> list:
        """Look ``cards`` up in the cache and start on the rest; returns their keys."""
        sources = [card_sources(card) for card in cards]
        keys = [self._key(s) for s in sources]
        new = {key: s for key, s in zip(keys, sources) if key not in self._found and key not in self._todo}
        if self._cache is not None and new:
            self._found.update((key, json.loads(fields[0])) for key, fields in self._cache.get_many(new).items())
        for key, s in new.items():
            if key not in self._found:
                self._todo[key] = s
                self._queued.append(key)
        if self._pool is None and self._jobs != 1 and len(self._todo) >= _parallel_min():
            self._start(len(self._todo))
        if self._pool is not None:
            self._submit(final=False)
        return keys

    def _key(self, sources: tuple[str, ...]):
        if self._cache is None:
            return sources
        key = self._keys.get(sources)
        if key is None:
            key = self._keys[sources] = self._cache.key(sources)
        return key

    def finish(self, keys: Sequence) -> tuple[dict, set]:
        """The hits of every key, and which of ``keys`` were analysed (not cached); fills the cache."""
        if self._pool is None and self._jobs != 1 and self._queued:
            self._start(len(self._queued))
        fresh: dict = {}
        if self._pool is not None:
            self._submit(final=True)
            for chunk, future in self._tasks:
                try:
                    fresh.update(zip(chunk, future.result()))
                except Exception:  # noqa: BLE001 - a worker died (say, out of memory): analyse its cards here
                    pass
            self._tasks = []
        rest = [key for key in self._todo if key not in fresh]
        fresh.update(zip(rest, _analyse_chunk([self._todo[key] for key in rest])))
        self._queued = []
        if self._cache is not None and fresh:
            self._cache.put_many({key: (json.dumps(hits, ensure_ascii=False),) for key, hits in fresh.items()})
        self._found.update(fresh)
        self._todo = {}
        wanted = set(keys)
        return self._found, wanted & fresh.keys()

    def _start(self, todo: int) -> None:
        from .parallel import _context, _worker_init, plan_jobs

        jobs = plan_jobs(todo, self._jobs)
        if jobs <= 1:
            return
        try:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_worker_init,
                                             initargs=(os.getpid(),))
        except (ImportError, OSError, RuntimeError):  # no worker processes here: analyse in this one
            self._pool, self._jobs = None, 1

    def _submit(self, final: bool) -> None:
        """Hand the queued cards to the workers in chunks (a last short one only when ``final``)."""
        whole = len(self._queued) if final else len(self._queued) - len(self._queued) % self.CHUNK
        submitted = 0
        for start in range(0, whole, self.CHUNK):
            chunk = self._queued[start:start + self.CHUNK]
            try:
                future = self._pool.submit(_analyse_chunk, [self._todo[key] for key in chunk])
            except RuntimeError:  # the pool broke: finish() analyses the rest in this process
                break
            self._tasks.append((chunk, future))
            submitted = start + len(chunk)
        self._queued = self._queued[submitted:]


def _parallel_min() -> int:
    from .parallel import PARALLEL_MIN_CARDS

    return PARALLEL_MIN_CARDS


def _analyse_chunk(chunk: Sequence[tuple[str, ...]]) -> list[list]:
    return [analyse_card(*sources) for sources in chunk]


def _card_findings(card: Card, hits: list, settings: LintSettings, lines: "_FileLines") -> list[Finding]:
    """Analysed hits -> findings in the card file, after the thresholds and the corpus's and the card's ignores."""
    hits = judge(hits, settings)
    fired = {rule for rule, *_ in hits}
    silenced = set(settings.ignore) | set(card.lint.ignore)
    out = []
    for rule, field_name, index, message in hits:
        if rule not in silenced:
            text = getattr(card, field_name)
            out.append(Finding(Location(card.location.path, lines.line(card, field_name, index, text)),
                               card.id, rule, RULES[rule].severity, message))
    if card.lint.ignore:
        where = Location(card.location.path, card.line_of("lint"))
        if not card.lint.reason and "QD501" not in settings.ignore:
            out.append(Finding(where, card.id, "QD501", RULES["QD501"].severity,
                               'ignores lint rules without a reason: add reason: "why this card is fine"'))
        unused = [code for code in card.lint.ignore if code not in fired and code not in settings.ignore]
        if unused and "QD502" not in settings.ignore:
            out.append(Finding(where, card.id, "QD502", RULES["QD502"].severity,
                               f"ignores {', '.join(unused)}, which no longer fire{'s' if len(unused) == 1 else ''} here: remove "
                               f"{'it' if len(unused) == 1 else 'them'} from lint: ignore"))
    return out


class _FileLines:
    """Maps a line inside a field's text to its line in the card file (the file's bytes as linted)."""

    def __init__(self, raw: bytes | None) -> None:
        self._raw = raw
        self._lines: list[str] | None = None

    def line(self, card: Card, field_name: str, index: int, text: str) -> int:
        key_line = card.line_of(field_name) or card.location.line or 1
        if self._lines is None:
            try:
                self._lines = self._raw.decode("utf-8").splitlines() if self._raw is not None else []
            except UnicodeDecodeError:
                self._lines = []
        lines = self._lines
        if not 0 < key_line <= len(lines):
            return key_line
        after = _KEY_LINE.match(lines[key_line - 1])
        rest = after.group(1) if after else ""
        if rest.startswith("|"):  # literal block: text line i is file line key+1+i
            return key_line + 1 + index
        if index == 0 and rest and not rest.startswith(">"):
            return key_line
        # Folded or multi-line flow scalars join lines: find the text line's start in the file.
        wanted = text.splitlines()[index].strip()[:24] if index < len(text.splitlines()) else ""
        if wanted:
            for number in range(key_line, min(len(lines), key_line + 4 * (index + 1) + 50) + 1):
                if wanted in lines[number - 1]:
                    return number
        return key_line


_KEY_LINE = re.compile(r"\s*(?:-\s+)?[\w\"']+\s*:\s*(.*)$")


# -- one card ----------------------------------------------------------------------------------

def analyse_card(question: str, answer: str, cloze: str, explanation: str, recall: str) -> list[list]:
    """What one card's text shows: ``[rule or measure, field, line inside that field, message or value]``.

    Rules without a threshold come with their message; the thresholded ones come as measures
    (``size``, ``list``, ``repeat``) that :func:`judge` compares with the settings. So the result
    depends on the text alone (no files, settings or ignores) and is cached by it: changing a
    threshold re-analyses nothing.
    """
    hits: list[list] = []
    texts = {"question": question, "answer": answer, "cloze": cloze, "explanation": explanation}
    deletions: list[str] = []
    plain: dict[str, str] = {}
    for name, text in texts.items():
        if text:
            plain[name] = strip_cloze(text, deletions if name == "cloze" else None)
    prose = {}
    for name, text in plain.items():
        if "```" in text or "~~~" in text:  # what every fence starts with: most fields have none
            prose[name] = without_code(text)
            hits += _code_hits(name, text)
        else:
            prose[name] = text

    back = "cloze" if cloze else "answer"
    hits.append(["size", back, 0, measure(prose.get(back, ""))])
    answer_lists = markdown_lists(prose.get("answer", ""))
    if not cloze and recall != "list":
        hits += [["list", "answer", first, len(items)] for first, items, _indent in answer_lists if len(items) > 1]

    asked = question_text(prose.get("question", ""))
    if YES_NO_ZH.search(asked) and not WH_ZH.search(asked) or YES_NO_EN.search(asked) and not WH_EN.search(asked):
        hits.append(["QD201", "question", 0, "a yes/no question: ask for the fact itself (what, why, how, which)"])
    if VAGUE.search(asked):
        hits.append(["QD202", "question", 0, "a vague question: ask for one specific thing the answer states"])

    norm = functools.cache(normalise)  # for this card only: its question and answer are compared more than once
    hits += _answer_in_question(asked, prose, deletions, answer_lists, cloze, recall, norm)
    if "explanation" in prose:
        ratio = overlap(prose["explanation"], prose.get(back, ""), asked, norm)
        if ratio is not None:
            hits.append(["repeat", "explanation", 0, ratio])
    return hits


def judge(hits: list[list], settings: LintSettings) -> list[list]:
    """Analysed hits -> rule hits ``[rule, field, line, message]``: measures compared with the thresholds."""
    out = []
    for kind, name, index, value in hits:
        if kind == "size" and value > settings.too_long_answer:
            out.append(["QD102", name, index, f"{name} prose is {value} Han characters/words (more than "
                                              f"{settings.too_long_answer}): split it into smaller cards"])
        elif kind == "size" and value > settings.long_answer:
            out.append(["QD101", name, index, f"{name} prose is {value} Han characters/words (more than "
                                              f"{settings.long_answer}): keep one idea per card"])
        elif kind == "list" and value >= settings.list_items:
            out.append(["QD103", name, index, f"a list of {value} items: make the card 'recall: list' or a cloze, or split it"])
        elif kind == "repeat" and value >= settings.repeat_ratio:
            out.append(["QD302", name, index, f"the explanation mostly repeats the answer ({value:.0%} of it is there): "
                                              "say what the answer does not, or drop it"])
        elif kind in RULES:
            out.append([kind, name, index, value])
    return out


def strip_cloze(text: str, deletions: list[str] | None = None) -> str:
    """``{{c1::x::hint}}`` -> ``x``, read as the build reads markers (code inside a deletion may hold
    ``}}`` and ``::``); each deletion's text goes to ``deletions``."""
    if "{{c" not in text:
        return text
    from .cloze import scan

    found, _problems = scan(text)  # bad markers are the build's errors, reported there
    parts, pos = [], 0
    for d in sorted(found, key=lambda d: d.start):
        if d.start < pos:  # inside a deletion already kept
            continue
        inner = strip_cloze(text[d.text_start:d.text_end])  # Anki nests deletions
        if deletions is not None:
            deletions.append(inner)
        parts += [text[pos:d.start], inner]
        pos = d.end
    parts.append(text[pos:])
    return "".join(parts)


def without_code(text: str) -> str:
    """The text with fenced code blocks blanked (their lines kept, so line numbers still hold)."""
    return fence_re().sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _code_hits(name: str, text: str) -> list[list]:
    hits: list[list] = []
    for match in fence_re().finditer(text):
        fence = text.count("\n", 0, match.start())
        lang = (match.group("lang") or "").lower()
        if not lang and not match.group("attrs"):
            hits.append(["QD401", name, fence, "a code block without a language: write ```python (or text, bash, …) "
                                               "so it is highlighted and checked"])
        elif lang in PYTHON_LANGS:
            hits += [[rule, name, fence + offset, message] for rule, offset, message in python_hits(match.group("code"))]
    return hits


def python_hits(code: str) -> list[tuple[str, int, str]]:
    """(rule, line inside the block (1 = first code line), message) for one Python block."""
    return list(_python_hits(code))


@functools.lru_cache(maxsize=4096)  # a pure function of the code; copied answers repeat their blocks
def _python_hits(code: str) -> tuple[tuple[str, int, str], ...]:
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        line = exc.lineno or 1
        return (("QD402", line, f"Python code does not parse: {exc.msg} (line {line} of the block); fix it, "
                                "or mark the block with the language it is in"),)
    except (ValueError, RecursionError, MemoryError) as exc:
        return (("QD402", 0, f"Python code does not parse: {exc}"),)
    from pyflakes import messages

    hits, seen = [], set()
    for message in sorted(flakes_checker()(tree).messages, key=lambda m: (m.lineno, m.col)):
        if isinstance(message, messages.UndefinedName):
            rule, text = "QD403", f"undefined name '{message.message_args[0]}' in the Python code: define or import it"
        elif isinstance(message, messages.UnusedImport):
            rule, text = "QD404", f"'{message.message_args[0]}' is imported but unused in the Python code"
        else:
            continue
        if (rule, text) not in seen:  # one hit per name and block
            seen.add((rule, text))
            hits.append((rule, message.lineno, text))
    return tuple(hits)


@functools.lru_cache(maxsize=None)
def flakes_checker() -> type:
    """pyflakes' Checker, binding the builtins into the module scope in one step.

    pyflakes binds its ~160 builtins one by one through ``addBinding`` (which looks for an existing
    binding in every scope) for each block checked: that was most of the cost of a short block. Into
    the empty module scope that loop can only store each name, so storing them at once gives the
    same bindings. Fresh ``Builtin`` objects each time: a use marks the binding, and a later import
    of the same name inherits that mark, so sharing them would leak one block's uses into the next.
    ``tests/test_lint.py`` checks the messages match the stock Checker's.
    """
    import contextlib

    from pyflakes.checker import Builtin, Checker

    class FastBuiltinsChecker(Checker):
        @contextlib.contextmanager
        def in_scope(self, cls):
            if self.scopeStack:
                with super().in_scope(cls):
                    yield
                return
            scope = cls()
            scope.update({name: Builtin(name) for name in self.builtIns})
            self.builtIns = frozenset()  # bound already: Checker.__init__ loops over this next
            self.scopeStack.append(scope)
            try:
                yield
            finally:
                self.deadScopes.append(self.scopeStack.pop())

    return FastBuiltinsChecker


def measure(prose: str) -> int:
    """How long prose reads: each Han character (or kana, hangul) counts one, each Latin word one.

    Silent reading takes about as long per Han character as per English word, so both languages
    meet the same threshold. Math and inline code count as one word each, link targets not at all.
    """
    text = prose
    # Each pattern needs its marker character; a substring test is much cheaper than a regex scan.
    if "$" in text:
        text = MATH_RE.sub(" m ", text)
    if "`" in text:
        text = INLINE_CODE_RE.sub(" c ", text)
    if "](" in text:
        text = LINK_RE.sub(r" \1 ", text)
    if "http" in text:
        text = URL_RE.sub(" u ", text)
    if "<" in text:
        text = TAG_RE.sub(" ", text)
    return sum(map(len, _HAN_RUN.findall(text))) + len(_WORD_RUN.findall(text))


def question_text(prose: str) -> str:
    """The question as words: inline markup gone, inline code and math kept as text."""
    text = LINK_RE.sub(r"\1", prose) if "](" in prose else prose
    if "<" in text:
        text = TAG_RE.sub(" ", text)
    return _MARKUP.sub("", text).strip()


def normalise(text: str) -> str:
    """Lower-case letters, digits and Han characters only: what 'the same words' compares."""
    if "](" in text:
        text = LINK_RE.sub(r"\1", text)
    if "<" in text:
        text = TAG_RE.sub("", text)
    return _NOT_WORD.sub("", text).lower()


def markdown_lists(prose: str) -> list[tuple[int, list[tuple[int, str]], int]]:
    """The Markdown lists of a text: (line of the first item, [(line, item text)], indent), nested ones apart.

    A list goes on across blank lines and indented lines; a line back at the margin after a blank
    ends it, as in Markdown. A change between ordered and bullet items starts a new list (sane_lists).
    """
    done: list = []
    stack: list[list] = []  # open lists: [indent, ordered, first line, items]
    blank = False
    for number, raw in enumerate(prose.split("\n")):
        line = raw.expandtabs(4) if "\t" in raw else raw
        if not line.strip():
            blank = True
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = ITEM_RE.match(line)
        if item:
            ordered = item.group(2)[0].isdigit()
            while stack and stack[-1][0] > indent + 1:
                done.append(stack.pop())
            if stack and abs(stack[-1][0] - indent) <= 1 and stack[-1][1] != ordered:
                done.append(stack.pop())
            if stack and abs(stack[-1][0] - indent) <= 1:
                stack[-1][3].append((number, item.group(3)))
            else:
                stack.append([indent, ordered, number, [(number, item.group(3))]])
        elif stack and blank and indent <= stack[0][0]:
            done.extend(reversed(stack))  # back at the margin after a blank line: the list is over
            stack = []
        blank = False
    done.extend(reversed(stack))
    return sorted(((first, items, indent) for indent, _ordered, first, items in done), key=lambda entry: entry[0])


def _answer_in_question(asked: str, prose: dict, deletions: list[str], answer_lists: list, cloze: str,
                        recall: str, norm=normalise) -> list[list]:
    question = norm(asked)
    if not question:
        return []
    if cloze:
        what, parts = "a deletion", deletions
    elif recall == "list":
        margin = min((indent for _first, _items, indent in answer_lists), default=0)
        what = "a recalled item"
        parts = [text for _first, items, indent in answer_lists if indent == margin for _line, text in items]
    else:
        what, parts = "the answer", [prose.get("answer", "")]
    hits = []
    for text in parts:
        normal = norm(text)
        if len(normal) >= 2 and normal in question:
            shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:39] + "…"
            hits.append(["QD301", "question", 0, f"the question gives away {what} ('{shown}'): reword the question"])
    return hits


def overlap(explanation: str, answer: str, question: str = "", norm=normalise) -> float | None:
    """The share of the explanation's character pairs that occur in the answer (None: too short to tell).

    Pairs the question has too do not count: an answer and an explanation that both restate the
    question do not repeat each other for that.
    """
    pairs = _pairs(norm(explanation)) - _pairs(norm(question))
    if len(pairs) < 4:
        return None
    return len(pairs & _pairs(norm(answer))) / len(pairs)


def _pairs(normal: str) -> set[str]:
    return {normal[i:i + 2] for i in range(len(normal) - 1)}


# -- entry point and output ----------------------------------------------------------------------

def lint_directory(cards_dir: Path, cache_dir: Path | None = None, jobs: int | None = None) -> LintReport:
    """Lint a corpus directory. Input errors (the loader's, and lint errors of the valid cards)
    raise one InputError together, as a build would."""
    from .errors import InputError
    from .loader import read_corpus

    cache = _cache(cache_dir)
    parsed = None
    if cache is not None:
        from .cache import ParsedFiles

        parsed = ParsedFiles(cache)  # the build's: unchanged files are not parsed again
    with _Analysis(cache, jobs) as analysis:
        def load_file(path, topics, problems, parse):  # each file's cards are analysed while the next ones load
            if parsed is not None:
                cards = parsed(path, topics, problems, parse)
            else:
                try:
                    cards = parse(path, topics, problems, Path(path).read_bytes())
                except OSError:
                    cards = parse(path, topics, problems)  # the loader reports it
            analysis.add(cards)
            return cards

        corpus, problems = read_corpus(cards_dir, load_file, parsed)  # topics.yaml too, by its bytes
        if parsed is not None and not problems:
            parsed.save()
        report = _report(corpus, corpus.cards, analysis, parsed) if corpus.cards else LintReport()
    if problems:
        raise InputError(problems + [finding.as_problem() for finding in report.errors])
    return report


def format_text(report: LintReport) -> str:
    """One ``str(finding)`` per line."""
    shown = _shown_paths(report)
    return "".join(f"{shown[f.location.path]}{f':{f.location.line}' if f.location.line else ''}: card '{f.card_id}': "
                   f"{f.rule} {f.message}\n" for f in report.findings)


def format_json(report: LintReport) -> str:
    shown = _shown_paths(report)
    return json.dumps([finding.as_dict(shown[finding.location.path]) for finding in report.findings],
                      ensure_ascii=False, indent=2) + "\n"


def _shown_paths(report: LintReport) -> dict:
    """Each file's displayed path, worked out once per file rather than once per finding (it resolves the path)."""
    return {path: display_path(path) for path in {finding.location.path for finding in report.findings}}


def summary(report: LintReport) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if not errors and not warnings:
        return "lint: no problems found"
    return f"lint: {warnings} warning(s), {errors} error(s)"
