"""File paths or URLs in (or the last build's feeds), a ValidationRun with every problem out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feedpub.errors import FeedpubError, Location, Problem, UsageError, display_path
from feedpub.load import load_settings
from feedpub.model import FEED_FILES
from feedpub.validate.document import detect_format, validate_bytes

log = logging.getLogger("feedpub")

FETCH_TIMEOUT = 15.0
FETCH_MAX_BYTES = 20_000_000


@dataclass
class ValidationRun:
    """The outcome of validating several feeds."""

    strict: bool = False
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 when any error (or, with ``strict``, any warning)."""
        failed = self.errors or (self.strict and self.warnings)
        return 1 if failed else 0

    def summary(self) -> str:
        feeds = f"{len(self.files)} feed" + ("" if len(self.files) == 1 else "s")
        errors = f"{self.errors} error" + ("" if self.errors == 1 else "s")
        warnings = f"{self.warnings} warning" + ("" if self.warnings == 1 else "s")
        verdict = "failed" if self.exit_code else "valid"
        return f"{feeds} checked: {errors}, {warnings} ({verdict})"


def output_folder(root: Path) -> Path:
    """The build output folder: ``output:`` from feedpub.yaml when it loads, else public/."""
    try:
        settings = load_settings(root)
    except FeedpubError as exc:
        log.debug("settings did not load (%s); looking in public/", exc.message)
        return root / "public"
    output = Path(settings.output)
    return output if output.is_absolute() else root / output


def built_feeds(root: Path) -> list[Path]:
    """Every feed file of the last build, sorted."""
    folder = output_folder(root)
    names = set(FEED_FILES.values())
    return sorted(
        p
        for p in folder.rglob("*")
        if p.name in names and p.is_file() and ".feedpub" not in p.parts
    )


def fetch(url: str) -> bytes:
    """GET a feed over HTTP(S) with a timeout and a size cap; failures are usage errors."""
    import requests

    try:
        with requests.get(
            url, timeout=FETCH_TIMEOUT, stream=True, headers={"User-Agent": "feedpub-validate"}
        ) as response:
            if response.status_code >= 400:
                raise UsageError(f"could not fetch {url}: HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > FETCH_MAX_BYTES:
                    raise UsageError(
                        f"could not fetch {url}: it is larger than {FETCH_MAX_BYTES:,} bytes"
                    )
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.RequestException as exc:
        raise UsageError(f"could not fetch {url}: {exc.__class__.__name__}") from exc


def _read(target: str, root: Path) -> tuple[str, bytes]:
    if target.startswith(("http://", "https://")):
        return target, fetch(target)
    path = Path(target)
    if not path.exists() and not path.is_absolute() and (root / path).exists():
        path = root / path
    if not path.is_file():
        raise UsageError(
            f"{target}: no such file",
            [Problem(Location(target), "no such file; give a feed file or URL")],
        )
    return target, path.read_bytes()


def validate_targets(
    targets: Sequence[str], *, root: Path, strict: bool = False, now: datetime | None = None
) -> ValidationRun:
    """Validate files or URLs; with no targets, every feed the last build wrote."""
    run = ValidationRun(strict=strict)
    if targets:
        sources = [_read(t, root) for t in targets]
    else:
        paths = built_feeds(root)
        if not paths:
            folder = display_path(output_folder(root), root)
            raise UsageError(
                f"no feeds found under {folder}/; run `feedpub build` first or "
                "name the feed files to validate"
            )
        sources = [(display_path(p, root), p.read_bytes()) for p in paths]
    for name, data in sources:
        if detect_format(data) is None:
            raise UsageError(
                f"{name} is not an RSS 2.0, Atom 1.0 or JSON feed",
                [
                    Problem(
                        Location(name, 1),
                        "not an RSS, Atom or JSON feed; give a feed file",
                        code="not-a-feed",
                    )
                ],
            )
    for name, data in sources:
        run.files.append(name)
        run.problems.extend(validate_bytes(data, name, now=now))
    return run
