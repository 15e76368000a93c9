"""Parallel rendering gives the same bytes as rendering in one process."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

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

    import shutil

    cards = tmp_path / "cards"
    shutil.copytree(ROOT / "cards", cards)  # a build maintains the ledger: never write into the repository
    script = ("import sys\nfrom qadeck.cli import main\n"
              f"code = main(['--cards', {str(cards)!r}, '--templates', {str(ROOT / 'templates')!r}, "
              f"'-o', {str(tmp_path / 'deck.apkg')!r}, '--cache-dir', {str(tmp_path / 'cache')!r}])\n"
              "print(code, 'numpy' in sys.modules, 'concurrent.futures.process' in sys.modules, 'multiprocessing' in sys.modules)")
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "home-cache")}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert out.split()[-4:] == ["0", "False", "False", "False"]


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_render_workers_die_with_a_killed_build(tmp_path):
    """kill -9 mid-render: the workers go too, and nothing holds the build's stdout open."""
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = tmp_path / "cards"
    load_generator().generate(3000, corpus)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home-cache")}
    build = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--cards", str(corpus), "-o", str(tmp_path / "x.apkg"),
                              "--no-cache", "--jobs", "2"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
            workers = children(build.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the build never started its render workers"
        time.sleep(0.5)  # mid-render
        assert build.poll() is None, "the build finished before it could be killed; give it more cards"
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if alive(w)]
        reader = subprocess.run(["timeout", "5", "cat"], stdin=build.stdout, capture_output=True)
        assert reader.returncode == 0  # end of file at once: no orphan holds the pipe
    finally:
        if build.poll() is None:
            build.kill()
        for pid in workers:  # should they have outlived the build, do not leave them running
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        build.stdout.close()
