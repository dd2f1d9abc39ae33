"""What the commands print, out of what the library returns: tables, progress bars, log lines
(credentials masked) and the examples that end every command's help.

Only the CLI imports this module; the library reports through results and callbacks.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feedpub.redact import redact_text

log = logging.getLogger("feedpub")

if TYPE_CHECKING:
    from feedpub.model import SourceRecord
    from feedpub.publish import PublishReport
    from feedpub.sources.pull import PullReport


@dataclass(frozen=True)
class SourceRow:
    """One line of ``feedpub sources``."""

    url: str
    state: str
    status: str
    title: str
    checked: str
    cited_by: tuple[str, ...] = field(default=())
    detail: str = ""


def source_json(row: SourceRow, records: Mapping[str, SourceRecord]) -> dict[str, Any]:
    from feedpub.model import SourceRecord  # here: a build with nothing to do never needs it

    record = records.get(row.url) or SourceRecord(url=row.url)
    return {
        "url": row.url,
        "state": row.state,
        "status": record.status,
        "title": record.title,
        "checked": record.checked,
        "moved_to": record.moved_to,
        "error": record.error,
        "cited_by": list(row.cited_by),
    }


def source_rows(
    citations: Mapping[str, Sequence[str]], records: Mapping[str, SourceRecord]
) -> list[SourceRow]:
    """Every cited URL with what the lock knows about it (``new`` when nothing), sorted by URL."""
    from feedpub.model import SourceRecord
    from feedpub.sources import merge_citations

    rows = []
    for url, ids in merge_citations(citations).items():
        record = records.get(url) or SourceRecord(url=url)
        detail = f"→ {record.moved_to}" if record.state == "moved" and record.moved_to else ""
        if record.error and record.state != "ok":
            detail = record.error
        rows.append(
            SourceRow(
                url=url,
                state=record.state,
                status=str(record.status) if record.status is not None else "-",
                title=record.title or "",
                checked=record.checked or "never",
                cited_by=tuple(ids),
                detail=detail,
            )
        )
    return rows


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sources_table(rows: Sequence[SourceRow]) -> str:
    """The ``feedpub sources`` table: URL, state, status, title, last checked, cited by."""
    header = ("URL", "STATE", "STATUS", "TITLE", "CHECKED", "CITED BY")
    body = [
        (r.url, r.state, r.status, _short(r.title, 40), r.checked, ", ".join(r.cited_by))
        for r in rows
    ]
    return format_table(header, body)


def problems_table(report: PullReport) -> str:
    """The table ``pull`` ends with: every dead, moved or failing source and who cites it."""
    header = ("STATE", "STATUS", "URL", "DETAIL", "CITED BY")
    body = []
    for record in report.problems():
        detail = f"→ {record.moved_to}" if record.state == "moved" else (record.error or "")
        status = str(record.status) if record.status is not None else "-"
        cited_by = ", ".join(report.cited_by.get(record.url, ()))
        body.append((record.state, status, record.url, detail, cited_by))
    return format_table(header, body) if body else ""


# --- build -------------------------------------------------------------------------------


def terminal() -> bool:
    """Both stdout and stderr are a terminal (never so under cron, in pipes or in CI logs)."""
    return sys.stdout.isatty() and sys.stderr.isatty()


PROGRESS_AFTER = 1.0  # seconds a build runs before it shows a progress bar


class BuildProgress:
    """A click progress bar on stderr per build stage, shown only once a build has taken
    longer than PROGRESS_AFTER seconds (a quick build prints nothing extra)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.stage = ""
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None and self.clock() - self.started < PROGRESS_AFTER:
            return
        if self.bar is None or stage != self.stage:
            self.finish()
            self.stage = stage
            self.bar = click.progressbar(length=max(total, 1), label=stage, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(max(0, done - self.bar.pos))

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


# --- publish -------------------------------------------------------------------------------


class ProgressBar:
    """Click progress bars on stderr, a new one per label (``publish``: one per target)."""

    def __init__(self, label: str = "") -> None:
        self.bar: Any = None
        self.label = label

    def __call__(self, target: str, path: str, done: int, total: int) -> None:
        self.step(target, total, path)

    def pulled(self, done: int, total: int) -> None:
        self.step(self.label, total)

    def step(self, label: str, total: int, item: str | None = None) -> None:
        if self.bar is None or self.label != label:
            self.finish()
            self.label = label
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1, item)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def publish_json(report: PublishReport) -> dict[str, Any]:
    """One target of ``publish --format json``: what was (or, dry, would be) done, file by file."""
    plan = report.plan
    return {
        "target": report.target,
        "url": report.url,
        "dry_run": report.dry_run,
        "error": report.error or None,
        "upload": [
            {
                "path": u.file.path,
                "reason": u.reason,
                "content_type": u.file.content_type,
                "cache_control": u.file.cache_control,
                "size": u.file.size,
            }
            for u in plan.uploads
        ],
        "unchanged": len(plan.unchanged),
        "delete": list(plan.deletes),
        "keep": list(plan.kept),
        "refused": plan.refused or None,
    }


# --- logging: stderr and --log-file, credentials masked ----------------------------------


class RedactUrls(logging.Filter):
    """Masks credentials in every URL of a log line, whatever logged it (stderr and --log-file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def log_file_handler(path: Path) -> logging.Handler:
    from logging.handlers import RotatingFileHandler

    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.setLevel(logging.INFO)
    handler.addFilter(RedactUrls())
    log.addHandler(handler)
    return handler


# --- examples at the end of every command's help ------------------------------------------

COMMAND_EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "init": [("feedpub init my-briefings --title 'World Briefings'", "start a publication")],
    "new": [
        ("feedpub new 'Talks in Istanbul' --tag diplomacy", "write entries/<year>/<slug>.yaml")
    ],
    "build": [
        ("feedpub build", "build public/ (nothing to do when no input changed)"),
        ("feedpub build --force --now 2026-01-01T09:00Z", "rebuild everything as of that time"),
    ],
    "validate": [
        ("feedpub validate", "check every feed of the last build"),
        ("feedpub validate --format json https://example.org/feed.xml", "check anyone's feed"),
    ],
    "pull": [("feedpub pull --strict", "fetch cited sources; exit 1 if one is dead")],
    "sources": [
        ("feedpub sources --problems", "dead, moved and failing links, and who cites them")
    ],
    "publish": [
        ("feedpub publish --dry-run", "show what each target would get"),
        ("feedpub publish production", "upload the changes to one target"),
    ],
    "run": [("feedpub --root /srv/briefings run -q", "the cron job; silent when nothing changed")],
    "serve": [("feedpub serve --port 8000", "preview on http://127.0.0.1:8000/")],
    "templates": [
        ("feedpub templates", "list the templates and which are overridden"),
        ("feedpub templates copy entry.html", "copy a default into templates/ to edit it"),
    ],
    "templates copy": [("feedpub templates copy base.html entry.html", "then edit templates/")],
}


EXAMPLES = """
\b
Examples:
  feedpub init my-briefings        start a publication
  feedpub new "Talks in Istanbul"  write a new entry file
  feedpub templates copy entry.html  edit how entry pages look
  feedpub build                    build public/ from entries/ and feeds/
  feedpub validate                 check the feeds of the last build
  feedpub pull                     fetch the sources entries cite
  feedpub publish --dry-run        show what would be uploaded
  feedpub run --quiet              the cron job: pull, build, validate, publish
"""


def add_examples(group: click.Group, prefix: str = "") -> None:
    for name, command in group.commands.items():
        examples = COMMAND_EXAMPLES.get(prefix + name)
        if examples:
            width = max(len(line) for line, _ in examples)
            lines = "\n".join(f"  {line.ljust(width)}  {what}" for line, what in examples)
            command.epilog = f"\b\nExamples:\n{lines}"
        if isinstance(command, click.Group):
            add_examples(command, prefix + name + " ")
