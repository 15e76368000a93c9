"""bench/generate.py writes a valid, deterministic corpus that builds without warnings."""
from __future__ import annotations

import importlib.util

from conftest import ROOT, run_cli


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_corpus_passes_check(capsys, tmp_path):
    corpus = tmp_path / "bench"
    load_generator().main(["120", str(corpus), "--mode", "distinct"])
    capsys.readouterr()
    assert run_cli("--cards", str(corpus), "--check") == 0
    captured = capsys.readouterr()
    assert "120 note(s)" in captured.out
    assert "warning" not in captured.err  # no near-duplicate questions


def test_generation_is_deterministic_and_realistic(tmp_path):
    generate = load_generator().generate
    first = generate(60, tmp_path / "a")
    second = generate(60, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second))
    text = (tmp_path / "a" / "part-0000.yaml").read_text(encoding="utf-8")
    assert text.count("```python") == 50  # every answer carries a code block ...
    block = text.split("```python\n", 1)[1].split("\n      ```", 1)[0]
    assert len(block.splitlines()) == 20  # ... of 20 lines
    assert "的" in text and "？" in text  # Chinese Q&A


def test_similar_corpus_paraphrases_and_mixes_answers(capsys, tmp_path):
    generate = load_generator().generate
    files = generate(300, tmp_path / "a", mode="similar")
    again = generate(300, tmp_path / "b", mode="similar")
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(files, again))
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    assert "|---|" in text and "$\\" in text and "1. " in text and "- **" in text  # tables, formulas, lists
    fences = [line.strip() for line in text.splitlines() if line.strip().startswith("```") and line.strip() != "```"]
    assert {"```python", "```bash", "```yaml"} <= set(fences)
    capsys.readouterr()
    assert run_cli("--cards", str(tmp_path / "a"), "--check", "--no-cache") == 0  # no exact repeats of a question
    captured = capsys.readouterr()
    assert "300 note(s)" in captured.out
    assert "near-duplicate question" in captured.err  # questions paraphrase each other
