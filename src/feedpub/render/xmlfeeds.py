"""One feed document (the live feed or an archive page) in, RSS 2.0 and Atom 1.0 bytes out.

Written with lxml directly, every element in a fixed order, so output is reproducible and
the choices below are ours:
- RSS items carry the edit time as ``<atom:updated>`` (RFC 3339): the W3C validator accepts
  it in RSS items, and feedparser reports it as ``updated``; ``<pubDate>`` stays the first
  publication.
- Authors, one element each: RSS allows one ``<author>`` per item and it must hold an email,
  so a single author with an email is ``<author>email (Name)</author>`` and any other case is
  one ``<dc:creator>`` per author (never both kinds in one item: the validator warns, and
  readers pick one of them at random); Atom has one ``<author>`` per author.
- The image is an RSS ``<enclosure>`` and an Atom ``<link rel="enclosure">``, with its
  length and MIME type.
- Atom's ``rel="alternate"`` link comes first (feed and entries), before ``self``: readers that
  take the first link show the site, not the feed file.
- An entry's own ``language`` is ``xml:lang`` on the Atom entry and ``<dc:language>`` in the
  RSS item (RSS has no item-level ``<language>``).
- RFC 5005 archives: ``current``/``prev-archive``/``next-archive`` links and ``<fh:archive/>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime

from lxml import etree

from feedpub import __version__
from feedpub.model import Person
from feedpub.render.archive import Document
from feedpub.render.briefing import Urls
from feedpub.render.feeditems import FeedItem

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR_URI = "https://github.com/feedpub/feedpub"
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def render_xml_feeds(doc: Document) -> dict[str, bytes]:
    """{"rss": bytes, "atom": bytes} for the formats the feed asks for."""
    out: dict[str, bytes] = {}
    if "atom" in doc.feed.formats:
        out["atom"] = _serialise(_atom(doc), doc, "atom")
    if "rss" in doc.feed.formats:
        out["rss"] = _serialise(_rss(doc), doc, "rss")
    return out


def _serialise(root: etree._Element, doc: Document, fmt: str) -> bytes:
    tree = etree.ElementTree(root)
    if doc.stylesheet:
        href = doc.stylesheet_href(fmt)
        root.addprevious(
            etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"')
        )
    return bytes(etree.tostring(tree, pretty_print=True, encoding="UTF-8", xml_declaration=True))


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat()


def _description(doc: Document) -> str:
    return doc.feed.description or doc.settings.description or doc.feed.title


# --- RSS 2.0 -------------------------------------------------------------------------------


def _rss(doc: Document) -> etree._Element:
    settings, feed = doc.settings, doc.feed
    urls = Urls(settings.base_url)
    nsmap = {"atom": ATOM_NS, "content": CONTENT_NS, "dc": DC_NS}
    if doc.page.is_archive:
        nsmap["fh"] = FH_NS
    rss = etree.Element("rss", nsmap=nsmap, version="2.0")
    channel = _sub(rss, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", urls.feed_page(feed))
    _sub(channel, "description", _description(doc))
    atom_link = f"{{{ATOM_NS}}}link"
    _sub(channel, atom_link, href=doc.self_url("rss"), rel="self", type=MEDIA_TYPES["rss"])
    for hub in feed.hubs:
        _sub(channel, atom_link, href=hub, rel="hub")
    for rel, href in doc.archive_links("rss"):
        _sub(channel, atom_link, href=href, rel=rel, type=MEDIA_TYPES["rss"])
    if doc.page.is_archive:
        _sub(channel, f"{{{FH_NS}}}archive")
    _sub(channel, "docs", "https://www.rssboard.org/rss-specification")
    _sub(channel, "generator", "feedpub")
    _sub(channel, "language", settings.language)
    _sub(channel, "lastBuildDate", _rfc822(doc.updated))
    if feed.logo:
        image = _sub(channel, "image")
        _sub(image, "url", urls.asset(feed.logo))
        _sub(image, "title", feed.title)
        _sub(image, "link", urls.feed_page(feed))
    for item in doc.page.items:
        _rss_item(channel, item, settings.language)
    return rss


def _rss_item(channel: etree._Element, item: FeedItem, language: str) -> None:
    briefing, entry = item.briefing, item.entry
    element = _sub(channel, "item")
    _sub(element, "title", briefing.title)
    _sub(element, "link", briefing.url)
    _sub(element, "description", briefing.summary_html or item.content_html)
    _sub(element, f"{{{CONTENT_NS}}}encoded", item.content_html)
    authors = entry.authors
    if len(authors) == 1 and authors[0].email:
        _sub(element, "author", f"{authors[0].email} ({authors[0].name})")
    else:
        for person in authors:
            _sub(element, f"{{{DC_NS}}}creator", person.name)
    _sub(element, "guid", briefing.tag, isPermaLink="false")
    for tag in entry.tags:
        _sub(element, "category", tag)
    _sub(element, "pubDate", _rfc822(entry.published))
    _sub(element, f"{{{ATOM_NS}}}updated", _rfc3339(entry.changed))
    image = item.image
    if image is not None and image.type:
        _sub(element, "enclosure", url=image.url, length=str(image.length), type=image.type)
    if entry.language and entry.language != language:
        _sub(element, f"{{{DC_NS}}}language", entry.language)


# --- Atom 1.0 ------------------------------------------------------------------------------


def _atom(doc: Document) -> etree._Element:
    settings, feed = doc.settings, doc.feed
    urls = Urls(settings.base_url)
    nsmap: dict[str | None, str] = {None: ATOM_NS}
    if doc.page.is_archive:
        nsmap["fh"] = FH_NS
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=nsmap)
    root.set(XML_LANG, settings.language)
    _sub(root, _a("id"), urls.feed_tag(feed, settings.since))
    _sub(root, _a("title"), feed.title)
    _sub(root, _a("updated"), _rfc3339(doc.updated))
    _atom_people(root, [settings.author])
    _sub(root, _a("link"), href=urls.feed_page(feed), rel="alternate", type="text/html")
    _sub(root, _a("link"), href=doc.self_url("atom"), rel="self", type=MEDIA_TYPES["atom"])
    for hub in feed.hubs:
        _sub(root, _a("link"), href=hub, rel="hub")
    for rel, href in doc.archive_links("atom"):
        _sub(root, _a("link"), href=href, rel=rel, type=MEDIA_TYPES["atom"])
    if doc.page.is_archive:
        _sub(root, f"{{{FH_NS}}}archive")
    _sub(root, _a("generator"), "feedpub", uri=GENERATOR_URI, version=__version__)
    if feed.icon:
        _sub(root, _a("icon"), urls.asset(feed.icon))
    if feed.logo:
        _sub(root, _a("logo"), urls.asset(feed.logo))
    _sub(root, _a("subtitle"), _description(doc))
    for item in doc.page.items:
        _atom_entry(root, item, settings.language)
    return root


def _a(local: str) -> str:
    return f"{{{ATOM_NS}}}{local}"


def _atom_people(parent: etree._Element, people: Iterable[Person]) -> None:
    for person in people:
        author = _sub(parent, _a("author"))
        _sub(author, _a("name"), person.name)
        if person.email:
            _sub(author, _a("email"), person.email)
        if person.uri:
            _sub(author, _a("uri"), person.uri)


def _atom_entry(root: etree._Element, item: FeedItem, language: str) -> None:
    briefing, entry = item.briefing, item.entry
    element = _sub(root, _a("entry"))
    if entry.language and entry.language != language:
        element.set(XML_LANG, entry.language)
    _sub(element, _a("id"), briefing.tag)
    _sub(element, _a("title"), briefing.title)
    _sub(element, _a("updated"), _rfc3339(entry.changed))
    _atom_people(element, entry.authors)
    _sub(element, _a("content"), item.content_html, type="html")
    _sub(element, _a("link"), href=briefing.url, rel="alternate", type="text/html")
    image = item.image
    if image is not None and image.type:
        attrs = {"href": image.url, "rel": "enclosure", "type": image.type}
        if image.length:
            attrs["length"] = str(image.length)
        _sub(element, _a("link"), **attrs)
    for source in briefing.sources:
        _sub(element, _a("link"), href=source.url, rel="related", title=source.title)
    if briefing.summary_html:
        _sub(element, _a("summary"), briefing.summary_html, type="html")
    for tag in entry.tags:
        _sub(element, _a("category"), term=tag)
    _sub(element, _a("published"), _rfc3339(entry.published))
