"""sitemap.xml, robots.txt and feeds.opml: parsed back and compared with what was built."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import listparser
from lxml import etree

from feedpub.assemble import render_publication
from feedpub.load import load_publication
from feedpub.pipeline import build
from feedpub.render.discover import SitemapLimits, render_sitemaps
from tests.conftest import NOW, WritePub

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://mini.example.org/news/"


def sitemap_urls(data: bytes) -> dict[str, str | None]:
    root = etree.fromstring(data)
    assert root.tag == f"{SM}urlset"
    return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root.iter(f"{SM}url")}


def built_pages(output: Path) -> set[str]:
    pages = set()
    for folder, _dirs, names in os.walk(output):
        for name in names:
            rel = (Path(folder) / name).relative_to(output).as_posix()
            if rel.endswith(".html") and rel not in {"404.html", "search.html"}:
                pages.add(BASE + rel.removesuffix("index.html"))
    return pages


def test_sitemap_lists_every_built_page_with_its_last_change(mini: Path) -> None:
    build(mini, now=NOW)
    output = mini / "public"
    urls = sitemap_urls((output / "sitemap.xml").read_bytes())
    assert set(urls) == built_pages(output)
    # Entry pages: the entry's `updated`, else its `published` (in UTC). Index pages: the
    # newest change among the entries they show (trade shows only grain-deal); the tag and
    # archive indexes show no entry, so they have no date.
    assert urls == {
        BASE: "2025-05-16T15:00:00Z",
        BASE + "all/": "2025-05-16T15:00:00Z",
        BASE + "trade/": "2025-03-19T07:30:00Z",
        BASE + "entries/talks.html": "2025-05-16T15:00:00Z",
        BASE + "entries/grain-deal.html": "2025-03-19T07:30:00Z",
        BASE + "tags/": None,
        BASE + "tags/diplomacy/": "2025-05-16T15:00:00Z",
        BASE + "tags/trade/": "2025-03-19T07:30:00Z",
        BASE + "tags/ukraine/": "2025-03-19T07:30:00Z",
        BASE + "archive/": None,
        BASE + "archive/2025/": "2025-05-16T15:00:00Z",
    }
    assert next(iter(urls)) == BASE


def test_robots_names_the_sitemap_and_static_robots_wins(mini: Path) -> None:
    build(mini, now=NOW)
    robots = (mini / "public" / "robots.txt").read_text(encoding="utf-8")
    assert robots == f"User-agent: *\nDisallow:\n\nSitemap: {BASE}sitemap.xml\n"
    (mini / "static").mkdir()
    (mini / "static" / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    files = render_publication(load_publication(mini), NOW)
    assert files["robots.txt"] == b"User-agent: *\nDisallow: /\n"
    assert b"<loc>" in files["sitemap.xml"]


def test_static_html_pages_are_listed_without_a_date_unless_they_link_an_entry(
    mini: Path,
) -> None:
    (mini / "static").mkdir()
    (mini / "static" / "about.html").write_text("<p>About us</p>", encoding="utf-8")
    (mini / "static" / "best.html").write_text(
        '<a href="entries/grain-deal.html">Grain</a>', encoding="utf-8"
    )
    urls = sitemap_urls(render_publication(load_publication(mini), NOW)["sitemap.xml"])
    assert urls[BASE + "about.html"] is None
    assert urls[BASE + "best.html"] == "2025-03-19T07:30:00Z"


def _pages(count: int) -> dict[str, datetime | None]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return {f"entries/e{n:05d}.html": start + timedelta(hours=n) for n in range(count)}


def test_a_large_sitemap_splits_into_an_index_and_parts() -> None:
    pages = _pages(60_001)
    files = render_sitemaps(BASE, pages)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap.xml"]
    index = etree.fromstring(files["sitemap.xml"])
    assert index.tag == f"{SM}sitemapindex"
    listed = [
        (s.findtext(f"{SM}loc"), s.findtext(f"{SM}lastmod")) for s in index.iter(f"{SM}sitemap")
    ]
    assert listed == [
        (BASE + "sitemap-1.xml", "2025-09-14T07:00:00Z"),  # the newest of the first 50,000
        (BASE + "sitemap-2.xml", "2026-11-05T00:00:00Z"),  # the newest of all
    ]
    first = sitemap_urls(files["sitemap-1.xml"])
    second = sitemap_urls(files["sitemap-2.xml"])
    assert (len(first), len(second)) == (50_000, 10_001)
    assert set(first) | set(second) == {BASE + p for p in pages}


def test_the_byte_limit_splits_too_and_no_part_passes_it() -> None:
    pages = _pages(40)
    single = render_sitemaps(BASE, pages)["sitemap.xml"]
    limit = len(single) // 3
    files = render_sitemaps(BASE, pages, SitemapLimits(bytes=limit))
    parts = [files[name] for name in sorted(files) if name != "sitemap.xml"]
    assert len(parts) == 4
    assert all(len(part) <= limit for part in parts)
    merged: dict[str, str | None] = {}
    for part in parts:
        merged.update(sitemap_urls(part))
    assert merged == sitemap_urls(single)


def test_a_build_with_a_lowered_limit_writes_index_and_parts(mini: Path) -> None:
    files = render_publication(load_publication(mini), NOW, sitemap_limits=SitemapLimits(urls=2))
    index = etree.fromstring(files["sitemap.xml"])
    locs = [s.findtext(f"{SM}loc") for s in index.iter(f"{SM}sitemap")]
    assert locs == [BASE + f"sitemap-{n}.xml" for n in range(1, 7)]  # 11 pages
    urls: dict[str, str | None] = {}
    for n in range(1, 7):
        part = sitemap_urls(files[f"sitemap-{n}.xml"])
        assert 1 <= len(part) <= 2
        urls.update(part)
    assert urls == sitemap_urls(render_publication(load_publication(mini), NOW)["sitemap.xml"])


def test_opml_round_trips_every_feed(mini: Path) -> None:
    build(mini, now=NOW)
    data = (mini / "public" / "feeds.opml").read_bytes()
    root = etree.fromstring(data)
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    assert root.findtext("head/title") == "Mini Briefings"
    outlines = [dict(o.attrib) for o in root.iter("outline")]
    assert outlines == [
        {
            "type": "rss",
            "text": "Mini Briefings — all",
            "title": "Mini Briefings — all",
            "xmlUrl": BASE + "all/rss.xml",
            "htmlUrl": BASE + "all/",
            "language": "en",
            "version": "RSS2",
            "description": "Every briefing.",
        },
        {
            "type": "rss",
            "text": "Mini Briefings — trade",
            "title": "Mini Briefings — trade",
            "xmlUrl": BASE + "trade/rss.xml",
            "htmlUrl": BASE + "trade/",
            "language": "en",
            "version": "RSS2",
            "description": "Only trade.",
        },
    ]
    # Every listed feed exists in the build, and every feed page it names too.
    for outline in outlines:
        assert (mini / "public" / outline["xmlUrl"].removeprefix(BASE)).is_file()
        assert (mini / "public" / outline["htmlUrl"].removeprefix(BASE) / "index.html").is_file()


def test_opml_imports_into_a_reader_library(mini: Path) -> None:
    build(mini, now=NOW)
    parsed = listparser.parse((mini / "public" / "feeds.opml").read_bytes())
    assert not parsed.bozo
    assert parsed.meta.title == "Mini Briefings"
    assert [(f.url, f.title) for f in parsed.feeds] == [
        (BASE + "all/rss.xml", "Mini Briefings — all"),
        (BASE + "trade/rss.xml", "Mini Briefings — trade"),
    ]


def test_opml_offers_atom_or_json_when_a_feed_has_no_rss(write_pub: WritePub) -> None:
    root = write_pub(
        feeds={
            "a.yaml": "title: A & B\nformats: [json]\n",
            "b.yaml": "title: B\nformats: [atom, json]\n",
        }
    )
    files = render_publication(load_publication(root), NOW)
    outlines = [dict(o.attrib) for o in etree.fromstring(files["feeds.opml"]).iter("outline")]
    assert [(o["title"], o["xmlUrl"], o.get("version")) for o in outlines] == [
        ("A & B", "https://test.example.org/a/feed.json", None),
        ("B", "https://test.example.org/b/atom.xml", None),
    ]
