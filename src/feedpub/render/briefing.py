"""An Entry (plus pulled source records) in, the briefing's HTML body and plain text out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from feedpub.model import FEED_FILES, Entry, FeedSpec, Settings, Source, SourceRecord
from feedpub.render.markup import escape, inline, to_text


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


@dataclass
class Briefing:
    """Everything rendered once per entry and shared by RSS, Atom, JSON Feed and the page."""

    entry: Entry
    url: str
    tag: str
    title: str  # plain text
    summary_html: str
    summary_text: str
    body_html: str  # lead, quotes, sections, sources, related: what feeds carry
    body_text: str
    sources: list[CitedSource] = field(default_factory=list)


def cited_sources(entry: Entry, lookup: Callable[[str], SourceRecord | None]) -> list[CitedSource]:
    out = []
    for source in entry.sources:
        record = lookup(source.url)
        title = source.title or (record.title if record and record.title else None) or _short(source.url)
        site = record.site_name if record and record.site_name else None
        dead = bool(record and record.state == "dead")
        out.append(CitedSource(source.key, source.url, title, site, dead))
    return out


def _short(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "") + (parts.path if parts.path != "/" else "")


def render_briefing(
    entry: Entry,
    settings: Settings,
    titles: Mapping[str, str],
    lookup: Callable[[str], SourceRecord | None],
) -> Briefing:
    """The HTML every format shares. ``titles`` maps entry ids to titles (for Related links)."""
    urls = Urls(settings.base_url)
    url = urls.entry(entry.id)
    refs = _references(entry.sources)

    def md(text: str) -> str:
        return inline(text, base=url, references=refs)

    sources = cited_sources(entry, lookup)
    summary_html = md(entry.summary)
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
        parts.append("<ul class=\"sources\">" + "".join(_source_html(s) for s in sources) + "</ul>")
    related = [other for other in entry.related if other in titles]
    if related:
        parts.append("<h2>Related</h2>")
        links = "".join(f'<li><a href="{escape(urls.entry(i))}">{escape(titles[i])}</a></li>' for i in related)
        parts.append(f"<ul class=\"related\">{links}</ul>")
    body_html = "\n".join(parts)
    return Briefing(
        entry=entry,
        url=url,
        tag=urls.entry_tag(entry),
        title=entry.title or entry.id,  # titles are plain text, not Markdown
        summary_html=summary_html,
        summary_text=to_text(summary_html),
        body_html=body_html,
        body_text=to_text(body_html),
        sources=sources,
    )


def _references(sources: tuple[Source, ...]) -> dict[str, tuple[str, str | None]]:
    return {s.key: (s.url, s.title) for s in sources}


def _quote_html(text: str, by: str | None, key: str | None, sources: list[CitedSource], md: Callable[[str], str]) -> str:
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
