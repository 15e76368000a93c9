"""Duplicate and near-duplicate questions: the library, and ``build.py --check`` on a corpus."""
from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

from conftest import run_cli
from qadeck.errors import Location
from qadeck.model import Card, Source
from qadeck.similarity import core, duplicate_questions, normalise, similar_pairs

# Questions as the seed articles word them: template-made, so many differ in one word only.
SEED_QUESTIONS = [
    "请简述如何进行深度学习模型的迁移学习？",        # 0
    "大规模模型的迁移学习如何实现？",                # 1  same as 0
    "如何进行大规模模型的量化？",                    # 2
    "如何实现深度学习模型的量化？",                  # 3  same as 2
    "如何进行大规模模型的音频处理？",                # 4
    "如何进行大规模模型的视频处理？",                # 5  differs from 4 in the word that matters
    "如何处理深度学习中的梯度消失问题？",            # 6
    "如何处理深度学习中的梯度爆炸问题？",            # 7
    "如何评估大规模模型的性能？",                    # 8
    "如何评估大模型的性能和效果？",                  # 9  same as 8
    "如何进行大规模模型的剪枝？",                    # 10
    "如何优化深度学习模型的推理速度？",              # 11
    "如何优化深度学习模型的训练速度？",              # 12
    "如何进行大规模模型的多语言处理？",              # 13
    "如何进行大规模模型的自然语言处理？",            # 14
    "如何在深度学习模型中应用注意力机制？",          # 15
    "如何进行大规模模型的注意力机制？",              # 16 same as 15
]


def make_card(card_id: str, question: str, line: int, distinct_from=()) -> Card:
    return Card(id=card_id, question=question, answer="a", explanation="", topics=("training",), tags=(),
                source=Source(), location=Location(Path("cards/x.yaml"), line), distinct_from=tuple(distinct_from))


def test_normalise_ignores_width_case_punctuation_and_polite_prefixes():
    assert normalise("请简述：什么是ＧＰＵ？") == normalise("什么是 gpu") == "什么是gpu"
    assert normalise("**1. 请解释** 如何使用 `Dropout`？") == normalise("如何使用dropout")
    assert normalise("题目 3：什么是量化?") == "什么是量化"


def test_near_duplicates_on_the_seed_questions():
    pairs = {(p.first, p.second) for p in similar_pairs(SEED_QUESTIONS)}
    assert {(0, 1), (2, 3), (8, 9), (15, 16)} <= pairs
    for distinct in [(4, 5), (6, 7), (11, 12), (13, 14), (2, 10)]:
        assert distinct not in pairs, [SEED_QUESTIONS[i] for i in distinct]


def test_exact_duplicate_is_an_error_naming_both_places():
    cards = [make_card("a", "如何处理过拟合问题？", 3), make_card("b", "如何进行剪枝？", 9),
             make_card("c", "请简述：如何处理过拟合问题", 12)]
    errors, warnings = duplicate_questions(cards)
    assert [str(e) for e in errors] == ["cards/x.yaml:12: card 'c': duplicate question: same as card 'a' at cards/x.yaml:3"]
    assert warnings == []


def test_near_duplicate_is_a_warning_and_distinct_from_acknowledges_it():
    questions = SEED_QUESTIONS[2:]  # a corpus, so rare words weigh more than template words
    cards = [make_card(f"q{i}", q, i + 1) for i, q in enumerate(questions)]
    cards[0] = make_card("quant", "如何进行大规模模型的量化？", 1)
    cards[1] = make_card("quant-dl", "如何实现深度学习模型的量化？", 2)
    _, warnings = duplicate_questions(cards)
    quant = [str(w) for w in warnings if w.card_id == "quant-dl"]
    assert len(quant) == 1
    assert quant[0].startswith("cards/x.yaml:2: card 'quant-dl': near-duplicate question (")
    assert quant[0].endswith("of card 'quant' at cards/x.yaml:1; merge them, or add 'distinct_from: [quant]' if they really differ")

    cards[1] = make_card("quant-dl", "如何实现深度学习模型的量化？", 2, distinct_from=["quant"])
    _, warnings = duplicate_questions(cards)
    assert not [w for w in warnings if w.card_id == "quant-dl"]


def test_ten_thousand_template_questions():
    """10,000 template-made questions: the pairs found are exactly the planted ones.

    A correctness test only; how fast this runs is the benchmark's business (bench/run.py).
    """
    rng = random.Random(1)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    subjects = list(dict.fromkeys("".join(rng.choice(chars) for _ in range(rng.randint(3, 4))) for _ in range(260)))[:250]
    templates = ["如何进行大规模模型的{}？", "如何在深度学习模型中应用{}？", "{}的原理是什么？", "请简述{}的一般步骤。",
                 "如何优化{}的推理速度？", "什么是{}？", "{}有哪些常见问题？", "如何评估{}的效果？"]
    questions = [templates[t % len(templates)].format(s + str(t)) for s in subjects for t in range(40)]
    # planted: the first question of each of the first 20 subjects asked again, once word for word and
    # once with only a polite prefix (exact after normalising), at the end
    planted = [40 * k for k in range(20)]
    questions[-40:] = [questions[i] for i in planted] + ["请简述：" + questions[i] for i in planted]
    assert len(questions) == 10_000
    pairs = similar_pairs(questions)
    exact = {(p.first, p.second) for p in pairs if p.exact}
    assert exact == {(i, 9960 + k) for k, i in enumerate(planted)} | {(i, 9980 + k) for k, i in enumerate(planted)}
    near = [p for p in pairs if not p.exact]
    assert near and all(p.first < p.second and p.score >= 0.55 - 1e-9 for p in near)

    def subject(i: int) -> str:
        return subjects[i // 40] + str(i % 40)

    def bigrams(text: str) -> set:
        return {text[k:k + 2] for k in range(len(text) - 1)}

    # a shared template never makes two questions alike: every near pair shares part of its subject
    assert all(bigrams(subject(p.first)) & bigrams(subject(p.second)) for p in near if p.second < 9960)
    # each question keeps its three closest earlier ones, and they are the best of all the pairs
    top = similar_pairs(questions, top=3)
    assert [p for p in top if p.exact] == [p for p in pairs if p.exact]
    best: dict[int, list] = {}
    for p in sorted(near, key=lambda p: (-p.score, p.first)):
        best.setdefault(p.second, []).append(p)
    expected = sorted(((p.first, p.second) for kept in best.values() for p in kept[:3]), key=lambda f: (f[1], f[0]))
    assert [(p.first, p.second) for p in top if not p.exact] == expected


def brute_force(questions, threshold):
    """Every near pair by comparing all of them: cosine of IDF-weighted bigram counts of each core,
    over the distinct questions (a repeat is an exact duplicate, reported as such)."""
    keys = [normalise(q) for q in questions]
    firsts = {k: i for i, k in reversed(list(enumerate(keys)))}
    distinct = [i for i, k in enumerate(keys) if k and firsts[k] == i]
    cores = [core(questions[i]) for i in distinct]
    grams = [Counter(c[k:k + 2] for k in range(len(c) - 1)) or Counter([c] if c else []) for c in cores]
    df = Counter(g for counts in grams for g in counts)
    vectors = []
    for counts in grams:
        vec = {g: (1 + math.log(n)) * math.log(1 + len(cores) / df[g]) for g, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({g: v / norm for g, v in vec.items()})
    return {(distinct[a], distinct[b]) for b in range(len(distinct)) for a in range(b)
            if sum(w * vectors[b].get(g, 0.0) for g, w in vectors[a].items()) >= threshold - 1e-9}


def test_the_index_finds_every_pair_that_comparing_all_would():
    rng = random.Random(3)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]
    base = SEED_QUESTIONS + ["".join(rng.choice(chars) for _ in range(rng.randint(3, 14))) + "？" for _ in range(120)]
    questions = list(base)
    for _ in range(180):  # planted near-duplicates: a few characters added, dropped or replaced
        text = list(rng.choice(base))
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(text))
            action = rng.random()
            if action < 0.4:
                text.insert(at, rng.choice(chars))
            elif action < 0.7 and len(text) > 2:
                del text[at]
            else:
                text[at] = rng.choice(chars)
        questions.append("".join(text))
    questions += ["", "a", "a", "量", "如何进行？", "请简述" + base[20]]
    for threshold in (0.3, 0.55, 0.8, 1.0):
        found = {(p.first, p.second) for p in similar_pairs(questions, threshold) if not p.exact}
        assert found == brute_force(questions, threshold)
        if threshold == 0.55:
            assert len(found) > 50  # the planted pairs are found


def paraphrases(count: int) -> list[str]:
    """Questions asked many times in other words, as in a real corpus (see bench/generate.py)."""
    rng = random.Random(7)
    things = ["大规模模型训练", "向量检索服务", "知识蒸馏", "KV Cache", "混合专家路由", "长上下文推理"]
    asks = ["如何{v}{t}的{a}？", "{t}的{a}应该怎样{v}？", "有哪些方法可以{v}{t}的{a}？", "在{x}中，如何{v}{t}的{a}？",
            "{t}的{a}有哪些{v}手段？", "谈谈{t}的{a}{v}方法。", "{x}下，{t}的{a}怎么{v}？"]
    out: set[str] = set()
    while len(out) < count:
        out.add(rng.choice(asks).format(v=rng.choice(["优化", "提升", "改进", "改善"]), t=rng.choice(things),
                                        a=rng.choice(["延迟", "吞吐量", "显存占用"]), x=f"场景{rng.randrange(40)}"))
    return sorted(out)


def test_near_duplicates_are_bounded_per_question():
    questions = paraphrases(600)
    everything = brute_force(questions, 0.55)
    bounded = [p for p in similar_pairs(questions, top=3) if not p.exact]
    per_question = Counter(p.second for p in bounded)
    assert len(everything) > 4 * len(questions)  # more pairs than the report keeps ...
    assert max(per_question.values()) == 3 and len(bounded) <= 3 * len(questions)  # ... the report does not
    assert {(p.first, p.second) for p in bounded} <= everything
    alike = Counter(second for _, second in everything)
    assert per_question == {second: min(3, count) for second, count in alike.items()}  # none lost


def test_a_reviewed_pair_does_not_take_the_place_of_another(monkeypatch):
    import qadeck.similarity as similarity

    monkeypatch.setattr(similarity, "NEIGHBOURS", 1)
    questions = SEED_QUESTIONS + ["如何优化向量检索服务的延迟？", "向量检索服务的延迟怎样优化？", "请问怎么优化向量检索服务延迟？"]
    cards = [make_card(f"c{i}", q, i + 1) for i, q in enumerate(questions)]
    _, warnings = duplicate_questions(cards)
    last = [str(w) for w in warnings if w.card_id == "c19"]
    assert len(last) == 1 and "(100% alike) of card 'c17'" in last[0]  # the closest one only
    cards[19] = make_card("c19", questions[19], 20, distinct_from=["c17"])
    _, warnings = duplicate_questions(cards)
    last = [str(w) for w in warnings if w.card_id == "c19"]
    assert len(last) == 1 and "(81% alike) of card 'c18'" in last[0]  # the next closest takes its place


def test_check_reports_duplicates_across_files(corpus: Path, capsys):
    (corpus / "extra.yaml").write_text(
        "cards:\n"
        "  - id: extra-efficiency\n"
        "    question: 请简述如何优化深度学习模型的计算效率\n"
        "    answer: 见另一张卡片。\n"
        "    topics: [hardware]\n", encoding="utf-8")
    assert run_cli("--cards", str(corpus), "--check") == 2
    err = capsys.readouterr().err
    # files load in name order, so the later one (scaling.yaml) is the duplicate of extra.yaml
    line = next(line for line in err.splitlines() if "duplicate question" in line)
    assert line.startswith("error: ") and "scaling.yaml:5: card 'scaling-compute-efficiency': duplicate question: " in line
    assert line.endswith("same as card 'extra-efficiency' at " + str(corpus / "extra.yaml") + ":2")


def test_printed_near_duplicates_are_capped_with_a_summary(capsys, tmp_path):
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    corpus = tmp_path / "cards"
    generator.generate(400, corpus, mode="similar")
    capsys.readouterr()
    assert run_cli("--cards", str(corpus), "--check", "--no-cache") == 0
    capped = capsys.readouterr().err.splitlines()
    assert run_cli("--cards", str(corpus), "--check", "--no-cache", "--all-duplicates") == 0
    listed = capsys.readouterr().err.splitlines()
    near = [line for line in listed if "near-duplicate question (" in line]
    assert len(near) > 40 and all(line.startswith("warning: ") for line in near)
    assert capped[:20] == near[:20]
    assert capped[20:-1] == [f"warning: … and {len(near) - 20} more near-duplicate question(s); "
                             "`qadeck --check --all-duplicates` lists them"]
    assert capped[-1].startswith("lint: ")
    per_card = Counter(line.split("card '")[1].split("'")[0] for line in near)
    assert max(per_card.values()) <= 3  # each card names at most its three closest earlier cards


def test_search_after_edits_equals_a_full_search(tmp_path):
    """similar_pairs(..., memo=) searches again only what a few edits can affect: the pairs, scores and
    kept neighbours must be those of a search from scratch, whatever the edit."""
    import yaml
    from qadeck.similarity import _near_again

    from test_bench_generate import load_generator

    questions = []
    for path in load_generator().generate(800, tmp_path / "c", mode="similar"):
        if path.name.startswith("part-"):
            questions += [c["question"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["cards"]]
    memo: dict = {}
    assert similar_pairs(questions, top=3, memo=memo) == similar_pairs(questions, top=3)
    assert sum(1 for p in similar_pairs(questions, top=3) if not p.exact) > 100
    rng = random.Random(7)
    incremental = 0
    for round_ in range(12):
        questions = list(questions)
        for _ in range(rng.randint(1, 3)):
            k, other = rng.randrange(len(questions)), rng.randrange(len(questions))
            edit = round_ % 4
            if edit == 0:  # a rare new term: only this question is affected
                questions[k] = f"（修订 {round_}）{questions[k]}"
            elif edit == 1:  # half of another question: common bigrams move, near-duplicates appear
                questions[k] = questions[other][: len(questions[other]) // 2] + questions[k][len(questions[k]) // 2:]
            elif edit == 2:  # a common word added
                questions[k] = questions[k][:-1] + "的模型训练？"
            else:  # an exact repeat, then a reworded one
                questions[k] = questions[other]
        if edit == 0:
            keys = [normalise(q) for q in questions]
            cores = [core(q) for q in questions]
            if len(set(keys)) == len(keys):  # one question per key: the cores are the search's own
                found = _near_again(cores, memo, 0.55, 3, set())
                incremental += found is not None
        distinct = [(0, 1)] if round_ == 6 else []
        assert similar_pairs(questions, top=3, distinct=distinct, memo=memo) == \
            similar_pairs(questions, top=3, distinct=distinct), f"round {round_}"
    assert incremental  # the narrow search was taken at least once
    questions.append("一个全新的问题：如何部署大规模模型？")  # another count of questions: a full search
    assert similar_pairs(questions, top=3, memo=memo) == similar_pairs(questions, top=3)


def test_search_after_edits_drops_a_neighbour_an_edit_moved_away():
    # Only the earlier question changes (its own words are still there, so no other question's
    # weights move); its new rare words dilute it below the threshold, and the later question,
    # which it no longer reaches through the index, must lose it as a neighbour.
    rng = random.Random(3)
    fillers = ["".join(chr(0x5000 + rng.randrange(3000)) for _ in range(10)) for _ in range(60)]
    first, second = "深度学习模型迁移学习的数据增强策略？", "深度学习模型迁移学习的数据增强方法？"
    questions = [first, *fillers[:30], second, *fillers[30:]]
    memo: dict = {}
    assert [(p.first, p.second) for p in similar_pairs(questions, top=3, memo=memo)] == [(0, 31)]
    questions[0] = first + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    assert similar_pairs(questions, top=3, memo=memo) == similar_pairs(questions, top=3) == []


def test_near_duplicate_warnings_read_in_part_or_whole_say_the_same():
    """The warnings are written when read (a build prints 20 of tens of thousands): any part of
    them is that part of the whole list, and each names its cards."""
    cards = [make_card(f"c{i}", q, i + 1) for i, q in enumerate(SEED_QUESTIONS)]
    _, warnings = duplicate_questions(cards)
    whole = [warnings[i] for i in range(len(warnings))]
    assert len(whole) >= 3 and warnings == whole and list(warnings) == whole
    assert warnings[1:3] == whole[1:3] and warnings[-1] == whole[-1]
    assert all(w.message.startswith("near-duplicate question (") and f"'{w.card_id}'" not in w.message for w in whole)
    assert [str(w) for w in warnings][0].startswith("cards/x.yaml:2: card 'c1': near-duplicate question (")


def test_scores_are_the_same_in_every_process():
    """Sets iterate in an order that changes with Python's hash seed; scores must not (a build's
    cached search state is read by the next process, and ties are broken by score)."""
    import subprocess
    import sys

    from conftest import ROOT

    script = ("import sys; sys.path.insert(0, 'tests'); from test_similarity import paraphrases; "
              "from qadeck.similarity import similar_pairs; print(repr(similar_pairs(paraphrases(300), top=3)))")
    outputs = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                              env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outputs) == 1 and "exact=False" in outputs.pop()
