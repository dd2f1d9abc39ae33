"""A publication root in, every output file of a build out: load, render, validate, swap, stamp.

The work of a build that has something to do; ``pipeline`` calls it only when the last
build's stamp does not stand, so a build with nothing to do never imports the render stack.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.resources import files as files_of
from pathlib import Path

from feedpub import search, stamp
from feedpub.entries import CACHE_DIR, Progress, compile_entries
from feedpub.errors import (
    BuildError,
    InputError,
    Location,
    Problem,
    Severity,
    ValidationFailed,
    problem_count,
)
from feedpub.inputs import read_regular, walk
from feedpub.ledger import LEDGER_NAME, load_ledger, save_ledger, track_edits
from feedpub.load import due_entries, feed_entries, load_publication
from feedpub.model import FEED_FILES, Entry, Publication, Settings, SourceRecord
from feedpub.output import Discard, existing_files, write_output
from feedpub.pipeline import BuildResult
from feedpub.render.archive import STYLESHEET_FILE
from feedpub.render.briefing import (
    Briefing,
    LocalParts,
    RelatedBlocks,
    entry_link,
    finish_briefing,
    render_local,
)
from feedpub.render.discover import (
    PROTOCOL_LIMITS,
    SitemapLimits,
    listing_links,
    render_discovery,
)
from feedpub.render.farm import Farm
from feedpub.render.feeditems import feed_items, local_path
from feedpub.render.feeds import render_feed
from feedpub.render.manifest import (
    PageRecord,
    Previous,
    file_hash,
    fingerprint,
    forget_manifest,
    manifest_key,
    read_manifest,
    render_pages,
    untouched_files,
    write_manifest,
)
from feedpub.render.reads import Read
from feedpub.render.site import page_jobs, stylesheet
from feedpub.render.templating import templates_for
from feedpub.staging import Staging

RENDER_STAGE = "rendering pages and feeds"
RELATED_CACHE = CACHE_DIR / "related.pickle"  # the finished Related blocks of the last build
STATIC_DIR = "static"  # files copied into the output as they are (images, icons)


def full_build(
    root: Path,
    moment: datetime,
    inputs: tuple[str, int],
    started: int,
    validate: bool,
    progress: Progress | None = None,
    force: bool = False,
    settings: Settings | None = None,
) -> BuildResult:
    """Build ``root`` into its output folder (the caller holds the lock and has claimed it);
    ``inputs`` is the stamp's input state taken before anything was read. Pages whose inputs
    did not change since the last build are carried over from its output (the manifest),
    unless ``force``: then every page is rendered and compared with the old file.
    ``settings``: feedpub.yaml as the caller read it."""
    records = _source_records(root)
    # What is loaded lives until the build ends and makes no cycles: the collector stays off
    # while it loads and never walks it (frozen before it is on again: its first young
    # collection alone would walk every entry once more).
    collecting = gc.isenabled()
    gc.disable()
    try:
        pub, parts, hashes = load_compiled(root, records, progress, settings)
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    discard = Discard()  # the old output goes while the manifest, ledger and stamp are written
    try:
        pagefind = search.require_pagefind(pub.settings) if pub.settings.search else None
        ledger_path = root / LEDGER_NAME
        due = due_entries(pub.entries, moment)
        ledger = load_ledger(ledger_path)
        tracked = track_edits(due, ledger, moment, hashes)
        scheduled = [e.published for e in pub.entries if not e.draft and e.published > moment]
        pub = replace(pub, entries=tuple(tracked.entries))
        output = pub.settings.output
        settings = pub.settings
        templates = templates_for(settings.root, settings.base_url, settings.timezone)
        key = manifest_key(settings, templates.fingerprint)
        previous = Previous() if force else read_manifest(root, key, output)
        present = existing_files(output)
        # Files edited or replaced in the output since the last build are rendered and written
        # again like any changed page; only untouched ones are carried over unread.
        untouched = untouched_files(output, previous, present) if previous.records else set()
        old_hashes = (
            {rel: previous.records[rel].hash for rel in untouched} if previous.records else None
        )
        # Pages go into the new output folder as they are rendered; it is removed on any
        # failure (the old output stays as it is) and swapped in by write_output.
        staging = Staging(output, present, old_hashes)
        try:
            if progress is not None:
                progress(RENDER_STAGE, 0, 1)
            blocks = RelatedBlocks.load(root / RELATED_CACHE, key.encode())
            rendered = render_output(
                pub,
                moment,
                _lookup(records),
                parts,
                previous=previous,
                present=untouched,
                staging=staging,
                related=blocks,
            )
            blocks.save(root / RELATED_CACHE)
            files = rendered.files
            if progress is not None:
                progress(RENDER_STAGE, 1, 1)
            warnings: list[Problem] = list(tracked.warnings) + feed_warnings(
                pub, files, moment, {*rendered.carried, *rendered.stored}
            )
            if validate:
                problems = validate_feeds(files, output, moment)
                errors = [p for p in problems if p.is_error]
                if errors:
                    raise ValidationFailed(
                        f"{len(errors)} validation error{'s' if len(errors) != 1 else ''}; the old output was kept",
                        problems,
                    )
                warnings += problems
            if pagefind is not None:
                # The index is part of the output like any page: written into the new folder
                # before the swap, so readers never see pages and index from different builds.
                pages = {
                    **{rel: (output / rel).read_bytes() for rel in rendered.carried},
                    **{rel: (staging.path / rel).read_bytes() for rel in rendered.stored},
                    **files,
                }
                files.update(search.index_pages(pages, pagefind))
            manifest = rendered.records()
            result = BuildResult(
                output=output,
                entries=len(pub.entries),
                feeds=len(pub.feeds),
                warnings=warnings,
                edited=tracked.edited,
                fingerprint=fingerprint((rel, r.hash) for rel, r in manifest.items()),
            )
            forget_manifest(root)  # until the swap is done, the old one may not hold
            counts = write_output(
                output,
                files,
                progress,
                carried=rendered.carried,
                old_hashes=old_hashes,
                new_hashes={rel: manifest[rel].hash for rel in files},
                old_files=present,
                discard=discard,
                staging=staging,
            )
        except BaseException:
            staging.remove()
            raise
        write_manifest(root, key, output, manifest, rendered.reads)
        result.written, result.unchanged, result.removed = (
            counts.written,
            counts.unchanged,
            counts.removed,
        )
        try:
            save_ledger(ledger_path, tracked.records, ledger)
        except OSError as exc:
            raise BuildError(f"cannot write {LEDGER_NAME}: {exc.strerror or exc}") from exc
        stamp.write_stamp(
            root,
            output,
            inputs=inputs,
            started_ns=started,
            due_from=max((e.published for e in due), default=datetime(1970, 1, 1, tzinfo=UTC)),
            due_until=min(scheduled, default=None),
            entries=result.entries,
            feeds=result.feeds,
            fingerprint=result.fingerprint,
            output_setting=pub.settings.output_setting,
        )
        return result

    finally:
        discard.wait()
        gc.unfreeze()


@dataclass
class Rendered:
    """A build's output: files rendered now and held as bytes, pages handed to a store as
    they were rendered (``stored``: their hash and the entries they link to), pages carried
    over from the old output unread, and the records of all for the next build's manifest."""

    files: dict[str, bytes]
    carried: dict[str, PageRecord] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # of every page
    reads: dict[str, set[Read]] = field(default_factory=dict)  # per template
    stored: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def records(self) -> dict[str, PageRecord]:
        made = {
            rel: PageRecord(file_hash(data), self.digests.get(rel, ""), listing_links(rel, data))
            for rel, data in self.files.items()
        }
        stored = {
            rel: PageRecord(hash, self.digests.get(rel, ""), shows)
            for rel, (hash, shows) in self.stored.items()
        }
        return {**self.carried, **stored, **made}


def render_publication(
    pub: Publication,
    now: datetime,
    lookup: Callable[[str], SourceRecord | None] | None = None,
    parts: Mapping[str, LocalParts] | None = None,
    sitemap_limits: SitemapLimits = PROTOCOL_LIMITS,
) -> dict[str, bytes]:
    """Every output file by its path relative to the output folder.

    ``parts`` holds entries already rendered on their own (by worker processes or the cache).
    Files in static/ win over generated ones of the same name (a hand-written robots.txt).
    """
    return render_output(pub, now, lookup, parts, sitemap_limits).files


def render_output(
    pub: Publication,
    now: datetime,
    lookup: Callable[[str], SourceRecord | None] | None = None,
    parts: Mapping[str, LocalParts] | None = None,
    sitemap_limits: SitemapLimits = PROTOCOL_LIMITS,
    previous: Previous | None = None,
    present: Collection[str] = (),
    staging: Staging | None = None,
    related: RelatedBlocks | None = None,
) -> Rendered:
    """``render_publication``, except that a page whose inputs are those ``previous`` (the
    last build's manifest) records, and whose file is ``present`` in the old output, is
    carried over instead of rendered; with ``staging``, pages go into the new output folder
    as they are rendered instead of into ``files``. ``related``: the Related blocks finished
    before (and those finished now)."""
    settings = pub.settings
    find = lookup or (lambda url: None)
    done = parts or {}
    templates = templates_for(settings.root, settings.base_url, settings.timezone)
    due = due_entries(pub.entries, now)
    local = {
        entry.id: done.get(entry.id) or render_local(entry, settings.base_url, find, templates)
        for entry in due
    }
    links = {
        entry.id: entry_link(entry, settings.base_url, local[entry.id].summary_html)
        for entry in due
    }
    briefings = [
        finish_briefing(entry, local[entry.id], settings.base_url, links, templates, related)
        for entry in due
    ]
    by_id = {b.entry.id: b for b in briefings}
    static = static_files(settings.root)
    files: dict[str, bytes] = {}
    per_feed: dict[str, list[Briefing]] = {}
    for feed in pub.feeds:
        # Pages list every entry a feed selects; the feed documents hold its newest `limit`
        # (and, archived, the rest in archive documents).
        selected = [by_id[e.id] for e in feed_entries(feed, due, everything=True)]
        per_feed[feed.id] = selected
        chosen = selected if feed.archive else selected[: feed.limit]
        items = feed_items(chosen, settings.base_url, static)
        files.update(render_feed(feed, settings, items, fallback=_epoch(pub)))
    if any(feed.stylesheet for feed in pub.feeds):
        files[STYLESHEET_FILE] = feed_stylesheet()
    templates.start_build()
    site, jobs = page_jobs(settings, pub.feeds, briefings, per_feed, templates, links)
    files["style.css"] = stylesheet()

    def store(rel: str, data: bytes) -> None:
        if rel in static:  # static/ wins: the page is not kept
            return
        if staging is None:
            files[rel] = data
        else:
            staging.put(rel, data)

    farm = Farm(staging, site.render, static) if staging is not None else None
    pages = render_pages(jobs, site.render, previous or Previous(), present, store, farm)
    files.update(static)
    carried = {rel: record for rel, record in pages.carried.items() if rel not in static}
    stored = staging.records if staging is not None else {}
    shown = {rel: record.shows for rel, record in carried.items()}
    shown.update((rel, shows) for rel, (_, shows) in stored.items())
    files.update(
        render_discovery(
            settings, pub.feeds, [b.entry for b in briefings], files, sitemap_limits, shown
        )
    )
    return Rendered(files, carried, pages.digests, pages.reads, stored)


def feed_stylesheet() -> bytes:
    return files_of("feedpub").joinpath(f"assets/{STYLESHEET_FILE}").read_bytes()


LIVE_FEED_WARNING_BYTES = 512 * 1024


def feed_warnings(
    pub: Publication,
    files: Mapping[str, bytes],
    now: datetime,
    carried: Collection[str] = (),
) -> list[Problem]:
    """Live feeds over 512 KB (readers fetch them on every poll) and local images missing from static/."""
    problems: list[Problem] = []
    for feed in pub.feeds:
        for fmt in feed.formats:
            rel = f"{feed.id}/{FEED_FILES[fmt]}"
            size = len(files.get(rel, b""))
            if size > LIVE_FEED_WARNING_BYTES:
                hint = (
                    "" if feed.archive else " and set archive: true to keep older entries reachable"
                )
                problems.append(
                    Problem(
                        Location(feed.path),
                        f"{rel} is {size:,} bytes, over 512 KB; readers download it on every "
                        f"poll; lower limit (now {feed.limit}){hint}",
                        Severity.WARNING,
                    )
                )
    for entry in due_entries(pub.entries, now):
        path = local_path(entry.image.url) if entry.image else None
        if path is not None and path not in files and path not in carried:
            problems.append(
                Problem(
                    Location(entry.path),
                    f"image.url: no file static/{path}; readers get a broken image and an "
                    "enclosure of unknown length; add the file or give a full URL",
                    Severity.WARNING,
                )
            )
    return problems


def _epoch(pub: Publication) -> datetime:
    """The updated time of a feed with no entries: fixed, so output stays deterministic."""
    year = pub.settings.since or 2000
    return datetime(year, 1, 1, tzinfo=UTC)


def static_files(root: Path) -> dict[str, bytes]:
    """The files under static/ by their path in the output; InputError (exit 2) for anything
    that is not a regular file inside the publication (a symlink out of it, a FIFO, …)."""
    problems: list[Problem] = []
    found: dict[str, bytes] = {}
    for rel, path in walk(root, STATIC_DIR, problems):
        try:
            found[rel] = read_regular(path)
        except OSError as exc:
            problems.append(
                Problem(Location(f"{STATIC_DIR}/{rel}"), f"cannot read file: {exc.strerror}")
            )
    if problems:
        raise InputError(problem_count(len(problems), "the publication"), problems)
    return found


def validate_feeds(files: Mapping[str, bytes], output: Path, now: datetime) -> list[Problem]:
    """Problems in every feed about to be written; ids compared with the feed it replaces."""
    from feedpub.validate import feed_id_map, validate_bytes

    problems: list[Problem] = []
    feed_names = set(FEED_FILES.values())
    for rel, data in sorted(files.items()):
        if rel.rpartition("/")[2] not in feed_names or "/" not in rel:
            continue
        previous = output / rel
        previous_ids = None
        if previous.is_file():
            try:
                previous_ids = feed_id_map(previous.read_bytes())
            except Exception:
                previous_ids = None
        name = f"{output.name}/{rel}"
        problems.extend(validate_bytes(data, name, now=now, previous_ids=previous_ids))
    return problems


def load_compiled(
    root: Path,
    records: Mapping[str, SourceRecord] | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> tuple[Publication, dict[str, LocalParts], dict[str, str]]:
    """The publication through the parse cache and worker processes, with each entry's own
    rendered parts and content hash; ``records`` defaults to what sources.lock holds,
    ``settings`` to what feedpub.yaml says now."""
    known = _source_records(root) if records is None else records
    parts: dict[str, LocalParts] = {}
    hashes: dict[str, str] = {}

    def load_entries(root: Path, settings: Settings, problems: list[Problem]) -> list[Entry]:
        entries, rendered = compile_entries(
            root, settings, known, problems, hashes=hashes, progress=progress
        )
        parts.update(rendered)
        return entries

    return load_publication(root, settings=settings, entries_loader=load_entries), parts, hashes


def _source_records(root: Path) -> dict[str, SourceRecord]:
    from feedpub.sources import LOCK_NAME, load_lock

    return load_lock(root / LOCK_NAME)


def _lookup(records: Mapping[str, SourceRecord]) -> Callable[[str], SourceRecord | None]:
    from feedpub.sources import normalise_url

    return lambda url: records.get(normalise_url(url))
