"""Duplicate and near-duplicate questions across a corpus.

Exact duplicates compare questions after :func:`normalise` (width, case, punctuation, whitespace,
polite prefixes such as 请简述). Near-duplicates compare the question's first paragraph without
question words (如何, 进行, 的 …) by a cosine similarity of character bigrams weighted by inverse
document frequency over the corpus itself: interview questions are written from templates ("如何进行大规模模型的音频处理？" / "…视频处理？"), so a plain edit ratio calls them
90 % alike although they differ in the one word that matters. Bigrams common to many questions
(模型, 如何) weigh little, the rare content bigrams (音频, 迁移) decide. An inverted index over
the rarer bigrams keeps this far from O(n²): 10,000 template-made questions take about 2 s.
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
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PSZC")


# Question words that say how something is asked, not what: dropped before comparing meaning.
_FILLERS = re.compile(r"^在|(?<=[型习络据])中|如何|怎样|怎么|进行|实现|应用|处理|问题|是什么|什么是|有哪些|的")


def core(question: str) -> str:
    """What a question is about: its first paragraph, normalised, without question words."""
    headline = question.strip().split("\n\n")[0]
    return _FILLERS.sub("", normalise(headline))


def _strip_prefixes(text: str) -> str:
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


def similar_pairs(questions: Sequence[str], threshold: float = NEAR_THRESHOLD) -> list[Pair]:
    """Every pair of questions that is an exact duplicate or at least ``threshold`` alike."""
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
    cores = [core(q) for q in questions]
    for i, j, score in _near(cores, threshold):
        if first_of.get(keys[i]) == i and first_of.get(keys[j]) == j:  # repeats: reported once, as exact
            pairs.append(Pair(i, j, score, False))
    pairs.sort(key=lambda p: (p.second, p.first))
    return pairs


def _bigrams(key: str) -> list[str]:
    return [key[i:i + 2] for i in range(len(key) - 1)] or ([key] if key else [])


def _tfidf(keys: Sequence[str]) -> list[dict[str, float]]:
    grams = [Counter(_bigrams(k)) for k in keys]
    df = Counter(g for counts in grams for g in counts)
    n = len(keys)
    vectors = []
    for counts in grams:
        vec = {g: (1 + math.log(c)) * math.log(1 + n / df[g]) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({g: v / norm for g, v in vec.items()})
    return vectors


def _near(cores: Sequence[str], threshold: float) -> Iterable[tuple[int, int, float]]:
    """(i, j, cosine) for i < j at or above ``threshold``.

    Only bigrams found in at most 5 % of the questions are indexed. The rest (模型, 如何) weigh
    little, and by Cauchy-Schwarz their share of a dot product is at most the product of the two
    vectors' norms over them: a pair whose indexed overlap plus that bound stays under the
    threshold is skipped without computing anything more.
    """
    vectors = _tfidf(cores)
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vec in enumerate(vectors):
        for gram in vec:
            postings[gram].append(index)
    cap = max(50, len(cores) // 20)
    indexed = {g for g, members in postings.items() if len(members) <= cap}
    rest_norm = [math.sqrt(sum(w * w for g, w in vec.items() if g not in indexed)) for vec in vectors]
    for i, vec in enumerate(vectors):
        overlap: dict[int, float] = defaultdict(float)
        for gram, weight in vec.items():
            if gram in indexed:
                members = postings[gram]
                for j in members[bisect_right(members, i):]:
                    overlap[j] += weight * vectors[j][gram]
        for j in sorted(overlap):
            partial = overlap[j]
            if partial + rest_norm[i] * rest_norm[j] < threshold:
                continue
            score = partial + sum(w * vectors[j].get(g, 0.0) for g, w in vec.items() if g not in indexed)
            if score >= threshold - 1e-9:
                yield i, j, min(score, 1.0)


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
