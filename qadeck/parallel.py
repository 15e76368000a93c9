"""Render many cards across the machine's cores; small batches stay in this process.

Each worker renders chunks of field texts (``render.field_units``) with its own
:class:`MarkdownRenderer`; the results come back in input order, and rendering a field depends on
nothing but its own text, so a parallel build is byte-identical to a serial one. Workers are
forked where the platform allows it (they inherit the imported libraries instead of importing
them again).
"""
from __future__ import annotations

import os
import signal
import sys
import time
from typing import Callable, Sequence

# Rendering a card with a 20-line code block costs ~2.5-3 ms; a forked pool costs ~20-50 ms to
# start and warm up, and each chunk a round trip. Below this many cards, one process is as fast.
PARALLEL_MIN_CARDS = 500  # below this a pool's start-up costs more than it saves (the shipped ~200 cards)
CHUNK_MIN, CHUNK_MAX = 24, 96  # fields (~3 a card); small chunks: a busy core or a slow chunk leaves less of a tail
CARDS_PER_JOB_MIN = 8  # no process is started for fewer cards than this

Unit = tuple  # (how, text): one field to render, see render.field_units
Progress = Callable[[int], None]  # called with the number of fields just finished

_renderer = None


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def plan_jobs(todo: int, jobs: int | None) -> int:
    """How many processes to render ``todo`` cards with: ``jobs`` if given (>= 1), else automatic."""
    if todo <= 1:
        return 1
    if jobs is not None:
        return max(1, min(jobs, todo))
    if todo < PARALLEL_MIN_CARDS:
        return 1
    return max(1, min(available_cpus(), todo // CARDS_PER_JOB_MIN))


class PendingRender:
    """Rendering that has started (in worker processes, when ``jobs`` > 1) and is collected by :meth:`result`.

    The caller can do other work meanwhile: the workers use the cores while it does. Serial
    rendering happens in :meth:`result`. :meth:`close` cancels whatever has not started.
    """

    def __init__(self, units: Sequence[Unit], jobs: int = 1, progress: Progress | None = None):
        self._units, self._progress = units, progress
        self._pool = None
        self._futures: list = []
        if jobs > 1 and len(units) > 1:
            size = max(CHUNK_MIN, min(CHUNK_MAX, -(-len(units) // (jobs * 16))))
            try:
                from concurrent.futures import ProcessPoolExecutor  # only builds that use it pay for the import

                self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_worker_init,
                                                 initargs=(os.getpid(),))
                self._futures = [self._pool.submit(_render_chunk, list(units[i:i + size]))
                                 for i in range(0, len(units), size)]
            except (ImportError, OSError, RuntimeError):  # RuntimeError: BrokenProcessPool
                self.close()  # no processes here (sandbox, resource limits): render in this process

    def result(self) -> list:
        if self._pool is not None:
            from concurrent.futures.process import BrokenProcessPool

            out: list = []
            try:
                for future in self._futures:  # in input order
                    rendered = future.result()
                    out.extend(rendered)
                    if self._progress is not None:
                        self._progress(len(rendered))
                return out
            except (BrokenProcessPool, OSError):
                self._progress = None  # a worker died (e.g. out of memory): finish in this process
            finally:
                self.close()
        return _render_serial(self._units, self._progress)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _render_serial(units: Sequence[Unit], progress: Progress | None) -> list:
    out: list = []
    step = max(1, min(CHUNK_MAX, len(units) // 100))
    for start in range(0, len(units), step):
        out.extend(_render_chunk(units[start:start + step]))
        if progress is not None:
            progress(min(step, len(units) - start))
    return out


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it cancels the rest
    _die_with(parent)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """End this worker when the build that started it ends, however it ends (even kill -9).

    Otherwise an orphaned worker keeps rendering for minutes and holds the build's stdout open,
    so ``build.py | tee`` or a CI step never finishes. Linux: the kernel sends SIGKILL when the
    parent dies (prctl). Elsewhere: a thread polls the parent's pid.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="qadeck-parent-watch", daemon=True).start()


def _context():
    import multiprocessing

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _render_chunk(chunk: Sequence[Unit]) -> list:
    global _renderer
    from .render import render_field

    if _renderer is None:
        from .markdown_render import MarkdownRenderer

        _renderer = MarkdownRenderer()
    return [render_field(_renderer, unit) for unit in chunk]
