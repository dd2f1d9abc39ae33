"""Briefings of one feed in, RSS 2.0 and Atom 1.0 bytes out. The only module that touches feedgen.

feedgen traps handled here:
- it stamps ``now()`` into the feed's updated/lastBuildDate and each entry's updated:
  every one is set explicitly from entry data;
- ``add_entry()`` prepends by default: we append, newest first;
- RSS ``<link>`` is the last ``alternate`` link added and only the first ``rel="self"``
  reaches RSS: we add exactly one of each, alternate last;
- no ``rel="hub"`` in RSS (nor in Atom through its API for the channel): a small extension
  adds hub links to both;
- entry ``<link>`` elements in Atom lose every attribute but ``href`` (it reads ``rel``,
  ``type`` and ``title`` back from the new element instead of the link data), so every
  related link would become an alternate: the entry extension writes the links itself;
- RSS ``<author>`` is written only for authors with an email: other names go in ``dc:creator``;
- its ``<generator>`` carries feedgen's name and version: we set our own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedpub import __version__
from feedpub.model import Entry, FeedSpec, Settings
from feedpub.render.briefing import Briefing, Urls

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR_URI = "https://github.com/feedpub/feedpub"


class _HubExtension(BaseExtension):  # type: ignore[misc]
    """Adds ``<atom:link rel="hub">`` (RSS) and ``<link rel="hub">`` (Atom) after the self link."""

    def __init__(self) -> None:
        self.hubs: Sequence[str] = ()

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed.find("channel")
        if channel is not None:
            self._insert(channel, f"{{{ATOM_NS}}}link")
        return feed

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        self._insert(feed, "link")  # feedgen's Atom elements sit in the default namespace
        return feed

    def _insert(self, parent: etree._Element, tag: str) -> None:
        anchor = None
        for child in parent:
            if child.tag == tag and child.get("rel") == "self":
                anchor = child
        position = parent.index(anchor) + 1 if anchor is not None else len(parent)
        for offset, hub in enumerate(self.hubs):
            link = etree.Element(tag, href=hub, rel="hub")
            parent.insert(position + offset, link)


class _EntryLinks(BaseEntryExtension):  # type: ignore[misc]
    """Replaces feedgen's attribute-less Atom entry links with complete ones."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        return entry

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        old = entry.findall("link")
        position = entry.index(old[0]) if old else len(entry)
        for element in old:
            entry.remove(element)
        for offset, attributes in enumerate(self.links):
            entry.insert(position + offset, etree.Element("link", attributes))
        return entry


def _generator(
    feed: FeedSpec, settings: Settings, briefings: Sequence[Briefing], updated: datetime
) -> FeedGenerator:
    urls = Urls(settings.base_url)
    fg = FeedGenerator()
    fg.register_extension("feedpub", _HubExtension, _EntryLinks, atom=True, rss=True)
    fg.load_extension(
        "dc", atom=False, rss=True
    )  # RSS <author> must be an email: names go in dc:creator
    fg.feedpub.hubs = feed.hubs
    fg.id(urls.feed_tag(feed, settings.since))
    fg.title(feed.title)
    fg.description(feed.description or settings.description or feed.title)
    fg.language(settings.language)
    fg.author(
        {
            "name": settings.author.name,
            **({"email": settings.author.email} if settings.author.email else {}),
            **({"uri": settings.author.uri} if settings.author.uri else {}),
        }
    )
    fg.generator("feedpub", version=__version__, uri=GENERATOR_URI)
    fg.updated(updated)  # also RSS lastBuildDate
    if feed.icon:
        fg.icon(urls.asset(feed.icon))
    if feed.logo:
        fg.logo(urls.asset(feed.logo))
    for briefing in briefings:
        _add_entry(fg, briefing)
    return fg


def _add_entry(fg: FeedGenerator, briefing: Briefing) -> None:
    entry: Entry = briefing.entry
    fe = fg.add_entry(order="append")
    fe.id(briefing.tag)
    fe.guid(briefing.tag, permalink=False)
    fe.title(briefing.title)
    fe.published(entry.published)
    fe.updated(entry.changed)
    unmailed = [person.name for person in entry.authors if not person.email]
    if unmailed:
        fe.dc.dc_creator(unmailed)
    for person in entry.authors:
        fe.author(
            {
                "name": person.name,
                **({"email": person.email} if person.email else {}),
                **({"uri": person.uri} if person.uri else {}),
            }
        )
    fe.link(href=briefing.url, rel="alternate", type="text/html")  # RSS <link>
    links = [{"href": briefing.url, "rel": "alternate", "type": "text/html"}]
    links += [{"href": s.url, "rel": "related", "title": s.title} for s in briefing.sources]
    fe.feedpub.links = links
    for tag in entry.tags:
        fe.category(term=tag)
    if briefing.summary_html:
        fe.summary(briefing.summary_html, type="html")
    fe.description(briefing.summary_html or briefing.body_html)
    fe.content(briefing.body_html, type="html")


def render_xml_feeds(
    feed: FeedSpec, settings: Settings, briefings: Sequence[Briefing], updated: datetime
) -> dict[str, bytes]:
    """{"rss": bytes, "atom": bytes} for the formats the feed asks for."""
    urls = Urls(settings.base_url)
    out: dict[str, bytes] = {}
    if "atom" in feed.formats:
        fg = _generator(feed, settings, briefings, updated)
        fg.link(href=urls.feed_file(feed, "atom"), rel="self", type="application/atom+xml")
        fg.link(href=urls.feed_page(feed), rel="alternate", type="text/html")
        out["atom"] = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    if "rss" in feed.formats:
        fg = _generator(feed, settings, briefings, updated)
        fg.link(href=urls.feed_file(feed, "rss"), rel="self", type="application/rss+xml")
        fg.link(href=urls.feed_page(feed), rel="alternate", type="text/html")
        out["rss"] = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return out
