"""A feed's entries (newest first) in, its live document and RFC 5005 archive pages out.

Without ``archive: true`` a feed is one document with its newest ``limit`` entries. With it,
the live document keeps the newest ``limit`` entries and every older one goes to an archive
page. Pages are cut from the oldest entry forward, ``limit`` entries each: page 1 holds the
oldest, and only the newest page fills up as entries leave the live feed. So a full page never
changes when entries are added (hosts and readers may cache it for good), and the page after
the newest full one always exists (empty until the next entry leaves the live feed), so a full
page's ``next-archive`` link is never broken and never has to be added later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from feedpub.model import FEED_FILES, FeedSpec, Settings
from feedpub.render.feeditems import FeedItem

ARCHIVE_FOLDER = "archive"
STYLESHEET_FILE = "feed.xsl"  # at the output's root, for feeds with `stylesheet: true`
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One feed document: the live feed (``number`` None) or archive page ``number``."""

    number: int | None
    items: tuple[T, ...]  # newest first
    prev: int | None = None  # the next older archive page (the live feed: the newest page)
    next: int | None = None  # the next newer archive page; None: the live feed comes next

    @property
    def is_archive(self) -> bool:
        return self.number is not None


def paginate(items: Sequence[T], limit: int, archive: bool) -> list[Page[T]]:
    """The live page first, then archive pages 1, 2, … (oldest first)."""
    live = tuple(items[:limit])
    older = list(items[limit:])
    if not archive or not older:
        return [Page(None, live)]
    older.reverse()  # oldest first
    count = len(older) // limit + 1
    pages: list[Page[T]] = [Page(None, live, prev=count)]
    for number in range(1, count + 1):
        chunk = older[(number - 1) * limit : number * limit]
        chunk.reverse()  # newest first inside a document, as in the live feed
        pages.append(
            Page(
                number,
                tuple(chunk),
                prev=number - 1 if number > 1 else None,
                next=number + 1 if number < count else None,
            )
        )
    return pages


def page_path(feed_id: str, fmt: str, number: int | None) -> str:
    """Where a feed document goes, relative to the output folder."""
    if number is None:
        return f"{feed_id}/{FEED_FILES[fmt]}"
    return f"{feed_id}/{ARCHIVE_FOLDER}/{number}/{FEED_FILES[fmt]}"


@dataclass(frozen=True)
class Document:
    """Everything one feed document needs: its feed, its page of items and where it lives."""

    feed: FeedSpec
    settings: Settings
    page: Page[FeedItem]
    updated: datetime  # the newest change among its items, never the wall clock
    stylesheet: bool = False  # attach the XSL stylesheet (RSS and Atom)

    def url(self, fmt: str, number: int | None) -> str:
        return self.settings.base_url + page_path(self.feed.id, fmt, number)

    def self_url(self, fmt: str) -> str:
        return self.url(fmt, self.page.number)

    def stylesheet_href(self, fmt: str) -> str:
        """The stylesheet relative to this document, so it works under any host (and `serve`)."""
        depth = page_path(self.feed.id, fmt, self.page.number).count("/")
        return "../" * depth + STYLESHEET_FILE

    def archive_links(self, fmt: str) -> list[tuple[str, str]]:
        """(rel, URL) pairs of RFC 5005 §4: current, prev-archive, next-archive."""
        links = []
        if self.page.is_archive:
            links.append(("current", self.url(fmt, None)))
        if self.page.prev is not None:
            links.append(("prev-archive", self.url(fmt, self.page.prev)))
        if self.page.next is not None:
            links.append(("next-archive", self.url(fmt, self.page.next)))
        return links
