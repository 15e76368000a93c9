"""Atomic file output: a temp file beside the target, then rename; a failure leaves the old file."""
from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Callable

STALE_AFTER = 3600  # seconds: a temp file this old is left over, whoever made it


def write_atomically(path: Path, write: Callable[[Path], None]) -> int:
    """Call ``write(tmp_path)`` and move the result to ``path``; returns the size in bytes."""
    return write_all_atomically([(path, write)])[0]


def write_all_atomically(outputs: list[tuple[Path, Callable[[Path], None]]]) -> list[int]:
    """Write every output to a temp file beside its target first; only when all succeeded are they
    renamed into place, so a failure in any one leaves every target as it was."""
    temps: list[Path] = []
    try:
        for path, write in outputs:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            # The pid in the name lets a later build tell a live writer's file from a killed one's.
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            temps.append(Path(tmp_name))
            write(temps[-1])
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temps[-1], 0o666 & ~umask)
        for tmp, (path, _) in zip(temps, outputs):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [Path(path).stat().st_size for path, _ in outputs]


def sweep_stale_temps(path: Path) -> list[Path]:
    """Remove temp files of ours for ``path`` (``.NAME.<pid>.<random>.tmp``) whose writer is gone
    or that are older than STALE_AFTER; returns what was removed. Other files are never touched."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}\.tmp")
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if not found or not entry.is_file(follow_symlinks=False):
            continue
        try:
            old = time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            if old or (found.group(1) and not _alive(int(found.group(1)))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's live process
        return True
    return True
