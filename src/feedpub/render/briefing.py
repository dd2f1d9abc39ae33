"""An Entry (plus pulled source records) in, the briefing's HTML body and plain text out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit

from feedpub.model import FEED_FILES, Entry, FeedSpec, SourceRecord
from feedpub.render.markup import escape, inline_unsafe, reference_map, sanitise, to_text


@dataclass(frozen=True)
class Urls:
    """Where everything lives under the base URL."""

    base: str

    def entry(self, entry_id: str) -> str:
        return f"{self.base}entries/{entry_id}.html"

    def feed_file(self, feed: FeedSpec, fmt: str) -> str:
        return f"{self.base}{feed.id}/{FEED_FILES[fmt]}"

    def feed_page(self, feed: FeedSpec) -> str:
        return f"{self.base}{feed.id}/"

    def asset(self, path: str) -> str:
        return path if urlsplit(path).scheme else f"{self.base}{path.lstrip('/')}"

    @property
    def host(self) -> str:
        return urlsplit(self.base).hostname or "localhost"

    def entry_tag(self, entry: Entry) -> str:
        """A tag: URI (RFC 4151) that never changes: host, the entry's publication date, its id."""
        return f"tag:{self.host},{entry.published.date().isoformat()}:{entry.id}"

    def feed_tag(self, feed: FeedSpec, since: int | None) -> str:
        return f"tag:{self.host},{since or 2000}:feeds/{feed.id}"


@dataclass(frozen=True)
class CitedSource:
    """A source as readers see it: the entry's title, else the pulled one, else the address."""

    key: str
    url: str
    title: str
    site: str | None
    dead: bool = False


@dataclass(frozen=True)
class LocalParts:
    """What one entry renders to on its own: cacheable, and made in worker processes."""

    summary_html: str
    body_html: str  # lead, quotes, sections, sources: sanitised
    sources: tuple[CitedSource, ...]


@dataclass(frozen=True)
class Briefing:
    """Everything rendered once per entry and shared by RSS, Atom, JSON Feed and the page."""

    entry: Entry
    url: str
    tag: str
    title: str  # plain text
    summary_html: str
    body_html: str  # LocalParts.body_html plus the Related list: what feeds carry
    sources: tuple[CitedSource, ...] = ()

    # Plain text is needed only for the few entries a JSON Feed carries: made on demand.
    @cached_property
    def summary_text(self) -> str:
        return to_text(self.summary_html)

    @cached_property
    def body_text(self) -> str:
        return to_text(self.body_html)


def cited_sources(
    entry: Entry, lookup: Callable[[str], SourceRecord | None]
) -> tuple[CitedSource, ...]:
    out = []
    for source in entry.sources:
        record = lookup(source.url)
        title = (
            source.title
            or (record.title if record and record.title else None)
            or _short(source.url)
        )
        site = record.site_name if record and record.site_name else None
        dead = bool(record and record.state == "dead")
        out.append(CitedSource(source.key, source.url, title, site, dead))
    return tuple(out)


def _short(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "") + (parts.path if parts.path != "/" else "")


def render_local(
    entry: Entry, base_url: str, lookup: Callable[[str], SourceRecord | None]
) -> LocalParts:
    """The entry's own HTML: lead, quotes, sections with points, and its Sources list."""
    url = Urls(base_url).entry(entry.id)
    refs = reference_map({s.key: (s.url, s.title) for s in entry.sources})

    def md(text: str) -> str:
        return inline_unsafe(text, base=url, refs=refs)

    sources = cited_sources(entry, lookup)
    summary_html = sanitise(md(entry.summary)) if entry.summary else ""
    parts: list[str] = []
    if summary_html:
        parts.append(f'<p class="lead">{summary_html}</p>')
    for quote in entry.quotes:
        parts.append(_quote_html(quote.text, quote.by, quote.source, sources, md))
    for section in entry.sections:
        parts.append(f"<h2>{md(section.heading)}</h2>")
        if section.text:
            parts.append(f"<p>{md(section.text)}</p>")
        if section.points:
            items = "".join(f"<li>{md(point)}</li>" for point in section.points)
            parts.append(f"<ul>{items}</ul>")
    if sources:
        parts.append("<h2>Sources</h2>")
        parts.append('<ul class="sources">' + "".join(_source_html(s) for s in sources) + "</ul>")
    return LocalParts(summary_html, sanitise("\n".join(parts)), sources)


def finish_briefing(
    entry: Entry, local: LocalParts, base_url: str, titles: Mapping[str, str]
) -> Briefing:
    """Add what depends on other entries (the Related list); ``titles`` maps ids to titles."""
    urls = Urls(base_url)
    body_html = local.body_html
    related = [other for other in entry.related if other in titles]
    if related:
        links = "".join(
            f'<li><a href="{escape(urls.entry(i))}">{escape(titles[i])}</a></li>' for i in related
        )
        body_html += f'\n<h2>Related</h2>\n<ul class="related">{links}</ul>'
    return Briefing(
        entry=entry,
        url=urls.entry(entry.id),
        tag=urls.entry_tag(entry),
        title=entry.title or entry.id,  # titles are plain text, not Markdown
        summary_html=local.summary_html,
        body_html=body_html,
        sources=local.sources,
    )


def _quote_html(
    text: str,
    by: str | None,
    key: str | None,
    sources: tuple[CitedSource, ...],
    md: Callable[[str], str],
) -> str:
    source = next((s for s in sources if key and s.key.casefold() == key.casefold()), None)
    cite_attr = f' cite="{escape(source.url)}"' if source else ""
    credit = ""
    if by or source:
        who = f"<cite>{escape(by)}</cite>" if by else ""
        where = f'<a href="{escape(source.url)}">{escape(source.title)}</a>' if source else ""
        credit = "<footer>— " + ", ".join(x for x in (who, where) if x) + "</footer>"
    return f"<blockquote{cite_attr}><p>{md(text)}</p>{credit}</blockquote>"


def _source_html(source: CitedSource) -> str:
    site = f" — {escape(source.site)}" if source.site else ""
    dead = " (link unavailable)" if source.dead else ""
    return f'<li><a href="{escape(source.url)}">{escape(source.title)}</a>{site}{dead}</li>'


def newest_change(entries: list[Entry], fallback: datetime) -> datetime:
    """A feed's updated time: its newest entry's change, never the wall clock."""
    return max((e.changed for e in entries), default=fallback)
