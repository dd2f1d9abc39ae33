"""Problems (file, line, column, message) and the exception types that carry them to the CLI."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file (or URL) and, when known, a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    """One finding, printed as ``path:line:col: error: message`` (the gcc/mypy/ruff form)."""

    location: Location
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.location}: {self.severity.value}: {self.message}{code}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def display_path(path: Path | str, root: Path | None = None) -> str:
    """A path relative to the publication root when it is inside it."""
    p = Path(path)
    if root is not None:
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return p.as_posix()


def problem_count(count: int, where: str, outcome: str = "nothing was built") -> str:
    """ "2 problems in the publication; nothing was built": the headline over a list of problems."""
    return f"{count} problem{'s' if count != 1 else ''} in {where}; {outcome}"


class FeedpubError(Exception):
    """Base of every user-facing failure. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)


class InputError(FeedpubError):
    """Bad entries, feeds or settings: every problem found, in one go (exit 2)."""

    exit_code = 2


class UsageError(FeedpubError):
    """A command used wrongly: missing file, unknown target, not a feed (exit 2)."""

    exit_code = 2


class ValidationFailed(FeedpubError):
    """A feed failed validation (exit 1)."""


class BuildError(FeedpubError):
    """Output could not be written (disk full, read-only folder) (exit 1)."""


class SourcesError(FeedpubError):
    """Pulling sources failed or ``sources.lock`` is unreadable (exit 1)."""


class PublishError(FeedpubError):
    """A publish target failed; the message names the target and the file (exit 1)."""


class LockHeld(FeedpubError):
    """Another ``feedpub run`` holds the lock (exit 3)."""

    exit_code = 3
