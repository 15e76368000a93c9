"""Duplicate and near-duplicate questions across a corpus.

Exact duplicates compare questions after :func:`normalise` (width, case, punctuation, whitespace,
polite prefixes such as 请简述). Near-duplicates compare the question's first paragraph without
question words (如何, 进行, 的 …) by a cosine similarity of character bigrams weighted by inverse
document frequency over the corpus itself: interview questions are written from templates ("如何进行大规模模型的音频处理？" / "…视频处理？"), so a plain edit ratio calls them
90 % alike although they differ in the one word that matters. Bigrams common to many questions
(模型, 如何) weigh little, the rare content bigrams (音频, 迁移) decide.

A corpus of real interview questions asks the same thing many times in other words, so the number
of alike pairs grows with the square of the corpus. The build therefore reports each card's few
closest earlier questions only, found through an inverted index of the rare bigrams with short
posting lists: time and memory grow linearly (10,000 paraphrasing questions: well under a second,
in plain Python, so a small corpus never pays for importing numpy).
"""
from __future__ import annotations

import math
from math import fsum
import re
import unicodedata
from collections import Counter, defaultdict
from bisect import bisect_right
from itertools import accumulate, chain, repeat
from operator import add, itemgetter
from collections.abc import Sequence as SequenceABC
from typing import Collection, Iterable, NamedTuple, Sequence

from .errors import Location, Problem
from .model import Card

NEAR_THRESHOLD = 0.55  # cosine; tuned on the seed articles (see tests/test_similarity.py)
INDEX_CAP = 64  # questions: a bigram more common than this is never used to find candidates
NEIGHBOURS = 3  # near-duplicates reported per card: its closest earlier questions

# Polite openers that do not change what is asked.
PREFIXES = (
    "请简要说明", "请简要解释", "请简要介绍", "请简要描述", "请详细说明", "请简述", "请解释", "请说明",
    "请描述", "请介绍", "请列举", "请谈谈", "请问", "简要说明", "简要解释", "简述", "解释一下",
    "谈谈", "说说", "试述", "please explain", "explain", "describe",
)
_NUMBERING = re.compile(r"^\s*(?:题目|问题|question|q)?\s*\d+\s*[.、．:：)）]?\s*", re.IGNORECASE)
_MARKUP = re.compile(r"[*_`#>~]")


def normalise(text: str) -> str:
    """The comparable core of a question: no markup, numbering, prefixes, punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _MARKUP.sub(" ", text)
    text = _NUMBERING.sub("", text, count=1)
    text = _strip_prefixes(text.strip())
    return text.translate(_DROP)


class _DropTable(dict):
    """``str.translate`` table deleting punctuation, symbols, separators and control characters.

    Filled per character on first sight (a table of all of Unicode would cost more than it saves).
    """

    def __missing__(self, char: int):
        if unicodedata.category(chr(char))[0] in "PSZC":
            self[char] = None
            return None
        self[char] = char
        return char


_DROP = _DropTable()


# Question words that say how something is asked, not what: dropped before comparing meaning.
_FILLERS = re.compile(r"^在|(?<=[型习络据])中|如何|怎样|怎么|进行|实现|应用|处理|问题|是什么|什么是|有哪些|的")


def core(question: str) -> str:
    """What a question is about: its first paragraph, normalised, without question words."""
    return _core(question, None)


def _core(question: str, key: str | None) -> str:
    """:func:`core`; ``key``: ``normalise(question)`` if already known."""
    headline = question.strip().split("\n\n")[0]
    if key is None or headline != question:
        key = normalise(headline)
    return _FILLERS.sub("", key)


def _strip_prefixes(text: str) -> str:
    if not text.startswith(PREFIXES):
        return text
    changed = True
    while changed:
        changed = False
        for prefix in PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):].lstrip(" ,，:：")
                changed = True
    return text


class Pair(NamedTuple):
    """Two questions that look alike; ``first`` comes earlier in the input order.

    A named tuple: a build turns tens of thousands of them into warnings and back from its cache.
    """

    first: int
    second: int
    score: float  # 1.0 for exact duplicates after normalisation
    exact: bool


def similar_pairs(questions: Sequence[str], threshold: float = NEAR_THRESHOLD, *,
                  top: int | None = None, distinct: Collection[tuple[int, int]] = (),
                  memo: dict | None = None) -> list[Pair]:
    """Every exact duplicate, and the near-duplicates: pairs at least ``threshold`` alike.

    ``top``: keep only each question's ``top`` closest earlier questions (see :func:`_near`),
    which bounds time and memory on a corpus of paraphrases; None keeps every pair found.
    ``distinct``: (earlier, later) index pairs never reported as near-duplicates (reviewed ones),
    so they do not take the place of a closest neighbour.
    ``memo``: the search state of an earlier call (plain data; empty at first), read and replaced:
    when only a few questions changed since, only the questions they can affect are searched
    again (see :func:`_near_again`), with the same result as a full search.
    """
    key_of, core_of = _known(memo)  # from the earlier call: question -> its key, and its core
    keys = [key_of[q] if q in key_of else normalise(q) for q in questions]
    pairs: list[Pair] = []
    first_of: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        if key in first_of:
            pairs.append(Pair(first_of[key], index, 1.0, True))
        else:
            first_of[key] = index
    # Repeats are reported once, as exact: only each key's first question is compared.
    unique = [i for i, key in enumerate(keys) if key and first_of[key] == i]
    cores = [core_of[questions[i]] if questions[i] in core_of else _core(questions[i], keys[i]) for i in unique]
    position = {index: k for k, index in enumerate(unique)}
    skip = {(position[a], position[b]) for a, b in distinct if a in position and b in position}
    state = (threshold, top, sorted(skip))
    found = None
    if memo is not None and memo.get("state") == state:
        found = _near_again(cores, memo, threshold, top, skip)
    if found is None:
        prefixes: list[list[str]] = []
        space = _Space.of(cores)
        found = list(_near(space, threshold, top, skip, prefixes)), prefixes, space.df
    near, prefixes, df = found
    if memo is not None:
        memo.clear()
        memo.update(state=state, questions=list(questions), keys=keys, unique=unique, cores=cores,
                    df=df, prefixes=prefixes, near=near)
    at = unique.__getitem__  # search positions -> question indices, for every near pair at once
    pairs += map(Pair._make, zip(map(at, map(itemgetter(0), near)), map(at, map(itemgetter(1), near)),
                                 map(itemgetter(2), near), repeat(False)))
    pairs.sort(key=itemgetter(1, 0))  # (second, first)
    return pairs


def _known(memo: dict | None) -> tuple[dict[str, str], dict[str, str]]:
    """(question -> its key, question -> its core) as an earlier call's ``memo`` holds them."""
    if not memo or "questions" not in memo:
        return {}, {}
    questions = memo["questions"]
    return dict(zip(questions, memo["keys"])), {questions[i]: c for i, c in zip(memo["unique"], memo["cores"])}


def _bigrams(key: str) -> list[str]:
    if len(key) < 2:
        return [key] if key else []
    return list(map(add, key, key[1:]))  # each letter and the next


_NO_REPEATS: dict[int, float] = {}


class _Space:
    """The cores as TF-IDF vectors of their bigrams, weighted by the corpus's own document frequencies.

    A question is kept as (its bigrams, the term-frequency factor of those it repeats, its norm),
    each bigram by a number: most questions repeat no bigram, so their weight on a bigram is just
    its IDF, and the dot product of two of them is the sum of IDF^2 over the bigrams they share,
    found by a set intersection (in C). Sums are ``math.fsum``, exact whatever a set's order, so
    every search gives the same scores to the last bit.
    """

    def __init__(self, cores: Sequence[str], df: dict[str, int]) -> None:
        self.cores, self.df, self.n = cores, df, len(cores)
        self.names: list[str] = []  # bigram number -> bigram
        self.idf2: list[float] = []  # bigram number -> IDF^2
        self.ids = _Numbers(self)  # bigram -> number, given when first seen
        # question -> (bigram numbers, repeats, norm); made when first needed
        self.features: Sequence[tuple[frozenset[int], dict[int, float], float]] = _Features(self)

    @classmethod
    def of(cls, cores: Sequence[str]) -> "_Space":
        """Every core's vector made at once, as a full search needs them."""
        sets, repeating = [], {}  # each core's set of bigrams; the bigram lists of those that repeat one
        for index, core_ in enumerate(cores):
            bigrams = _bigrams(core_)
            sets.append(frozenset(bigrams))
            if len(sets[-1]) != len(bigrams):
                repeating[index] = bigrams
        df = dict(Counter(chain.from_iterable(sets)))
        space = cls(cores, df)
        space.names = list(df)
        space.ids.update(zip(space.names, range(len(df))))
        log, n = math.log, space.n
        space.idf2 = [log(1 + n / d) ** 2 for d in df.values()]
        space.features = [space.make(repeating.get(index), grams) for index, grams in enumerate(sets)]
        return space

    def make(self, bigrams: list[str] | None, grams: frozenset[str] | None = None) -> tuple[frozenset[int], dict[int, float], float]:
        """A core's (bigram numbers, repeats, norm) from its bigram list, or from its bigram set
        alone (``bigrams`` None) when no bigram repeats."""
        grams = frozenset(bigrams) if grams is None else grams
        numbers = frozenset(map(self.ids.__getitem__, grams))
        idf2 = self.idf2
        if bigrams is None or len(grams) == len(bigrams):
            return numbers, _NO_REPEATS, math.sqrt(fsum(map(idf2.__getitem__, numbers))) or 1.0
        # 1 + log(count): a bigram said twice weighs more, but not twice as much
        repeats = {self.ids[g]: 1 + math.log(c) for g, c in Counter(bigrams).items() if c > 1}
        return numbers, repeats, math.sqrt(fsum(idf2[k] * repeats.get(k, 1.0) ** 2 for k in numbers)) or 1.0


class _Numbers(dict):
    """bigram -> its number in ``space`` (and its IDF^2 there), given when first asked for."""

    def __init__(self, space: _Space) -> None:
        super().__init__()
        self._space = space

    def __missing__(self, gram: str) -> int:
        space = self._space
        number = self[gram] = len(space.names)
        space.names.append(gram)
        space.idf2.append(math.log(1 + space.n / space.df[gram]) ** 2)
        return number


class _Features(dict):
    """question index -> its (bigram numbers, repeats, norm) in ``space``, made when first asked for."""

    def __init__(self, space: _Space) -> None:
        super().__init__()
        self._space = space

    def __missing__(self, index: int):
        value = self[index] = self._space.make(_bigrams(self._space.cores[index]))
        return value


def _near(space: _Space, threshold: float, top: int | None, skip: Collection[tuple[int, int]] = (),
          prefixes: list[list[str]] | None = None) -> Iterable[tuple[int, int, float]]:
    """(i, j, cosine) for i < j at or above ``threshold`` and not in ``skip``; with ``top``, each j
    keeps its ``top`` closest i.

    Candidates come from an inverted index of the bigrams found in at most :data:`INDEX_CAP`
    questions: the others (模型, 如何) weigh little, and a constant cap (not a share of the corpus)
    keeps every posting list short, so the work grows linearly. Pairs sharing no indexed bigram
    are never compared.

    Only each question's *prefix* is indexed and looked up: its indexed bigrams rarest first, up
    to the point where the norm of the rest (the remaining indexed bigrams plus all unindexed
    ones) is below the threshold. Two questions whose prefixes share no bigram cannot reach it:
    all they share lies in one question's rest, and by Cauchy-Schwarz the dot product is at most
    that rest's norm. Questions are visited in order and each prefix is indexed after its lookup,
    so the index holds earlier questions only.

    With ``top``, a question keeps the ``top`` best of its pairs (ties: the earlier question).
    ``prefixes``: gets every question's prefix.
    """
    floor_sq = _floor_sq(threshold)
    postings: dict[str, list[int]] = defaultdict(list)
    for i in range(space.n):
        prefix = _prefix(space, i, floor_sq)
        if prefixes is not None:
            prefixes.append(prefix)
        lists = [postings[g] for g in prefix if g in postings]
        if lists:
            yield from _closest(space, i, set(chain.from_iterable(lists)), threshold, top, skip)
        for gram in prefix:
            postings[gram].append(i)


def _floor_sq(threshold: float) -> float:
    floor = threshold - 1e-6  # well below threshold - 1e-9, so rounding cannot drop a pair
    return floor * floor if floor > 0 else -1.0


def _prefix(space: _Space, i: int, floor_sq: float) -> list[str]:
    """The bigrams of question ``i`` that are indexed and looked up (see :func:`_near`)."""
    numbers, repeats, norm = space.features[i]
    df, idf2, names = space.df, space.idf2, space.names
    scale = 1.0 / (norm * norm)
    ordered = []
    for number in numbers:
        gram = names[number]
        if df[gram] <= INDEX_CAP:
            ordered.append((df[gram], gram, number))
    ordered.sort()
    weights = [idf2[k] * repeats.get(k, 1.0) ** 2 * scale for _, _, k in ordered]  # squared, of the unit vector
    remainder = 1.0 - fsum(weights)  # the unindexed share
    cut = len(ordered)
    if remainder < floor_sq:
        while cut:
            if remainder + weights[cut - 1] >= floor_sq:
                break
            remainder += weights[cut - 1]
            cut -= 1
    return [g for _, g, _ in ordered[:cut]]


def _closest(space: _Space, i: int, candidates: Iterable[int], threshold: float, top: int | None,
             skip: Collection[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """(j, i, cosine) for the earlier ``candidates`` j alike enough to question i, in order of j."""
    lowest = threshold - 1e-9
    features, idf2 = space.features, space.idf2
    grams, repeats, norm = features[i]
    squared = idf2.__getitem__
    candidates = list(candidates)
    # Most questions repeat no bigram: their dot product is the IDF^2 of the shared bigrams, summed.
    scores = [(fsum(idf2[g] * repeats.get(g, 1.0) * more.get(g, 1.0) for g in grams & other) if repeats or more
               else fsum(map(squared, grams & other))) / (norm * norm_j)
              for other, more, norm_j in map(features.__getitem__, candidates)]
    found = [(min(score, 1.0), j) for score, j in zip(scores, candidates) if score >= lowest and (j, i) not in skip]
    if top is not None and len(found) > top:
        found = sorted(found, key=lambda item: (-item[0], item[1]))[:top]
    return [(j, i, score) for score, j in sorted(found, key=itemgetter(1))]


MAX_CHANGED = 0.05  # share of questions changed (or affected) above which a full search is as quick


def _near_again(cores: Sequence[str], memo: dict, threshold: float, top: int | None,
                skip: Collection[tuple[int, int]]) -> tuple[list, list[list[str]], dict[str, int]] | None:
    """:func:`_near`'s result (with every prefix, and the document frequencies) from the earlier
    search in ``memo``; None when it does not fit (another count of questions, too many changes).

    With the same number of questions, the weight of a bigram changes only when its document
    frequency does, so the questions *affected* are the changed ones and those holding a bigram
    whose frequency changed; every other question keeps its vector and prefix, and every pair of
    two unaffected questions keeps its score and whether it is compared at all. A question's
    closest earlier neighbours can then change only if it is affected, if it shares an indexed
    bigram with an affected earlier question (now a candidate with a new score), or if an
    affected question was among its kept neighbours (its score changed or it left). Those
    questions are searched again, against the index of every earlier question; the rest keep
    their earlier result. Vectors are made only for the questions compared.
    """
    old, old_near, old_df, old_prefixes = memo.get("cores"), memo.get("near"), memo.get("df"), memo.get("prefixes")
    if not (type(old) is list and len(old) == len(cores) and type(old_near) is list and type(old_df) is dict
            and type(old_prefixes) is list and len(old_prefixes) == len(cores)):
        return None
    limit = MAX_CHANGED * len(cores)
    changed = [k for k, (a, b) in enumerate(zip(old, cores)) if a != b]
    if len(changed) > limit:
        return None
    if not changed:
        return old_near, old_prefixes, old_df
    df = dict(old_df)
    for k in changed:
        for gram in set(_bigrams(old[k])):
            df[gram] -= 1
        for gram in set(_bigrams(cores[k])):
            df[gram] = df.get(gram, 0) + 1
    moved = {g for k in changed for g in (*_bigrams(old[k]), *_bigrams(cores[k])) if old_df.get(g, 0) != df[g]}
    for gram in moved:
        if not df[gram]:
            del df[gram]
    affected = set(changed)
    # The questions holding a moved bigram: its places in all cores at once (no core holds a
    # control character, so none of them runs into the next; a one-letter key may over-match,
    # which only searches a question more).
    joined = "\0".join(cores)
    starts = list(accumulate((len(c) + 1 for c in cores[:-1]), initial=0))
    for gram in moved:
        at = joined.find(gram)
        while at != -1:
            affected.add(bisect_right(starts, at) - 1)
            at = joined.find(gram, at + 1)
        if len(affected) > limit:
            return None  # a common bigram's weight moved: most questions must be compared again anyway
    space = _Space(cores, df)
    floor_sq = _floor_sq(threshold)
    prefixes = list(old_prefixes)
    for a in affected:
        prefixes[a] = _prefix(space, a, floor_sq)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, prefix in enumerate(prefixes):
        for gram in prefix:
            postings[gram].append(i)
    again = set(affected)
    for a in affected:
        again.update(j for g in prefixes[a] for j in postings[g] if j > a)
    again.update(later for earlier, later, _ in old_near if earlier in affected)
    kept = [item for item in old_near if item[1] not in again]
    for i in sorted(again):
        candidates = {j for g in prefixes[i] for j in postings[g] if j < i}
        if candidates:
            kept.extend(_closest(space, i, candidates, threshold, top, skip))
    kept.sort(key=itemgetter(1, 0))
    return kept, prefixes, df


def acknowledged_pairs(cards: Sequence[Card]) -> list[tuple[int, int]]:
    """(earlier, later) indices of the card pairs reviewed as distinct (``distinct_from`` on either card)."""
    index = {card.id: i for i, card in enumerate(cards)}
    pairs = {tuple(sorted((i, index[other]))) for i, card in enumerate(cards)
             for other in card.distinct_from if other in index and index[other] != i}
    return sorted(pairs)


def duplicate_questions(cards: Sequence[Card], threshold: float = NEAR_THRESHOLD,
                        pairs: Sequence[Pair] | None = None) -> tuple[list[Problem], "NearDuplicates"]:
    """(errors, warnings): exact duplicate questions are errors; near-duplicates are warnings, each
    card naming at most its :data:`NEIGHBOURS` closest earlier cards.

    A reviewed near-duplicate is acknowledged with ``distinct_from: [other-id]`` on either card;
    exact duplicates cannot be acknowledged. ``pairs``: the cards' :func:`similar_pairs`, if
    already known (e.g. from the build cache).
    """
    if pairs is None:
        pairs = similar_pairs([c.question for c in cards], threshold, top=NEIGHBOURS,
                              distinct=acknowledged_pairs(cards))
    reviewed = any(card.distinct_from for card in cards)
    warnings = NearDuplicates(cards, [pair for pair in pairs if not pair.exact and not (
        reviewed and _acknowledged(cards[pair.first], cards[pair.second]))])
    errors = [Problem(cards[pair.second].location, f"duplicate question: same as {warnings.name(pair.first)}",
                      cards[pair.second].id) for pair in pairs if pair.exact]
    return errors, warnings


class NearDuplicates(SequenceABC):
    """The near-duplicate warnings (Problems), each written when first read: a big corpus of
    paraphrases has tens of thousands of them, and a build prints twenty."""

    def __init__(self, cards: Sequence[Card], pairs: Sequence[Pair]) -> None:
        self._cards, self._pairs = cards, pairs
        self._shown: dict = {}  # file -> its display path
        self._named: dict[int, str] = {}  # card index -> "card 'id' at file:line"

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._warning(pair) for pair in self._pairs[index]]
        return self._warning(self._pairs[index])

    def __eq__(self, other) -> bool:
        if not isinstance(other, SequenceABC):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"NearDuplicates({list(self)!r})"

    def _warning(self, pair: Pair) -> Problem:
        first, second = self._cards[pair.first], self._cards[pair.second]
        return Problem(second.location, f"near-duplicate question ({pair.score:.0%} alike) of {self.name(pair.first)}; "
                                        f"merge them, or add 'distinct_from: [{first.id}]' if they really differ", second.id)

    def name(self, index: int) -> str:
        """``card 'id' at file:line`` of the card at ``index``."""
        text = self._named.get(index)
        if text is None:
            location = self._cards[index].location
            if location.path not in self._shown:
                self._shown[location.path] = str(Location(location.path))
            place = f"{self._shown[location.path]}:{location.line}" if location.line else self._shown[location.path]
            text = self._named[index] = f"card '{self._cards[index].id}' at {place}"
        return text


def _acknowledged(a: Card, b: Card) -> bool:
    return b.id in a.distinct_from or a.id in b.distinct_from
