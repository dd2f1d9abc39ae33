"""Input files, the clock and the output folder in; whether the last build still stands out.

A build that changes nothing costs only a walk over the inputs' sizes and modification
times. Anything doubtful (a file touched within the clock's granularity of the last build,
an output folder that is not the one we wrote, a scheduled entry falling due) means: build.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from feedpub import __version__
from feedpub.errors import Problem
from feedpub.files import write_atomic
from feedpub.inputs import walk
from feedpub.times import parse_iso

STAMP_FILE = Path(".feedpub") / "build-stamp.json"
# feedpub.ledger is left out: the build writes it, and it follows from the entries anyway.
INPUT_FILES = ("feedpub.yaml", "sources.lock")
INPUT_FOLDERS = ("feeds", "entries", "static", "templates")
RACY_NS = 100_000_000  # files changed this close to a build may hide an edit from their mtime


@dataclass(frozen=True)
class Stamp:
    inputs: str  # hash of every input's path, size and mtime
    output: str  # identity of the output folder the build swapped in
    output_setting: str  # feedpub.yaml's output (relative to the root) when this build ran
    due_from: str  # the build's due set holds from this time ...
    due_until: str | None  # ... until this one (the next scheduled entry), exclusive
    entries: int
    feeds: int
    fingerprint: str  # of the output's files
    ledger: str  # size and mtime of feedpub.ledger as this build left it
    racy: bool


def _walk(root: Path, folder: str, out: list[str]) -> None:
    """A line per input file (path, size, mtime); a line per unsafe or unreadable one, so a
    publication with such a problem never counts as fresh."""
    problems: list[Problem] = []
    for rel, path in walk(root, folder, problems):
        try:
            info = os.stat(path)
        except OSError:
            out.append(f"{folder}/{rel}\0missing")
            continue
        out.append(f"{folder}/{rel}\0{info.st_size}\0{info.st_mtime_ns}")
    out.extend(f"{problem}\0problem" for problem in problems)


def input_state(root: Path) -> tuple[str, int]:
    """(hash of inputs, newest mtime in ns)."""
    lines: list[str] = [__version__]
    for name in INPUT_FILES:
        try:
            info = (root / name).stat()
            lines.append(f"{name}\0{info.st_size}\0{info.st_mtime_ns}")
        except OSError:
            lines.append(f"{name}\0missing")
    for name in INPUT_FOLDERS:
        _walk(root, name, lines)
    newest = max(
        (
            int(line.rsplit("\0", 1)[1])
            for line in lines[1:]
            if not line.endswith(("missing", "problem"))
        ),
        default=0,
    )
    return hashlib.blake2b(
        "\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=20
    ).hexdigest(), newest


def ledger_identity(root: Path) -> str:
    try:
        info = (root / "feedpub.ledger").stat()
    except OSError:
        return ""
    return f"{info.st_size}:{info.st_mtime_ns}"


def output_identity(output: Path) -> str:
    try:
        info = output.stat()
    except OSError:
        return ""
    return f"{info.st_dev}:{info.st_ino}:{info.st_mtime_ns}"


def read_stamp(root: Path) -> Stamp | None:
    try:
        data = json.loads((root / STAMP_FILE).read_text(encoding="utf-8"))
        return Stamp(**data)
    except (OSError, ValueError, TypeError):
        return None


def output_folder(root: Path, stamp: Stamp) -> Path:
    """The output folder the stamp's build wrote, resolved now (it may be a symlink)."""
    return (root / stamp.output_setting).resolve()


def still_fresh(root: Path, now: datetime, inputs: str | None = None) -> Stamp | None:
    """The last build's stamp when nothing it depends on changed; None means build.

    ``inputs``: the digest of ``input_state`` when the caller has it already. feedpub.yaml
    is an input, so an unchanged digest means ``output_setting`` is still the output.
    """
    stamp = read_stamp(root)
    if stamp is None or stamp.racy:
        return None
    if inputs is None:
        inputs = input_state(root)[0]
    if inputs != stamp.inputs or output_identity(output_folder(root, stamp)) != stamp.output:
        return None
    if ledger_identity(root) != stamp.ledger:
        return None
    if now < parse_iso(stamp.due_from):
        return None
    if stamp.due_until is not None and now >= parse_iso(stamp.due_until):
        return None
    return stamp


def write_stamp(
    root: Path,
    output: Path,
    *,
    inputs: tuple[str, int],
    started_ns: int,
    due_from: datetime,
    due_until: datetime | None,
    entries: int,
    feeds: int,
    fingerprint: str,
    output_setting: str = "public",
) -> None:
    """Remember this build; ``inputs`` must be the state taken *before* the inputs were read."""
    digest, newest = inputs
    stamp = Stamp(
        inputs=digest,
        output=output_identity(output),
        output_setting=output_setting,
        due_from=due_from.isoformat(),
        due_until=due_until.isoformat() if due_until else None,
        entries=entries,
        feeds=feeds,
        fingerprint=fingerprint,
        ledger=ledger_identity(root),
        racy=newest >= started_ns - RACY_NS,
    )
    path = root / STAMP_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(asdict(stamp), sort_keys=True), durable=False)
    except OSError:
        pass  # without a stamp the next build just does the work


def now_ns() -> int:
    return time.time_ns()
