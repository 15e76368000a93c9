"""The exception family: every problem a user can fix names its file and line."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a source file; ``str()`` is ``file:line`` so messages locate themselves."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        shown = display_path(self.path)
        return f"{shown}:{self.line}" if self.line else shown


def display_path(path: Path) -> str:
    """Path relative to the working directory when it is below it (shorter, clickable)."""
    path = Path(path)
    try:  # the parent only: a link is shown as itself, and a link loop cannot be resolved
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: ``cards/x.yaml:12: card 'id': what is wrong``."""

    location: Location | None
    message: str
    card_id: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.card_id:
            parts.append(f"card '{self.card_id}'")
        parts.append(self.message)
        return ": ".join(parts)


class QadeckError(Exception):
    """Base of every error the CLI reports without a traceback."""


class InputError(QadeckError):
    """The input is wrong: carries every problem found, so one run reports them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(QadeckError):
    """The command line asks for something that cannot be done (e.g. an unknown tag)."""
