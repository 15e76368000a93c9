#!/usr/bin/env python3
"""Time ``python build.py lint`` against its floor: parsing the same files with PyYAML's CSafeLoader.

    python bench/lint.py                  # 10,000 synthetic cards ("similar", as bench/generate.py), 3 runs
    python bench/lint.py --cards 1000 --runs 5
    python bench/lint.py --mode distinct  # the worst case for pyflakes: a distinct 20-line Python block per card

The target (issue 8) is lint <= 4 x parse + 1 s. Each run times, back to back so both see the same
machine: the parse (in this process, files already in the page cache) and the lint as users run it
(a whole ``build.py lint`` process: interpreter start, imports, loading and validating the corpus,
the rules). Three kinds of lint run are timed:

- warm: the lint cache holds every card (the usual case: nothing changed since the last lint/build);
- one edited: one card's answer changed since the last run (a different card each run);
- cold: an empty cache (no lint cache, no parsed-file cache), every card analysed, on all cores.

Prints a Markdown table: seconds per run, the ratio lint / parse of each run, and the limit.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402


def parse(corpus: Path) -> float:
    start = time.perf_counter()
    for path in sorted(corpus.glob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def lint(corpus: Path, cache: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "lint", "--cards", str(corpus), "--cache-dir", str(cache)],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"lint failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall


def edit_one_card(corpus: Path, run: int) -> None:
    """Change one answer line of a different card each run (so the cache misses exactly one card)."""
    path = sorted(corpus.glob("part-*.yaml"))[run]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("可以从以下几个方面入手：", f"可以从以下几个方面入手（第 {run} 次修改）：", 1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mode", choices=("similar", "distinct"), default="similar",
                        help="the corpus bench/generate.py writes (default: similar, the realistic one)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qadeck-lint-bench-"))
    try:
        corpus, cache = work / "cards", work / "cache"
        generate(args.cards, corpus, mode=args.mode)
        parse(corpus)  # into the page cache
        rows: dict[str, list[tuple[float, float]]] = {"warm": [], "one edited": [], "cold": []}
        lint(corpus, cache)  # fill the cache
        for run in range(args.runs):
            rows["warm"].append((parse(corpus), lint(corpus, cache)))
            edit_one_card(corpus, run)
            rows["one edited"].append((parse(corpus), lint(corpus, cache)))
            shutil.rmtree(cache)
            rows["cold"].append((parse(corpus), lint(corpus, cache)))
        cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                    if l.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
        print(f"{args.cards} {args.mode} cards, {args.runs} runs; Python {platform.python_version()}, {os.cpu_count()} CPU(s), {cpu}\n")
        print("| lint | parse (s) | lint (s) | lint / parse | limit 4 x parse + 1 s | met |")
        print("|---|---|---|---|---|---|")
        for name, runs in rows.items():
            parses, lints = [p for p, _ in runs], [l for _, l in runs]
            ratios = sorted(l / p for p, l in runs)
            met = sum(l <= 4 * p + 1 for p, l in runs)
            print(f"| {name} | {_spread(parses)} | {_spread(lints)} | {statistics.median(ratios):.1f} "
                  f"({ratios[0]:.1f}–{ratios[-1]:.1f}) | {_spread([4 * p + 1 for p in parses])} | {met} of {len(runs)} runs |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _spread(values: list[float]) -> str:
    """Median and range: the machine is shared, so one number would hide how much runs vary."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


if __name__ == "__main__":
    raise SystemExit(main())
