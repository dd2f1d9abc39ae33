"""One feed document in, JSON Feed 1.1 bytes out (https://www.jsonfeed.org/version/1.1/).

Cited sources reach JSON Feed readers twice: as the ``_feedpub`` extension object of each item
(``{"about": …, "sources": [{"url", "title", "site", "dead"}]}``; keys starting with ``_`` are
the spec's extension mechanism) and as URLs in ``content_text``'s Sources list, since plain
text has no links. An archived feed pages with ``next_url``: the live feed points to the
newest archive page, each page to the next older one.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from feedpub.model import Person
from feedpub.render.archive import Document
from feedpub.render.briefing import Urls
from feedpub.render.feeditems import FeedItem
from feedpub.render.markup import to_text

VERSION = "https://jsonfeed.org/version/1.1"
EXTENSION_ABOUT = "https://github.com/feedpub/feedpub#json-feed-extension"
# The Sources list of a briefing body, and each link in it.
_SOURCES_LIST = re.compile(r'<ul class="sources">.*?</ul>', re.DOTALL)
_LINK_END = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)


def _author(person: Person) -> dict[str, str]:
    out = {"name": person.name}
    if person.uri:
        out["url"] = person.uri
    elif person.email:
        out["url"] = f"mailto:{person.email}"
    return out


def _time(moment: datetime) -> str:
    return moment.isoformat()


def content_text(item: FeedItem) -> str:
    """The body as plain text, each source in the Sources list followed by its URL."""
    body = item.briefing.body_html
    if not item.briefing.sources:
        return item.briefing.body_text
    with_urls = _SOURCES_LIST.sub(
        lambda block: _LINK_END.sub(r'<a href="\1"\2>\3</a> (\1)', block.group(0)), body
    )
    return to_text(with_urls)


def render_json_feed(doc: Document) -> bytes:
    """JSON Feed has no feed-level updated time; items carry date_published/date_modified."""
    settings, feed = doc.settings, doc.feed
    urls = Urls(settings.base_url)
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": urls.feed_page(feed),
        "feed_url": doc.url("json", None),  # archive pages too: the feed to subscribe to
        "description": feed.description or settings.description or feed.title,
        "language": settings.language,
        "authors": [_author(settings.author)],
    }
    if feed.icon:
        document["favicon"] = urls.asset(feed.icon)
    if feed.logo:
        document["icon"] = urls.asset(feed.logo)
    if feed.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in feed.hubs]
    if doc.page.prev is not None:
        document["next_url"] = doc.url("json", doc.page.prev)
    document["items"] = [_item(item, settings.language) for item in doc.page.items]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(item: FeedItem, language: str) -> dict[str, Any]:
    briefing, entry = item.briefing, item.entry
    out: dict[str, Any] = {
        "id": briefing.tag,
        "url": briefing.url,
        "title": briefing.title,
        "content_html": item.content_html,
        "content_text": content_text(item),
    }
    if briefing.summary_text:
        out["summary"] = briefing.summary_text
    if item.image is not None:
        out["image"] = item.image.url
    out["date_published"] = _time(entry.published)
    out["date_modified"] = _time(entry.changed)
    out["authors"] = [_author(p) for p in entry.authors]
    if entry.tags:
        out["tags"] = list(entry.tags)
    out["language"] = entry.language or language
    if briefing.sources:
        sources = []
        for source in briefing.sources:
            record: dict[str, Any] = {"url": source.url, "title": source.title}
            if source.site:
                record["site"] = source.site
            if source.dead:
                record["dead"] = True
            sources.append(record)
        out["_feedpub"] = {"about": EXTENSION_ABOUT, "sources": sources}
    return out
