"""The template context: frozen dataclasses that every template receives, built from the model.

Attribute names here are a stable interface (documented in README.md, *Templates*): add new
fields freely, never rename or remove one. Strings are plain text (the template escapes them);
fields typed ``Markup`` hold HTML feedpub made from Markdown (raw HTML in entries never
passes); whatever a template makes of them is cut to the nh3 allow-list before any feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from feedpub.langs import is_rtl
from feedpub.model import FEED_FILES, FeedSpec, Image, Person, Settings

# Feed format → (media type, label), in the order feeds list them.
FORMAT_TYPES = {
    "rss": ("application/rss+xml", "RSS"),
    "atom": ("application/atom+xml", "Atom"),
    "json": ("application/feed+json", "JSON Feed"),
}


@dataclass(frozen=True)
class FeedFormat:
    """One file of a feed: ``name`` rss|atom|json, ``label`` "RSS", its media type and place."""

    name: str
    label: str
    media_type: str
    url: str  # absolute
    path: str  # relative to the output root: "all/rss.xml"


@dataclass(frozen=True)
class FeedView:
    """A feed as pages show it."""

    id: str
    title: str
    description: str
    tags: tuple[str, ...]
    url: str  # absolute URL of the feed's page (its folder)
    path: str  # "all/index.html"
    formats: tuple[FeedFormat, ...]
    archive: bool = False  # `archive: true`: older entries in RFC 5005 archive documents
    archives: tuple[FeedArchive, ...] = ()  # those documents, newest first (none until needed)


@dataclass(frozen=True)
class FeedArchive:
    """One RFC 5005 archive document of a feed, in each of the feed's formats."""

    number: int  # 1 holds the oldest entries
    formats: tuple[FeedFormat, ...]


@dataclass(frozen=True)
class TagView:
    """A tag and its page (``tags/<slug>/``): every entry carrying it, newest first."""

    name: str  # as entries spell it (the most used spelling)
    slug: str  # its folder: lower case, punctuation and spaces as "-"
    url: str  # absolute URL of its page
    path: str  # "tags/trade/index.html"
    count: int  # entries carrying it


@dataclass(frozen=True)
class YearView:
    """A year of the archive (``archive/<year>/``): the entries published in it."""

    year: int
    url: str
    path: str  # "archive/2025/index.html"
    count: int


@dataclass(frozen=True)
class SiteView:
    """The publication's settings (``site`` in every template)."""

    title: str
    description: str
    language: str
    base_url: str  # ends with "/"
    timezone: str  # IANA name, e.g. "Europe/Berlin"
    author: Person
    feeds: tuple[FeedView, ...]
    search: bool = False  # `search: true`: pages get a search box leading to search.html
    dir: str = "ltr"  # "rtl" when ``language`` is written right to left
    main_feed: FeedView | None = None  # the first feed of every entry (else the first feed)
    tags: tuple[TagView, ...] = ()  # every tag, by name
    years: tuple[YearView, ...] = ()  # every year with entries, newest first
    home: str = "index.html"  # paths of the index pages, relative to the output root
    tags_index: str = "tags/index.html"
    archive_index: str = "archive/index.html"


@dataclass(frozen=True)
class Pagination:
    """Where a page stands in a paginated listing (``page.pagination``; None when not paginated)."""

    number: int  # 1-based
    count: int
    previous: str | None = None  # path of the previous (newer) page, relative to the output root
    next: str | None = None  # path of the next (older) page
    first: str = ""  # path of page 1
    last: str = ""  # path of the last page
    total: int = 0  # entries over all the pages


@dataclass(frozen=True)
class PageView:
    """The page being rendered (``page``)."""

    kind: str  # "entry", "home", "feed", "tag", "tags", "year", "archive", "search", "not-found"
    title: str
    path: str  # output path: "entries/talks.html"
    url: str  # canonical absolute URL ("" for the 404 page, which has none)
    root: str  # way up to the output root: "" or "../"; the 404 page: base_url's path, "/news/"
    alternates: tuple[FeedView, ...]  # feeds announced by <link rel="alternate">
    pagination: Pagination | None = None
    description: str = ""  # plain text for link previews (og:description): an entry's lead
    image: Image | None = None  # absolute URL: og:image


@dataclass(frozen=True)
class CitedSource:
    """A source as readers see it: the entry's title, else the pulled one, else the address."""

    key: str
    url: str
    title: str
    site: str | None
    dead: bool = False


@dataclass(frozen=True)
class EntryLink:
    """Another entry, as listings and Related lists show it."""

    id: str
    title: str
    url: str  # absolute
    path: str  # "entries/<id>.html"
    published: datetime
    updated: datetime | None
    summary: Markup
    tags: tuple[str, ...]
    language: str | None = None  # the entry's own language, when it has one

    @property
    def dir(self) -> str:
        """ "rtl" or "ltr" for ``language`` (the publication's direction is on <html>)."""
        return "rtl" if is_rtl(self.language) else "ltr"


@dataclass(frozen=True)
class SectionView:
    heading: Markup
    text: Markup
    points: tuple[Markup, ...]


@dataclass(frozen=True)
class QuoteView:
    text: Markup
    by: str | None
    source: CitedSource | None  # the cited source the quote names, if any


@dataclass(frozen=True)
class EntryFacts:
    """What every view of one entry carries (the fields briefing.html and entry.html share)."""

    id: str
    title: str
    url: str
    path: str
    published: datetime
    updated: datetime | None
    authors: tuple[Person, ...]
    tags: tuple[str, ...]
    image: Image | None  # image.url is absolute
    summary: Markup


@dataclass(frozen=True)
class BriefingView(EntryFacts):
    """An entry with its rendered parts (``entry`` in briefing.html)."""

    quotes: tuple[QuoteView, ...]
    sections: tuple[SectionView, ...]
    sources: tuple[CitedSource, ...]
    related: tuple[EntryLink, ...] = ()  # due entries this one names in `related`


@dataclass(frozen=True)
class EntryView(EntryFacts):
    """An entry on its own page (``entry`` in entry.html)."""

    body: Markup  # what briefing.html rendered: lead, quotes, sections, sources, related
    sources: tuple[CitedSource, ...]
    related: tuple[EntryLink, ...]
    referenced_by: tuple[EntryLink, ...]  # due entries naming this one in `related`
    language: str | None = None  # the entry's own language (lang on its <article>), if any
    dir: str = "ltr"  # its direction: "rtl" for a right-to-left ``language``
    tag_pages: tuple[TagView, ...] = ()  # its tags' pages, in the entry's order
    feeds: tuple[FeedView, ...] = ()  # the feeds that carry it


def _formats(feed: FeedSpec, base_url: str, folder: str) -> tuple[FeedFormat, ...]:
    return tuple(
        FeedFormat(
            name=fmt,
            label=FORMAT_TYPES[fmt][1],
            media_type=FORMAT_TYPES[fmt][0],
            url=f"{base_url}{folder}{FEED_FILES[fmt]}",
            path=f"{folder}{FEED_FILES[fmt]}",
        )
        for fmt in feed.formats
    )


def feed_view(feed: FeedSpec, base_url: str, archives: int = 0) -> FeedView:
    """The feed as pages show it; ``archives``: how many archive documents it has."""
    return FeedView(
        id=feed.id,
        title=feed.title,
        description=feed.description,
        tags=feed.tags,
        url=f"{base_url}{feed.id}/",
        path=f"{feed.id}/index.html",
        formats=_formats(feed, base_url, f"{feed.id}/"),
        archive=feed.archive,
        archives=tuple(
            FeedArchive(n, _formats(feed, base_url, f"{feed.id}/archive/{n}/"))
            for n in range(archives, 0, -1)
        ),
    )


def site_view(
    settings: Settings,
    feeds: tuple[FeedView, ...],
    tags: tuple[TagView, ...] = (),
    years: tuple[YearView, ...] = (),
) -> SiteView:
    main = next((f for f in feeds if not f.tags), feeds[0] if feeds else None)
    return SiteView(
        title=settings.title,
        description=settings.description,
        language=settings.language,
        base_url=settings.base_url,
        timezone=settings.timezone_name,
        author=settings.author,
        feeds=feeds,
        search=settings.search,
        dir="rtl" if is_rtl(settings.language) else "ltr",
        main_feed=main,
        tags=tags,
        years=years,
    )
