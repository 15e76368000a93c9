#!/usr/bin/env python3
"""Benchmark qadeck's build against its floors (issues 5 and 14) and print Markdown tables.

    python bench/run.py                 # 1,000 and 10,000 cards of both corpora + the shipped corpus
    python bench/run.py --sizes 1000    # quicker
    python bench/run.py --ankdown /tmp/ankdown-venv/bin/ankdown   # also time ankdown 0.7.1
    python bench/run.py --runs 3        # everything three times; each target's spread across runs

Corpora (bench/generate.py): ``similar`` (questions paraphrase each other, like a real corpus) and
``distinct`` (the older corpus, every question about its own thing), measured side by side.

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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build and the workers it waited for
    peak_kb = usage.ru_maxrss  # KiB on Linux: the largest single process
    Path(out).write_text(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": peak_kb / 1024,
                                     "rc": proc.returncode,
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


def near_duplicate_count(result: dict) -> int:
    """How many near-duplicate warnings a build reported (printed ones plus the "… and N more")."""
    err = result["stderr"]
    more = re.search(r"… and (\d+) more near-duplicate", err)
    return err.count("near-duplicate question (") + (int(more.group(1)) if more else 0)


class Run:
    """One run of every measurement: notes (label -> value) and ratios (target -> value)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []
        self.ratios: dict[str, tuple[float, float, str]] = {}  # label -> (value, limit, detail)

    def note(self, label: str, value: str) -> None:
        self.rows.append((label, value))
        print(f"  {label}: {value}", file=sys.stderr, flush=True)

    def ratio(self, label: str, value: float, limit: float, detail: str) -> None:
        self.ratios[label] = (value, limit, detail)
        print(f"  => {label}: {value:.2f} (limit {limit:g}) {detail}", file=sys.stderr, flush=True)


def shipped(run: Run, work: Path) -> None:
    """Shipped corpus vs importing the libraries it uses, in turns, warm cache.

    The build imports pygments.formatters (the note type's code colours), not just ``pygments``;
    that module looks up plugins through importlib.metadata, a cost of the library, so the import
    floor includes it. The bare ``import pygments`` line is kept beside it for comparison.
    """
    import_cmd = [sys.executable, "-c", "import genanki, markdown, pygments.formatters, yaml, nh3"]
    bare_cmd = [sys.executable, "-c", "import genanki, markdown, pygments, yaml, nh3"]
    cache = work / "cache-shipped"
    shutil.rmtree(cache, ignore_errors=True)
    first = build(ROOT / "cards", work / "shipped.apkg", "--cache-dir", cache)
    runs, import_runs, bare_runs = [], [], []
    for _ in range(9):
        import_runs.append(measure(import_cmd))
        runs.append(build(ROOT / "cards", work / "shipped.apkg", "--cache-dir", cache))
        bare_runs.append(measure(bare_cmd))
    imports, warm, bare = median_of(import_runs), median_of(runs), median_of(bare_runs)
    count = re.search(r": (\d+) note", warm["stdout"])
    run.note("import genanki, markdown, pygments.formatters, yaml, nh3 (median of 9)", f"{imports['wall']:.3f} s")
    run.note("import genanki, markdown, pygments, yaml, nh3 (median of 9)", f"{bare['wall']:.3f} s")
    run.note(f"shipped corpus ({count.group(1) if count else '?'} notes): first run (empty cache)", f"{first['wall']:.3f} s")
    run.note("shipped corpus, warm cache (median of 9)", f"{warm['wall']:.3f} s  [{fmt_stages(warm)}]")
    run.ratio("shipped build (warm) / library import", warm["wall"] / imports["wall"], 1.5,
              f"{warm['wall']:.2f} s vs {imports['wall']:.2f} s (bare `import pygments` line: {bare['wall']:.2f} s, "
              f"ratio {warm['wall'] / bare['wall']:.2f})")


def corpus_sizes(run: Run, work: Path, mode: str, sizes: list[int], repeat: int, ankdown: Path | None) -> None:
    cold_by_size: dict[int, dict] = {}
    for size in sizes:
        label = f"{size} {mode}"
        corpus = work / f"corpus-{mode}-{size}"
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, BENCH / "generate.py", str(size), str(corpus), "--mode", mode], check=True,
                       stdout=subprocess.DEVNULL)
        cache, out = work / f"cache-{mode}-{size}", work / f"out-{mode}-{size}.apkg"
        big = size >= 5000
        rounds = 1 if big else repeat
        anki_md = None
        if size == 1000 and ankdown:
            anki_md = work / f"ankdown-{mode}-1000"
            shutil.rmtree(anki_md, ignore_errors=True)
            ankdown_corpus(corpus, anki_md)
        # Cold: qadeck, its floor (and ankdown) in turns, so a busy moment of the machine hits all alike.
        colds, floor_colds, anks = [], [], []
        for _ in range(rounds):
            shutil.rmtree(cache, ignore_errors=True)
            colds.append(build(corpus, out, "--cache-dir", cache))
            if big or anki_md is None:
                floor_colds.append(measure([sys.executable, BENCH / "floor.py", "cold", corpus, work / "floor.apkg"]))
            if anki_md is not None:
                anks.append(measure([ankdown, "-r", anki_md, "-p", work / "ankdown.apkg", "--highlight"]))
        cold = median_of(colds)
        cold_by_size[size] = cold
        run.note(f"{label}: cold build (empty cache; median of {rounds})",
                 f"{cold['wall']:.2f} s = {1000 * cold['wall'] / size:.2f} ms/card, CPU {cold['cpu']:.2f} s, "
                 f"peak {cold['peak_mb']:.0f} MB, {near_duplicate_count(cold)} near-duplicate warnings  [{fmt_stages(cold)}]")
        if floor_colds:
            floor_cold = median_of(floor_colds)
            fc = json.loads(floor_cold["stdout"].strip().splitlines()[-1])
            run.note(f"{label}: single-process floor (CSafeLoader + Markdown/codehilite + genanki)",
                     f"{floor_cold['wall']:.2f} s, CPU {floor_cold['cpu']:.2f} s  "
                     f"[parse {fc['parse']:.2f}s, render {fc['render']:.2f}s, genanki {fc['write']:.2f}s]")
        if anks:
            worst = max(c["wall"] / a["wall"] for c, a in zip(colds, anks))
            ank = median_of(anks)
            run.note(f"{label}: ankdown 0.7.1 --highlight (same cards; median of {rounds})",
                     f"{ank['wall']:.2f} s, CPU {ank['cpu']:.2f} s (qadeck CPU {cold['cpu']:.2f} s)")
            run.ratio(f"{label} cold / ankdown, worst of {rounds} rounds", worst, 0.8,
                      "rounds: " + ", ".join(f"{c['wall']:.2f}/{a['wall']:.2f} s" for c, a in zip(colds, anks))
                      + f"; CPU {cold['cpu']:.2f} s vs {ank['cpu']:.2f} s")

        # Warm: edit one answer, rebuild; the floor parses and writes the same ready notes.
        subprocess.run([sys.executable, __file__, "--dump-notes", corpus, cache, work / "notes.marshal"], check=True, env=ENV)
        warms, floor_warms = [], []
        for round_ in range(repeat):
            edit_card(corpus, round_ + 1, "answer")
            warms.append(build(corpus, out, "--cache-dir", cache))
            floor_warms.append(measure([sys.executable, BENCH / "floor.py", "warm", corpus, work / "floor.apkg", work / "notes.marshal"]))
        warm, floor_warm = median_of(warms), median_of(floor_warms)
        fw = json.loads(floor_warm["stdout"].strip().splitlines()[-1])
        warm_floor = floor_warm["wall"] - fw["setup"]
        run.note(f"{label}: warm rebuild after editing one answer (median of {repeat})",
                 f"{warm['wall']:.2f} s, peak {warm['peak_mb']:.0f} MB  [{fmt_stages(warm)}]")
        run.note(f"{label}: warm floor (CSafeLoader parse + genanki writing ready notes)",
                 f"{warm_floor:.2f} s  [parse {fw['parse']:.2f}s, genanki {fw['write']:.2f}s]")
        warm_qs = []
        for round_ in range(repeat):  # a new word each round: the check searches the edited question again
            edit_card(corpus, round_ + 1, "question")
            warm_qs.append(build(corpus, out, "--cache-dir", cache))
        warm_q = median_of(warm_qs)
        run.note(f"{label}: warm rebuild after editing one question (median of {repeat})",
                 f"{warm_q['wall']:.2f} s  [{fmt_stages(warm_q)}]")
        if big:
            run.ratio(f"{label} cold / single-process floor", cold["wall"] / floor_cold["wall"], 0.6,
                      f"{cold['wall']:.2f} s vs {floor_cold['wall']:.2f} s")
            run.ratio(f"{label} warm (one answer edited) / load+write floor", warm["wall"] / warm_floor, 1.3,
                      f"{warm['wall']:.2f} s vs {warm_floor:.2f} s")
            run.ratio(f"{label} warm (one question edited) / load+write floor", warm_q["wall"] / warm_floor, 1.3,
                      f"{warm_q['wall']:.2f} s vs {warm_floor:.2f} s")
            run.ratio(f"{label} peak memory, cold (MB)", cold["peak_mb"], 500, "largest process")
            # The check alone (--check renders nothing), so render workers do not share its core.
            alone = measure([sys.executable, ROOT / "build.py", "--cards", corpus, "--check", "--verbose", "--no-cache"])
            alone_warm = measure([sys.executable, ROOT / "build.py", "--cards", corpus, "--check", "--verbose",
                                  "--cache-dir", cache])
            run.note(f"{label}: --check alone, no cache / warm cache",
                     f"{alone['wall']:.2f} s [{fmt_stages(alone)}] / {alone_warm['wall']:.2f} s [{fmt_stages(alone_warm)}]")
            run.ratio(f"{label} duplicate check, cold (s)", stages(alone).get("check", 0.0), 1.0,
                      f"warm: {stages(alone_warm).get('check', 0.0):.2f} s; inside the cold build, beside the "
                      f"render workers: {stages(cold).get('check', 0.0):.2f} s")
    if 1000 in cold_by_size and 10000 in cold_by_size:
        run.ratio(f"10000 / 1000 {mode}, cold (linear growth)", cold_by_size[10000]["wall"] / cold_by_size[1000]["wall"], 11.0,
                  f"{cold_by_size[10000]['wall']:.2f} s vs {cold_by_size[1000]['wall']:.2f} s")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1:])
    if argv[:1] == ["--dump-notes"]:
        dump_ready_notes(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="synthetic corpus sizes (default: 1000,10000)")
    parser.add_argument("--modes", default="similar,distinct", help="bench/generate.py corpora (default: similar,distinct)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per quick measurement; the median is shown")
    parser.add_argument("--runs", type=int, default=1, help="repeat everything; each target's spread across runs")
    parser.add_argument("--ankdown", type=Path, help="an ankdown 0.7.1 executable to time on the same 1,000 cards")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped corpus")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]
    work = Path(args.work or tempfile.mkdtemp(prefix="qadeck-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # The cache key, like a user's, kept between builds (os.environ too: measure() re-runs this file).
    ENV["XDG_CACHE_HOME"] = os.environ["XDG_CACHE_HOME"] = str(work / "home-cache")
    print(f"# qadeck benchmark, {date.today().isoformat()}\n\nMachine: {machine()}\n", flush=True)
    runs: list[Run] = []
    for number in range(args.runs):
        print(f"run {number + 1} of {args.runs}", file=sys.stderr, flush=True)
        run = Run()
        if not args.no_shipped and (ROOT / "cards").is_dir():
            shipped(run, work)
        for mode in modes:
            corpus_sizes(run, work, mode, sizes, args.repeat, args.ankdown)
        runs.append(run)
        print(f"\n## Run {number + 1} (load average {os.getloadavg()[0]:.2f} at its end)\n")
        print("| measurement | result |\n|---|---|")
        for label, value in run.rows:
            print(f"| {label} | {value} |")
        print(flush=True)
    print("## Targets\n\n| target | " + " | ".join(f"run {n + 1}" for n in range(len(runs)))
          + " | spread | limit | met in every run |\n|---|" + "---|" * (len(runs) + 3))
    for label, (_, limit, _) in runs[0].ratios.items():
        values = [r.ratios[label][0] for r in runs if label in r.ratios]
        print(f"| {label} | " + " | ".join(f"{v:.2f}" for v in values)
              + f" | {min(values):.2f}–{max(values):.2f} | ≤ {limit:g} | {'yes' if max(values) <= limit else 'NO'} |")
    print("\n| target | detail per run |\n|---|---|")
    for label in runs[0].ratios:
        print(f"| {label} | " + "; ".join(r.ratios[label][2] for r in runs if label in r.ratios) + " |")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def fmt_stages(result: dict) -> str:
    return ", ".join(f"{k} {v:.2f}s" for k, v in stages(result).items())


if __name__ == "__main__":
    raise SystemExit(main())
