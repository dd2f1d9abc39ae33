"""Briefings and feeds in, the static site out: a page per entry, an index per feed, a home page, CSS.

Every page comes from a template (``entry.html``, ``home.html``, ``feed.html``, all extending
``base.html``); ``render_site`` builds each page's context and leaves the markup to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from feedpub.model import FeedSpec, Image, Settings
from feedpub.render.briefing import Briefing, Urls
from feedpub.render.context import (
    EntryLink,
    EntryView,
    FeedView,
    PageView,
    Pagination,
    SiteView,
    feed_view,
    site_view,
)
from feedpub.render.templating import Templates, human_date

__all__ = ["Site", "human_date", "render_site", "stylesheet"]

ENTRY_TEMPLATE = "entry.html"
HOME_TEMPLATE = "home.html"
FEED_TEMPLATE = "feed.html"
SEARCH_TEMPLATE = "search.html"  # with `search: true`
NOT_FOUND_TEMPLATE = "404.html"


def stylesheet() -> bytes:
    return files("feedpub").joinpath("assets/style.css").read_bytes()


class Site:
    """Renders pages; page links are relative so the output works under any base and `serve`."""

    def __init__(self, settings: Settings, feeds: Sequence[FeedSpec], templates: Templates) -> None:
        self.settings = settings
        self.urls = Urls(settings.base_url)
        self.templates = templates
        self.feeds: tuple[FeedView, ...] = tuple(feed_view(f, settings.base_url) for f in feeds)
        self.site: SiteView = site_view(settings, self.feeds)

    def page(
        self,
        template: str,
        *,
        kind: str,
        title: str,
        path: str,
        url: str | None = None,
        root: str | None = None,
        alternates: tuple[FeedView, ...] | None = None,
        pagination: Pagination | None = None,
        **values: Any,
    ) -> bytes:
        """Any page: TEMPLATE gets ``site``, ``page`` (made from these) and ``values``.

        ``path`` is the page's place in the output ("tags/trade.html"); its canonical URL
        defaults to base_url + path, ``root`` (the way up to the output root) to one "../" per
        folder in ``path``, ``alternates`` (the feeds announced) to every feed.
        A new kind of page needs only a template extending base.html and a call here.
        """
        page = PageView(
            kind=kind,
            title=title,
            path=path,
            url=url if url is not None else self.settings.base_url + path,
            root="../" * path.count("/") if root is None else root,
            alternates=self.feeds if alternates is None else alternates,
            pagination=pagination,
        )
        return self.render(template, {"site": self.site, "page": page, **values})

    def entry_page(self, briefing: Briefing, referenced_by: Sequence[EntryLink]) -> bytes:
        entry = briefing.entry
        image = entry.image
        if image is not None:
            image = Image(self.urls.asset(image.url), image.alt)
        path = f"entries/{entry.id}.html"
        view = EntryView(
            id=entry.id,
            title=briefing.title,
            url=briefing.url,
            path=path,
            published=entry.published,
            updated=entry.updated,
            authors=entry.authors,
            tags=entry.tags,
            image=image,
            summary=Markup(briefing.summary_html),
            body=Markup(briefing.page_html),
            sources=briefing.sources,
            related=briefing.related,
            referenced_by=tuple(referenced_by),
        )
        return self.page(
            ENTRY_TEMPLATE,
            kind="entry",
            title=briefing.title,
            path=path,
            url=briefing.url,
            entry=view,
        )

    def feed_page(self, feed: FeedSpec, entries: Sequence[EntryLink]) -> bytes:
        view = next(f for f in self.feeds if f.id == feed.id)
        return self.page(
            FEED_TEMPLATE,
            kind="feed",
            title=feed.title,
            path=view.path,
            url=view.url,
            alternates=(view,),
            feed=view,
            entries=tuple(entries),
        )

    def home_page(self, entries: Sequence[EntryLink]) -> bytes:
        return self.page(
            HOME_TEMPLATE,
            kind="home",
            title=self.settings.title,
            path="index.html",
            url=self.settings.base_url,
            entries=tuple(entries),
        )

    def search_page(self) -> bytes:
        return self.page(SEARCH_TEMPLATE, kind="search", title="Search", path=SEARCH_TEMPLATE)

    def not_found_page(self) -> bytes:
        """Shown at any missing address, so its links start at base_url's path, not "../"."""
        return self.page(
            NOT_FOUND_TEMPLATE,
            kind="not-found",
            title="Page not found",
            path=NOT_FOUND_TEMPLATE,
            url="",
            root=urlsplit(self.settings.base_url).path or "/",
        )

    def render(self, name: str, context: Mapping[str, Any]) -> bytes:
        return self.templates.render(name, context).encode("utf-8")


def render_site(
    settings: Settings,
    feeds: Sequence[FeedSpec],
    briefings: Sequence[Briefing],
    per_feed: Mapping[str, Sequence[Briefing]],
    templates: Templates,
    links: Mapping[str, EntryLink],
    home_limit: int = 30,
) -> dict[str, bytes]:
    """Every page of the site, by output path; ``links`` holds every due entry by id."""
    templates.start_build()
    site = Site(settings, feeds, templates)
    referenced: dict[str, list[EntryLink]] = {}
    for b in briefings:
        for other in b.entry.related:
            if other in links:
                referenced.setdefault(other, []).append(links[b.entry.id])
    out: dict[str, bytes] = {
        "style.css": stylesheet(),
        "index.html": site.home_page([links[b.entry.id] for b in briefings[:home_limit]]),
        NOT_FOUND_TEMPLATE: site.not_found_page(),
    }
    if settings.search:
        out[SEARCH_TEMPLATE] = site.search_page()
    for b in briefings:
        out[f"entries/{b.entry.id}.html"] = site.entry_page(b, referenced.get(b.entry.id, []))
    for feed in feeds:
        out[f"{feed.id}/index.html"] = site.feed_page(
            feed, [links[b.entry.id] for b in per_feed[feed.id]]
        )
    return out
