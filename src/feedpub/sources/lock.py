"""``sources.lock`` text in, records by normalised URL out (and back); corrupt files named by line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from feedpub.errors import Location, Problem, SourcesError, display_path
from feedpub.files import write_atomic
from feedpub.model import SourceRecord
from feedpub.sources.urls import normalise_url

LOCK_NAME = "sources.lock"  # in the publication root, committed with it
LOCK_VERSION = 1
STATES = ("ok", "moved", "dead", "transient", "new")
GOOD_STATES = ("ok", "moved", "transient")  # records that still hold a page's metadata

_FIELDS = {f.name: f for f in fields(SourceRecord)}
_INT_FIELDS = {"status"}


def _line_of(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """1-based line of ``needle`` in ``text`` (searching from ``start``), and its offset."""
    offset = text.find(needle, start)
    if offset < 0:
        return 1, start
    return text.count("\n", 0, offset) + 1, offset


def load_lock(path: Path) -> dict[str, SourceRecord]:
    """Records by normalised URL; {} when the file is missing; SourcesError naming the line if corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise _corrupt(path, 1, None, f"cannot read it: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _corrupt(path, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        raise _corrupt(path, 1, 1, 'expected an object {"version": 1, "sources": {...}}')
    if data.get("version") != LOCK_VERSION:
        line, _ = _line_of(text, '"version"')
        raise _corrupt(
            path,
            line,
            None,
            f"version: expected {LOCK_VERSION}, found {json.dumps(data.get('version'))}",
        )
    records: dict[str, SourceRecord] = {}
    for url, raw in data["sources"].items():
        line, offset = _line_of(text, json.dumps(url, ensure_ascii=False) + ":")
        if not isinstance(raw, dict):
            raise _corrupt(
                path, line, None, f"sources.{url}: expected an object, found {json.dumps(raw)}"
            )
        values: dict[str, Any] = {"url": url}
        for name, value in raw.items():
            where, _ = _line_of(text, json.dumps(name) + ":", offset)
            if name not in _FIELDS or name == "url":
                expected = ", ".join(n for n in _FIELDS if n != "url")
                raise _corrupt(
                    path,
                    where,
                    None,
                    f"sources.{url}.{name}: expected one of "
                    f"{expected}, found unknown field {name!r}",
                )
            wanted = int if name in _INT_FIELDS else str
            if value is not None and (type(value) is not wanted):
                kind = "an integer" if wanted is int else "a string"
                raise _corrupt(
                    path,
                    where,
                    None,
                    f"sources.{url}.{name}: expected {kind} or null, found {json.dumps(value)}",
                )
            if name == "state" and value not in STATES:
                raise _corrupt(
                    path,
                    where,
                    None,
                    f"sources.{url}.state: expected one of "
                    f"{', '.join(STATES)}, found {json.dumps(value)}",
                )
            values[name] = value
        records[normalise_url(url)] = replace(SourceRecord(**values), url=normalise_url(url))
    return records


def _corrupt(path: Path, line: int, column: int | None, message: str) -> SourcesError:
    where = Location(display_path(path, Path.cwd()), line, column)
    return SourcesError(
        f"{path.name} is corrupt; fix it or delete it (then `feedpub pull` rebuilds it)",
        [Problem(where, message)],
    )


def dump_lock(records: Mapping[str, SourceRecord]) -> str:
    """The lock's text: JSON, one sorted key per line, empty fields left out, newline-terminated."""
    sources: dict[str, dict[str, Any]] = {}
    for key in sorted(records):
        record = records[key]
        sources[key] = {
            name: getattr(record, name)
            for name in _FIELDS
            if name != "url" and getattr(record, name) is not None
        }
    data = {"version": LOCK_VERSION, "sources": sources}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save_lock(path: Path, records: Mapping[str, SourceRecord]) -> None:
    """Write the lock atomically (temp file + rename); an unchanged lock is not touched."""
    text = dump_lock(records)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
