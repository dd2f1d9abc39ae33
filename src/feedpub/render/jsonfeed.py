"""Briefings of one feed in, JSON Feed 1.1 bytes out (https://www.jsonfeed.org/version/1.1/)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from feedpub.model import FeedSpec, Person, Settings
from feedpub.render.briefing import Briefing, Urls

VERSION = "https://jsonfeed.org/version/1.1"


def _author(person: Person) -> dict[str, str]:
    out = {"name": person.name}
    if person.uri:
        out["url"] = person.uri
    elif person.email:
        out["url"] = f"mailto:{person.email}"
    return out


def _time(moment: datetime) -> str:
    return moment.isoformat()


def render_json_feed(feed: FeedSpec, settings: Settings, briefings: Sequence[Briefing]) -> bytes:
    """JSON Feed has no feed-level updated time; items carry date_published/date_modified."""
    urls = Urls(settings.base_url)
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": urls.feed_page(feed),
        "feed_url": urls.feed_file(feed, "json"),
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
    items = []
    for briefing in briefings:
        entry = briefing.entry
        item: dict[str, Any] = {
            "id": briefing.tag,
            "url": briefing.url,
            "title": briefing.title,
            "content_html": briefing.body_html,
            "content_text": briefing.body_text,
        }
        if briefing.summary_text:
            item["summary"] = briefing.summary_text
        if entry.image:
            item["image"] = urls.asset(entry.image.url)
        item["date_published"] = _time(entry.published)
        item["date_modified"] = _time(entry.changed)
        item["authors"] = [_author(p) for p in entry.authors]
        if entry.tags:
            item["tags"] = list(entry.tags)
        if settings.language:
            item["language"] = settings.language
        items.append(item)
    document["items"] = items
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
