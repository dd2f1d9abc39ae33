"""The built pages and feeds in, the files that help people and crawlers find them out:
``sitemap.xml`` (split into an index and parts when large), ``robots.txt`` and ``feeds.opml``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from feedpub.model import FEED_FILES, Entry, FeedSpec, Settings
from feedpub.render.markup import escape
from feedpub.render.pages import public_url

SITEMAP_NAME = "sitemap.xml"
ROBOTS_NAME = "robots.txt"
OPML_NAME = "feeds.opml"
# sitemaps.org 0.9: at most 50,000 URLs and 50 MB (52,428,800 bytes, uncompressed) per file.
MAX_URLS = 50_000
MAX_BYTES = 52_428_800
# Pages that are not content: a crawler should not list them.
NOT_LISTED = frozenset({"404.html", "search.html"})

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_URLSET_OPEN = f'{_XML_DECLARATION}<urlset xmlns="{SITEMAP_NS}">\n'
_URLSET_CLOSE = "</urlset>\n"
# A link from a listing page to an entry's permalink, as the site's templates write it.
_ENTRY_LINK = re.compile(rb'entries/([A-Za-z0-9][A-Za-z0-9._-]*)\.html"')


@dataclass(frozen=True)
class SitemapLimits:
    """How many URLs and bytes one sitemap file may hold before the sitemap is split."""

    urls: int = MAX_URLS
    bytes: int = MAX_BYTES


PROTOCOL_LIMITS = SitemapLimits()


def w3c_datetime(moment: datetime) -> str:
    """A W3C-DTF timestamp (what sitemaps.org asks for), in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_url(base_url: str, path: str) -> str:
    """The public URL of an output file: ``x/index.html`` is served as ``x/``; characters a
    URL cannot hold (a tag page's Arabic name) percent-encoded, as the protocol asks."""
    return public_url(base_url, path)


def page_lastmods(
    files: Mapping[str, bytes],
    entries: Sequence[Entry],
    carried: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, datetime | None]:
    """Every HTML page to list, with its last change: an entry page's is the entry's own,
    any other page's is that of the newest entry it links to (None when it shows none).
    ``carried``: pages kept from the last build unread, with the entries they link to."""
    changed = {e.id: e.changed for e in entries}
    pages: dict[str, datetime | None] = {}
    kept = carried or {}
    for path in [*files, *(p for p in kept if p not in files)]:
        if not path.endswith(".html") or path in NOT_LISTED:
            continue
        if _is_entry_page(path):
            own = changed.get(path[len("entries/") : -len(".html")])
            if own is not None:
                pages[path] = own
                continue
        ids = shown_entries(files[path]) if path in files else kept[path]
        shown = [changed[m] for m in ids if m in changed]
        pages[path] = max(shown, default=None)
    return pages


def _is_entry_page(path: str) -> bool:
    return path.startswith("entries/") and path.count("/") == 1


def shown_entries(data: bytes) -> tuple[str, ...]:
    """The ids of the entries a page links to, as the site's templates write the links."""
    return tuple(m.decode() for m in _ENTRY_LINK.findall(data))


def listing_links(path: str, data: bytes) -> tuple[str, ...]:
    """What a manifest keeps of a page for its sitemap lastmod: the entries it links to,
    unless the page is an entry's own (dated by the entry) or not listed at all."""
    if not path.endswith(".html") or path in NOT_LISTED or _is_entry_page(path):
        return ()
    return shown_entries(data)


def _url_element(loc: str, lastmod: datetime | None) -> str:
    mod = f"<lastmod>{w3c_datetime(lastmod)}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>\n"


def render_sitemaps(
    base_url: str,
    pages: Mapping[str, datetime | None],
    limits: SitemapLimits = PROTOCOL_LIMITS,
) -> dict[str, bytes]:
    """``sitemap.xml`` listing every page; when one file would pass ``limits``, an index at
    ``sitemap.xml`` pointing at ``sitemap-1.xml``, ``sitemap-2.xml``, … instead."""
    # The home page first, then the rest by path: a stable order, so the bytes are too.
    order = sorted(pages, key=lambda p: (p != "index.html", p))
    elements = [_url_element(page_url(base_url, p), pages[p]) for p in order]
    room = limits.bytes - len(_URLSET_OPEN.encode()) - len(_URLSET_CLOSE.encode())
    parts: list[tuple[list[str], datetime | None]] = []
    current: list[str] = []
    size = 0
    newest: datetime | None = None
    for path, element in zip(order, elements, strict=True):
        length = len(element.encode())
        if current and (len(current) >= limits.urls or size + length > room):
            parts.append((current, newest))
            current, size, newest = [], 0, None
        current.append(element)
        size += length
        mod = pages[path]
        if mod is not None and (newest is None or mod > newest):
            newest = mod
    parts.append((current, newest))
    if len(parts) == 1:
        return {SITEMAP_NAME: _urlset(parts[0][0])}
    out: dict[str, bytes] = {}
    index = [_XML_DECLARATION, f'<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for number, (chunk, last) in enumerate(parts, start=1):
        name = f"sitemap-{number}.xml"
        out[name] = _urlset(chunk)
        stamp = f"<lastmod>{w3c_datetime(last)}</lastmod>" if last else ""
        index.append(f"<sitemap><loc>{escape(base_url + name)}</loc>{stamp}</sitemap>\n")
    index.append("</sitemapindex>\n")
    out[SITEMAP_NAME] = "".join(index).encode("utf-8")
    return out


def _urlset(elements: list[str]) -> bytes:
    return (_URLSET_OPEN + "".join(elements) + _URLSET_CLOSE).encode("utf-8")


def render_robots(base_url: str) -> bytes:
    """Every crawler may fetch everything; the sitemap says where the pages are."""
    return f"User-agent: *\nDisallow:\n\nSitemap: {base_url}{SITEMAP_NAME}\n".encode()


def preferred_format(feed: FeedSpec) -> str:
    """The one format a subscription list offers for a feed: RSS when it has one, else Atom,
    else JSON Feed (a reader importing the list should subscribe to each feed once)."""
    return feed.formats[0]


def render_opml(settings: Settings, feeds: Sequence[FeedSpec]) -> bytes:
    """OPML 2.0 subscription list: one ``type="rss"`` outline per feed (the spec's type for
    every feed format), with its title, feed URL, page URL and description. It carries no
    date, so it changes only when the feeds do."""
    base = settings.base_url
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "<head>",
        f"<title>{escape(settings.title)}</title>",
    ]
    lines.append(f"<ownerName>{escape(settings.author.name)}</ownerName>")
    lines.append("<docs>https://opml.org/spec2.opml</docs>")
    lines += ["</head>", "<body>"]
    for feed in feeds:
        fmt = preferred_format(feed)
        attributes = {
            "type": "rss",
            "text": feed.title,
            "title": feed.title,
            "xmlUrl": f"{base}{feed.id}/{FEED_FILES[fmt]}",
            "htmlUrl": f"{base}{feed.id}/",
            "language": settings.language,
        }
        if fmt == "rss":
            attributes["version"] = "RSS2"  # the spec names versions for RSS only
        if feed.description:
            attributes["description"] = feed.description
        rendered = " ".join(f"{k}={_attr(v)}" for k, v in attributes.items())
        lines.append(f"<outline {rendered}/>")
    lines += ["</body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def _attr(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def render_discovery(
    settings: Settings,
    feeds: Sequence[FeedSpec],
    entries: Sequence[Entry],
    files: Mapping[str, bytes],
    limits: SitemapLimits = PROTOCOL_LIMITS,
    carried: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, bytes]:
    """The sitemap (over every HTML page in ``files`` and ``carried``: pages kept from the
    last build, with the entries they link to), robots.txt and feeds.opml; a file of the
    same name already in ``files`` (say, from static/) is kept instead."""
    pages = page_lastmods(files, entries, carried)
    made: dict[str, bytes] = {
        ROBOTS_NAME: render_robots(settings.base_url),
        OPML_NAME: render_opml(settings, feeds),
    }
    if SITEMAP_NAME not in files:
        made.update(render_sitemaps(settings.base_url, pages, limits))
    return {name: data for name, data in made.items() if name not in files}
