"""Run every Python block of the corpus: does the code on the cards really work?

    python tools/check_code.py                      # parse + pyflakes only (what CI does)
    python tools/check_code.py --run                # also run each block in a throwaway venv
    python tools/check_code.py --run --python PATH  # run with an existing interpreter instead

`--run` creates a temporary venv, installs the libraries the cards use (CPU PyTorch and NumPy, pinned
below), and runs each block in its own process with a time limit, from an empty temporary folder and
with no network use expected (blocks build tiny models and random data inline). It prints one line
per block and the library versions, and exits 1 when any block fails.
"""
from __future__ import annotations

import argparse
import ast
import io
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyflakes.api import check as pyflakes_check  # noqa: E402
from pyflakes.reporter import Reporter  # noqa: E402

from qadeck.errors import display_path  # noqa: E402
from qadeck.lint import PYTHON_LANGS, fence_re, strip_cloze  # noqa: E402
from qadeck.loader import load_corpus  # noqa: E402

# What the blocks may import; torch 2.13.0 is the CPU build available offline on our machines.
REQUIREMENTS = ["torch==2.13.0", "numpy"]
TIMEOUT = 120


@dataclass(frozen=True)
class Block:
    card: str
    path: Path
    line: int  # line of the block's first code line in the card file
    code: str

    def at(self, offset: int = 1) -> str:
        return f"{display_path(self.path)}:{self.line + offset - 1}"


def python_blocks(cards_dir: Path) -> list[Block]:
    """Every fenced Python block of every card, found and cloze-stripped exactly as the lint finds them."""
    blocks = []
    for card in load_corpus(cards_dir).cards:
        for key in ("question", "answer", "cloze", "explanation"):
            text = strip_cloze(getattr(card, key))  # keeps line breaks, so the lines below still hold
            key_line = card.line_of(key) or 0
            for m in fence_re().finditer(text):
                if (m.group("lang") or "").lower() not in PYTHON_LANGS:
                    continue
                # Code spans lines, so the text is a block scalar (`answer: |`): it starts below its key.
                line = key_line + 1 + text.count("\n", 0, m.start("code"))
                blocks.append(Block(card.id, card.location.path, line, m.group("code")))
    return blocks


def static_problems(block: Block) -> list[tuple[int, str]]:
    """(line within the block, message): syntax errors and pyflakes findings (undefined and unused names)."""
    try:
        ast.parse(block.code)
    except SyntaxError as exc:
        return [(exc.lineno or 1, f"does not parse: {exc.msg}")]
    out = io.StringIO()
    pyflakes_check(block.code, "block", Reporter(out, out))
    found = []
    for line in out.getvalue().splitlines():
        m = re.match(r"block:(\d+):(?:\d+:)? ?(.*)", line)
        if m:
            found.append((int(m.group(1)), m.group(2).strip()))
    return found


def make_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS], check=True)
    return python


def versions(python: str) -> str:
    code = "import sys, numpy, torch; print(f'Python {sys.version.split()[0]}, torch {torch.__version__}, numpy {numpy.__version__}')"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def run_block(python: str, block: Block) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="qadeck-code-") as tmp:
        try:
            done = subprocess.run([python, "-c", block.code], cwd=tmp, capture_output=True, text=True, timeout=TIMEOUT,
                                  env={"PATH": "/usr/bin:/bin", "HOME": tmp, "HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "0"})
        except subprocess.TimeoutExpired:
            return False, f"timed out after {TIMEOUT} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit code %d" % done.returncode])[-1]
        return False, last
    return True, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=Path, default=ROOT / "cards")
    parser.add_argument("--run", action="store_true", help="also run every block (in a throwaway venv unless --python)")
    parser.add_argument("--python", help="interpreter that has the libraries (skips making a venv)")
    args = parser.parse_args(argv)
    blocks = python_blocks(args.cards)
    failed = 0
    for block in blocks:
        problems = static_problems(block)
        for offset, problem in problems:
            print(f"{block.at(offset)}: card '{block.card}': {problem}")
        failed += bool(problems)
    if not args.run:
        print(f"{len(blocks)} Python block(s): {len(blocks) - failed} parse and pass pyflakes, {failed} do not")
        return 1 if failed else 0
    with tempfile.TemporaryDirectory(prefix="qadeck-venv-") as tmp:
        python = args.python or str(make_venv(Path(tmp) / "venv"))
        ran = 0
        for block in blocks:
            ok, why = run_block(python, block)
            ran += ok
            print(f"{'ok  ' if ok else 'FAIL'} {block.at()}: card '{block.card}'" + ("" if ok else f": {why}"))
        print(f"{versions(python)}: {ran}/{len(blocks)} block(s) ran; {failed} with static problems")
    return 0 if ran == len(blocks) and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
