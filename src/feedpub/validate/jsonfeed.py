"""JSON Feed bytes in, problems out: the JSON Feed 1.1 spec (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any

from feedpub.validate import pitfalls
from feedpub.validate.dates import parse_rfc3339
from feedpub.validate.report import Report
from feedpub.validate.urls import is_mime_type, url_problem

VERSIONS = ("https://jsonfeed.org/version/1.1", "https://jsonfeed.org/version/1")
TOP_KEYS = frozenset(
    {
        "version",
        "title",
        "home_page_url",
        "feed_url",
        "description",
        "user_comment",
        "next_url",
        "icon",
        "favicon",
        "author",
        "authors",
        "language",
        "expired",
        "hubs",
        "items",
    }
)
ITEM_KEYS = frozenset(
    {
        "id",
        "url",
        "external_url",
        "title",
        "content_html",
        "content_text",
        "summary",
        "image",
        "banner_image",
        "date_published",
        "date_modified",
        "author",
        "authors",
        "tags",
        "language",
        "attachments",
    }
)

Locate = Callable[[Any, str | None], tuple[int | None, int | None]]


def _no_position(_obj: Any, _key: str | None) -> tuple[int | None, int | None]:
    return None, None


_NEWLINE = re.compile("\n")


class _Positions:
    """Where each JSON object starts, found by a second, slower parse run only when needed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines: list[int] | None = None
        self.starts: dict[int, int] = {}
        decoder: Any = json.JSONDecoder()
        original: Any = getattr(json.decoder, "JSONObject")  # noqa: B009 - untyped internals

        def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
            result, end = original(s_and_end, *args, **kwargs)
            self.starts[id(result)] = s_and_end[1] - 1
            return result, end

        # The pure-Python scanner calls parse_object, so every object's start is recorded.
        decoder.parse_object = parse_object
        decoder.scan_once = getattr(json.scanner, "py_make_scanner")(decoder)  # noqa: B009
        self.root = decoder.decode(text)

    def line_col(self, offset: int) -> tuple[int, int]:
        # Every item asks for positions: a table of line starts keeps that O(log n), not O(n).
        if self.newlines is None:
            self.newlines = [match.start() for match in _NEWLINE.finditer(self.text)]
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def __call__(self, obj: Any, key: str | None) -> tuple[int | None, int | None]:
        start = self.starts.get(id(obj))
        if start is None:
            return None, None
        if key is not None:
            found = self.text.find(json.dumps(key), start)
            if found >= 0:
                start = found
        return self.line_col(start)


def check(data: bytes, report: Report) -> None:
    """Validate a JSON Feed; positions are computed only if there is something to report."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.error(
            "invalid-encoding",
            f"byte 0x{data[exc.start]:02X} is not UTF-8; JSON Feed must be UTF-8",
            None,
        )
        return
    try:
        feed = json.loads(text)
    except json.JSONDecodeError as exc:
        report.error(
            "invalid-json", f"the JSON is not valid ({exc.msg}); fix it here", exc.lineno, exc.colno
        )
        return
    probe = Report(report.name, report.now, report.previous_ids, report.max_items, report.max_bytes)
    _check(feed, len(data), probe, _no_position)
    if not probe.problems:
        return
    positions = _Positions(text)
    _check(positions.root, len(data), report, positions)


def _check(feed: Any, size: int, report: Report, locate: Locate) -> None:
    def error(obj: Any, key: str | None, code: str, message: str) -> None:
        report.error(code, message, *locate(obj, key))

    def warning(obj: Any, key: str | None, code: str, message: str) -> None:
        report.warning(code, message, *locate(obj, key))

    if not isinstance(feed, dict):
        report.error("wrong-root", "a JSON Feed is a JSON object; the top level here is not", 1, 1)
        return
    version = feed.get("version")
    if version is None:
        error(
            feed, None, "missing-key", f'the feed has no "version"; add "version": "{VERSIONS[0]}"'
        )
    elif version not in VERSIONS:
        error(
            feed,
            "version",
            "invalid-version",
            f'"version" {version!r} is not a JSON Feed version; write "{VERSIONS[0]}"',
        )
    _string(feed, "title", error, required=True, where="the feed")
    for key in ("home_page_url", "feed_url", "next_url", "icon", "favicon"):
        _url(feed, key, error, warning, "the feed")
    for key in ("description", "user_comment", "language"):
        _string(feed, key, error, where="the feed")
    if "feed_url" not in feed:
        warning(
            feed,
            None,
            "missing-key",
            'the feed has no "feed_url"; add the feed\'s own URL so readers can find it again',
        )
    if "expired" in feed and not isinstance(feed["expired"], bool):
        error(feed, "expired", "invalid-type", '"expired" must be true or false')
    _authors(feed, error, warning, "the feed")
    hubs = feed.get("hubs")
    if hubs is not None:
        if not isinstance(hubs, list):
            error(feed, "hubs", "invalid-type", '"hubs" must be an array of objects')
        else:
            for hub in hubs:
                if (
                    not isinstance(hub, dict)
                    or not isinstance(hub.get("type"), str)
                    or not isinstance(hub.get("url"), str)
                ):
                    error(
                        hub if isinstance(hub, dict) else feed,
                        None,
                        "missing-key",
                        'each hub needs a "type" and a "url" string',
                    )
    _unknown_keys(feed, TOP_KEYS, warning, "the feed")
    items = feed.get("items")
    if items is None:
        error(feed, None, "missing-key", 'the feed has no "items"; add "items": [] at least')
        return
    if not isinstance(items, list):
        error(feed, "items", "invalid-type", '"items" must be an array')
        return
    seen: dict[str, int] = {}
    id_pairs: list[tuple[str, str, int | None]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            error(feed, "items", "invalid-type", f"item {index + 1} is not an object")
            continue
        _item(item, index, seen, id_pairs, report, locate, error, warning)
    pitfalls.check_ids(report, id_pairs)
    pitfalls.check_size(report, size, len(items))


Say = Callable[[Any, str | None, str, str], None]


def _string(
    obj: dict[str, Any], key: str, error: Say, *, required: bool = False, where: str
) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            error(obj, None, "missing-key", f'{where} has no "{key}"; add it')
        return None
    if not isinstance(value, str):
        error(obj, key, "invalid-type", f'{where}\'s "{key}" must be a string')
        return None
    return value


def _url(obj: dict[str, Any], key: str, error: Say, warning: Say, where: str) -> None:
    value = _string(obj, key, error, where=where)
    if value is None:
        return
    problem = url_problem(value)
    if problem is None:
        return
    if "relative" in problem:
        warning(obj, key, "relative-url", f'{where}\'s "{key}" {problem}')
    else:
        error(obj, key, "invalid-url", f'{where}\'s "{key}" {problem}')


def _authors(obj: dict[str, Any], error: Say, warning: Say, where: str) -> None:
    """JSON Feed 1.1 ``authors`` (and 1.0 ``author``): objects with name, url or avatar."""
    authors: list[Any] = []
    if "authors" in obj:
        if not isinstance(obj["authors"], list):
            error(obj, "authors", "invalid-type", f'{where}\'s "authors" must be an array')
        else:
            authors.extend(obj["authors"])
    if "author" in obj:
        authors.append(obj["author"])
    for author in authors:
        if not isinstance(author, dict):
            error(obj, "authors", "invalid-type", f"an author of {where} is not an object")
            continue
        if not any(isinstance(author.get(k), str) for k in ("name", "url", "avatar")):
            error(
                author,
                None,
                "missing-key",
                f'an author of {where} has none of "name", '
                '"url" and "avatar"; give at least a name',
            )
        for key in ("url", "avatar"):
            _url(author, key, error, warning, f"an author of {where}")


def _unknown_keys(obj: dict[str, Any], known: frozenset[str], warning: Say, where: str) -> None:
    # JSON Feed §Extensions: custom keys start with an underscore.
    for key in obj:
        if key not in known and not key.startswith("_"):
            warning(
                obj,
                key,
                "unknown-key",
                f'{where} has the unknown key "{key}"; fix the '
                'spelling or start extension keys with "_"',
            )


def _item(
    item: dict[str, Any],
    index: int,
    seen: dict[str, int],
    id_pairs: list[tuple[str, str, int | None]],
    report: Report,
    locate: Locate,
    error: Say,
    warning: Say,
) -> None:
    where = f"item {index + 1}"
    item_id = item.get("id")
    if item_id is None:
        error(item, None, "missing-key", f'{where} has no "id"; give it a unique one')
    elif isinstance(item_id, bool) or not isinstance(item_id, str | int | float):
        error(item, "id", "invalid-type", f'{where}\'s "id" must be a string')
    else:
        if not isinstance(item_id, str):
            warning(
                item, "id", "invalid-type", f'{where}\'s "id" is a number; write it as a string'
            )
        key = str(item_id)
        if not key.strip():
            error(item, "id", "empty-value", f'{where}\'s "id" is empty; give it a unique one')
        elif key in seen:
            error(
                item,
                "id",
                "duplicate-id",
                f'{where}\'s "id" {key!r} is also used by item '
                f"{seen[key] + 1}; give every item its own id",
            )
        else:
            seen[key] = index
        url = item.get("url")
        if isinstance(url, str) and url.strip():
            id_pairs.append((url.strip(), key, locate(item, "id")[0]))
    for key in ("url", "external_url", "image", "banner_image"):
        _url(item, key, error, warning, where)
    for key in ("title", "summary", "language"):
        _string(item, key, error, where=where)
    html = _string(item, "content_html", error, where=where)
    plain = _string(item, "content_text", error, where=where)
    if "content_html" not in item and "content_text" not in item:
        error(
            item,
            None,
            "missing-key",
            f'{where} has neither "content_html" nor "content_text"; add one',
        )
    if html is not None:
        pitfalls.check_html(
            report, html, locate(item, "content_html")[0], f'{where}\'s "content_html"'
        )
    del plain
    title = item.get("title")
    if isinstance(title, str):
        pitfalls.check_title_text(report, title, locate(item, "title")[0], f'{where}\'s "title"')
    dated = False
    for key in ("date_published", "date_modified"):
        value = _string(item, key, error, where=where)
        if value is None:
            continue
        dated = True
        parsed = parse_rfc3339(value, strict_case=False)
        if parsed.error:
            error(item, key, parsed.code, f'{where}\'s "{key}": {parsed.error}')
        pitfalls.check_future(report, parsed.value, locate(item, key)[0], f'{where}\'s "{key}"')
    if not dated:
        warning(
            item,
            None,
            "missing-date",
            f'{where} has no "date_published"; readers sort it wrongly; add one',
        )
    tags = item.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
    ):
        error(item, "tags", "invalid-type", f'{where}\'s "tags" must be an array of strings')
    _authors(item, error, warning, where)
    attachments = item.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, list):
            error(item, "attachments", "invalid-type", f'{where}\'s "attachments" must be an array')
        else:
            for attachment in attachments:
                _attachment(attachment, item, where, error, warning)
    _unknown_keys(item, ITEM_KEYS, warning, where)


def _attachment(
    attachment: Any, item: dict[str, Any], where: str, error: Say, warning: Say
) -> None:
    if not isinstance(attachment, dict):
        error(item, "attachments", "invalid-type", f"an attachment of {where} is not an object")
        return
    what = f"an attachment of {where}"
    if "url" not in attachment:
        error(attachment, None, "missing-key", f'{what} has no "url"; add it')
    else:
        _url(attachment, "url", error, warning, what)
    kind = _string(attachment, "mime_type", error, required=True, where=what)
    if kind is not None and not is_mime_type(kind):
        error(
            attachment,
            "mime_type",
            "invalid-value",
            f"{what}'s \"mime_type\" {kind!r} must be a MIME type like 'audio/mpeg'",
        )
    for key in ("size_in_bytes", "duration_in_seconds"):
        value = attachment.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            error(attachment, key, "invalid-type", f'{what}\'s "{key}" must be a number')


def id_map(data: bytes) -> dict[str, str]:
    """Item url → id for every item that has both."""
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    result: dict[str, str] = {}
    items = feed.get("items") if isinstance(feed, dict) else None
    for item in items if isinstance(items, list) else ():
        if (
            isinstance(item, dict)
            and isinstance(item.get("url"), str)
            and isinstance(item.get("id"), str | int)
        ):
            result[item["url"].strip()] = str(item["id"])
    return result
