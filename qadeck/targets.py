"""Where a build may write: never into the corpus or templates folder, never over a file it did not make.

A mistyped ``-o cards/topics.yaml`` must not replace the topic list with a zip, and ``-o X --html X``
must not write one output over the other.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import UsageError

PREVIEW_MARK = b'<meta name="generator" content="qadeck">'
_ANKI_COLLECTIONS = {"collection.anki2", "collection.anki21", "collection.anki21b"}


def check_targets(package: Path, preview: Path | None, protected: dict[str, Path], example: str) -> None:
    """Raise UsageError when the package or preview path is not a safe place to write.

    ``protected``: folder description -> folder the build reads (the corpus, the templates).
    ``example``: a file name for the package, used in the hint when ``package`` is a folder.
    """
    targets = [(Path(package), "package", example, _is_package)]
    if preview is not None:
        if _same(package, preview):
            raise UsageError(f"the package and the --html preview would both be written to {package}; give two paths")
        targets.append((Path(preview), "preview", "preview.html", _is_preview))
    for target, what, example_name, ours in targets:
        if target.is_dir():
            raise UsageError(f"{target} is a folder; give a file name, e.g. {target / example_name}")
        for description, folder in protected.items():
            if _directly_in(target, folder):
                raise UsageError(f"{target} is inside the {description} folder {folder}; qadeck never writes there")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise UsageError(f"{target} exists and is not a regular file; give another path for the {what}")
        if target.is_file() and target.stat().st_size and not ours(target):
            raise UsageError(f"{target} exists and is not a{'n Anki package' if what == 'package' else ' qadeck preview'}; "
                             f"qadeck does not overwrite it (delete it or give another path)")


def _resolved(path: Path) -> Path:
    path = Path(path)
    return path.parent.resolve() / path.name


def _same(a: Path, b: Path) -> bool:
    return _resolved(a) == _resolved(b)


def _directly_in(path: Path, folder: Path) -> bool:
    """Where the files the build reads live (a corpus at '.' may still build into ./dist/)."""
    return _resolved(path).parent == Path(folder).resolve()


def _is_package(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return bool(_ANKI_COLLECTIONS & set(archive.namelist()))
    except (OSError, zipfile.BadZipFile):
        return False


def _is_preview(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return PREVIEW_MARK in handle.read(4096)
    except OSError:
        return False
