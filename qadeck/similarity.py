"""Duplicate and near-duplicate questions across a corpus.

Exact duplicates compare questions after :func:`normalise` (width, case, punctuation, whitespace,
polite prefixes such as 请简述). Near-duplicates use a cosine similarity of character bigrams
weighted by inverse document frequency over the corpus itself: interview questions are written
from templates ("如何进行大规模模型的音频处理？" / "…视频处理？"), so a plain edit ratio calls them
90 % alike although they differ in the one word that matters. Bigrams common to many questions
(模型, 如何) weigh little, the rare content bigrams (音频, 迁移) decide. An inverted index over
the rarer bigrams keeps this far from O(n²) (10,000 cards take about a second).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from .errors import Problem
from .model import Card

NEAR_THRESHOLD = 0.6  # cosine; tuned on the seed articles (see tests/test_similarity.py)

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
    vectors = _tfidf(keys)
    for i, j in _candidates(keys, vectors):
        if first_of.get(keys[i]) != i or first_of.get(keys[j]) != j:
            continue  # a repeat: reported once, against its first occurrence
        score = _dot(vectors[i], vectors[j])
        if score >= threshold:
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


def _candidates(keys: Sequence[str], vectors: Sequence[dict[str, float]]) -> Iterable[tuple[int, int]]:
    """Pairs sharing at least one bigram that is not in a large share of all questions.

    A bigram found in very many questions (模型, 如何) carries almost no weight, so two questions
    sharing only such bigrams cannot reach the threshold; skipping them bounds the work.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vec in enumerate(vectors):
        for gram in vec:
            postings[gram].append(index)
    cap = max(50, len(keys) // 20)
    seen: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) < 2 or len(members) > cap:
            continue
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                pair = (members[a], members[b])
                if pair not in seen:
                    seen.add(pair)
                    yield pair


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(g, 0.0) for g, v in a.items())


def duplicate_questions(cards: Sequence[Card], threshold: float = NEAR_THRESHOLD) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): exact duplicate questions are errors, near-duplicates warnings.

    A reviewed near-duplicate is acknowledged with ``distinct_from: [other-id]`` on either card
    (read when the card model carries it); exact duplicates cannot be acknowledged.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for pair in similar_pairs([c.question for c in cards], threshold):
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
    return b.id in getattr(a, "distinct_from", ()) or a.id in getattr(b, "distinct_from", ())
