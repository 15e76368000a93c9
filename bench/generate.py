#!/usr/bin/env python3
"""Write a synthetic qadeck corpus of N cards of Chinese Q&A.

    python bench/generate.py 10000 /tmp/corpus-10k                  # questions that resemble each other
    python bench/generate.py 10000 /tmp/corpus-10k --mode distinct  # every question about its own thing

``similar`` (the default) is shaped like a real interview-question corpus: questions about a few
hundred concepts, each asked many times in other words (shared stems, reordered clauses, synonyms,
polite openers), so the near-duplicate check has plenty to report; answers mix lists, tables,
formulas (``$...$``) and code blocks of varied length and language; a share of cards repeat another
card's answer word for word (the same Q&A copied into another article). Exact repeats of a question
are errors in qadeck, so they are not generated.

``distinct`` is the older corpus: each question names its own made-up system, each answer carries a
20-line Python block, the near-duplicate check finds nothing.

The output is deterministic (same N, mode and seed -> the same bytes): ``topics.yaml`` plus one card
file per 50 cards, in the corpus format of the README, so ``python build.py --cards DIR --check`` passes.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

CARDS_PER_FILE = 50

TOPICS = {
    "training": ("训练 Training", ["训练", "过拟合", "学习率"]),
    "inference": ("推理 Inference", ["推理", "延迟", "批处理"]),
    "compression": ("压缩 Compression", ["量化", "剪枝", "蒸馏"]),
    "hardware": ("硬件 Hardware", ["GPU", "TPU", "显存"]),
    "data": ("数据 Data", ["清洗", "标注", "增强"]),
    "evaluation": ("评估 Evaluation", ["指标", "基准", "人工评估"]),
    "security": ("安全 Security", ["隐私", "对抗", "越狱"]),
    "rag": ("检索增强 RAG", ["检索", "向量库", "重排序"]),
}

SUBJECTS = ["大语言模型", "Transformer 模型", "推荐系统", "向量检索服务", "多模态模型", "分布式训练任务",
            "RAG 流水线", "微调后的模型", "在线推理服务", "知识蒸馏方案", "混合专家模型", "长上下文模型"]
ASKS = ["如何优化{s}的{a}？", "请简述{s}中{a}的常见做法。", "{s}的{a}有哪些关键指标？", "为什么{s}需要关注{a}？",
        "在生产环境中，{s}的{a}应该怎样监控？", "{s}的{a}出现退化时如何排查？", "如何在有限显存下提升{s}的{a}？"]
ASPECTS = ["吞吐量", "延迟", "显存占用", "收敛速度", "泛化能力", "鲁棒性", "可解释性", "数据效率", "稳定性", "成本"]
POINTS = ["使用混合精度训练（FP16/BF16）减少显存与带宽开销", "引入梯度累积，在小批量下模拟大批量训练",
          "对热点请求做 KV Cache 复用，降低重复计算", "使用动态批处理（dynamic batching）提升 GPU 利用率",
          "对模型做 INT8 量化，并用校准集评估精度损失", "用知识蒸馏把大模型的能力迁移到小模型",
          "建立离线评测集与线上 A/B 实验的双重评估", "对输入数据做去重与清洗，避免训练集泄漏到测试集",
          "设置学习率预热（warmup）与余弦退火", "通过张量并行与流水线并行拆分超大模型",
          "对检索结果做重排序（rerank），提升上下文质量", "记录每个阶段的 P50/P99 延迟，定位瓶颈"]
EXPLAINS = ["关键在于先测量，再优化：没有基线的数据，任何改动都无法评估。", "工程上通常在精度与成本之间折中，需要结合业务指标决定。",
            "这些方法可以组合使用，但要注意它们之间的相互影响。", ""]
FUNCS = ["train_step", "evaluate", "quantize", "rerank", "batch_infer", "warmup_lr", "dedup", "shard"]


def code_block(rng: random.Random, index: int) -> list[str]:
    """A fenced block of exactly 20 lines of plausible Python."""
    name = f"{rng.choice(FUNCS)}_{index}"
    scale = rng.randint(2, 64)
    return [
        "```python",
        f'"""{rng.choice(FUNCS)}: 第 {index} 题的示例代码。"""',
        "import math",
        "from dataclasses import dataclass",
        "",
        "@dataclass",
        "class Config:",
        f"    batch_size: int = {scale * 8}",
        f"    learning_rate: float = {rng.choice(['1e-4', '3e-4', '5e-5'])}",
        f"    warmup_steps: int = {scale * 100}",
        "",
        f"def {name}(batch, config: Config) -> dict:",
        '    """示例：计算一个批次的统计量。"""',
        "    total = 0.0",
        "    for i, item in enumerate(batch):",
        f"        total += math.sqrt(abs(item)) * {scale}  # 缩放",
        "        if i % config.batch_size == 0:",
        '            print(f"step {i}: {total:.3f}")',
        "    mean = total / max(len(batch), 1)",
        f"    assert mean >= 0, \"均值不应为负：{scale}\"",
        '    return {"total": total, "mean": mean, "lr": config.learning_rate}',
        "```",
    ]


# Each card asks about its own (made-up) system, named from common CJK characters, so questions
# differ the way a real corpus's do and the near-duplicate check has little to report.
NAME_CHARS = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


def concept_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.sample(NAME_CHARS, 4))
        if name not in used:
            used.add(name)
            return name


def make_card(rng: random.Random, index: int, topic_keys: list[str], used: set[str]) -> dict:
    subject, aspect = concept_name(rng, used) + rng.choice(SUBJECTS), rng.choice(ASPECTS)
    question = rng.choice(ASKS).format(s=subject, a=aspect)
    points = rng.sample(POINTS, 3)
    answer = [f"{subject}的{aspect}可以从以下几个方面入手：", ""]
    answer += [f"- **要点 {n}**：{p}。" for n, p in enumerate(points, 1)]
    answer += ["", "下面是一个简化的示例：", ""]
    answer += code_block(rng, index)
    topics = rng.sample(topic_keys, rng.choice([1, 1, 2]))
    return {
        "id": f"card-{index:06d}",
        "question": question,
        "answer": answer,
        "explanation": rng.choice(EXPLAINS),
        "topics": topics,
        "tags": [f"set-{index % 7}"],
    }


def _block(key: str, lines: list[str]) -> list[str]:
    out = [f"    {key}: |"]
    out += [f"      {line}" if line else "" for line in lines]
    return out


def card_yaml(card: dict) -> list[str]:
    lines = [f"  - id: {card['id']}", f"    question: \"{card['question']}\""]
    lines += _block("answer", card["answer"])
    if card["explanation"]:
        lines.append(f"    explanation: {card['explanation']}")
    lines.append(f"    topics: [{', '.join(card['topics'])}]")
    lines.append(f"    tags: [{', '.join(card['tags'])}]")
    return lines


# -- the "similar" corpus: questions that paraphrase each other -----------------------------------

MODIFIERS = ["大规模", "多模态", "长上下文", "分布式", "端侧", "在线", "开源", "千亿参数", "低资源", "多语言",
             "检索增强", "指令微调后的", "混合专家", "多租户", "实时", "边缘部署的", "金融领域的", "医疗领域的",
             "代码生成", "对话式"]
NOUNS = ["模型训练", "推理服务", "向量检索", "知识蒸馏", "模型量化", "RAG 系统", "智能体", "提示工程", "KV Cache",
         "LoRA 微调", "数据清洗流水线", "评测体系", "注意力机制", "Tokenizer", "奖励模型", "RLHF 流程", "显存管理",
         "批处理调度", "模型并行", "梯度检查点", "语义缓存", "重排序模型", "Embedding 模型", "长文本摘要",
         "函数调用", "安全对齐", "幻觉检测", "多轮对话管理", "模型路由", "流式输出"]
ASPECTS_SIMILAR = ["吞吐量", "延迟", "显存占用", "收敛速度", "泛化能力", "鲁棒性", "可解释性", "数据效率", "稳定性",
                   "成本", "准确率", "可扩展性", "安全性", "可观测性"]
# (template, has a context clause); {v} improve-verb, {c} concept, {a} aspect, {x} context
PARAPHRASES = [
    "如何{v}{c}的{a}？", "{c}的{a}应该怎样{v}？", "在{x}中，如何{v}{c}的{a}？", "{c}在{x}中的{a}如何{v}？",
    "谈谈{c}的{a}{v}方法。", "{c}的{a}有哪些{v}手段？", "为什么{c}需要关注{a}？", "{c}的{a}出现问题时如何排查？",
    "请简述{c}的{a}{v}思路。", "怎样{v}{c}的{a}？", "有哪些方法可以{v}{c}的{a}？", "{x}下，{c}的{a}怎么{v}？",
    "面试题：{c}的{a}如何{v}？", "{c}中{a}的{v}策略有哪些？",
]
VERBS = ["优化", "提升", "改进", "改善", "提高"]
CONTEXTS = ["生产环境", "资源受限的场景", "高并发场景", "多租户环境", "离线批处理场景", "移动端"]
SYNONYMS = [("大规模", "超大规模"), ("模型", "大模型"), ("推理服务", "在线推理服务"), ("RAG 系统", "检索增强生成系统"),
            ("智能体", "Agent"), ("评测体系", "评估体系"), ("数据清洗流水线", "数据清洗流程")]
LANGUAGES = {
    "python": ["import torch", "from typing import Iterable", "def step(batch, model):", "    out = model(batch)",
               "    loss = out.loss / {k}", "    loss.backward()", "    return loss.item()", "for i, batch in enumerate(loader):",
               "    if i % {k} == 0:", "        print(f\"step {{i}}: {{step(batch, model):.4f}}\")"],
    "bash": ["export CUDA_VISIBLE_DEVICES=0,1", "torchrun --nproc_per_node={k} train.py \\", "  --batch-size 32 \\",
             "  --lr 3e-4", "nvidia-smi --query-gpu=memory.used --format=csv", "du -sh checkpoints/ | sort -h"],
    "yaml": ["model:", "  name: llama-{k}b", "  dtype: bf16", "serving:", "  max_batch_size: {k}", "  kv_cache: paged",
             "  timeout_ms: 500"],
    "sql": ["SELECT doc_id, score", "FROM retrieval_log", "WHERE latency_ms > {k}", "ORDER BY score DESC", "LIMIT 20;"],
    "cpp": ["#include <vector>", "float dot(const std::vector<float>& a, const std::vector<float>& b) {{",
            "  float s = 0.0f;", "  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];", "  return s * {k};", "}}"],
}
FORMULAS = [r"$\text{吞吐量} = \frac{B \times L}{t}$", r"$\mathrm{softmax}(x_i) = \frac{e^{x_i}}{\sum_j e^{x_j}}$",
            r"$\mathcal{L} = -\sum_i y_i \log p_i$", r"$W' = W + \frac{\alpha}{r} BA$",
            r"$\text{显存} \approx 2 \cdot n_{layer} \cdot d \cdot L \cdot B$", r"$\mathrm{Attention}(Q,K,V)=\mathrm{softmax}(QK^T/\sqrt{d_k})V$"]


# Python comes in whole statements, so a block of any length parses (the build rejects code that does not).
PYTHON_UNITS = [["import torch"], ["from typing import Iterable"],
                ["def step(batch, model):", "    out = model(batch)", "    loss = out.loss / {k}", "    loss.backward()",
                 "    return loss.item()"],
                ["for i, batch in enumerate(loader):", "    if i % {k} == 0:",
                 "        print(f\"step {{i}}: {{step(batch, model):.4f}}\")"]]


def similar_code(rng: random.Random) -> list[str]:
    language = rng.choice(list(LANGUAGES))
    length = rng.choice([3, 5, 8, 12, 20, 35, 60])
    k = rng.randint(2, 64)
    if language == "python":
        body: list[str] = []
        while len(body) < length:
            unit = PYTHON_UNITS[len(body) % len(PYTHON_UNITS)]
            body += [line.format(k=k + len(body) // 7) for line in unit]
        return ["```python", *body, "```"]
    lines = LANGUAGES[language]
    body = [lines[i % len(lines)].format(k=k + i // len(lines)) for i in range(length)]
    return [f"```{language}", *body, "```"]


def similar_answer(rng: random.Random, concept: str, aspect: str) -> list[str]:
    answer = [f"{concept}的{aspect}可以从以下几个方面入手：", ""]
    points = rng.sample(POINTS, rng.randint(2, 6))
    if rng.random() < 0.5:
        answer += [f"{n}. {p}。" for n, p in enumerate(points, 1)]
    else:
        answer += [f"- **要点 {n}**：{p}。" for n, p in enumerate(points, 1)]
    if rng.random() < 0.3:
        answer += ["", "| 方法 | 收益 | 代价 |", "|---|---|---|"]
        answer += [f"| {p[:8]} | {rng.choice(['高', '中', '低'])} | {rng.choice(['高', '中', '低'])} |" for p in points[:3]]
    if rng.random() < 0.4:
        answer += ["", f"常用的估算公式：{rng.choice(FORMULAS)}。"]
    if rng.random() < 0.6:
        answer += ["", "示例：", "", *similar_code(rng)]
    return answer


def similar_question(rng: random.Random, concept: str, aspect: str) -> str:
    template = rng.choice(PARAPHRASES)
    question = template.format(v=rng.choice(VERBS), c=concept, a=aspect, x=rng.choice(CONTEXTS))
    for plain, other in SYNONYMS:
        if plain in question and rng.random() < 0.3:
            question = question.replace(plain, other, 1)
    return question


def similar_cards(rng: random.Random, count: int, topic_keys: list[str]) -> list[dict]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from qadeck.similarity import normalise  # what qadeck calls the same question

    # Concepts grow with the corpus, so each is asked about as often at any size; a few are popular.
    concepts = [m + n for m in MODIFIERS for n in NOUNS]
    rng.shuffle(concepts)
    concepts = concepts[:max(8, min(len(concepts), count // 12))]
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(concepts))]
    seen: set[str] = set()
    cards: list[dict] = []
    while len(cards) < count:
        concept = rng.choices(concepts, weights)[0]
        aspect = rng.choice(ASPECTS_SIMILAR)
        question = similar_question(rng, concept, aspect)
        key = normalise(question)
        if key in seen:
            continue  # an exact repeat of a question is an error, not a benchmark
        seen.add(key)
        index = len(cards)
        if cards and rng.random() < 0.1:  # the same answer copied into another article
            copied = rng.choice(cards)
            answer, explanation = copied["answer"], copied["explanation"]
        else:
            answer, explanation = similar_answer(rng, concept, aspect), rng.choice(EXPLAINS)
        cards.append({"id": f"card-{index:06d}", "question": question, "answer": answer, "explanation": explanation,
                      "topics": rng.sample(topic_keys, rng.choice([1, 1, 2])), "tags": [f"set-{index % 7}"]})
    return cards


def generate(count: int, out: Path, seed: int = 5, mode: str = "distinct") -> list[Path]:
    """Write ``count`` cards under ``out`` (``mode``: "distinct" or "similar"); returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    topics = ["deck: 合成基准题库 Bench", "slug: bench", "lang: zh-Hans", "topics:"]
    for key, (name, keywords) in TOPICS.items():
        topics.append(f"  {key}: {{name: {name}, keywords: [{', '.join(keywords)}]}}")
    written = [out / "topics.yaml"]
    written[0].write_text("\n".join(topics) + "\n", encoding="utf-8")
    keys = list(TOPICS)
    if mode == "similar":
        cards = similar_cards(rng, count, keys)
    elif mode == "distinct":
        used: set[str] = set()
        cards = [make_card(rng, index, keys, used) for index in range(count)]
    else:
        raise ValueError(f"unknown mode {mode!r}")
    for first in range(0, count, CARDS_PER_FILE):
        number = first // CARDS_PER_FILE
        lines = ["source:", f"  title: 合成资料 第 {number} 部分", f"  origin: bench_{number:04d}.txt", "cards:"]
        for card in cards[first:first + CARDS_PER_FILE]:
            lines += card_yaml(card)
        path = out / f"part-{number:04d}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of cards")
    parser.add_argument("out", type=Path, help="corpus directory to write (created if missing)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--mode", choices=("similar", "distinct"), default="similar",
                        help="similar: questions paraphrase each other, like a real corpus (default); "
                             "distinct: every question about its own made-up system")
    args = parser.parse_args(argv)
    files = generate(args.count, args.out, args.seed, args.mode)
    print(f"wrote {args.count} {args.mode} card(s) in {len(files)} file(s) under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
