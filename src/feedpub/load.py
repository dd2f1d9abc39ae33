"""A publication root in (feedpub.yaml, feeds/, entries/), checked model out; every problem at once."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedpub.errors import InputError, Location, Problem, problem_count
from feedpub.fieldcheck import (
    ID_PATTERN,
    YAML_SUFFIXES,
    FileChecker,
    checker_for,
    field_id,
    flag,
    is_web_url,
    language_tag,
    person,
    read_yaml,
    type_name,
)
from feedpub.fieldrules import base_url_problem, link_problem
from feedpub.inputs import input_file, walk
from feedpub.model import (
    FORMATS,
    MAX_ENTRY_BYTES,
    PAGE_SIZE,
    Entry,
    FeedSpec,
    Person,
    Publication,
    Settings,
    SourcesSettings,
)
from feedpub.output import output_problem
from feedpub.redact import credentials_problem

SETTINGS_FILE = "feedpub.yaml"
# Folders and files the site itself writes at the output's root.
RESERVED_FEED_IDS = {
    "entries",
    "assets",
    "style.css",
    "index.html",
    "feed.xsl",
    "page",
    "tags",
    "archive",
}

# --- settings ------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "title",
    "base_url",
    "description",
    "language",
    "timezone",
    "since",
    "author",
    "output",
    "sources",
    "targets",
    "search",
    "max_entry_bytes",
    "page_size",
)
SOURCES_FIELDS = (
    "max_age_days",
    "timeout",
    "max_bytes",
    "max_redirects",
    "workers",
    "per_host",
    "allow_private",
)


def load_settings(root: Path) -> Settings:
    """Read feedpub.yaml; InputError with every problem when it is wrong."""
    problems: list[Problem] = []
    settings = _load_settings(root, problems)
    if problems or settings is None:
        raise InputError(f"{SETTINGS_FILE} has problems", problems)
    return settings


def _load_settings(root: Path, problems: list[Problem]) -> Settings | None:
    checker = FileChecker(SETTINGS_FILE)
    found = len(problems)
    settings_path = input_file(root, SETTINGS_FILE, problems)
    if len(problems) > found:
        return None
    if settings_path is None:
        where = "" if root.is_dir() else f" (no folder {root})"
        problems.append(
            Problem(
                Location(SETTINGS_FILE),
                f"not found in {root}{where}; run 'feedpub init' to start a publication",
            )
        )
        return None
    data = read_yaml(Path(settings_path), checker)
    problems.extend(checker.problems)
    if data is None:
        return None
    checker.problems = problems
    data = checker.mapping(data, [], SETTINGS_FIELDS, ("title", "base_url"))
    if data is None:
        return None
    base_url = _base_url(checker, data)
    if not base_url.endswith("/"):
        base_url += "/"
    zone_name = checker.string(data, [], "timezone", "UTC") or "UTC"
    zone: tzinfo | None
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        checker.error(
            ["timezone"],
            f"unknown time zone {zone_name!r}; expected an IANA name such as Europe/Berlin",
        )
        zone = UTC
    since = data.get("since")
    if since is not None and (
        isinstance(since, bool) or not isinstance(since, int) or not 1990 <= since <= 9999
    ):
        checker.error(["since"], f"expected a four-digit year, got {since!r}")
        since = None
    title = checker.string(data, [], "title")
    author = person(checker, data["author"], ["author"]) if data.get("author") is not None else None
    sources = _sources_settings(checker, data.get("sources"))
    targets = _targets(checker, data.get("targets"))
    max_entry_bytes = data.get("max_entry_bytes", MAX_ENTRY_BYTES)
    if (
        isinstance(max_entry_bytes, bool)
        or not isinstance(max_entry_bytes, int)
        or max_entry_bytes < 1
    ):
        checker.error(
            ["max_entry_bytes"],
            f"expected a positive whole number of bytes, got {max_entry_bytes!r}",
        )
        max_entry_bytes = MAX_ENTRY_BYTES
    page_size = data.get("page_size", PAGE_SIZE)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        checker.error(
            ["page_size"], f"expected a positive whole number of entries, got {page_size!r}"
        )
        page_size = PAGE_SIZE
    output = checker.string(data, [], "output", "public") or "public"
    search = flag(checker, data, "search")
    output_path = (root / output).resolve()
    wrong = output_problem(root.resolve(), output_path, output)
    if wrong:
        checker.error(["output"], wrong)
    return Settings(
        root=root.resolve(),
        title=title,
        base_url=base_url,
        author=author or Person(title or "feedpub"),
        language=language_tag(checker, data, []) or "en",
        timezone=zone,
        timezone_name=zone_name,
        description=checker.string(data, [], "description"),
        output=output_path,
        output_setting=output,
        since=since,
        sources=sources,
        targets=targets,
        search=search,
        max_entry_bytes=max_entry_bytes,
        page_size=page_size,
    )


def _base_url(checker: FileChecker, data: dict[str, Any]) -> str:
    value = checker.string(data, [], "base_url").strip()
    if value and not is_web_url(value):
        checker.error(["base_url"], f"expected an absolute http(s) URL, got {value!r}")
        return "https://example.org/"
    problem = base_url_problem(value) if value else None
    if problem is not None:
        checker.error(["base_url"], problem)
        return "https://example.org/"
    return value or "https://example.org/"


def _sources_settings(checker: FileChecker, value: Any) -> SourcesSettings:
    if value is None:
        return SourcesSettings()
    data = checker.mapping(value, ["sources"], SOURCES_FIELDS)
    if data is None:
        return SourcesSettings()
    values: dict[str, Any] = {}
    defaults = SourcesSettings()
    for name in SOURCES_FIELDS:
        if name not in data:
            continue
        expected = type(getattr(defaults, name))
        item = data[name]
        ok = (
            isinstance(item, bool)
            if expected is bool
            else (not isinstance(item, bool) and isinstance(item, int | float) and item > 0)
        )
        if not ok:
            kind = "true or false" if expected is bool else "a positive number"
            checker.error(["sources", name], f"expected {kind}, got {item!r}")
            continue
        values[name] = expected(item)
    return SourcesSettings(**values)


def _targets(checker: FileChecker, value: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        checker.error(
            ["targets"], f"expected a mapping of target names to settings, got {type_name(value)}"
        )
        return {}
    targets: dict[str, dict[str, Any]] = {}
    for name, options in value.items():
        if not isinstance(options, dict) or not isinstance(options.get("url"), str):
            checker.error(["targets", str(name)], "expected a mapping with at least 'url'")
            continue
        secret = credentials_problem(options["url"], options)
        if secret:  # refused before any command uses it; the message never holds the secret
            checker.error(["targets", str(name), "url"], secret)
            continue
        targets[str(name)] = dict(options)
    return targets


# --- feeds ---------------------------------------------------------------------------------

FEED_FIELDS = (
    "id",
    "title",
    "description",
    "tags",
    "limit",
    "formats",
    "hubs",
    "icon",
    "logo",
    "archive",
    "stylesheet",
)


def load_feeds(
    root: Path, settings: Settings, problems: list[Problem] | None = None
) -> tuple[FeedSpec, ...]:
    """Every feed in feeds/; raises InputError unless ``problems`` collects them."""
    collected: list[Problem] = [] if problems is None else problems
    feeds: list[FeedSpec] = []
    seen: dict[str, str] = {}
    walked = len(collected)
    files = walk(root, "feeds", collected, YAML_SUFFIXES)
    if not files and len(collected) == walked:
        collected.append(
            Problem(
                Location("feeds/"), "no feed definitions; add one, e.g. feeds/all.yaml with a title"
            )
        )
    for name, path in files:
        checker = FileChecker("feeds/" + name)
        spec = _feed(Path(path), Path(name).stem, checker, settings.max_entry_bytes)
        if spec is not None:
            if spec.id in seen:
                checker.error(
                    ["id"], f"duplicate feed id {spec.id!r}, also used by {seen[spec.id]}"
                )
            else:
                seen[spec.id] = checker.file
                feeds.append(spec)
        collected.extend(checker.problems)
    if problems is None and collected:
        raise InputError("feed definitions have problems", collected)
    return tuple(feeds)


def _feed(path: Path, stem: str, checker: FileChecker, limit: int) -> FeedSpec | None:
    data = read_yaml(path, checker, limit)
    if data is None:
        return None
    data = checker.mapping(data, [], FEED_FIELDS, ("title",))
    if data is None:
        return None
    feed_id = field_id(checker, data, stem)
    if not ID_PATTERN.match(feed_id) or feed_id in RESERVED_FEED_IDS:
        checker.error(
            ["id"],
            f"expected letters, digits, '.', '_' or '-' (and not a reserved name), got {feed_id!r}",
        )
    limit = data.get("limit", 50)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        checker.error(["limit"], f"expected a positive whole number, got {limit!r}")
        limit = 50
    formats = checker.strings(data, [], "formats") if "formats" in data else FORMATS
    for index, fmt in enumerate(formats):
        if fmt not in FORMATS:
            checker.error(["formats", index], f"expected one of rss, atom, json, got {fmt!r}")
    if not formats:
        checker.error(["formats"], "expected at least one of rss, atom, json")
    hubs = checker.strings(data, [], "hubs")
    for index, hub in enumerate(hubs):
        if not is_web_url(hub):
            checker.error(["hubs", index], f"expected an absolute http(s) URL, got {hub!r}")
        elif problem := link_problem(hub, ascii_only=False):
            checker.error(["hubs", index], problem)
    flags = {name: flag(checker, data, name) for name in ("archive", "stylesheet")}
    return FeedSpec(
        id=feed_id,
        title=checker.string(data, [], "title"),
        path=checker.file,
        description=checker.string(data, [], "description"),
        tags=checker.strings(data, [], "tags"),
        limit=limit,
        formats=tuple(f for f in FORMATS if f in formats),
        hubs=hubs,
        icon=checker.url(data, [], "icon", absolute=False),
        logo=checker.url(data, [], "logo", absolute=False, ascii_only=True),  # RSS <image>
        archive=flags["archive"],
        stylesheet=flags["stylesheet"],
    )


# --- the whole publication -----------------------------------------------------------------


def compiled_entries(root: Path, settings: Settings, problems: list[Problem]) -> list[Entry]:
    """The entries as a build reads them: through ``entries.compile_entries`` (its parse cache, and
    worker processes for many files), sources rendered with what sources.lock holds."""
    from feedpub.entries import compile_entries
    from feedpub.sources import LOCK_NAME, load_lock

    entries, _parts = compile_entries(root, settings, load_lock(root / LOCK_NAME), problems)
    return entries


def check_references(root: Path, entries: Iterable[Entry], problems: list[Problem]) -> None:
    """Ids unique across files; every `related` id names an entry.

    An id that may belong to a file that failed to load is not reported again as unknown.
    """
    broken = {
        Path(p.location.file).stem for p in problems if p.location.file.startswith("entries/")
    }
    by_id: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in by_id:
            checker = checker_for(root, entry.path)
            checker.error(["id"], f"duplicate id {entry.id!r}, also used by {by_id[entry.id].path}")
            problems.extend(checker.problems)
        else:
            by_id[entry.id] = entry
    for entry in entries:
        for index, other in enumerate(entry.related):
            if (other not in by_id and other not in broken) or other == entry.id:
                checker = checker_for(root, entry.path)
                hint = difflib.get_close_matches(other, list(by_id), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                why = (
                    "an entry cannot be related to itself"
                    if other == entry.id
                    else f"unknown entry id '{other}'{suggestion}"
                )
                checker.error(["related", index], why)
                problems.extend(checker.problems)


def newest_first(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda e: (-e.published.timestamp(), e.id)))


def load_publication(
    root: Path,
    *,
    settings: Settings | None = None,
    entries_loader: Callable[[Path, Settings, list[Problem]], list[Entry]] = compiled_entries,
) -> Publication:
    """Settings, feeds and entries of ``root``; InputError listing every problem in every file.

    ``settings``: already read from feedpub.yaml by the caller (read here when not given).
    ``entries_loader``: how entries/ is read; a build passes ``compiled_entries`` with its own
    records, progress and out-parameters.
    """
    problems: list[Problem] = []
    if settings is None:
        settings = _load_settings(root, problems)
        if settings is None:
            raise InputError("cannot load the publication", problems)
    feeds = load_feeds(root, settings, problems)
    entries = entries_loader(root, settings, problems)
    check_references(root, entries, problems)
    if problems:
        count = len([p for p in problems if p.is_error])
        raise InputError(problem_count(count, "the publication"), problems)
    if settings.since is None and entries:
        settings = _with_since(settings, min(e.published.year for e in entries))
    return Publication(settings=settings, feeds=feeds, entries=newest_first(entries))


def _with_since(settings: Settings, year: int) -> Settings:
    return replace(settings, since=year)


def due_entries(entries: Iterable[Entry], now: datetime) -> list[Entry]:
    """Entries readers should see at ``now``: not drafts, published time passed."""
    return [e for e in entries if not e.draft and e.published <= now]


def feed_entries(
    feed: FeedSpec, entries: Iterable[Entry], *, everything: bool = False
) -> list[Entry]:
    """The newest ``limit`` entries that carry any of the feed's tags (all when it has none).

    ``everything``: every such entry, not only the newest ``limit`` (archives, indexes).
    """
    wanted = {t.casefold() for t in feed.tags}
    chosen = [e for e in entries if not wanted or wanted & {t.casefold() for t in e.tags}]
    return chosen if everything else chosen[: feed.limit]
