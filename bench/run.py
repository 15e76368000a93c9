#!/usr/bin/env python3
"""Benchmark qadeck's build against the floors of issue 5 and print a Markdown table.

    python bench/run.py                 # 1,000 and 10,000 synthetic cards + the shipped corpus
    python bench/run.py --sizes 1000    # quicker
    python bench/run.py --ankdown /tmp/ankdown-venv/bin/ankdown   # also time ankdown 0.7.1

Every build runs as its own process (``python build.py ...``) with SOURCE_DATE_EPOCH set and the
corpus outside git, so times do not depend on history; wall time and peak memory (the largest
process: the build or one of its render workers) are measured around each. Floors are measured in
the same run (bench/floor.py) so ratios compare like with like on whatever the machine is doing.
"""
from __future__ import annotations

import argparse
import json
import marshal
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
for _name in ("QADECK_DEBUG", "PYTHONDONTWRITEBYTECODE"):  # measure what users run: with cached bytecode
    ENV.pop(_name, None)


# -- measuring one process ---------------------------------------------------------------------

def child_main(argv: list[str]) -> int:
    """``run.py --child OUT.json CMD...``: run CMD, record wall time, peak RSS and its stderr."""
    out, cmd = argv[0], argv[1:]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    Path(out).write_text(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024, "rc": proc.returncode,
                                     "stdout": proc.stdout.decode("utf-8", "replace"),
                                     "stderr": proc.stderr.decode("utf-8", "replace")}))
    return 0


def measure(cmd: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        subprocess.run([sys.executable, __file__, "--child", out, *map(str, cmd)], check=True)
        result = json.loads(Path(out).read_text())
    finally:
        os.unlink(out)
    if result["rc"] != 0:
        raise SystemExit(f"failed ({result['rc']}): {' '.join(map(str, cmd))}\n{result['stderr'][-2000:]}")
    return result


def stages(result: dict) -> dict[str, float]:
    """The per-stage seconds of a ``--verbose`` build."""
    line = next((l for l in result["stderr"].splitlines() if l.startswith("timing: ")), "")
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) ([\d.]+)s", line) if m.group(1) != "total"}


def build(corpus: Path, out: Path, *extra: str) -> dict:
    return measure([sys.executable, ROOT / "build.py", "--cards", corpus, "-o", out, "--verbose", *extra])


def median_of(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["wall"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["peak_mb"] = max(r["peak_mb"] for r in runs)
    return chosen


# -- corpora and edits -------------------------------------------------------------------------

def edit_card(corpus: Path, round_: int, field: str = "answer") -> None:
    """Change one card (the first of the middle file) the way a user would: one line of text."""
    files = sorted(p for p in corpus.glob("part-*.yaml"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    if field == "answer":
        text = re.sub(r"(可以从以下几个方面入手)(（修订 \d+）)?", rf"\1（修订 {round_}）", text, count=1)
    else:
        text = re.sub(r'(    question: ")(（修订 \d+）)?', rf"\1（修订 {round_}）", text, count=1)
    path.write_text(text, encoding="utf-8")


def dump_ready_notes(corpus: Path, cache: Path, out: Path) -> None:
    """The rendered fields and tags of every note (from a warm cache), for the warm floor."""
    sys.path.insert(0, str(ROOT))
    from qadeck.assemble import note_tags
    from qadeck.cache import RenderCache, render_context
    from qadeck.loader import load_corpus
    from qadeck.notetype import DEFAULT_TEMPLATES, FIELDS
    from qadeck.render import render_cards

    loaded = load_corpus(corpus)
    rendered, _ = render_cards(loaded, cache=RenderCache(cache, render_context(DEFAULT_TEMPLATES)))
    notes = [(tuple(r.fields[f] for f in FIELDS), note_tags(r)) for r in rendered]
    out.write_bytes(marshal.dumps(notes))


def ankdown_corpus(corpus: Path, out: Path) -> None:
    """The same cards in ankdown's Markdown format (front % back % tags, cards split by ---)."""
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(corpus.glob("part-*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        cards = []
        for card in data["cards"]:
            back = card["answer"] + ("\n\n" + card["explanation"] if card.get("explanation") else "")
            cards.append(f"{card['question']}\n\n%\n\n{back}\n\n%\n\n{' '.join(card['topics'])}\n")
        (out / f"{path.stem}.md").write_text("\n---\n\n".join(cards), encoding="utf-8")


# -- the run -----------------------------------------------------------------------------------

def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{model or platform.processor() or platform.machine()}, {cores} cores, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, load average {load:.2f} at start")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1:])
    if argv[:1] == ["--dump-notes"]:
        dump_ready_notes(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="synthetic corpus sizes (default: 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per quick measurement; the median is shown")
    parser.add_argument("--ankdown", type=Path, help="an ankdown 0.7.1 executable to time on the same 1,000 cards")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(args.work or tempfile.mkdtemp(prefix="qadeck-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# qadeck benchmark, {date.today().isoformat()}\n\nMachine: {machine()}\n", flush=True)
    rows: list[tuple[str, str]] = []
    ratios: list[tuple[str, float, float, str]] = []  # (what, value, target, detail)

    def note(label: str, value: str) -> None:
        rows.append((label, value))
        print(f"  {label}: {value}", file=sys.stderr, flush=True)

    # Shipped corpus vs importing the libraries, in turns.
    import_cmd = [sys.executable, "-c", "import genanki, markdown, pygments, yaml, nh3"]
    if (ROOT / "cards").is_dir():
        cache = work / "cache-shipped"
        shutil.rmtree(cache, ignore_errors=True)
        first = build(ROOT / "cards", work / "shipped.apkg", "--cache-dir", cache)
        runs, nocaches, import_runs = [], [], []
        for i in range(9):
            import_runs.append(measure(import_cmd))
            runs.append(build(ROOT / "cards", work / "shipped.apkg", "--cache-dir", cache))
            if i % 2 == 0:
                nocaches.append(build(ROOT / "cards", work / "shipped.apkg", "--no-cache"))
        imports, warm, nocache = median_of(import_runs), median_of(runs), median_of(nocaches)
        count = re.search(r": (\d+) card", warm["stdout"])
        note("import genanki, markdown, pygments, yaml, nh3 (median of 9)", f"{imports['wall']:.3f} s")
        note(f"shipped corpus ({count.group(1) if count else '?'} cards), python build.py: first run (empty cache)", f"{first['wall']:.3f} s")
        note("shipped corpus, python build.py (median of 9, warm cache)", f"{warm['wall']:.3f} s  [{fmt_stages(warm)}]")
        note("shipped corpus, python build.py --no-cache (median of 5)", f"{nocache['wall']:.3f} s")
        ratios.append(("shipped build / library import (warm cache)", warm["wall"] / imports["wall"], 2.0,
                       f"{warm['wall']:.2f} s vs {imports['wall']:.2f} s; under 1 s: {'yes' if warm['wall'] < 1 else 'NO'}"))
        ratios.append(("shipped build --no-cache / library import", nocache["wall"] / imports["wall"], 2.0,
                       f"{nocache['wall']:.2f} s vs {imports['wall']:.2f} s; under 1 s: {'yes' if nocache['wall'] < 1 else 'NO'}"))

    cold_by_size: dict[int, dict] = {}
    for size in sizes:
        corpus = work / f"corpus-{size}"
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, BENCH / "generate.py", str(size), str(corpus)], check=True, stdout=subprocess.DEVNULL)
        cache, out = work / f"cache-{size}", work / f"out-{size}.apkg"
        big = size >= 5000
        rounds = 2 if big else args.repeat
        anki_md = None
        if size == 1000 and args.ankdown:
            anki_md = work / "ankdown-1000"
            shutil.rmtree(anki_md, ignore_errors=True)
            ankdown_corpus(corpus, anki_md)
        # Cold: qadeck, its floor (and ankdown) in turns, so a busy moment of the machine hits all alike.
        colds, floor_colds, anks = [], [], []
        for _ in range(rounds):
            shutil.rmtree(cache, ignore_errors=True)
            colds.append(build(corpus, out, "--cache-dir", cache))
            floor_colds.append(measure([sys.executable, BENCH / "floor.py", "cold", corpus, work / "floor.apkg"]))
            if anki_md is not None:
                anks.append(measure([args.ankdown, "-r", anki_md, "-p", work / "ankdown.apkg", "--highlight"]))
        cold, floor_cold = median_of(colds), median_of(floor_colds)
        cold_by_size[size] = cold
        note(f"{size} cards, cold build (empty cache; median of {rounds})",
             f"{cold['wall']:.2f} s = {1000 * cold['wall'] / size:.2f} ms/card, peak {cold['peak_mb']:.0f} MB  [{fmt_stages(cold)}]")
        fc = json.loads(floor_cold["stdout"].strip().splitlines()[-1])
        note(f"{size} cards, single-process floor (CSafeLoader + Markdown/codehilite + genanki)",
             f"{floor_cold['wall']:.2f} s  [parse {fc['parse']:.2f}s, render {fc['render']:.2f}s, genanki {fc['write']:.2f}s]")
        if big:
            serial = build(corpus, out, "--no-cache", "--jobs", "1")
            note(f"{size} cards, qadeck in one process (--no-cache --jobs 1)", f"{serial['wall']:.2f} s  [{fmt_stages(serial)}]")

        # Warm: edit one answer, rebuild; the floor parses and writes the same ready notes.
        subprocess.run([sys.executable, __file__, "--dump-notes", corpus, cache, work / "notes.marshal"], check=True, env=ENV)
        warms, floor_warms = [], []
        for round_ in range(args.repeat):
            edit_card(corpus, round_ + 1, "answer")
            warms.append(build(corpus, out, "--cache-dir", cache))
            floor_warms.append(measure([sys.executable, BENCH / "floor.py", "warm", corpus, work / "floor.apkg", work / "notes.marshal"]))
        warm = median_of(warms)
        floor_warm = median_of(floor_warms)
        fw = json.loads(floor_warm["stdout"].strip().splitlines()[-1])
        warm_floor = floor_warm["wall"] - fw["setup"]
        note(f"{size} cards, warm rebuild after editing one answer (median of {args.repeat})",
             f"{warm['wall']:.2f} s, peak {warm['peak_mb']:.0f} MB  [{fmt_stages(warm)}]")
        note(f"{size} cards, warm floor (CSafeLoader parse + genanki writing ready notes)",
             f"{warm_floor:.2f} s  [parse {fw['parse']:.2f}s, genanki {fw['write']:.2f}s]")
        edit_card(corpus, 1, "question")
        warm_q = build(corpus, out, "--cache-dir", cache)
        note(f"{size} cards, warm rebuild after editing one question", f"{warm_q['wall']:.2f} s  [{fmt_stages(warm_q)}]")
        if big:
            ratios.append((f"{size} cold / single-process floor", cold["wall"] / floor_cold["wall"], 0.6,
                           f"{cold['wall']:.2f} s vs {floor_cold['wall']:.2f} s"))
            ratios.append((f"{size} warm (one answer edited) / parse+genanki floor", warm["wall"] / warm_floor, 1.5,
                           f"{warm['wall']:.2f} s vs {warm_floor:.2f} s"))
            ratios.append((f"{size} warm (one question edited) / parse+genanki floor", warm_q["wall"] / warm_floor, 1.5,
                           f"{warm_q['wall']:.2f} s vs {warm_floor:.2f} s"))
            ratios.append((f"{size} cold, peak memory (MB)", cold["peak_mb"], 500, "largest process"))
        if size == 1000:
            ms = 1000 * cold["wall"] / size
            ratios.append(("1000 cold, ms/card vs 3.6 (0.9 x ankdown's ~4 ms/card in the issue)", ms, 3.6, f"{ms:.2f} ms/card"))
            if anks:
                ank = median_of(anks)
                note("1000 cards, ankdown 0.7.1 --highlight (same cards)", f"{ank['wall']:.2f} s = {ank['wall']:.2f} ms/card")
                ratios.append(("1000 cold / ankdown measured here", cold["wall"] / ank["wall"], 0.9,
                               f"{cold['wall']:.2f} s vs {ank['wall']:.2f} s"))
    if 1000 in cold_by_size and 10000 in cold_by_size:
        ratios.append(("10000 cold / 1000 cold (linear growth)", cold_by_size[10000]["wall"] / cold_by_size[1000]["wall"], 11.0,
                       f"{cold_by_size[10000]['wall']:.2f} s vs {cold_by_size[1000]['wall']:.2f} s"))

    print("| measurement | result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    print("\n| target | measured | limit | met | detail |\n|---|---|---|---|---|")
    for label, value, limit, detail in ratios:
        print(f"| {label} | {value:.2f} | ≤ {limit:g} | {'yes' if value <= limit else 'NO'} | {detail} |")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def fmt_stages(result: dict) -> str:
    return ", ".join(f"{k} {v:.2f}s" for k, v in stages(result).items())


if __name__ == "__main__":
    raise SystemExit(main())
