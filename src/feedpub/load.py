"""A publication root in (feedpub.yaml, feeds/, entries/), checked model out; every problem at once."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedpub import yamlfile
from feedpub.errors import InputError, Location, Problem
from feedpub.fieldrules import base_url_problem, date_problem, id_problem, link_problem
from feedpub.inputs import input_file, read_regular, walk
from feedpub.langs import is_language_tag
from feedpub.model import (
    FORMATS,
    MAX_ENTRY_BYTES,
    PAGE_SIZE,
    Entry,
    FeedSpec,
    Image,
    Person,
    Publication,
    Quote,
    Section,
    Settings,
    Source,
    SourcesSettings,
)
from feedpub.output import output_problem
from feedpub.redact import credentials_problem
from feedpub.text import clean_text

SETTINGS_FILE = "feedpub.yaml"
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# `[text][key]` and `[key][]`: reference links whose label must be a source key.
CITATION = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\[((?:[^\[\]\\]|\\.)*)\]")
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


def type_name(value: Any) -> str:
    """How a YAML value is called in messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date):
        return "a date"
    return type(value).__name__


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


@dataclass
class FileChecker:
    """Collects the problems of one YAML file, locating each key path in its text on demand."""

    file: str  # as shown in messages
    text: str = ""
    problems: list[Problem] = field(default_factory=list)

    def error(self, path: Iterable[str | int], message: str, *, key: bool = False) -> None:
        steps = list(path)
        where = yamlfile.locate(self.text, steps, key=key) if self.text else None
        line, column = where if where else (None, None)
        prefix = f"{format_path(steps)}: " if steps else ""
        self.problems.append(Problem(Location(self.file, line, column), prefix + message))

    def mapping(
        self,
        data: Any,
        path: list[str | int],
        allowed: Iterable[str],
        required: Iterable[str] = (),
        what: str = "a mapping",
    ) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.error(path, f"expected {what}, got {type_name(data)}")
            return None
        names = list(allowed)
        for key in data:
            if not isinstance(key, str) or key not in names:
                hint = difflib.get_close_matches(str(key), names, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                expected = ", ".join(names)
                self.error(
                    [*path, str(key)],
                    f"unknown field{suggestion}; expected one of: {expected}",
                    key=True,
                )
        for name in required:
            if data.get(name) in (None, ""):
                self.error(
                    [*path, name] if name in data else path,
                    f"missing required field '{name}'" if name not in data else "must not be empty",
                )
        return data

    def string(
        self, data: dict[str, Any], path: list[str | int], name: str, default: str = ""
    ) -> str:
        value = data.get(name, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error([*path, name], f"expected a string, got {type_name(value)}")
            return default
        return clean_text(str(value))

    def strings(self, data: dict[str, Any], path: list[str | int], name: str) -> tuple[str, ...]:
        value = data.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            return (clean_text(value),)
        if not isinstance(value, list):
            self.error([*path, name], f"expected a list of strings, got {type_name(value)}")
            return ()
        out: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.error([*path, name, index], f"expected a string, got {type_name(item)}")
            else:
                out.append(clean_text(str(item)))
        return tuple(out)

    def url(
        self,
        data: dict[str, Any],
        path: list[str | int],
        name: str,
        *,
        absolute: bool,
        ascii_only: bool = False,
    ) -> str | None:
        """An http(s) URL (or, unless ``absolute``, a path under base_url) every feed can carry.

        ``ascii_only``: the value also becomes an RSS link, which must be ASCII.
        """
        value = self.string(data, path, name)
        if not value:
            return None
        if not is_web_url(value) and (absolute or ":" in value.split("/")[0]):
            self.error([*path, name], f"expected an absolute http(s) URL, got {value!r}")
            return None
        problem = link_problem(value, ascii_only=ascii_only, absolute=absolute)
        if problem is not None:
            self.error([*path, name], problem)
            return None
        return value


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def read_bytes(path: str | Path, checker: FileChecker, limit: int | None = None) -> bytes | None:
    """A regular file's bytes (never a FIFO or device, never over ``limit``), or None after
    recording why not."""
    try:
        return read_regular(str(path), limit)
    except OSError as exc:
        checker.problems.append(
            Problem(Location(checker.file), f"cannot read file: {exc.strerror}")
        )
    except ValueError as exc:
        checker.problems.append(
            Problem(
                Location(checker.file),
                f"the file is {exc.args[0]:,} bytes, over the limit of {limit:,} "
                "(max_entry_bytes in feedpub.yaml); split it or raise the limit",
            )
        )
    return None


def read_yaml(path: Path, checker: FileChecker, limit: int | None = MAX_ENTRY_BYTES) -> Any:
    """The data of one YAML file, or None after recording why it could not be read."""
    raw = read_bytes(path, checker, limit)
    return None if raw is None else parse_yaml(raw, checker)


def parse_yaml(raw: bytes, checker: FileChecker) -> Any:
    """The data in a YAML file's bytes, or None after recording why they are not YAML."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        checker.problems.append(
            Problem(
                Location(checker.file, line, column),
                f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; save the file as UTF-8",
            )
        )
        return None
    checker.text = text.removeprefix("\ufeff")
    try:
        data = yamlfile.parse(checker.text)
    except yamlfile.YamlSyntaxError as exc:
        for found in exc.all():
            checker.problems.append(
                Problem(Location(checker.file, found.line, found.column), found.message)
            )
        return None
    if data is None:
        checker.problems.append(
            Problem(Location(checker.file, 1, 1), "empty file: expected a mapping of fields")
        )
    return data


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


def person(checker: FileChecker, value: Any, path: list[str | int]) -> Person | None:
    if isinstance(value, str) and value.strip():
        return Person(clean_text(value).strip())
    data = checker.mapping(
        value,
        path,
        ("name", "email", "uri"),
        ("name",),
        what="a name or a mapping with name, email, uri",
    )
    if data is None or not data.get("name"):
        return None
    return Person(
        checker.string(data, path, "name").strip(),
        checker.string(data, path, "email") or None,
        checker.url(data, path, "uri", absolute=True),
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
    search = data.get("search", False)
    if not isinstance(search, bool):
        checker.error(["search"], f"expected true or false, got {search!r}")
        search = False
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


YAML_SUFFIXES = (".yaml", ".yml")


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
    feed_id = _id(checker, data, stem)
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
    flags = {name: _flag(checker, data, name) for name in ("archive", "stylesheet")}
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


def _id(checker: FileChecker, data: dict[str, Any], stem: str) -> str:
    """The ``id`` field, checked; the file name when there is none (an empty one is an error)."""
    raw = data.get("id")
    if "id" not in data:
        value = stem
    elif raw is None or (isinstance(raw, str) and not raw.strip()):
        checker.error(
            ["id"],
            f"must not be empty; give an id, or remove the line to use the file name {stem!r}",
        )
        return stem
    else:
        value = checker.string(data, [], "id") or stem
    reserved = id_problem(value)
    if reserved is not None:
        checker.error(
            ["id"],
            f"{value!r} is {reserved}; choose another id"
            if "id" in data
            else f"the file name gives the id {value!r}, {reserved}; rename the file or add an id",
        )
    return value


def _flag(checker: FileChecker, data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        checker.error([name], f"expected true or false, got {value!r}")
        return False
    return value


# --- entries -------------------------------------------------------------------------------

ENTRY_FIELDS = (
    "id",
    "title",
    "published",
    "updated",
    "author",
    "authors",
    "summary",
    "sections",
    "quotes",
    "tags",
    "sources",
    "related",
    "image",
    "draft",
    "language",
)


@dataclass(frozen=True)
class EntryContext:
    """What loading one entry needs from the settings (small and picklable, for worker processes)."""

    timezone: tzinfo
    default_author: Person
    max_bytes: int | None = None  # largest entry file read (max_entry_bytes)


def to_datetime(value: Any, zone: tzinfo) -> datetime | None:
    """An aware datetime from a YAML timestamp, date or ISO 8601 string; None when it is none of them."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def load_entry_file(
    path: str | Path, rel: str, context: EntryContext
) -> tuple[Entry | None, list[Problem]]:
    """One entry file → (Entry or None, its problems)."""
    checker = FileChecker(rel)
    raw = read_bytes(path, checker, context.max_bytes)
    return (None, checker.problems) if raw is None else load_entry_bytes(raw, rel, context)


def load_entry_bytes(
    raw: bytes, rel: str, context: EntryContext
) -> tuple[Entry | None, list[Problem]]:
    """One entry file's bytes → (Entry or None, its problems)."""
    checker = FileChecker(rel)
    data = parse_yaml(raw, checker)
    if data is None:
        return None, checker.problems
    entry = _entry(data, checker, Path(rel).stem, context)
    return (entry if not checker.problems else None), checker.problems


def _entry(raw: Any, checker: FileChecker, stem: str, context: EntryContext) -> Entry | None:
    data = checker.mapping(raw, [], ENTRY_FIELDS, ("title", "published"))
    if data is None:
        return None
    entry_id = _id(checker, data, stem)
    if not ID_PATTERN.match(entry_id):
        checker.error(["id"], f"expected letters, digits, '.', '_' or '-', got {entry_id!r}")
    dates: dict[str, datetime | None] = {}
    for name in ("published", "updated"):
        value = data.get(name)
        dates[name] = None if value is None else to_datetime(value, context.timezone)
        moment = dates[name]
        if value is not None and moment is None:
            checker.error(
                [name],
                f"expected an ISO 8601 date and time such as 2025-05-17T18:00:00+03:00, got {value!r}",
            )
        elif moment is not None and (problem := date_problem(moment)):
            checker.error([name], problem)
            dates[name] = None
    published, updated = dates["published"], dates["updated"]
    if published and updated and updated < published:
        checker.error(["updated"], "must not be earlier than published")
    sources = _sources(checker, data.get("sources"))
    keys = {s.key.casefold() for s in sources}
    texts: list[tuple[list[str | int], str]] = []

    def text(path: list[str | int], value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            checker.error(path, f"expected a string, got {type_name(value)}")
            return ""
        cleaned = clean_text(str(value)).strip()
        texts.append((path, cleaned))
        return cleaned

    summary = text(["summary"], data.get("summary"))
    sections = _sections(checker, data.get("sections"), text)
    quotes = _quotes(checker, data.get("quotes"), text, keys)
    for path, value in texts:
        for match in CITATION.finditer(value):
            label = match.group(2) or match.group(1)
            if label.casefold() not in keys:
                known = ", ".join(sorted(s.key for s in sources)) or "none"
                checker.error(
                    path,
                    f"cites unknown source '{label}'; expected one of the entry's sources keys ({known})",
                )
    authors = _authors(checker, data)
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        checker.error(["draft"], f"expected true or false, got {draft!r}")
    image = _image(checker, data.get("image"))
    language = language_tag(checker, data, [])
    if checker.problems or published is None:
        return None
    return Entry(
        id=entry_id,
        title=checker.string(data, [], "title").strip(),
        published=published,
        updated=updated,
        path=checker.file,
        authors=authors or (context.default_author,),
        summary=summary,
        sections=sections,
        quotes=quotes,
        tags=tuple(dict.fromkeys(checker.strings(data, [], "tags"))),
        sources=sources,
        related=tuple(dict.fromkeys(checker.strings(data, [], "related"))),
        image=image,
        draft=draft is True,
        language=language,
    )


def _sources(checker: FileChecker, value: Any) -> tuple[Source, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        checker.error(["sources"], f"expected a mapping of keys to URLs, got {type_name(value)}")
        return ()
    out: list[Source] = []
    for key, item in value.items():
        path: list[str | int] = ["sources", str(key)]
        if isinstance(item, str):
            item = {"url": item}
        data = checker.mapping(
            item, path, ("url", "title"), ("url",), what="a URL or a mapping with url and title"
        )
        if data is None:
            continue
        url = checker.url(data, path, "url", absolute=True)
        if url:
            out.append(Source(str(key), url, checker.string(data, path, "title").strip() or None))
    return tuple(out)


def _sections(
    checker: FileChecker, value: Any, text: Callable[[list[str | int], Any], str]
) -> tuple[Section, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        checker.error(["sections"], f"expected a list of sections, got {type_name(value)}")
        return ()
    out: list[Section] = []
    for index, item in enumerate(value):
        path: list[str | int] = ["sections", index]
        data = checker.mapping(
            item,
            path,
            ("heading", "text", "points"),
            ("heading",),
            what="a mapping with heading, text and points",
        )
        if data is None:
            continue
        points = data.get("points")
        if points is not None and not isinstance(points, list):
            checker.error([*path, "points"], f"expected a list of strings, got {type_name(points)}")
            points = []
        out.append(
            Section(
                heading=text([*path, "heading"], data.get("heading")),
                text=text([*path, "text"], data.get("text")),
                points=tuple(text([*path, "points", i], p) for i, p in enumerate(points or [])),
            )
        )
    return tuple(out)


def _quotes(
    checker: FileChecker, value: Any, text: Callable[[list[str | int], Any], str], keys: set[str]
) -> tuple[Quote, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        checker.error(["quotes"], f"expected a list of quotes, got {type_name(value)}")
        return ()
    out: list[Quote] = []
    for index, item in enumerate(value):
        path: list[str | int] = ["quotes", index]
        if isinstance(item, str):
            item = {"text": item}
        data = checker.mapping(
            item,
            path,
            ("text", "by", "source"),
            ("text",),
            what="a mapping with text, by and source",
        )
        if data is None:
            continue
        source = checker.string(data, path, "source").strip() or None
        if source is not None and source.casefold() not in keys:
            checker.error(
                [*path, "source"],
                f"unknown source '{source}'; expected a key of the entry's sources",
            )
        out.append(
            Quote(
                text([*path, "text"], data.get("text")),
                checker.string(data, path, "by").strip() or None,
                source,
            )
        )
    return tuple(out)


def _authors(checker: FileChecker, data: dict[str, Any]) -> tuple[Person, ...]:
    if "author" in data and "authors" in data:
        checker.error(["authors"], "give either author or authors, not both", key=True)
    if data.get("author") is not None:
        found = person(checker, data["author"], ["author"])
        return (found,) if found else ()
    value = data.get("authors")
    if value is None:
        return ()
    if not isinstance(value, list):
        checker.error(["authors"], f"expected a list of names or mappings, got {type_name(value)}")
        return ()
    return tuple(p for i, item in enumerate(value) if (p := person(checker, item, ["authors", i])))


IMAGE_FIELDS = ("url", "alt", "width", "height", "length", "type")


def _image(checker: FileChecker, value: Any) -> Image | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    data = checker.mapping(
        value, ["image"], IMAGE_FIELDS, ("url",), what="a URL or a mapping with url and alt"
    )
    if data is None:
        return None
    url = checker.url(data, ["image"], "url", absolute=False, ascii_only=True)  # <enclosure>
    sizes: dict[str, int | None] = {}
    for name, least in (("width", 1), ("height", 1), ("length", 0)):
        number = data.get(name)
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int) or number < least
        ):
            what = "a positive whole number of pixels" if least else "a whole number of bytes"
            checker.error(["image", name], f"expected {what}, got {number!r}")
            number = None
        sizes[name] = number
    kind = checker.string(data, ["image"], "type").strip() or None
    if kind is not None and not _IMAGE_TYPE.fullmatch(kind):
        checker.error(
            ["image", "type"], f"expected an image MIME type such as image/jpeg, got {kind!r}"
        )
        kind = None
    if not url:
        return None
    return Image(url, checker.string(data, ["image"], "alt"), type=kind, **sizes)


_IMAGE_TYPE = re.compile(r"image/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


def language_tag(checker: FileChecker, data: dict[str, Any], path: list[str | int]) -> str | None:
    """The ``language`` field as a BCP 47 tag, or None when absent (an error when malformed)."""
    value = checker.string(data, path, "language").strip()
    if not value:
        return None
    if not is_language_tag(value):
        checker.error(
            [*path, "language"],
            f"expected a BCP 47 language tag such as en, pt-BR or ar, got {value!r}",
        )
        return None
    return value


# --- the whole publication -----------------------------------------------------------------


def entry_files(root: Path, problems: list[Problem]) -> list[tuple[str, str]]:
    """(path to read, path shown) of every entry file; unreadable or unsafe ones go to ``problems``."""
    return [
        (path, "entries/" + rel) for rel, path in walk(root, "entries", problems, YAML_SUFFIXES)
    ]


def load_entries(root: Path, settings: Settings, problems: list[Problem]) -> list[Entry]:
    context = EntryContext(settings.timezone or UTC, settings.author, settings.max_entry_bytes)
    entries: list[Entry] = []
    for path, rel in entry_files(root, problems):
        entry, found = load_entry_file(path, rel, context)
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
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
            checker = _checker_for(root, entry.path)
            checker.error(["id"], f"duplicate id {entry.id!r}, also used by {by_id[entry.id].path}")
            problems.extend(checker.problems)
        else:
            by_id[entry.id] = entry
    for entry in entries:
        for index, other in enumerate(entry.related):
            if (other not in by_id and other not in broken) or other == entry.id:
                checker = _checker_for(root, entry.path)
                hint = difflib.get_close_matches(other, list(by_id), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                why = (
                    "an entry cannot be related to itself"
                    if other == entry.id
                    else f"unknown entry id '{other}'{suggestion}"
                )
                checker.error(["related", index], why)
                problems.extend(checker.problems)


def _checker_for(root: Path, rel: str) -> FileChecker:
    try:
        text = (root / rel).read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError):
        text = ""
    return FileChecker(rel, text)


def newest_first(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda e: (-e.published.timestamp(), e.id)))


def load_publication(
    root: Path,
    *,
    entries_loader: Callable[[Path, Settings, list[Problem]], list[Entry]] | None = None,
) -> Publication:
    """Settings, feeds and entries of ``root``; InputError listing every problem in every file."""
    problems: list[Problem] = []
    settings = _load_settings(root, problems)
    if settings is None:
        raise InputError("cannot load the publication", problems)
    feeds = load_feeds(root, settings, problems)
    entries = (entries_loader or load_entries)(root, settings, problems)
    check_references(root, entries, problems)
    if problems:
        count = len([p for p in problems if p.is_error])
        raise InputError(
            f"{count} problem{'s' if count != 1 else ''} in the publication; nothing was built",
            problems,
        )
    if settings.since is None and entries:
        settings = _with_since(settings, min(e.published.year for e in entries))
    return Publication(settings=settings, feeds=feeds, entries=newest_first(entries))


def _with_since(settings: Settings, year: int) -> Settings:
    from dataclasses import replace

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
