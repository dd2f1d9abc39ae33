"""A feed's findings: checks call ``error``/``warning`` with a code and a line; out come Problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from feedpub.errors import Location, Problem, Severity


@dataclass
class Report:
    """The problems found in one feed, plus the knobs every check may need."""

    name: str
    now: datetime
    previous_ids: Mapping[str, str] | None = None
    max_items: int = 500
    max_bytes: int = 1_000_000
    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problems.append(Problem(Location(self.name, line, column), message, severity, code))

    def error(
        self, code: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.add(Severity.ERROR, code, message, line, column)

    def warning(
        self, code: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.add(Severity.WARNING, code, message, line, column)

    def sorted(self) -> list[Problem]:
        """Problems in file order (stable for problems on the same line)."""
        return sorted(self.problems, key=lambda p: (p.location.line or 0, p.location.column or 0))
