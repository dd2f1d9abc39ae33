"""Citations and the lock in, an updated lock and a report out: the due URLs fetched concurrently."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from feedpub.model import SourceRecord
from feedpub.redact import redact_url
from feedpub.sources.fetch import Fetcher, Outcome, PullOptions
from feedpub.sources.lock import GOOD_STATES, load_lock, save_lock
from feedpub.sources.transport import Resolver, system_resolver
from feedpub.sources.urls import merge_citations
from feedpub.times import format_utc, parse_iso_or_none

log = logging.getLogger("feedpub")

Progress = Callable[[int, int], None]  # (done, total), called as each URL completes


@dataclass(frozen=True)
class Change:
    """A checked URL whose state is not what the lock held (``new`` when it held nothing)."""

    url: str
    before: str
    record: SourceRecord
    cited_by: tuple[str, ...]

    @property
    def is_problem(self) -> bool:
        return self.record.state in ("dead", "moved", "transient")

    def line(self) -> str:
        """One readable line: ``source dead: URL: HTTP 404 Not Found (cited by a, b)``."""
        record = self.record
        url = redact_url(self.url)
        cited = f" (cited by {', '.join(self.cited_by)})" if self.cited_by else ""
        if record.state == "moved":
            return f"source moved: {url} → {redact_url(record.moved_to or '?')}{cited}"
        if record.state == "transient":
            return f"source failing: {url}: {record.error}; last good record kept{cited}"
        if record.state == "dead":
            return f"source dead: {url}: {record.error}{cited}"
        return f"source {record.state} again: {url}"


@dataclass
class PullReport:
    """What one pull did; ``records`` is what ``sources.lock`` now holds."""

    records: dict[str, SourceRecord]
    cited_by: dict[str, tuple[str, ...]]
    fetched: int = 0  # answered with a body
    unchanged: int = 0  # answered 304 Not Modified
    dead: int = 0
    moved: int = 0
    transient: int = 0  # failing now; the last good record is kept
    fresh: int = 0  # younger than max-age: not checked
    waiting: int = 0  # a 429 or 503 asked to wait (Retry-After) until after now: not checked
    removed: int = 0  # no longer cited: dropped from the lock
    bytes_received: int = 0
    requests: int = 0
    elapsed: float = 0.0
    changes: list[Change] = field(default_factory=list)  # URLs whose state this pull changed

    def summary(self) -> str:
        """``n fetched, n unchanged, n dead, n moved`` plus what else happened."""
        text = (
            f"{self.fetched} fetched, {self.unchanged} unchanged, "
            f"{self.dead} dead, {self.moved} moved"
        )
        if self.transient:
            text += f", {self.transient} failing (last good record kept)"
        if self.fresh:
            text += f", {self.fresh} still fresh"
        if self.waiting:
            text += f", {self.waiting} waiting (Retry-After)"
        return text

    def problems(self) -> list[SourceRecord]:
        """Records that need a look: dead, moved or failing, sorted by URL."""
        return [
            r for _, r in sorted(self.records.items()) if r.state in ("dead", "moved", "transient")
        ]

    @property
    def any_dead(self) -> bool:
        return any(r.state == "dead" for r in self.records.values())


def retry_until(value: str | None, now: datetime, longest: timedelta) -> datetime | None:
    """When a ``Retry-After`` header lets us ask again, at most ``longest`` from ``now``.

    RFC 9110 §10.2.3: delay-seconds or an HTTP-date. None when absent, unreadable or past.
    """
    text = (value or "").strip()
    if text.isdigit():
        until = now + timedelta(seconds=min(int(text), longest.total_seconds()))
    else:
        try:
            until = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
    until = min(until, now + longest)
    return until if until > now else None


def _waiting(record: SourceRecord | None, now: datetime) -> bool:
    """The server asked (429/503 with Retry-After) not to be asked before a time still to come."""
    until = parse_iso_or_none(record.retry_after) if record is not None else None
    return until is not None and now < until


def _is_due(record: SourceRecord | None, options: PullOptions, now: datetime) -> bool:
    """New, failing (transient) or older than max-age; everything with ``--all``; never a URL
    whose server asked to wait (Retry-After) until after ``now``."""
    if _waiting(record, now):
        return False
    if record is None or options.check_all or record.state in ("new", "transient"):
        return True
    checked = parse_iso_or_none(record.checked)
    return checked is None or now - checked >= timedelta(days=options.max_age_days)


def _merge(
    outcome: Outcome, previous: SourceRecord | None, moment: datetime, options: PullOptions
) -> SourceRecord:
    """The new record, with when it may be asked again if the server said so."""
    until = retry_until(outcome.retry_after, moment, timedelta(days=options.max_age_days))
    record = _learned(outcome, previous, format_utc(moment))
    return replace(record, retry_after=format_utc(until) if until is not None else None)


def _learned(outcome: Outcome, previous: SourceRecord | None, checked: str) -> SourceRecord:
    """What the fetch learned, over what the lock knew where the fetch learned nothing."""
    record = replace(outcome.record, checked=checked)
    good = previous is not None and previous.state in GOOD_STATES
    if outcome.kind == "unchanged" and previous is not None:
        # RFC 9110 §15.4.5: a 304 may update validators; the page's metadata stays as it was.
        return replace(
            previous,
            state=record.state,
            final_url=record.final_url,
            moved_to=record.moved_to,
            etag=record.etag or previous.etag,
            last_modified=record.last_modified or previous.last_modified,
            checked=checked,
            error=None,
        )
    if outcome.kind == "transient" and good and previous is not None:
        return replace(
            previous, state="transient", status=record.status, error=record.error, checked=checked
        )
    if outcome.kind in ("dead", "transient") and previous is not None:
        # Keep the last known title so a dead link still reads as what it was.
        return replace(
            record,
            title=previous.title,
            site_name=previous.site_name,
            description=previous.description,
            published=previous.published,
            language=previous.language,
        )
    return record


def pull(
    citations: Mapping[str, Sequence[str]],
    lock_path: Path,
    options: PullOptions,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    resolve: Resolver = system_resolver,
) -> PullReport:
    """Fetch the cited URLs that are due, update ``sources.lock``, and report what changed.

    ``resolve`` answers (host, port) with IP addresses; the connections go to what it answered.
    """
    started = time.monotonic()
    moment = now if now is not None else datetime.now(UTC)
    known = load_lock(lock_path)  # raises on a corrupt lock, which is then never overwritten
    cited_by = merge_citations(citations)
    due = [url for url in cited_by if _is_due(known.get(url), options, moment)]
    report = PullReport(records={}, cited_by=cited_by)
    report.waiting = sum(1 for url in cited_by if _waiting(known.get(url), moment))
    report.fresh = len(cited_by) - len(due) - report.waiting
    report.removed = sum(1 for url in known if url not in cited_by)
    records = {url: known[url] for url in cited_by if url in known}
    fetcher = Fetcher(options, resolve)
    log.debug("pulling %d of %d cited URLs", len(due), len(cited_by))
    try:
        for outcome in _run(fetcher, due, known, options, progress):
            records[outcome.url] = _merge(outcome, known.get(outcome.url), moment, options)
            report.bytes_received += outcome.bytes
            report.requests += outcome.requests
            if outcome.kind == "fetched":
                report.fetched += 1
            elif outcome.kind == "unchanged":
                report.unchanged += 1
            log.debug("%s: %s", outcome.url, records[outcome.url].state)
    finally:
        fetcher.close()
    for url in due:
        state = records[url].state
        report.dead += state == "dead"
        report.moved += state == "moved"
        report.transient += state == "transient"
        before = known[url].state if url in known else "new"
        if state != before and not (before == "new" and state == "ok"):
            report.changes.append(Change(url, before, records[url], cited_by[url]))
    report.records = dict(sorted(records.items()))
    save_lock(lock_path, report.records)
    report.elapsed = time.monotonic() - started
    return report


def interleave_hosts(urls: Sequence[str]) -> list[str]:
    """URLs taken round-robin by host.

    In cited order, a host cited a hundred times would fill every worker, all but ``per_host``
    of them waiting on its slot while other hosts' URLs sit in the queue.
    """
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(urlsplit(url).hostname or "", []).append(url)
    queues = list(by_host.values())
    out: list[str] = []
    for round_index in range(max((len(q) for q in queues), default=0)):
        out.extend(q[round_index] for q in queues if round_index < len(q))
    return out


def _run(
    fetcher: Fetcher,
    due: Sequence[str],
    known: Mapping[str, SourceRecord],
    options: PullOptions,
    progress: Progress | None,
) -> Iterator[Outcome]:
    """Fetch ``due`` on a bounded pool; yield outcomes as they complete."""
    if not due:
        return
    workers = max(1, min(options.workers, len(due)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feedpub-pull")
    try:
        futures = [pool.submit(fetcher.fetch, url, known.get(url)) for url in interleave_hosts(due)]
        for done, future in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, len(futures))
            yield future.result()
    finally:
        # On Ctrl-C, drop the queue: only fetches already running finish (each within timeouts).
        pool.shutdown(wait=True, cancel_futures=True)
