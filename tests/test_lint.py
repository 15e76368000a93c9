"""The card-quality lint: every rule planted in tests/fixtures/lint, found by card, rule and line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from qadeck.lint import lint_corpus
from qadeck.lint_rules import RULES
from qadeck.loader import load_corpus

LINT = Path(__file__).parent / "fixtures" / "lint"
EXPECTED = (LINT / "expected.txt").read_text(encoding="utf-8")

BROKEN = """cards:
  - id: broken-python
    question: 这段代码哪里写错了？
    answer: |
      示例：

      ```python
      def area(r):
          return 3.14 * r *
      ```
    topics: [training]
"""
# The block's second code line, in the file: fence (7) + 2.
BROKEN_LINE = ("cards/broken.yaml:9: card 'broken-python': QD402 Python code does not parse: invalid syntax (line 2 of the block); fix it, "
               "or mark the block with the language it is in")


@pytest.fixture
def cards(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the lint fixture corpus as ./cards, run from its parent (messages say cards/...)."""
    shutil.copytree(LINT / "cards", tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cards"


def lint(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run_cli("lint", *args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def card(card_id: str, question: str, answer: str, extra: str = "") -> str:
    body = "\n".join("      " + line if line else "" for line in answer.splitlines())
    return f"  - id: {card_id}\n    question: {question}\n    answer: |\n{body}\n    topics: [training]\n{extra}"


def test_text_output_matches_the_golden_file(cards, capsys):
    code, out, err = lint(capsys, "--cards", "cards")
    assert code == 0, err
    assert out == EXPECTED
    assert err.strip() == "lint: 16 warning(s), 0 error(s)"


def test_the_fixture_plants_every_rule():
    planted = {line.split(": ")[2].split()[0] for line in EXPECTED.splitlines()}
    # QD402 (an error) has its own corpus below, so that this one lints with exit 0.
    assert planted | {"QD402"} == set(RULES)


def test_cards_that_follow_the_rules_pass(cards):
    flagged = {line.split("card '")[1].split("'")[0] for line in EXPECTED.splitlines()}
    clean = {card.id for card in load_corpus(cards).cards} - flagged
    # A how-question with 是否, a short formula, a list recalled item by item, a cloze deletion inside
    # Python code (the markers are removed before parsing), an ignore with a reason.
    assert clean == {"how-to-check", "formula-is-short", "recalled-list", "cloze-in-code", "list-with-reason"}


def test_json_output(cards, capsys):
    code, out, _ = lint(capsys, "--cards", "cards", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert [f"{f['file']}:{f['line']}: card '{f['card']}': {f['rule']} {f['message']}" for f in found] == EXPECTED.splitlines()
    assert {f["severity"] for f in found} == {"warning"}
    first = found[0]
    assert set(first) >= {"file", "line", "card", "rule", "severity", "message"}
    assert (first["file"], first["line"], first["card"], first["rule"], first["name"]) == (
        "cards/answers.yaml", 5, "long-answer", "QD101", "long-answer")


def test_strict_fails_on_warnings_only_when_there_are_some(cards, capsys):
    assert lint(capsys, "--cards", "cards", "--strict")[0] == 2
    for path in cards.glob("*.yaml"):
        if path.name != "topics.yaml":
            path.unlink()
    (cards / "clean.yaml").write_text("cards:\n" + card("clean", "学习率预热是什么？", "训练开始时让学习率从小逐步增大到目标值。"),
                                      encoding="utf-8")
    code, out, err = lint(capsys, "--cards", "cards", "--strict")
    assert (code, out) == (0, "")
    assert err.strip() == "lint: no problems found"


def test_ignores_need_a_reason_and_must_still_be_needed(cards, capsys):
    found = {(f["card"], f["rule"]) for f in json.loads(lint(capsys, "--cards", "cards", "--format", "json")[1])}
    assert not any(card_id == "list-with-reason" for card_id, _ in found)  # QD103 ignored, with a reason
    assert ("list-without-reason", "QD501") in found and ("list-without-reason", "QD103") not in found
    assert ("stale-ignore", "QD502") in found
    assert ("long-answer", "QD403") not in found  # ignored by code, and it fires: no QD502 either
    assert ("long-answer", "QD502") not in found


def test_unknown_rule_in_an_ignore_is_an_error(cards, capsys):
    text = "cards:\n" + card("odd-ignore", "学习率预热是什么？", "从小逐步增大。", "    lint: {ignore: [QD999, long-answr], reason: x}\n")
    (cards / "odd.yaml").write_text(text, encoding="utf-8")
    for args in (["lint", "--cards", "cards"], ["--cards", "cards", "--check"]):
        capsys.readouterr()
        assert run_cli(*args) == 2
        errors = [l for l in capsys.readouterr().err.splitlines() if l.startswith("error: ")]
        assert errors[0].startswith("error: cards/odd.yaml:7: card 'odd-ignore': lint: ignore: unknown lint rule 'QD999'")
        assert "unknown lint rule 'long-answr' (did you mean 'long-answer'?)" in errors[1]
        assert len(errors) == 2


@pytest.mark.parametrize("value, message", [
    ("QD103", "lint must be a mapping: lint: {ignore: [QD101], reason: \"why\"}"),
    ("{reason: why}", "lint needs 'ignore': the rules this card silences, e.g. [QD101]"),
    ("{ignore: [QD103], reason: [a]}", "lint: reason must be text"),
    ("{ignore: {QD103: 1}, reason: x}", "lint: ignore must be a list of rule codes, e.g. [QD101, QD403]"),
    ("{ignore: [QD103], because: x}", "unknown key 'because' in lint; allowed: ignore, reason"),
    ("{ignore: [QD501], reason: x}", "lint: ignore: QD501 (ignore-without-reason) is about ignores and cannot be ignored"),
])
def test_malformed_card_lint_entries_are_errors(cards, capsys, value, message):
    (cards / "odd.yaml").write_text("cards:\n" + card("odd", "学习率预热是什么？", "从小逐步增大。", f"    lint: {value}\n"),
                                    encoding="utf-8")
    code, _, err = lint(capsys, "--cards", "cards")
    assert code == 2
    assert [l for l in err.splitlines() if l.startswith("error: ")] == [f"error: cards/odd.yaml:7: card 'odd': {message}"]


def test_bad_thresholds_are_errors_with_their_lines(cards, capsys):
    topics = cards / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").split("lint:")[0] + (
        "lint:\n  long_answer: 0\n  too_long_answer: lots\n  list_items: 1\n  repeat_ratio: 1.5\n"
        "  ignore: [QD77]\n  colour: red\n"), encoding="utf-8")
    code, out, err = lint(capsys, "--cards", "cards")
    assert code == 2 and out == ""
    assert [l for l in err.splitlines() if l.startswith("error: ")] == [
        "error: cards/topics.yaml:7: lint: long_answer must be a whole number >= 1 (got 0)",
        "error: cards/topics.yaml:8: lint: too_long_answer must be a whole number >= 1 (got 'lots')",
        "error: cards/topics.yaml:9: lint: list_items must be a whole number >= 2 (got 1)",
        "error: cards/topics.yaml:10: lint: repeat_ratio must be a number above 0 and at most 1 (got 1.5)",
        "error: cards/topics.yaml:11: lint: ignore: unknown lint rule 'QD77'; rules: " + ", ".join(RULES)
        + " (see README, 'Card-quality lint')",
        "error: cards/topics.yaml:12: unknown key 'colour' in lint; allowed: long_answer, too_long_answer, list_items, "
        "repeat_ratio, ignore",
    ]


def test_too_long_must_not_be_below_long(cards, capsys):
    topics = cards / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("too_long_answer: 60", "too_long_answer: 30"), encoding="utf-8")
    code, _, err = lint(capsys, "--cards", "cards")
    assert code == 2
    assert "error: cards/topics.yaml:8: lint: too_long_answer (30) must be at least long_answer (40)" in err


def test_corpus_wide_ignore_switches_a_rule_off(cards, capsys):
    topics = cards / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + "  ignore: [QD201, vague-question]\n", encoding="utf-8")
    out = lint(capsys, "--cards", "cards")[1]
    assert out.splitlines() == [l for l in EXPECTED.splitlines() if " QD201 " not in l and " QD202 " not in l]


def test_python_that_does_not_parse_fails_lint_and_build_with_its_line(cards, capsys, tmp_path):
    (cards / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    code, out, err = lint(capsys, "--cards", "cards")
    assert code == 2
    assert BROKEN_LINE in out.splitlines()
    assert err.strip() == "lint: 16 warning(s), 1 error(s)"
    found = json.loads(lint(capsys, "--cards", "cards", "--format", "json")[1])
    assert [(f["card"], f["line"], f["rule"]) for f in found if f["severity"] == "error"] == [("broken-python", 9, "QD402")]
    for extra in ([], ["--check"], ["--html", "preview.html"]):
        capsys.readouterr()
        assert run_cli("--cards", "cards", *extra) == 2
        err = capsys.readouterr().err
        assert f"error: {BROKEN_LINE}" in err.splitlines()
        assert "1 problem(s) found; nothing written." in err
    assert not (tmp_path / "dist").exists() and not (tmp_path / "preview.html").exists()


def test_build_prints_the_warning_count_and_how_to_see_them(cards, capsys, tmp_path):
    shutil.move(cards, tmp_path / "my deck")
    for extra in (["--check"], ["-o", "out.apkg"]):
        capsys.readouterr()
        assert run_cli("--cards", "my deck", *extra) == 0
        assert "lint: 16 warning(s); run: qadeck lint --cards 'my deck'" in capsys.readouterr().err.splitlines()
    assert (tmp_path / "out.apkg").is_file()


def test_lines_inside_quoted_text(tmp_path):
    folder = default_thresholds_corpus(tmp_path, {})
    (folder / "cards.yaml").write_text(
        "cards:\n"
        "  - id: quoted\n"
        "    question: 如何列出文件？\n"
        "    answer: \"运行：\\n\\n```\\nls -l\\n```\"\n"
        "    topics: [training]\n", encoding="utf-8")
    report = lint_corpus(load_corpus(folder))
    assert [(f.card_id, f.rule, f.location.line) for f in report.findings] == [("quoted", "QD401", 4)]


def default_thresholds_corpus(tmp_path: Path, answers: dict[str, str]) -> Path:
    """A corpus with the default lint settings: one card per answer."""
    folder = tmp_path / "defaults"
    folder.mkdir()
    (folder / "topics.yaml").write_text("deck: D\ntopics:\n  training: {name: T}\n", encoding="utf-8")
    (folder / "cards.yaml").write_text("cards:\n" + "".join(card(k, "这是什么？", v) for k, v in answers.items()), encoding="utf-8")
    return folder


def test_default_thresholds_count_han_characters_and_latin_words_alike(tmp_path):
    han = "模型"
    words = "model "
    folder = default_thresholds_corpus(tmp_path, {
        "han-200": han * 100, "han-201": han * 100 + "型", "han-301": han * 150 + "型",
        "words-201": words * 201, "mixed-201": "训 " * 101 + words * 100,
        "code-not-counted": han * 50 + "\n\n```python\n" + "x = 1\n" * 400 + "```",
        "math-counts-little": han * 90 + " $" + "a_{i} + " * 200 + "b$ 和 $$" + "\\sum x " * 100 + "$$",
        "cloze-markers-stripped": "{{c1::" + han * 100 + "::提示提示提示提示}}",
    })
    report = lint_corpus(load_corpus(folder))
    found = {(f.card_id, f.rule) for f in report.findings if f.rule in ("QD101", "QD102")}
    assert found == {("han-201", "QD101"), ("han-301", "QD102"), ("words-201", "QD101"), ("mixed-201", "QD101")}


def test_cache_serves_unchanged_cards(cards, tmp_path):
    cache = tmp_path / "lint-cache"
    first = lint_corpus(load_corpus(cards), cache_dir=cache)
    assert first.analysed == 19 and first.cached == 0
    second = lint_corpus(load_corpus(cards), cache_dir=cache)
    assert second.analysed == 0 and second.cached == 19
    assert [str(f) for f in second.findings] == [str(f) for f in first.findings] == EXPECTED.splitlines()
    questions = cards / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace("Talk about gradient clipping.", "What does gradient clipping do?"),
                         encoding="utf-8")
    third = lint_corpus(load_corpus(cards), cache_dir=cache)
    assert third.analysed == 1
    assert [str(f) for f in third.findings] == [l for l in EXPECTED.splitlines() if "'vague-en'" not in l]
    assert run_cli("lint", "--cards", str(cards), "--no-cache") == 0
    topics = cards / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("long_answer: 40", "long_answer: 55"), encoding="utf-8")
    fourth = lint_corpus(load_corpus(cards), cache_dir=cache)  # thresholds apply after the cache
    assert fourth.analysed == 0
    assert "'long-answer': QD101" not in "\n".join(map(str, fourth.findings))


def test_moving_a_card_moves_its_findings_even_from_the_cache(cards, tmp_path):
    cache = tmp_path / "lint-cache"
    lint_corpus(load_corpus(cards), cache_dir=cache)
    questions = cards / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace("cards:\n", "cards:\n" + card("first", "什么是熵？", "不确定性的度量。"), 1),
                         encoding="utf-8")
    report = lint_corpus(load_corpus(cards), cache_dir=cache)
    assert report.analysed == 1
    assert "cards/questions.yaml:8: card 'yes-no-zh': QD201" in "\n".join(map(str, report.findings))


def test_parallel_analysis_finds_what_one_process_finds(tmp_path):
    from test_bench_generate import load_generator

    load_generator().generate(150, tmp_path / "many")
    with open(tmp_path / "many" / "topics.yaml", "a", encoding="utf-8") as topics:
        topics.write("lint: {long_answer: 20, too_long_answer: 30}\n")  # a finding on every card
    corpus = load_corpus(tmp_path / "many")
    serial, parallel = lint_corpus(corpus, jobs=1), lint_corpus(corpus, jobs=2)
    assert len(serial.findings) == 150
    assert [str(f) for f in serial.findings] == [str(f) for f in parallel.findings]


def test_a_big_corpus_is_linted_by_worker_processes_without_noise(tmp_path):
    """From 500 cards the lint uses a pool. A worker that failed to start used to print a traceback
    per worker on stderr, after which every card was analysed in one process."""
    import subprocess
    import sys

    from test_bench_generate import load_generator

    load_generator().generate(520, tmp_path / "big", mode="similar")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "lint", "--cards", str(tmp_path / "big"), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0
    report = lint_corpus(load_corpus(tmp_path / "big"), jobs=1)
    assert proc.stderr == f"lint: {len(report.warnings)} warning(s), 0 error(s)\n"
    assert proc.stdout.splitlines() == [str(f) for f in report.findings] and report.findings


# Python whose pyflakes verdict depends on scopes, builtins and module-level rules: the fast checker
# (builtins bound at once, one checker class per process) must say exactly what pyflakes' own does.
TRICKY_PYTHON = [
    "open('x')\nfrom io import open\n",  # a builtin used, then shadowed by an import: the import counts as used
    "from io import open\n",  # ... and in the next block it does not (no use leaks across blocks)
    "counter = 0\ndef bump():\n    global counter\n    counter += step\n",
    "def later():\n    return defined_after\ndefined_after = 1\nprint(undefined_here)\n",
    "def outer():\n    x = 1\n    def inner():\n        nonlocal x\n        x += y\n    return inner\n",
    "def make():\n    def helper():\n        return helper_missing()\n    return helper\n",
    "from os.path import *\nprint(join('a', 'b'), nowhere)\n",
    "import os, sys\nimport json\n__all__ = ['os', 'missing_export']\n",
    "import os\n__all__ = ['os']\n__all__ += ['sys']\n",
    "def f(:\n    pass\n",  # a syntax error
    "print('unclosed\n",
    "class A:\n    size = 3\n    def area(self):\n        return size * __class__.__name__\n",
    "[n for n in range(3)]\nprint(n)\n",
    "if (m := 3) > 2:\n    print(m, __file__, __builtins__, WindowsError)\n",
    "from __future__ import annotations\ndef f(x: Undefined) -> 'AlsoUndefined':\n    return x\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy as np\ndef f(a: 'np.ndarray'):\n    return a\n",
    "try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
    "del never_bound\nx = 1\ndel x\nprint(x)\n",
    "match point:\n    case (0, y):\n        print(y)\n    case _:\n        print(z)\n",
    "def f():\n    return locals()\nimport os\nprint = 1\nprint(os)\n",
    "async def go():\n    async with lock:\n        await sleep(1)\n    return [i async for i in feed()]\n",
    "lambda: undefined_in_lambda\n",
    "__all__ = ['f']\ndef f():\n    pass\nfrom m import *\n",
    "import os.path\nimport os\n",
    "",
]


def pyflakes_view(checker_class, code: str) -> list[tuple]:
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ["syntax error"]
    return [(type(m).__name__, m.lineno, m.col, m.message_args) for m in checker_class(tree).messages]


def python_blocks(corpus_dir: Path) -> list[str]:
    from qadeck.lint import PYTHON_LANGS, fence_re, strip_cloze

    blocks = []
    for found in load_corpus(corpus_dir).cards:
        for text in (found.question, found.answer, found.cloze, found.explanation):
            blocks += [m.group("code") for m in fence_re().finditer(strip_cloze(text or ""))
                       if (m.group("lang") or "").lower() in PYTHON_LANGS]
    return blocks


def test_fast_checker_reports_exactly_what_pyflakes_does(tmp_path):
    from pyflakes.checker import Checker

    from qadeck.lint import flakes_checker
    from test_bench_generate import load_generator

    generate = load_generator().generate
    generate(300, tmp_path / "similar", mode="similar")
    generate(60, tmp_path / "distinct", mode="distinct")
    shipped, similar, distinct = (python_blocks(d) for d in (ROOT / "cards", tmp_path / "similar", tmp_path / "distinct"))
    assert len(shipped) >= 10 and len(similar) >= 20 and len(distinct) == 60
    fast = flakes_checker()
    for code in TRICKY_PYTHON + shipped + similar + distinct:
        assert pyflakes_view(fast, code) == pyflakes_view(Checker, code), code
    # The cases above do exercise what matters: messages of both kinds, and a use that must not leak.
    assert pyflakes_view(fast, TRICKY_PYTHON[0]) == []
    assert [m[0] for m in pyflakes_view(fast, TRICKY_PYTHON[1])] == ["UnusedImport"]
    assert {"UndefinedName", "UnusedImport", "ImportStarUsage", "UndefinedExport"} <= {
        m[0] for code in TRICKY_PYTHON for m in pyflakes_view(fast, code) if m != "syntax error"}


def test_lint_findings_on_tricky_python_are_those_of_stock_pyflakes(tmp_path, monkeypatch):
    from pyflakes.checker import Checker

    import qadeck.lint

    folder = default_thresholds_corpus(tmp_path, {
        f"tricky-{n}": "代码：\n\n```python\n" + code + "```" for n, code in enumerate(TRICKY_PYTHON)})
    corpus = load_corpus(folder)
    fast = [str(f) for f in lint_corpus(corpus).findings]
    qadeck.lint._python_hits.cache_clear()
    monkeypatch.setattr(qadeck.lint, "flakes_checker", lambda: Checker)  # the stock checker, block by block
    stock = [str(f) for f in lint_corpus(corpus).findings]
    qadeck.lint._python_hits.cache_clear()  # no stock results left for other tests
    assert fast == stock
    rules = [line.split(": ")[2].split()[0] for line in fast]
    assert rules.count("QD402") == 2 and "QD403" in rules and "QD404" in rules


def test_shipped_corpus_has_no_lint_errors():
    report = lint_corpus(load_corpus(ROOT / "cards"))
    assert report.errors == []


def test_lint_reads_unchanged_files_from_the_parsed_file_cache(cards, capsys, tmp_path):
    cache = tmp_path / "cache"
    first = lint(capsys, "--cards", "cards", "--cache-dir", str(cache))
    assert [p.name.split("-")[0] for p in cache.iterdir() if p.is_dir()].count("parsed") == 1
    assert lint(capsys, "--cards", "cards", "--cache-dir", str(cache)) == first
    assert first[1] == EXPECTED
    questions = cards / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace("Talk about gradient clipping.", "What does gradient clipping do?"),
                         encoding="utf-8")
    code, out, _ = lint(capsys, "--cards", "cards", "--cache-dir", str(cache))
    assert code == 0
    assert out.splitlines() == [l for l in EXPECTED.splitlines() if "'vague-en'" not in l]


def findings_of(report) -> list[str]:
    return [str(f) for f in report.findings]


def lint_both_ways(cards_dir: Path, cache: Path) -> list[str]:
    """The lint through the cache, checked against a lint without one (the full computation)."""
    from qadeck.errors import InputError
    from qadeck.lint import lint_directory

    def run(**kwargs):
        try:
            return findings_of(lint_directory(cards_dir, **kwargs)), []
        except InputError as exc:  # the lint's findings are in the problems too
            return [], [str(p) for p in exc.problems]

    cached, fresh = run(cache_dir=cache), run()
    assert cached == fresh
    return cached[0] or cached[1]


def test_unchanged_card_files_are_served_whole(cards, tmp_path):
    from qadeck.lint import lint_directory

    cache = tmp_path / "cache"
    first = lint_directory(cards, cache_dir=cache)
    assert first.analysed == 19 and findings_of(first) == EXPECTED.splitlines()
    for per_card in cache.glob("lint-v*"):  # the cards' own analyses: not needed for unchanged files
        shutil.rmtree(per_card)
    again = lint_directory(cards, cache_dir=cache)
    assert again.analysed == 0 and again.cached == 19
    assert findings_of(again) == EXPECTED.splitlines()


def test_whole_file_findings_follow_every_edit_as_a_fresh_lint_would(cards, tmp_path):
    cache = tmp_path / "cache"
    questions, topics = cards / "questions.yaml", cards / "topics.yaml"
    assert lint_both_ways(cards, cache) == EXPECTED.splitlines()

    def edit(path: Path, old: str, new: str) -> list[str]:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return lint_both_ways(cards, cache)

    assert "'vague-en'" not in "\n".join(edit(questions, "Talk about gradient clipping.", "What does gradient clipping do?"))
    assert "QD101" not in "\n".join(edit(topics, "long_answer: 40", "long_answer: 55"))  # a threshold
    moved = edit(questions, "cards:\n", "cards:\n" + card("first", "什么是熵？", "不确定性的度量。"))  # cards move down
    assert "cards/questions.yaml:8: card 'yes-no-zh': QD201" in "\n".join(moved)
    # A card dropped for an id used before (in answers.yaml) is linted once that id is free: its file,
    # unchanged meanwhile, must not keep the findings of the cards that were linted then.
    (cards / "zz.yaml").write_text("cards:\n" + card("long-answer", "谈谈你对过拟合的理解", "训练集好，测试集差。")
                                   + card("fine", "过拟合是什么？", "训练集好，测试集差。"), encoding="utf-8")
    assert any("id 'long-answer' is already used" in line for line in lint_both_ways(cards, cache))
    renamed = edit(cards / "answers.yaml", "id: long-answer", "id: long-answer-2")
    assert "cards/zz.yaml:3: card 'long-answer': QD202 a vague question" in "\n".join(renamed)


def test_length_counts_each_han_character_and_each_word_once():
    """measure() counts runs (fewer strings than one per character); it must count what the
    one-token-per-Han-character pattern counts, on any mix of scripts."""
    import random
    import re

    from qadeck.lint import _CJK, measure

    one_per_han_character = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
    rng = random.Random(5)
    alphabet = "ab_19 中文、，。𠀀ーカ한\t-éß"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    assert all(measure(text) == len(one_per_han_character.findall(text)) for text in texts)
    assert measure("模型 model_x 訓練2024年 한국어") == 2 + 2 + 2 + 1 + 1 + 3


def test_a_build_counts_unchanged_files_from_the_cache_as_a_fresh_lint_does(cards, capsys, tmp_path):
    """Builds lint through the parsed-file cache, so an unchanged file's findings come whole from
    the cache: after each edit, the count must be the one a build without a cache prints."""
    cache = str(tmp_path / "cache")

    def lint_line(*extra: str) -> str:
        capsys.readouterr()
        assert run_cli("--cards", "cards", "--check", *extra) == 0
        return next(line for line in capsys.readouterr().err.splitlines() if line.startswith("lint: "))

    assert lint_line("--cache-dir", cache) == lint_line("--cache-dir", cache) == lint_line("--no-cache")
    assert lint_line("--cache-dir", cache).startswith("lint: 16 warning(s)")
    questions = cards / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace("Talk about gradient clipping.", "What does gradient clipping do?"),
                         encoding="utf-8")
    assert lint_line("--cache-dir", cache).startswith("lint: 15 warning(s)")
    assert lint_line("--cache-dir", cache) == lint_line("--no-cache")
    topics = cards / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("long_answer: 40", "long_answer: 55"), encoding="utf-8")
    after = lint_line("--cache-dir", cache)
    assert after == lint_line("--no-cache") and after.startswith("lint: ") and not after.startswith("lint: 15 warning(s)")


def test_a_file_saved_while_the_build_runs_stores_no_findings(cards, tmp_path):
    """The build reads a card file, the user saves it again, then the lint places its findings:
    lines from the new bytes must not be stored under the old bytes (they would be served the
    next time the old bytes come back, e.g. after an undo)."""
    from qadeck.cache import ParsedFiles, RenderCache
    from qadeck.lint import lint_directory
    from qadeck.loader import read_corpus

    cache = tmp_path / "cache"
    answers = cards / "answers.yaml"  # findings inside answers: their lines are looked up in the file
    before = answers.read_text(encoding="utf-8")
    parsed = ParsedFiles(RenderCache(cache, b"test"))
    corpus, problems = read_corpus(cards, parsed)
    assert not problems
    answers.write_text("# a comment line moves every card down\n" + before, encoding="utf-8")
    lint_corpus(corpus, cache_dir=cache, parsed=parsed)  # the cards of before, the file of after
    answers.write_text(before, encoding="utf-8")  # undo
    assert findings_of(lint_directory(cards, cache_dir=cache)) == findings_of(lint_directory(cards)) == EXPECTED.splitlines()
