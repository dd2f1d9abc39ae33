"""A feed and its items (newest first) in, every document of it out: the live feed and its archive pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feedpub.model import FeedSpec, Settings
from feedpub.render.archive import Document, page_path, paginate
from feedpub.render.feeditems import FeedItem
from feedpub.render.jsonfeed import render_json_feed
from feedpub.render.xmlfeeds import render_xml_feeds


def render_feed(
    feed: FeedSpec, settings: Settings, items: Sequence[FeedItem], fallback: datetime
) -> dict[str, bytes]:
    """Output path → bytes for every format of every document of ``feed``.

    ``items`` are all the entries the feed selects when it is archived, else its newest
    ``limit``; ``fallback`` is the updated time of a document with no entries.
    """
    files: dict[str, bytes] = {}
    for page in paginate(items, feed.limit, feed.archive):
        updated = max((item.entry.changed for item in page.items), default=fallback)
        doc = Document(feed, settings, page, updated, stylesheet=feed.stylesheet)
        for fmt, data in render_xml_feeds(doc).items():
            files[page_path(feed.id, fmt, page.number)] = data
        if "json" in feed.formats:
            files[page_path(feed.id, "json", page.number)] = render_json_feed(doc)
    return files
