"""Checks for what trips feed readers although specs allow it: HTML, dates, size, changed ids."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

from feedpub.validate.report import Report

_URL_ATTR = re.compile(
    r"""<[A-Za-z][^>]*?\s(?:href|src|poster|action|formaction|background)\s*=\s*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE,
)
_SCRIPT = re.compile(r"<\s*script\b", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_DOUBLE_ESCAPE = re.compile(r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_JS = re.compile(r"javascript:", re.IGNORECASE)


def check_html(
    report: Report, markup: str, line: int | None, where: str, *, has_base: bool = False
) -> None:
    """Relative or ``javascript:`` links and scripts inside HTML content (one warning of each)."""
    if "<" not in markup:
        return
    relative = javascript = None
    for m in _URL_ATTR.finditer(markup):
        raw = (
            m.group(1)
            if m.group(1) is not None
            else (m.group(2) if m.group(2) is not None else m.group(3))
        )
        url = "".join(html.unescape(raw).split())
        if _JS.match(url):
            javascript = javascript or url
        elif (
            not has_base and url and not url.startswith(("#", "//")) and _SCHEME.match(url) is None
        ):
            relative = relative or url
    if relative is not None:
        report.warning(
            "relative-url-in-html",
            f"{where} links to the relative URL {relative!r}, "
            "which readers resolve against the wrong page; make it absolute",
            line,
        )
    if javascript is not None:
        report.warning(
            "javascript-url",
            f"{where} contains a 'javascript:' link, which readers strip or block; remove it",
            line,
        )
    if _SCRIPT.search(markup):
        report.warning(
            "script-in-html",
            f"{where} contains a <script> element, which readers strip; remove it",
            line,
        )


def check_title_text(report: Report, text: str, line: int | None, where: str) -> None:
    """Plain-text titles that look like HTML: readers show the tags or entities literally."""
    if ("<" in text and _TAG.search(text)) or ("&" in text and _DOUBLE_ESCAPE.search(text)):
        report.warning(
            "html-in-title",
            f"{where} contains HTML markup, which readers show literally; write plain text",
            line,
        )


def check_plain_text(
    report: Report, text: str, line: int | None, where: str, fix: str = "write plain text"
) -> None:
    """Plain-text fields (a channel's description, categories, names, Atom type="text")."""
    if ("<" in text and _TAG.search(text)) or ("&" in text and _DOUBLE_ESCAPE.search(text)):
        report.warning(
            "html-in-text",
            f"{where} is plain text but contains HTML markup, which readers show literally; {fix}",
            line,
        )


def check_future(report: Report, value: datetime | None, line: int | None, where: str) -> None:
    if value is not None and value > report.now:
        report.warning(
            "future-date",
            f"{where} {value.isoformat()} is in the future; readers "
            "sort such entries first; use the real time",
            line,
        )


def check_size(report: Report, size: int, items: int) -> None:
    if size > report.max_bytes:
        report.warning(
            "feed-too-large",
            f"the feed is {size:,} bytes, over {report.max_bytes:,}; "
            "many readers give up on it; publish fewer items",
        )
    if items > report.max_items:
        report.warning(
            "too-many-items",
            f"the feed has {items:,} items, over {report.max_items:,}; publish fewer items",
        )


def check_ids(report: Report, entries: Iterable[tuple[str, str, int | None]]) -> None:
    """Entries (key, id, line) whose id differs from the previous build's: readers duplicate them."""
    if not report.previous_ids:
        return
    for key, entry_id, line in entries:
        before = report.previous_ids.get(key)
        if before is not None and before != entry_id:
            report.warning(
                "changed-id",
                f"the entry {key} had the id {before!r} in the previous "
                f"build and now has {entry_id!r}; readers will show it twice; keep "
                "the old id",
                line,
            )
