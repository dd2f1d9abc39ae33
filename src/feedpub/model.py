"""Frozen dataclasses shared by every stage: settings, feeds, entries, source records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

FORMATS = ("rss", "atom", "json")

# Output file names inside a feed's folder, by format.
FEED_FILES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, repr=False)
class Image:
    """An entry's image; the optional facts are for remote images (local ones are read from static/)."""

    url: str
    alt: str = ""
    width: int | None = None  # pixels
    height: int | None = None
    length: int | None = None  # bytes
    type: str | None = None  # MIME type, image/…

    def __repr__(self) -> str:
        # Stable for the ledger's content hash: the optional facts appear only when given.
        extras = "".join(
            f", {name}={value!r}"
            for name, value in (
                ("width", self.width),
                ("height", self.height),
                ("length", self.length),
                ("type", self.type),
            )
            if value is not None
        )
        return f"Image(url={self.url!r}, alt={self.alt!r}{extras})"


@dataclass(frozen=True)
class Source:
    """A source an entry cites: ``[text][key]`` in its Markdown links to ``url``."""

    key: str
    url: str
    title: str | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    text: str = ""
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quote:
    text: str
    by: str | None = None
    source: str | None = None  # a key into the entry's sources


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    published: datetime  # always time-zone aware
    path: str  # file path relative to the publication root, for messages
    updated: datetime | None = None
    authors: tuple[Person, ...] = ()
    summary: str = ""
    sections: tuple[Section, ...] = ()
    quotes: tuple[Quote, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    related: tuple[str, ...] = ()
    image: Image | None = None
    draft: bool = False
    language: str | None = None  # BCP 47 tag overriding the publication's language

    @property
    def changed(self) -> datetime:
        """The time readers should see as the last change."""
        return self.updated or self.published


@dataclass(frozen=True)
class FeedSpec:
    id: str
    title: str
    path: str  # definition file relative to the root, for messages
    description: str = ""
    tags: tuple[str, ...] = ()  # empty: every entry
    limit: int = 50
    formats: tuple[str, ...] = FORMATS
    hubs: tuple[str, ...] = ()
    icon: str | None = None
    logo: str | None = None
    archive: bool = False  # RFC 5005: older entries go to archive documents
    stylesheet: bool = False  # attach the XSL stylesheet to RSS and Atom


@dataclass(frozen=True)
class SourcesSettings:
    max_age_days: float = 7.0
    timeout: float = 10.0
    max_bytes: int = 2_000_000
    max_redirects: int = 5
    workers: int = 16
    per_host: int = 4
    allow_private: bool = False


MAX_ENTRY_BYTES = 5_000_000  # an entry is a few KB; this only stops a runaway file
PAGE_SIZE = 20  # entries per listing page unless feedpub.yaml says `page_size:`


@dataclass(frozen=True)
class Settings:
    root: Path
    title: str
    base_url: str  # always ends with "/"
    author: Person
    language: str = "en"
    timezone: tzinfo | None = None  # None: UTC
    timezone_name: str = "UTC"
    description: str = ""
    output: Path = Path("public")  # absolute after loading
    output_setting: str = "public"  # as feedpub.yaml spells it (relative to root)
    since: int | None = None  # year in feed tag: URIs (RFC 4151); default the oldest entry's
    sources: SourcesSettings = field(default_factory=SourcesSettings)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str = "feedpub.yaml"
    search: bool = False  # build a Pagefind index, a search page and a search box
    max_entry_bytes: int = MAX_ENTRY_BYTES  # largest entry or feed file read
    page_size: int = PAGE_SIZE  # entries per listing page (home, feeds, tags, years)


@dataclass(frozen=True)
class SourceRecord:
    """What ``feedpub pull`` learned about one cited URL; kept in ``sources.lock``."""

    url: str  # normalised URL as cited
    status: int | None = None  # last HTTP status; None when no response
    state: str = "new"  # ok | moved | dead | transient | new
    final_url: str | None = None
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    canonical: str | None = None
    published: str | None = None
    language: str | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    checked: str | None = None  # RFC 3339 UTC time of the last check
    error: str | None = None
    moved_to: str | None = None  # where a permanent redirect (301/308) from ``url`` points
    retry_after: str | None = None  # RFC 3339 UTC: a 429/503 asked not to be asked before then


@dataclass(frozen=True)
class Publication:
    """Everything loaded from a root, ready to render."""

    settings: Settings
    feeds: tuple[FeedSpec, ...]
    entries: tuple[Entry, ...]  # every entry, drafts and scheduled included, newest first
