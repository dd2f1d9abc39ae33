"""Briefings and feeds in, the static site out: entry pages, paginated home, feed, tag and
yearly archive listings, the tag and archive indexes, the search and 404 pages, CSS.

Every page is a job (output path, template, context) that renders on its own; ``page_jobs``
lists them and ``render_site`` renders them. Templates do the markup (``entry.html``,
``home.html``, ``feed.html``, ``tag.html``, ``tags.html``, ``year.html``, ``archive.html``,
all extending ``base.html``); this module only builds their contexts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from feedpub.langs import is_rtl
from feedpub.model import FeedSpec, Image, Settings
from feedpub.render.archive import paginate as feed_documents
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
from feedpub.render.pages import (
    ARCHIVE_FOLDER,
    TAGS_FOLDER,
    PageJob,
    group,
    paginate,
    preview,
    public_url,
    root_of,
    tag_slug,
)
from feedpub.render.templating import Templates, human_date

__all__ = ["PageJob", "Site", "human_date", "page_jobs", "render_site", "stylesheet"]

ENTRY_TEMPLATE = "entry.html"
HOME_TEMPLATE = "home.html"
FEED_TEMPLATE = "feed.html"
TAG_TEMPLATE = "tag.html"
TAGS_TEMPLATE = "tags.html"
YEAR_TEMPLATE = "year.html"
ARCHIVE_TEMPLATE = "archive.html"
SEARCH_TEMPLATE = "search.html"  # with `search: true`
NOT_FOUND_TEMPLATE = "404.html"


def stylesheet() -> bytes:
    return files("feedpub").joinpath("assets/style.css").read_bytes()


def _archive_count(selected: int, feed: FeedSpec) -> int:
    """How many RFC 5005 archive documents a feed of ``selected`` entries has."""
    return sum(1 for doc in feed_documents(range(selected), feed.limit, feed.archive) if doc.number)


class Site:
    """Builds each page's context; links between pages are relative, so the output works
    under any base URL and under `serve`."""

    def __init__(
        self,
        settings: Settings,
        feeds: Sequence[FeedSpec],
        templates: Templates,
        links: Sequence[EntryLink],
        per_feed: Mapping[str, Sequence[EntryLink]],
    ) -> None:
        self.settings = settings
        self.urls = Urls(settings.base_url)
        self.templates = templates
        self.feeds: tuple[FeedView, ...] = tuple(
            feed_view(f, settings.base_url, _archive_count(len(per_feed[f.id]), f)) for f in feeds
        )
        self.grouped = group(links, settings.base_url)
        self.site: SiteView = site_view(settings, self.feeds, self.grouped.tags, self.grouped.years)
        self.per_feed = per_feed
        self.tag_of = {t.slug: t for t in self.grouped.tags}
        carried: dict[str, list[FeedView]] = {}
        for view in self.feeds:
            for link in per_feed[view.id]:
                carried.setdefault(link.id, []).append(view)
        self.carried = carried

    def context(self, page: PageView, **values: Any) -> dict[str, Any]:
        """What every template receives: ``site`` and ``page``, plus the page's own values."""
        return {"site": self.site, "page": page, **values}

    def job(
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
        description: str = "",
        image: Image | None = None,
        **values: Any,
    ) -> PageJob:
        """Any page: TEMPLATE gets ``site``, ``page`` (made from these) and ``values``.

        ``path`` is the page's place in the output ("tags/trade/index.html"); its canonical URL
        defaults to the public URL of ``path``, ``root`` (the way up to the output root) to one
        "../" per folder in ``path``, ``alternates`` (the feeds announced) to the main feed.
        A new kind of page needs only a template extending base.html and a call here.
        """
        page = PageView(
            kind=kind,
            title=title,
            path=path,
            url=public_url(self.settings.base_url, path) if url is None else url,
            root=root_of(path) if root is None else root,
            alternates=self.with_main(()) if alternates is None else alternates,
            pagination=pagination,
            description=description,
            image=image,
        )
        return PageJob(path, template, self.context(page, **values))

    def page(self, template: str, **arguments: Any) -> bytes:
        """The page ``job`` describes, rendered."""
        return self.render(self.job(template, **arguments))

    def with_main(self, feeds: Sequence[FeedView]) -> tuple[FeedView, ...]:
        """The main feed first, then ``feeds`` (each once): what a page's autodiscovery lists."""
        main = self.site.main_feed
        chosen = [main] if main is not None else []
        return tuple(chosen + [f for f in feeds if f is not main])

    # --- entries ---------------------------------------------------------------------------

    def entry_job(self, briefing: Briefing, referenced_by: Sequence[EntryLink]) -> PageJob:
        entry = briefing.entry
        image = entry.image
        if image is not None:
            image = Image(self.urls.asset(image.url), image.alt)
        path = f"entries/{entry.id}.html"
        feeds = tuple(self.carried.get(entry.id, ()))
        slugs = dict.fromkeys(tag_slug(t) for t in entry.tags)
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
            language=entry.language,
            dir="rtl" if is_rtl(entry.language) else "ltr",
            tag_pages=tuple(self.tag_of[s] for s in slugs if s in self.tag_of),
            feeds=feeds,
        )
        return self.job(
            ENTRY_TEMPLATE,
            kind="entry",
            title=briefing.title,
            path=path,
            url=briefing.url,
            alternates=self.with_main(feeds),
            description=preview(briefing.summary_text),
            image=image,
            entry=view,
        )

    # --- listings --------------------------------------------------------------------------

    def listing_jobs(
        self,
        kind: str,
        template: str,
        folder: str,
        title: str | Callable[[int], str],
        entries: Sequence[EntryLink],
        alternates: tuple[FeedView, ...],
        description: str,
        **values: Any,
    ) -> Iterator[PageJob]:
        """Every page of one listing (newest first); from page 2 on the title is "title,
        page 2" unless ``title`` is a function of the page number."""
        for path, pagination, chunk in paginate(folder, entries, self.settings.page_size):
            number = pagination.number
            if callable(title):
                named = title(number)
            else:
                named = title if number == 1 else f"{title}, page {number}"
            yield self.job(
                template,
                kind=kind,
                title=named,
                path=path,
                alternates=alternates,
                pagination=pagination,
                description=description,
                entries=chunk,
                **values,
            )

    def home_jobs(self, entries: Sequence[EntryLink]) -> Iterator[PageJob]:
        s = self.settings
        # Page 2 on is titled "Page 2" (base.html appends " — " and the site's title).
        yield from self.listing_jobs(
            "home",
            HOME_TEMPLATE,
            "",
            lambda number: s.title if number == 1 else f"Page {number}",
            entries,
            self.with_main(self.feeds),
            s.description,
        )

    def feed_jobs(self, view: FeedView) -> Iterator[PageJob]:
        yield from self.listing_jobs(
            "feed",
            FEED_TEMPLATE,
            f"{view.id}/",
            view.title,
            self.per_feed[view.id],
            (view,),
            view.description,
            feed=view,
        )

    def tag_jobs(self) -> Iterator[PageJob]:
        yield self.job(
            TAGS_TEMPLATE,
            kind="tags",
            title="Tags",
            path=f"{TAGS_FOLDER}index.html",
            description=f"Every tag of {self.settings.title}.",
            tags=self.grouped.tags,
        )
        for tag in self.grouped.tags:
            selecting = [f for f in self.feeds if tag.slug in {tag_slug(t) for t in f.tags}]
            yield from self.listing_jobs(
                "tag",
                TAG_TEMPLATE,
                tag.path[: -len("index.html")],
                f"Tagged “{tag.name}”",
                self.grouped.by_tag[tag.slug],
                self.with_main(selecting),
                f"Briefings tagged “{tag.name}”.",
                tag=tag,
            )

    def archive_jobs(self) -> Iterator[PageJob]:
        yield self.job(
            ARCHIVE_TEMPLATE,
            kind="archive",
            title="Archive",
            path=f"{ARCHIVE_FOLDER}index.html",
            description=f"Every briefing of {self.settings.title}, by year.",
            years=self.grouped.years,
        )
        for year in self.grouped.years:
            yield from self.listing_jobs(
                "year",
                YEAR_TEMPLATE,
                year.path[: -len("index.html")],
                f"Archive: {year.year}",
                self.grouped.by_year[year.year],
                self.with_main(()),
                f"Briefings published in {year.year}.",
                year=year,
            )

    def search_job(self) -> PageJob:
        return self.job(SEARCH_TEMPLATE, kind="search", title="Search", path=SEARCH_TEMPLATE)

    def not_found_job(self) -> PageJob:
        """Shown at any missing address, so its links start at base_url's path, not "../"."""
        return self.job(
            NOT_FOUND_TEMPLATE,
            kind="not-found",
            title="Page not found",
            path=NOT_FOUND_TEMPLATE,
            url="",
            root=urlsplit(self.settings.base_url).path or "/",
        )

    def render(self, job: PageJob) -> bytes:
        return self.templates.render(job.template, job.context).encode("utf-8")


def page_jobs(
    settings: Settings,
    feeds: Sequence[FeedSpec],
    briefings: Sequence[Briefing],
    per_feed: Mapping[str, Sequence[Briefing]],
    templates: Templates,
    links: Mapping[str, EntryLink],
) -> tuple[Site, list[PageJob]]:
    """Every HTML page of the site as a job. ``briefings`` are the due entries newest first,
    ``per_feed`` every entry each feed selects (not only its newest ``limit``), ``links``
    every due entry by id."""
    ordered = [links[b.entry.id] for b in briefings]
    feed_links = {f.id: [links[b.entry.id] for b in per_feed[f.id]] for f in feeds}
    site = Site(settings, feeds, templates, ordered, feed_links)
    referenced: dict[str, list[EntryLink]] = {}
    for b in briefings:
        for other in b.entry.related:
            if other in links:
                referenced.setdefault(other, []).append(links[b.entry.id])
    jobs = list(site.home_jobs(ordered))
    jobs.append(site.not_found_job())
    if settings.search:
        jobs.append(site.search_job())
    jobs += [site.entry_job(b, referenced.get(b.entry.id, [])) for b in briefings]
    for view in site.feeds:
        jobs += site.feed_jobs(view)
    jobs += site.tag_jobs()
    jobs += site.archive_jobs()
    return site, jobs


def render_site(
    settings: Settings,
    feeds: Sequence[FeedSpec],
    briefings: Sequence[Briefing],
    per_feed: Mapping[str, Sequence[Briefing]],
    templates: Templates,
    links: Mapping[str, EntryLink],
) -> dict[str, bytes]:
    """Every file of the site by output path: the pages and the style sheet."""
    templates.start_build()
    site, jobs = page_jobs(settings, feeds, briefings, per_feed, templates, links)
    out: dict[str, bytes] = {"style.css": stylesheet()}
    for job in jobs:
        out[job.path] = site.render(job)
    return out
