"""One YAML file's bytes in, its data and every located problem out: the FileChecker and the
field checks settings, feeds and entries share (strings, URLs, people, ids, flags, languages)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedpub import yamlfile
from feedpub.errors import Location, Problem
from feedpub.fieldrules import id_problem, link_problem
from feedpub.inputs import read_regular
from feedpub.langs import is_language_tag
from feedpub.model import MAX_ENTRY_BYTES, Person
from feedpub.text import clean_text

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
YAML_SUFFIXES = (".yaml", ".yml")


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


def field_id(checker: FileChecker, data: dict[str, Any], stem: str) -> str:
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


def flag(checker: FileChecker, data: dict[str, Any], name: str) -> bool:
    """A true/false field (false when absent; an error, and false, when it is anything else)."""
    value = data.get(name, False)
    if not isinstance(value, bool):
        checker.error([name], f"expected true or false, got {value!r}")
        return False
    return value


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


def checker_for(root: Path, rel: str) -> FileChecker:
    """A checker holding the text of ``root / rel``, to locate a problem found after loading."""
    try:
        text = (root / rel).read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError):
        text = ""
    return FileChecker(rel, text)
