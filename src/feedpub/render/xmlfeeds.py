"""One feed document (the live feed or an archive page) in, RSS 2.0 and Atom 1.0 bytes out.

The only module that touches python-feedgen. One ``FeedGenerator`` per document writes both
formats: feed and entry metadata, RSS ``<link>``, ``<guid>``, ``<pubDate>``, ``<author>`` (one
author with an email), ``<enclosure>`` and ``<content:encoded>``; Atom links of the feed (all
of them, in the order given: ``alternate`` first, so readers that take the first link show the
site), authors, content and summary. feedgen's traps, set right here:
- it stamps ``now()`` into the feed's updated/lastBuildDate and each entry's updated: each is
  set from entry data (a document's updated time is its newest change, never the wall clock);
- ``add_entry()`` prepends by default: entries are appended, newest first;
- RSS ``<link>`` is the feed's last link and only its first ``rel="self"`` reaches RSS: RSS
  gets exactly those two, self first; hub and archive links come from the extension below;
- its ``<generator>`` and ``<docs>`` name feedgen: both are set to ours.

Two feedgen extensions (``_Rss*``, ``_Atom*``) add what feedgen lacks, in the places earlier
releases of feedpub wrote them (output stays byte for byte the same, so full archive pages,
which readers and hosts may cache for good, never change):
- RSS items: ``<atom:updated>`` with the edit time (RFC 3339; the W3C validator accepts it and
  feedparser reads it as ``updated``), right after ``<pubDate>`` (the first publication);
- authors: RSS allows one ``<author>`` per item and it must hold an email, so anything but a
  single author with an email becomes one ``<dc:creator>`` per author instead (never both kinds
  in one item: the validator warns, and readers pick one at random); Atom has every author;
- the image: feedgen's RSS ``<enclosure>`` moves after ``<atom:updated>``; feedgen drops every
  attribute but ``href`` from Atom entry links (it reads them back from the new element), so
  the extension sets ``rel``/``type``/``title``/``length`` on the alternate, enclosure and
  related (source) links;
- an entry's own language: ``xml:lang`` on the Atom entry, ``<dc:language>`` in the RSS item
  (RSS has no item-level ``<language>``);
- WebSub ``hub`` links and RFC 5005 ``current``/``prev-archive``/``next-archive`` links in RSS
  (feedgen writes them in Atom), ``<fh:archive/>`` in both, the RSS ``<image>`` after
  ``<lastBuildDate>``, the RSS root's prefixes in a fixed order (atom, content, dc, fh);
- an empty entry body still writes ``<content:encoded>``/``<content>`` elements (feedgen skips
  or self-closes them).

Two fixes on feedgen's bytes: the ``xml-stylesheet`` processing instruction after the XML
declaration, and on archive pages the Atom root's namespace declarations in our order
(feedgen writes the Atom namespace as a plain ``xmlns`` attribute, which lxml puts after every
prefixed declaration; no tree can change that order). tests/core/golden_xml pins all of it.
"""

from __future__ import annotations

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
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
RSS_DOCS = "https://www.rssboard.org/rss-specification"
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
RSS_EXTENSION = "feedpub_rss"  # attribute names feedgen gives the extension instances
ATOM_EXTENSION = "feedpub_atom"
# the Atom root of an archive page as feedgen writes it, and as feedpub always has
FEEDGEN_ARCHIVE_ROOT = f'<feed xmlns:fh="{FH_NS}" xmlns="{ATOM_NS}"'.encode()
ARCHIVE_ROOT = f'<feed xmlns="{ATOM_NS}" xmlns:fh="{FH_NS}"'.encode()
Link = dict[str, str]


def render_xml_feeds(doc: Document) -> dict[str, bytes]:
    """{"rss": bytes, "atom": bytes} for the formats the feed asks for."""
    wanted = [fmt for fmt in ("atom", "rss") if fmt in doc.feed.formats]
    if not wanted:
        return {}
    fg = _generator(doc)
    out: dict[str, bytes] = {}
    for fmt in wanted:
        fg.link(_feed_links(doc, fmt), replace=True)
        write = fg.atom_str if fmt == "atom" else fg.rss_str
        out[fmt] = _finish(write(pretty=True, encoding="UTF-8", xml_declaration=True), doc, fmt)
    return out


def _generator(doc: Document) -> FeedGenerator:
    settings, feed = doc.settings, doc.feed
    urls = Urls(settings.base_url)
    fg = FeedGenerator()
    fg.register_extension(RSS_EXTENSION, _RssChannel, _RssItem, atom=False, rss=True)
    fg.register_extension(ATOM_EXTENSION, _AtomFeed, _AtomEntry, atom=True, rss=False)
    getattr(fg, RSS_EXTENSION).doc = doc
    getattr(fg, ATOM_EXTENSION).archive = doc.page.is_archive
    fg.id(urls.feed_tag(feed, settings.since))
    fg.title(feed.title)
    fg.description(_description(doc))  # RSS description, Atom subtitle
    fg.language(settings.language)  # RSS language, Atom xml:lang
    fg.author(_person(settings.author))
    fg.generator("feedpub", version=__version__, uri=GENERATOR_URI)
    fg.docs(RSS_DOCS)
    fg.updated(doc.updated)  # Atom updated and RSS lastBuildDate
    if feed.icon:
        fg.icon(urls.asset(feed.icon))
    if feed.logo:
        fg.logo(urls.asset(feed.logo))  # Atom logo and RSS image
    for item in doc.page.items:
        _add_entry(fg, item, settings.language)
    return fg


def _add_entry(fg: FeedGenerator, item: FeedItem, language: str) -> None:
    briefing, entry = item.briefing, item.entry
    fe = fg.add_entry(order="append")
    fe.guid(briefing.tag, permalink=False)  # also the Atom id
    fe.title(briefing.title)
    fe.updated(entry.changed)
    fe.published(entry.published)  # Atom published, RSS pubDate
    fe.author([_person(person) for person in entry.authors])
    fe.description(briefing.summary_html or item.content_html)  # RSS description
    fe.content(item.content_html, type="html")  # after description(), which sets it too
    if briefing.summary_html:
        fe.summary(briefing.summary_html, type="html")
    links = _entry_links(item)
    fe.link(links)  # RSS <link> is the alternate one, RSS <enclosure> the enclosure
    if entry.tags:
        fe.category([{"term": tag} for tag in entry.tags])
    own = entry.language if entry.language and entry.language != language else None
    rss = getattr(fe, RSS_EXTENSION)
    rss.item, rss.language = item, own
    atom = getattr(fe, ATOM_EXTENSION)
    atom.links, atom.language, atom.empty = links, own, not item.content_html


def _feed_links(doc: Document, fmt: str) -> list[Link]:
    site: Link = {"href": Urls(doc.settings.base_url).feed_page(doc.feed), "rel": "alternate"}
    site["type"] = "text/html"
    own: Link = {"href": doc.self_url(fmt), "rel": "self", "type": MEDIA_TYPES[fmt]}
    if fmt == "rss":
        return [own, site]  # feedgen: the first self link, and the last link as <link>
    links = [site, own] + [{"href": hub, "rel": "hub"} for hub in doc.feed.hubs]
    for rel, href in doc.archive_links(fmt):
        links.append({"href": href, "rel": rel, "type": MEDIA_TYPES[fmt]})
    return links


def _entry_links(item: FeedItem) -> list[Link]:
    """The Atom entry's links, attributes in the order they are written."""
    links = [{"href": item.briefing.url, "rel": "alternate", "type": "text/html"}]
    image = item.image
    if image is not None and image.type:
        enclosure = {"href": image.url, "rel": "enclosure", "type": image.type}
        if image.length:  # unknown: no length in Atom, length="0" in RSS (feedgen's default)
            enclosure["length"] = str(image.length)
        links.append(enclosure)
    for source in item.briefing.sources:
        links.append({"href": source.url, "rel": "related", "title": source.title})
    return links


def _person(person: Person) -> dict[str, str]:
    out = {"name": person.name}
    if person.email:
        out["email"] = person.email
    if person.uri:
        out["uri"] = person.uri
    return out


def _description(doc: Document) -> str:
    return doc.feed.description or doc.settings.description or doc.feed.title


def _finish(data: bytes, doc: Document, fmt: str) -> bytes:
    if fmt == "atom" and doc.page.is_archive and data.find(FEEDGEN_ARCHIVE_ROOT, 0, 200) > 0:
        data = data.replace(FEEDGEN_ARCHIVE_ROOT, ARCHIVE_ROOT, 1)
    if doc.stylesheet:
        declaration, rest = data.split(b"\n", 1)
        href = doc.stylesheet_href(fmt)
        instruction = f'<?xml-stylesheet type="text/xsl" href="{href}"?>'.encode()
        data = b"\n".join((declaration, instruction, rest))
    return data


def _after(
    anchor: etree._Element, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    """A new element right after ``anchor`` (made in place, so it takes the root's prefixes)."""
    element = etree.SubElement(anchor.getparent(), tag, attrs)
    if text is not None:
        element.text = text
    anchor.addnext(element)
    return element


def _child(parent: etree._Element, tag: str) -> etree._Element:
    """The first child named ``tag`` (a C-level scan: ``find()`` parses a path each call)."""
    return next(parent.iterchildren(tag))


def _before(anchor: etree._Element, tag: str, text: str) -> None:
    element = etree.SubElement(anchor.getparent(), tag)
    element.text = text
    anchor.addprevious(element)


class _RssChannel(BaseExtension):  # type: ignore[misc]
    """The RSS channel: prefixes, hub and archive links after the self link, the image last."""

    def __init__(self) -> None:
        self.doc: Document | None = None

    def extend_ns(self) -> dict[str, str]:
        namespaces = {"atom": ATOM_NS, "content": CONTENT_NS, "dc": DC_NS}
        if self.doc is not None and self.doc.page.is_archive:
            namespaces["fh"] = FH_NS
        return namespaces

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        doc = self.doc
        if doc is None:
            return rss
        channel = rss.find("channel")
        anchor = channel.find(f"{{{ATOM_NS}}}link")  # feedgen's self link
        for hub in doc.feed.hubs:
            anchor = _after(anchor, f"{{{ATOM_NS}}}link", href=hub, rel="hub")
        for rel, href in doc.archive_links("rss"):
            anchor = _after(
                anchor, f"{{{ATOM_NS}}}link", href=href, rel=rel, type=MEDIA_TYPES["rss"]
            )
        if doc.page.is_archive:
            _after(anchor, f"{{{FH_NS}}}archive")
        image = channel.find("image")
        if image is not None:
            channel.find("lastBuildDate").addnext(image)
        return rss


class _RssItem(BaseEntryExtension):  # type: ignore[misc]
    """An RSS item: dc:creator authors, atom:updated, the enclosure after it, dc:language."""

    def __init__(self) -> None:
        self.item: FeedItem | None = None
        self.language: str | None = None  # the entry's own, when it differs from the feed's

    def extend_rss(self, element: etree._Element) -> etree._Element:
        item = self.item
        if item is None:
            return element
        entry = item.entry
        authors = entry.authors
        if len(authors) != 1 or not authors[0].email:
            for author in list(element.iterchildren("author")):
                element.remove(author)
            guid = _child(element, "guid")
            for person in authors:
                _before(guid, f"{{{DC_NS}}}creator", person.name)
        if not item.content_html:
            _after(_child(element, "description"), f"{{{CONTENT_NS}}}encoded", "")
        etree.SubElement(element, f"{{{ATOM_NS}}}updated").text = entry.changed.isoformat()
        if item.image is not None and item.image.type:
            element.append(_child(element, "enclosure"))  # moves it after atom:updated
        if self.language:
            etree.SubElement(element, f"{{{DC_NS}}}language").text = self.language
        return element


class _AtomFeed(BaseExtension):  # type: ignore[misc]
    """The Atom feed: ``<fh:archive/>`` after the links on an archive page."""

    def __init__(self) -> None:
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS} if self.archive else {}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        if self.archive:
            generator = feed.find("generator")
            archive = etree.SubElement(feed, f"{{{FH_NS}}}archive")
            generator.addprevious(archive)
        return feed


class _AtomEntry(BaseEntryExtension):  # type: ignore[misc]
    """An Atom entry: ``xml:lang``, and the link attributes feedgen drops."""

    def __init__(self) -> None:
        self.links: list[Link] = []
        self.language: str | None = None
        self.empty = False  # no content: feedgen writes no text at all

    def extend_atom(self, element: etree._Element) -> etree._Element:
        if self.language:
            element.set(XML_LANG, self.language)
        for link, given in zip(element.iterchildren("link"), self.links, strict=True):
            for name, value in given.items():
                if name != "href":
                    link.set(name, value)
        if self.empty:
            _child(element, "content").text = ""  # <content type="html"></content>, not />
        return element
