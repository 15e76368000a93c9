#!/usr/bin/env python3
"""Write a synthetic qadeck corpus: N cards of Chinese Q&A, each answer with a 20-line Python block.

    python bench/generate.py 10000 /tmp/corpus-10k

The output is deterministic (same N and seed -> the same bytes): ``topics.yaml`` plus one card file
per 50 cards, in the corpus format of the README, so ``python build.py --cards DIR --check`` passes.
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


def generate(count: int, out: Path, seed: int = 5) -> list[Path]:
    """Write ``count`` cards under ``out``; returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    topics = ["deck: 合成基准题库 Bench", "slug: bench", "lang: zh-Hans", "topics:"]
    for key, (name, keywords) in TOPICS.items():
        topics.append(f"  {key}: {{name: {name}, keywords: [{', '.join(keywords)}]}}")
    written = [out / "topics.yaml"]
    written[0].write_text("\n".join(topics) + "\n", encoding="utf-8")
    keys = list(TOPICS)
    used: set[str] = set()
    for first in range(0, count, CARDS_PER_FILE):
        number = first // CARDS_PER_FILE
        lines = ["source:", f"  title: 合成资料 第 {number} 部分", f"  origin: bench_{number:04d}.txt", "cards:"]
        for index in range(first, min(first + CARDS_PER_FILE, count)):
            lines += card_yaml(make_card(rng, index, keys, used))
        path = out / f"part-{number:04d}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of cards")
    parser.add_argument("out", type=Path, help="corpus directory to write (created if missing)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    files = generate(args.count, args.out, args.seed)
    print(f"wrote {args.count} card(s) in {len(files)} file(s) under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
