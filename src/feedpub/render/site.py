"""Briefings and feeds in, the static site out: a page per entry, an index per feed, a home page, CSS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib.resources import files

from feedpub.model import FEED_FILES, FeedSpec, Settings
from feedpub.render.briefing import Briefing, Urls
from feedpub.render.markup import escape

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
FORMAT_TYPES = {
    "rss": ("application/rss+xml", "RSS"),
    "atom": ("application/atom+xml", "Atom"),
    "json": ("application/feed+json", "JSON Feed"),
}


def human_date(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def stylesheet() -> bytes:
    return files("feedpub").joinpath("assets/style.css").read_bytes()


class Site:
    """Renders pages; page links are relative so the output works under any base and `serve`."""

    def __init__(self, settings: Settings, feeds: Sequence[FeedSpec]) -> None:
        self.settings = settings
        self.feeds = feeds
        self.urls = Urls(settings.base_url)
        # The same on every page of a kind: made once, not 10,000 times.
        self._discovery_all = self._discovery(feeds)
        self._footers = {up: self._feed_links(up) for up in ("", "../")}

    def _discovery(self, feeds: Sequence[FeedSpec]) -> str:
        links = []
        for feed in feeds:
            for fmt in feed.formats:
                media, label = FORMAT_TYPES[fmt]
                links.append(
                    f'<link rel="alternate" type="{media}" title="{escape(feed.title)} ({label})" '
                    f'href="{escape(self.urls.feed_file(feed, fmt))}">'
                )
        return "\n".join(links)

    def _page(
        self, *, title: str, canonical: str, depth: int, main: str, feeds: Sequence[FeedSpec]
    ) -> bytes:
        up = "../" * depth
        site = escape(self.settings.title)
        heading = escape(title) + (f" — {site}" if title != self.settings.title else "")
        html = f"""<!DOCTYPE html>
<html lang="{escape(self.settings.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<link rel="canonical" href="{escape(canonical)}">
<link rel="stylesheet" href="{up}style.css">
{self._discovery_all if feeds is self.feeds else self._discovery(feeds)}
</head>
<body>
<header class="site"><a href="{up}index.html">{site}</a></header>
<main>
{main}
</main>
<footer class="site">{self._footers.get(up) or self._feed_links(up)}</footer>
</body>
</html>
"""
        return html.encode("utf-8")

    def _feed_links(self, up: str) -> str:
        items = []
        for feed in self.feeds:
            formats = " · ".join(
                f'<a href="{up}{feed.id}/{FEED_FILES[fmt]}">{FORMAT_TYPES[fmt][1]}</a>'
                for fmt in feed.formats
            )
            items.append(
                f'<li><a href="{up}{feed.id}/index.html">{escape(feed.title)}</a>: {formats}</li>'
            )
        return f'<p>Subscribe:</p><ul class="feeds">{"".join(items)}</ul>'

    def entry_page(self, briefing: Briefing, referenced_by: Sequence[Briefing]) -> bytes:
        entry = briefing.entry
        meta = [
            f'<time datetime="{entry.published.isoformat()}">{human_date(entry.published)}</time>'
        ]
        if entry.updated and entry.updated != entry.published:
            meta.append(
                f'updated <time datetime="{entry.updated.isoformat()}">{human_date(entry.updated)}</time>'
            )
        if entry.authors:
            meta.append("by " + ", ".join(escape(p.name) for p in entry.authors))
        tags = "".join(f"<li>{escape(t)}</li>" for t in entry.tags)
        image = ""
        if entry.image:
            image = f'<img class="lead-image" src="{escape(self.urls.asset(entry.image.url))}" alt="{escape(entry.image.alt)}">'
        back = ""
        if referenced_by:
            links = "".join(
                f'<li><a href="{escape(b.entry.id)}.html">{escape(b.title)}</a></li>'
                for b in referenced_by
            )
            back = f'<h2>Referenced by</h2>\n<ul class="related">{links}</ul>'
        main = f"""<article class="briefing">
<h1>{escape(briefing.title)}</h1>
<p class="meta">{" · ".join(meta)}</p>
{image}
{briefing.body_html}
{back}
{f'<ul class="tags">{tags}</ul>' if tags else ""}
</article>"""
        return self._page(
            title=briefing.title, canonical=briefing.url, depth=1, main=main, feeds=self.feeds
        )

    def _listing(self, briefings: Sequence[Briefing], up: str) -> str:
        items = []
        for b in briefings:
            date = f'<time datetime="{b.entry.published.isoformat()}">{human_date(b.entry.published)}</time>'
            summary = f"<p>{b.summary_html}</p>" if b.summary_html else ""
            items.append(
                f'<li><a href="{up}entries/{escape(b.entry.id)}.html">{escape(b.title)}</a> {date}{summary}</li>'
            )
        return f'<ul class="entries">{"".join(items)}</ul>' if items else "<p>No entries yet.</p>"

    def feed_page(self, feed: FeedSpec, briefings: Sequence[Briefing]) -> bytes:
        description = f"<p>{escape(feed.description)}</p>" if feed.description else ""
        main = f"<h1>{escape(feed.title)}</h1>\n{description}\n{self._listing(briefings, '../')}"
        return self._page(
            title=feed.title, canonical=self.urls.feed_page(feed), depth=1, main=main, feeds=[feed]
        )

    def home_page(self, briefings: Sequence[Briefing]) -> bytes:
        description = (
            f"<p>{escape(self.settings.description)}</p>" if self.settings.description else ""
        )
        main = (
            f"<h1>{escape(self.settings.title)}</h1>\n{description}\n{self._listing(briefings, '')}"
        )
        return self._page(
            title=self.settings.title,
            canonical=self.settings.base_url,
            depth=0,
            main=main,
            feeds=self.feeds,
        )


def render_site(
    settings: Settings,
    feeds: Sequence[FeedSpec],
    briefings: Sequence[Briefing],
    per_feed: Mapping[str, Sequence[Briefing]],
    home_limit: int = 30,
) -> dict[str, bytes]:
    """Every page of the site, by output path."""
    site = Site(settings, feeds)
    by_id = {b.entry.id: b for b in briefings}
    referenced: dict[str, list[Briefing]] = {}
    for b in briefings:
        for other in b.entry.related:
            if other in by_id:
                referenced.setdefault(other, []).append(b)
    out: dict[str, bytes] = {
        "style.css": stylesheet(),
        "index.html": site.home_page(briefings[:home_limit]),
    }
    for b in briefings:
        out[f"entries/{b.entry.id}.html"] = site.entry_page(b, referenced.get(b.entry.id, []))
    for feed in feeds:
        out[f"{feed.id}/index.html"] = site.feed_page(feed, per_feed[feed.id])
    return out
