"""Parallel rendering gives the same bytes as rendering in one process."""
from __future__ import annotations

import importlib.util
import re

import pytest

from conftest import ROOT, run_cli
from qadeck.parallel import PARALLEL_MIN_CARDS, plan_jobs


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verbose_build(capsys, *args: str) -> str:
    capsys.readouterr()
    assert run_cli(*args, "--verbose") == 0
    return next(l for l in capsys.readouterr().err.splitlines() if l.startswith("timing: "))


def test_parallel_build_is_byte_identical_to_serial(capsys, tmp_path):
    corpus = tmp_path / "cards"
    load_generator().generate(60, corpus)
    serial, parallel = tmp_path / "serial.apkg", tmp_path / "parallel.apkg"
    line = verbose_build(capsys, "--cards", str(corpus), "-o", str(serial), "--no-cache", "--jobs", "1")
    assert "60 rendered by 1 process" in line
    line = verbose_build(capsys, "--cards", str(corpus), "-o", str(parallel), "--no-cache", "--jobs", "2")
    assert "60 rendered by 2 processes" in line
    assert serial.read_bytes() == parallel.read_bytes()


def test_parallel_fills_the_cache_a_serial_build_reads(capsys, corpus, tmp_path):
    cache = tmp_path / "cache"
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    verbose_build(capsys, "--cards", str(corpus), "-o", str(first), "--cache-dir", str(cache), "--jobs", "3")
    line = verbose_build(capsys, "--cards", str(corpus), "-o", str(second), "--cache-dir", str(cache), "--jobs", "1")
    assert "4 cached, 0 rendered" in line
    assert first.read_bytes() == second.read_bytes()


def test_small_work_stays_in_process_unless_asked():
    assert plan_jobs(PARALLEL_MIN_CARDS - 1, None) == 1
    assert plan_jobs(0, None) == 1 and plan_jobs(1, 8) == 1
    assert plan_jobs(5, 2) == 2  # an explicit --jobs is honoured
    assert plan_jobs(3, 8) == 3  # never more processes than cards


def test_jobs_must_be_positive(capsys, corpus, tmp_path):
    with pytest.raises(SystemExit):
        run_cli("--cards", str(corpus), "-o", str(tmp_path / "x.apkg"), "--jobs", "0")
    assert re.search(r"--jobs.*>= 1", capsys.readouterr().err)


def test_the_shipped_corpus_imports_no_numpy_and_starts_no_pool(tmp_path):
    import subprocess
    import sys

    script = ("import sys\nfrom qadeck.cli import main\n"
              f"code = main(['-o', {str(tmp_path / 'deck.apkg')!r}, '--cache-dir', {str(tmp_path / 'cache')!r}])\n"
              "print(code, 'numpy' in sys.modules, 'concurrent.futures.process' in sys.modules, 'multiprocessing' in sys.modules)")
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "home-cache")}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert out.split()[-4:] == ["0", "False", "False", "False"]
