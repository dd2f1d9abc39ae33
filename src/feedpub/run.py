"""A publication root in, one locked pull → build → validate → publish pass out: the cron job.

Quiet when nothing changed; never overlapping (a lock that the kernel frees when the process
dies, so a crashed run's lock is simply taken over); everything it does is safe to repeat.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub.assemble import load_compiled
from feedpub.faults import checkpoint
from feedpub.files import write_atomic
from feedpub.lock import STATE_DIR, publication_lock
from feedpub.pipeline import BuildResult, build

if TYPE_CHECKING:
    from feedpub.sources.pull import Progress, PullReport

log = logging.getLogger("feedpub")

PUBLISHED_FILE = "published.json"  # target name → fingerprint of the output it last received


@dataclass
class RunResult:
    build: BuildResult | None = None
    pulled: str = ""  # pull summary when it changed records
    published: list[str] = field(
        default_factory=list
    )  # "name: 3 uploaded, …" for targets that changed
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.pulled or (self.build and self.build.changed) or self.published)

    def summary(self) -> str:
        parts = []
        if self.pulled:
            parts.append(f"pulled {self.pulled}")
        if self.build and self.build.changed:
            edited = f", {len(self.build.edited)} edited" if self.build.edited else ""
            parts.append(
                f"built {self.build.written} written, {self.build.removed} removed{edited}"
            )
        parts.extend(self.published)
        return "run: " + "; ".join(parts)


def _read_published(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / STATE_DIR / PUBLISHED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_published(root: Path, published: dict[str, str]) -> None:
    path = root / STATE_DIR / PUBLISHED_FILE
    write_atomic(path, json.dumps(published, indent=2, sort_keys=True) + "\n")


def run(
    root: Path,
    *,
    pull: bool = True,
    targets: Sequence[str] = (),
    now: datetime | None = None,
) -> RunResult:
    """One unattended regeneration. Raises FeedpubError subclasses; LockHeld when already running."""
    result = RunResult()
    with publication_lock(root, "run", wait=0) as note:
        if note:
            log.warning("%s", note)
            result.notes.append(note)
        checkpoint("locked")
        log.info("run started in %s", root)
        if pull:
            result.pulled = _pull(root, now)
        result.build = build(root, now=now)
        for warning in result.build.warnings:
            log.warning("%s", warning)
        if result.build.changed:
            log.info("built: %s", result.build.summary())
        result.published = _publish(root, targets, result.build.fingerprint)
        log.info("run finished: %s", result.summary() if result.changed else "nothing changed")
    return result


def pull_publication(
    root: Path,
    *,
    check_all: bool = False,
    max_age_days: float | None = None,
    allow_private: bool | None = None,
    workers: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> PullReport:
    """Fetch the sources the entries of ``root`` cite and record them in sources.lock.

    Entries come through the parse cache, so an idle cron run does not parse them again.
    """
    from feedpub.sources import LOCK_NAME, PullOptions, collect_citations
    from feedpub.sources.pull import PullReport, pull

    publication, _parts, _hashes = load_compiled(root)
    options = PullOptions.from_settings(
        publication.settings.sources,
        check_all=check_all,
        max_age_days=max_age_days,
        allow_private=allow_private,
        workers=workers,
    )
    citations = collect_citations(publication.entries)
    if not citations and not (root / LOCK_NAME).exists():
        return PullReport(records={}, cited_by={})  # nothing cited, nothing to record
    return pull(citations, root / LOCK_NAME, options, now=now, progress=progress)


def _pull(root: Path, now: datetime | None) -> str:
    report = pull_publication(root, now=now)
    # One line per source whose state changed, not every run for every dead source: cron mails
    # what a run prints, and a dead link reported every 15 minutes is noise, not news.
    for change in report.changes:
        log.log(logging.WARNING if change.is_problem else logging.INFO, "%s", change.line())
    if report.fetched or report.changes or report.removed:
        log.info("pulled: %s", report.summary())
        return report.summary()
    return ""


def _publish(root: Path, names: Sequence[str], fingerprint: str) -> list[str]:
    from feedpub.load import load_feeds, load_settings
    from feedpub.publish import PublishOptions, publish_output, select_targets
    from feedpub.publish.websub import topics_for

    settings = load_settings(root)
    if not settings.targets and not names:
        return []
    configs = select_targets(settings.targets, names)
    published = _read_published(root)
    pending = [c for c in configs if published.get(c.name) != fingerprint]
    if not pending:
        return []
    topics = topics_for(settings.base_url, load_feeds(root, settings))
    lines: list[str] = []

    def record(report: object) -> None:
        from feedpub.publish import PublishReport

        assert isinstance(report, PublishReport)
        if report.ok:
            published[report.target] = fingerprint
            _write_published(root, published)
            if report.plan.uploads or report.plan.deletes:
                lines.append(f"{report.target}: {report.summary()}")
                log.info("published %s: %s", report.target, report.summary())
        else:
            log.error("%s", report.error)

    publish_output(settings.output, pending, topics, PublishOptions(on_report=record))
    return lines
