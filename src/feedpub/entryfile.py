"""One entry file's bytes in, its Entry (or every problem, located) out; and the entry files of a root."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from feedpub.errors import Problem
from feedpub.fieldcheck import (
    ID_PATTERN,
    YAML_SUFFIXES,
    FileChecker,
    field_id,
    flag,
    language_tag,
    parse_yaml,
    person,
    type_name,
)
from feedpub.fieldrules import date_problem
from feedpub.inputs import walk
from feedpub.model import Entry, Image, Person, Quote, Section, Source
from feedpub.text import clean_text

# `[text][key]` and `[key][]`: reference links whose label must be a source key.
CITATION = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\[((?:[^\[\]\\]|\\.)*)\]")


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
    entry_id = field_id(checker, data, stem)
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
    draft = flag(checker, data, "draft")
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
        draft=draft,
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


def entry_files(root: Path, problems: list[Problem]) -> list[tuple[str, str]]:
    """(path to read, path shown) of every entry file; unreadable or unsafe ones go to ``problems``."""
    return [
        (path, "entries/" + rel) for rel, path in walk(root, "entries", problems, YAML_SUFFIXES)
    ]
