"""Atomic file output: a temp file beside the target, then rename; a failure leaves the old file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


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
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
