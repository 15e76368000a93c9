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


def test_shipped_corpus_has_no_lint_errors():
    report = lint_corpus(load_corpus(ROOT / "cards"))
    assert report.errors == []
