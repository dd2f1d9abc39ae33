"""A publication root in, a validated output folder out; a build with nothing to do answers from the stamp."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub import stamp
from feedpub.errors import Problem
from feedpub.lock import publication_lock
from feedpub.output import claim

if TYPE_CHECKING:
    from feedpub.entries import Progress


@dataclass
class BuildResult:
    output: Path
    entries: int
    feeds: int
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    warnings: list[Problem] = field(default_factory=list)
    edited: list[str] = field(
        default_factory=list
    )  # entries whose edit was first seen in this build
    fingerprint: str = ""  # of the whole output

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)

    def summary(self) -> str:
        counts = f"{plural(self.entries, 'entry', 'entries')}, {plural(self.feeds, 'feed')}"
        if not self.changed:
            return f"{self.output.name}/ is up to date ({counts})"
        return (
            f"built {plural(self.feeds, 'feed')} from {plural(self.entries, 'entry', 'entries')} "
            f"into {self.output.name}/: {self.written} written, {self.unchanged} unchanged, "
            f"{self.removed} removed"
        )


def plural(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def build(
    root: Path,
    *,
    now: datetime | None = None,
    validate: bool = True,
    force: bool = False,
    replace_output: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build ``root`` into its output folder; on any problem the old output stays untouched.

    When no input changed since the last build (and no scheduled entry fell due), the
    output is left as it is without reading a single entry, nor even importing the code
    that renders them; ``force`` builds regardless. An output folder feedpub did not write
    is refused unless ``replace_output``. Holds the publication's lock throughout
    (LockHeld, exit 3, when another process keeps it). ``progress`` is told (stage, done,
    total) as the build goes.
    """
    with publication_lock(root, "build"):
        return _build(root, now, validate, force, replace_output, progress)


def _build(
    root: Path,
    now: datetime | None,
    validate: bool,
    force: bool,
    replace_output: bool,
    progress: Progress | None = None,
) -> BuildResult:
    moment = now or datetime.now(UTC)
    started = stamp.now_ns()
    inputs = stamp.input_state(root)
    if not force:
        # feedpub.yaml is one of the inputs, so the stamp's output folder is still the one
        # the settings name; the stamp only stands when that folder is the one we swapped in.
        fresh = stamp.still_fresh(root, moment, inputs[0])
        if fresh is not None:
            output = stamp.output_folder(root, fresh)
            claim(root, output, replace=replace_output)
            return BuildResult(
                output=output,
                entries=fresh.entries,
                feeds=fresh.feeds,
                fingerprint=fresh.fingerprint,
            )
    from feedpub.assemble import full_build
    from feedpub.load import load_settings

    settings = load_settings(root)
    claim(root, settings.output, replace=replace_output)
    return full_build(root, moment, inputs, started, validate, progress, force, settings)
