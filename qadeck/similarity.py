"""Duplicate and near-duplicate questions across a corpus.

Exact duplicates compare questions after :func:`normalise` (width, case, punctuation, whitespace,
polite prefixes such as 请简述). Near-duplicates compare the question's first paragraph without
question words (如何, 进行, 的 …) by a cosine similarity of character bigrams weighted by inverse
document frequency over the corpus itself: interview questions are written from templates ("如何进行大规模模型的音频处理？" / "…视频处理？"), so a plain edit ratio calls them
90 % alike although they differ in the one word that matters. Bigrams common to many questions
(模型, 如何) weigh little, the rare content bigrams (音频, 迁移) decide. An inverted index over
the rarer bigrams, restricted by prefix filtering, keeps this far from O(n²); from
:data:`VECTORISE_FROM` questions on it runs on numpy arrays: 10,000 template-made questions take
about 0.2 s.
"""
from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from .errors import Problem
from .model import Card

NEAR_THRESHOLD = 0.55  # cosine; tuned on the seed articles (see tests/test_similarity.py)
VECTORISE_FROM = 2000  # questions; numpy below this costs more to import than it saves

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


@dataclass(frozen=True)
class Pair:
    """Two questions that look alike; ``first`` comes earlier in the input order."""

    first: int
    second: int
    score: float  # 1.0 for exact duplicates after normalisation
    exact: bool


def similar_pairs(questions: Sequence[str], threshold: float = NEAR_THRESHOLD, *,
                  vectorise_from: int = VECTORISE_FROM) -> list[Pair]:
    """Every pair of questions that is an exact duplicate or at least ``threshold`` alike.

    From ``vectorise_from`` questions on, the near-duplicate search runs on numpy arrays (same
    pairs; scores equal to within rounding); below it, in plain Python, which spares a small
    corpus the cost of importing numpy.
    """
    keys = [normalise(q) for q in questions]
    pairs: list[Pair] = []
    first_of: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        if key in first_of:
            pairs.append(Pair(first_of[key], index, 1.0, True))
        else:
            first_of[key] = index
    cores = [_core(q, key) for q, key in zip(questions, keys)]
    for i, j, score in _near(cores, threshold, vectorise_from):
        if first_of.get(keys[i]) == i and first_of.get(keys[j]) == j:  # repeats: reported once, as exact
            pairs.append(Pair(i, j, score, False))
    pairs.sort(key=lambda p: (p.second, p.first))
    return pairs


def _bigrams(key: str) -> list[str]:
    return [key[i:i + 2] for i in range(len(key) - 1)] or ([key] if key else [])


def _tfidf(keys: Sequence[str]) -> list[dict[str, float]]:
    grams = [Counter(_bigrams(k)) for k in keys]
    df: Counter[str] = Counter()
    for counts in grams:
        df.update(counts.keys())
    n = len(keys)
    idf = {g: math.log(1 + n / d) for g, d in df.items()}
    log = math.log
    sqrt = math.sqrt
    vectors = []
    for counts in grams:
        # 1 + log(1) is exactly 1.0: most bigrams occur once in a question
        vec = {g: idf[g] if c == 1 else (1 + log(c)) * idf[g] for g, c in counts.items()}
        norm = sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({g: v / norm for g, v in vec.items()})
    return vectors


def _near(cores: Sequence[str], threshold: float,
          vectorise_from: int = VECTORISE_FROM) -> Iterable[tuple[int, int, float]]:
    """(i, j, cosine) for i < j at or above ``threshold``, in (i, j) order: see :func:`_near_python`."""
    if len(cores) >= vectorise_from:
        try:
            import numpy
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
        else:
            return _near_numpy(cores, threshold, numpy)
    return _near_python(cores, threshold)


def _near_python(cores: Sequence[str], threshold: float) -> Iterable[tuple[int, int, float]]:
    """(i, j, cosine) for i < j at or above ``threshold``.

    Only bigrams found in at most 5 % of the questions are indexed. The rest (模型, 如何) weigh
    little, and by Cauchy-Schwarz their share of a dot product is at most the product of the two
    vectors' norms over them: a pair whose indexed overlap plus that bound stays under the
    threshold is skipped without computing anything more. Pairs sharing no indexed bigram are
    never compared.

    Candidates are found by prefix filtering: order the indexed bigrams rarest first (the
    unindexed ones after them) and call a question's *prefix* its shortest leading run of
    bigrams such that the norm of the remainder is below the threshold. Two questions
    whose prefixes share no bigram cannot reach it: their first common bigram lies outside one
    prefix, so all they share lies in that question's remainder, and by Cauchy-Schwarz the dot
    product is at most that remainder's norm. Only the prefixes are indexed, which drops the
    long postings of the semi-common bigrams. Each candidate's score is then summed in the same
    order as a full comparison would, so scores and the threshold test are exactly those of
    comparing every pair that shares an indexed bigram.
    """
    vectors = _tfidf(cores)
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vec in enumerate(vectors):
        for gram in vec:
            postings[gram].append(index)
    cap = max(50, len(cores) // 20)
    indexed = {g for g, members in postings.items() if len(members) <= cap}
    rest_norm = [math.sqrt(sum(w * w for g, w in vec.items() if g not in indexed)) for vec in vectors]
    # Bigrams ranked rarest first; any fixed order is correct, this one keeps prefixes rare.
    rank = {g: r for r, g in enumerate(sorted(indexed, key=lambda g: len(postings[g])))}
    floor = threshold - 1e-6  # well below threshold - 1e-9, so rounding cannot drop a pair
    floor_sq = floor * floor if floor > 0 else -1.0
    own: list[list[tuple[str, float]]] = []  # each question's indexed (bigram, weight), in vector order
    prefix_postings: dict[str, list[int]] = defaultdict(list)
    prefixes: list[list[str]] = []
    for index, vec in enumerate(vectors):
        mine = [(g, w) for g, w in vec.items() if g in indexed]
        own.append(mine)
        ordered = sorted(mine, key=lambda item: rank[item[0]])
        remainder = rest_norm[index] ** 2
        cut = len(ordered)
        if remainder < floor_sq:
            while cut:
                weight = ordered[cut - 1][1]
                if remainder + weight * weight >= floor_sq:
                    break
                remainder += weight * weight
                cut -= 1
        prefix = [g for g, _ in ordered[:cut]]
        prefixes.append(prefix)
        for gram in prefix:
            prefix_postings[gram].append(index)
    for i, vec in enumerate(vectors):
        candidates: set[int] = set()
        for gram in prefixes[i]:
            members = prefix_postings[gram]
            if members[-1] > i:
                candidates.update(members[bisect_right(members, i):])
        if not candidates:
            continue
        mine = own[i]
        rest_i = rest_norm[i]
        rest = [(g, w) for g, w in vec.items() if g not in indexed]
        for j in sorted(candidates):
            other = vectors[j]
            partial = 0.0
            for gram, weight in mine:
                x = other.get(gram)
                if x is not None:
                    partial += weight * x
            if partial + rest_i * rest_norm[j] < threshold:
                continue
            score = partial + sum(w * other.get(g, 0.0) for g, w in rest)
            if score >= threshold - 1e-9:
                yield i, j, min(score, 1.0)


_LONE = 0x1FFFFF  # second half of the "bigram" of a one-character key: no code point has it


def _near_numpy(cores: Sequence[str], threshold: float, np) -> list[tuple[int, int, float]]:
    """:func:`_near_python` on arrays: the same pairs, scores equal to within rounding.

    Bigrams are numbered by their two code points; the question-by-bigram weights are one sorted
    array of entries (question, bigram, weight). Candidates come from the prefixes as in
    :func:`_near_python`, with a wider margin; each candidate's indexed overlap and full score
    are then summed from its two questions' entries. A pair within 1e-11 of either threshold,
    where summing in another order could tip it, is decided by the plain Python arithmetic.
    """
    n = len(cores)
    i64 = np.int64
    lengths = np.fromiter(map(len, cores), dtype=i64, count=n)
    points = np.frombuffer("".join(cores).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(i64)
    if not len(points):
        return []
    ends = np.cumsum(lengths)
    follower = np.empty_like(points)
    follower[:-1] = points[1:]
    follower[ends[lengths > 0] - 1] = _LONE
    keep = np.ones(len(points), dtype=bool)
    keep[ends[lengths > 1] - 1] = False  # the last character of a key starts no bigram
    ids = ((points << 21) | follower)[keep]
    owner = np.repeat(np.arange(n, dtype=i64), lengths)[keep]
    gram_ids, gram_of = np.unique(ids, return_inverse=True)
    grams = len(gram_ids)
    # entries, sorted by question then bigram
    entry_key = np.sort(owner * grams + gram_of.reshape(-1))
    first = np.flatnonzero(np.r_[True, entry_key[1:] != entry_key[:-1]])
    counts = np.diff(np.r_[first, len(entry_key)])
    entry_key = entry_key[first]
    doc, gram = np.divmod(entry_key, grams)
    df = np.bincount(gram, minlength=grams)
    idf = np.log(1 + n / df)
    weight = idf[gram]
    repeated = counts > 1
    weight[repeated] *= 1 + np.log(counts[repeated])
    norm = np.sqrt(np.bincount(doc, weight * weight, minlength=n))
    norm[norm == 0] = 1.0
    weight /= norm[doc]
    cap = max(50, n // 20)
    indexed = df[gram] <= cap
    square = weight * weight
    rest_sq = np.bincount(doc[~indexed], square[~indexed], minlength=n)
    rest = np.sqrt(rest_sq)

    # prefixes: each question's indexed bigrams rarest first, while the remainder's norm reaches floor
    floor = threshold - 1e-5
    rank = np.empty(grams, dtype=i64)
    rank[np.argsort(df * grams + np.arange(grams, dtype=i64), kind="stable")] = np.arange(grams, dtype=i64)
    where = np.flatnonzero(indexed)
    where = where[np.argsort(doc[where] * grams + rank[gram[where]], kind="stable")]
    if floor > 0:
        by_doc = doc[where]
        tail = np.cumsum(square[where][::-1])[::-1]  # inclusive sums to the end of the array
        starts = np.flatnonzero(np.r_[True, by_doc[1:] != by_doc[:-1]])
        after = np.r_[tail, 0.0][np.r_[starts[1:], len(where)]]  # sum from the next question on
        tail = tail - np.repeat(after, np.diff(np.r_[starts, len(where)])) + rest_sq[by_doc]
        where = where[tail >= floor * floor]
    # candidate pairs: two questions in one prefix posting list
    posting = np.sort(gram[where] * n + doc[where])
    p_gram, p_doc = np.divmod(posting, n)
    bounds = np.flatnonzero(np.r_[True, p_gram[1:] != p_gram[:-1], True])
    group_end = np.repeat(bounds[1:], np.diff(bounds))
    later = group_end - 1 - np.arange(len(posting), dtype=i64)
    total = int(later.sum())
    if not total:
        return []
    first_at = np.repeat(np.arange(len(posting), dtype=i64), later)
    step = np.arange(total, dtype=i64) - np.repeat(np.cumsum(later) - later, later) + 1
    candidates = np.sort(p_doc[first_at] * n + p_doc[first_at + step])
    candidates = candidates[np.r_[True, candidates[1:] != candidates[:-1]]]
    del first_at, step
    left, right = np.divmod(candidates, n)
    # dot products: each entry of the left question looked up among the right one's entries
    per_doc = np.bincount(doc, minlength=n)
    doc_start = np.cumsum(per_doc) - per_doc
    size = per_doc[left]
    pair_of = np.repeat(np.arange(len(candidates), dtype=i64), size)
    at = np.repeat(doc_start[left] - (np.cumsum(size) - size), size) + np.arange(int(size.sum()), dtype=i64)
    shared = df[gram[at]] > 1
    pair_of, at = pair_of[shared], at[shared]
    wanted = right[pair_of] * grams + gram[at]
    hit = np.minimum(np.searchsorted(entry_key, wanted), len(entry_key) - 1)
    found = entry_key[hit] == wanted
    pair_of, at, hit = pair_of[found], at[found], hit[found]
    product = weight[at] * weight[hit]
    inside = indexed[at]
    partial = np.bincount(pair_of[inside], product[inside], minlength=len(candidates))
    score = partial + np.bincount(pair_of[~inside], product[~inside], minlength=len(candidates))
    bound = partial + rest[left] * rest[right]
    lowest = threshold - 1e-9
    accept = (bound >= threshold) & (score >= lowest)
    close = (np.abs(bound - threshold) < 1e-11) | (np.abs(score - lowest) < 1e-11)
    if close.any():
        exact = _ExactScores(cores, gram_ids, df, n, cap)
        for k in np.flatnonzero(close).tolist():
            accept[k] = exact.passes(int(left[k]), int(right[k]), threshold)
    chosen = np.flatnonzero(accept)
    return list(zip(left[chosen].tolist(), right[chosen].tolist(), np.minimum(score[chosen], 1.0).tolist()))


class _ExactScores:
    """:func:`_near_python`'s arithmetic for single pairs of questions, given the corpus' bigram counts."""

    def __init__(self, cores: Sequence[str], gram_ids, df, n: int, cap: int):
        self.cores, self.gram_ids, self.df, self.n, self.cap = cores, gram_ids, df, n, cap

    def _df(self, gram: str) -> int:
        code = ord(gram[0]) << 21 | (ord(gram[1]) if len(gram) == 2 else _LONE)
        return int(self.df[int(self.gram_ids.searchsorted(code))])

    def _vector(self, index: int) -> dict[str, float]:
        counts = Counter(_bigrams(self.cores[index]))
        vec = {g: (1 + math.log(c)) * math.log(1 + self.n / self._df(g)) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def passes(self, i: int, j: int, threshold: float) -> bool:
        vi, vj = self._vector(i), self._vector(j)
        inside = {g for g in (*vi, *vj) if self._df(g) <= self.cap}
        rest_i = math.sqrt(sum(w * w for g, w in vi.items() if g not in inside))
        rest_j = math.sqrt(sum(w * w for g, w in vj.items() if g not in inside))
        partial = 0.0
        for gram, weight in vi.items():
            if gram in inside and gram in vj:
                partial += weight * vj[gram]
        if partial + rest_i * rest_j < threshold:
            return False
        return partial + sum(w * vj.get(g, 0.0) for g, w in vi.items() if g not in inside) >= threshold - 1e-9


def duplicate_questions(cards: Sequence[Card], threshold: float = NEAR_THRESHOLD,
                        pairs: Sequence[Pair] | None = None) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): exact duplicate questions are errors, near-duplicates warnings.

    A reviewed near-duplicate is acknowledged with ``distinct_from: [other-id]`` on either card;
    exact duplicates cannot be acknowledged. ``pairs``: the cards' :func:`similar_pairs`, if
    already known (e.g. from the build cache).
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if pairs is None:
        pairs = similar_pairs([c.question for c in cards], threshold)
    for pair in pairs:
        first, second = cards[pair.first], cards[pair.second]
        if pair.exact:
            errors.append(Problem(second.location, f"duplicate question: same as card '{first.id}' at {first.location}", second.id))
        elif not _acknowledged(first, second):
            warnings.append(Problem(
                second.location,
                f"near-duplicate question ({pair.score:.0%} alike) of card '{first.id}' at {first.location}; "
                f"merge them, or add 'distinct_from: [{first.id}]' if they really differ",
                second.id,
            ))
    return errors, warnings


def _acknowledged(a: Card, b: Card) -> bool:
    return b.id in a.distinct_from or a.id in b.distinct_from
