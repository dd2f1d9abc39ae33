"""Feed bytes in, Problems out: one document's format detected and checked against its spec.

``validate_bytes`` judges one feed; ``feed_id_map`` gives the entry-key → id map a build keeps
to spot ids that changed.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from feedpub.errors import Problem
from feedpub.validate import atom, jsonfeed, rss, xmlcheck
from feedpub.validate.report import Report

# What may come before the root element: declaration, comments, PIs, a DOCTYPE, whitespace.
_PROLOG = re.compile(
    rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
_ROOTS = {b"rss": "rss", b"channel": "rss", b"feed": "atom", b"entry": "atom"}


def _head(data: bytes) -> bytes:
    """The start of the document as ASCII-compatible bytes, without a byte order mark."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data[:8192].decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        return data[3:8195]
    return data[:8192]


def detect_format(data: bytes) -> str | None:
    """ "rss", "atom" or "json" by the root element or JSON shape; None when it is not a feed."""
    head = _head(data).lstrip()
    if head.startswith(b"{"):
        if b"jsonfeed.org/version" in data or b'"items"' in data:
            return "json"
        return None
    if not head.startswith(b"<"):
        return None
    prolog = _PROLOG.match(head)
    rest = head[prolog.end() if prolog else 0 :]
    m = _ROOT.match(rest)
    if m is None:
        return None
    local = m.group(1).rpartition(b":")[2]
    return _ROOTS.get(local)


def validate_bytes(
    data: bytes,
    name: str,
    *,
    now: datetime | None = None,
    previous_ids: Mapping[str, str] | None = None,
    max_items: int = 500,
    max_bytes: int = 1_000_000,
) -> list[Problem]:
    """Every problem in one feed, in file order; ``name`` goes into each Location."""
    report = Report(name, now or datetime.now(UTC), previous_ids, max_items, max_bytes)
    kind = detect_format(data)
    if kind is None:
        report.error("not-a-feed", "this is not an RSS 2.0, Atom 1.0 or JSON Feed document", 1)
    elif kind == "json":
        jsonfeed.check(data, report)
    else:
        root = xmlcheck.parse(data, report)
        if root is not None:
            (rss.check if kind == "rss" else atom.check)(root, len(data), report)
    return report.sorted()


def feed_id_map(data: bytes) -> dict[str, str]:
    """A feed's entries as permalink → id (RSS link → guid, Atom alternate → id, JSON url → id).

    The build stores this map for each feed it writes and passes it back as ``previous_ids``;
    an entry whose permalink stays but whose id changes shows up twice in readers.
    """
    kind = detect_format(data)
    if kind == "json":
        return jsonfeed.id_map(data)
    if kind is None:
        return {}
    scratch = Report("", datetime.now(UTC))
    root = xmlcheck.parse(data, scratch)
    if root is None:
        return {}
    return rss.id_map(root) if kind == "rss" else atom.id_map(root)
