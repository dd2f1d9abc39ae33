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


@dataclass(frozen=True)
class Pagination:
    """Where a page stands in a paginated listing (``page.pagination``; None when not paginated)."""

    number: int  # 1-based
    count: int
    previous: str | None = None  # path of the previous page, relative to the output root
    next: str | None = None


@dataclass(frozen=True)
class PageView:
    """The page being rendered (``page``)."""

    kind: str  # "entry", "home", "feed", "search", "not-found"
    title: str
    path: str  # output path: "entries/talks.html"
    url: str  # canonical absolute URL ("" for the 404 page, which has none)
    root: str  # way up to the output root: "" or "../"; the 404 page: base_url's path, "/news/"
    alternates: tuple[FeedView, ...]  # feeds announced by <link rel="alternate">
    pagination: Pagination | None = None


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
class BriefingView:
    """An entry with its rendered parts (``entry`` in briefing.html)."""

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
    quotes: tuple[QuoteView, ...]
    sections: tuple[SectionView, ...]
    sources: tuple[CitedSource, ...]
    related: tuple[EntryLink, ...] = ()  # due entries this one names in `related`


@dataclass(frozen=True)
class EntryView:
    """An entry on its own page (``entry`` in entry.html)."""

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
    body: Markup  # what briefing.html rendered: lead, quotes, sections, sources, related
    sources: tuple[CitedSource, ...]
    related: tuple[EntryLink, ...]
    referenced_by: tuple[EntryLink, ...]  # due entries naming this one in `related`


def feed_view(feed: FeedSpec, base_url: str) -> FeedView:
    formats = tuple(
        FeedFormat(
            name=fmt,
            label=FORMAT_TYPES[fmt][1],
            media_type=FORMAT_TYPES[fmt][0],
            url=f"{base_url}{feed.id}/{FEED_FILES[fmt]}",
            path=f"{feed.id}/{FEED_FILES[fmt]}",
        )
        for fmt in feed.formats
    )
    return FeedView(
        id=feed.id,
        title=feed.title,
        description=feed.description,
        tags=feed.tags,
        url=f"{base_url}{feed.id}/",
        path=f"{feed.id}/index.html",
        formats=formats,
    )


def site_view(settings: Settings, feeds: tuple[FeedView, ...]) -> SiteView:
    return SiteView(
        title=settings.title,
        description=settings.description,
        language=settings.language,
        base_url=settings.base_url,
        timezone=settings.timezone_name,
        author=settings.author,
        feeds=feeds,
        search=settings.search,
    )
