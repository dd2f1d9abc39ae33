"""The site's pages: every entry reachable by links from index.html, paginated listings in
order, tag and yearly archive pages, the feed page, autodiscovery per page, dir and link
previews."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

from feedpub.assemble import render_publication
from feedpub.errors import InputError
from feedpub.load import load_publication
from feedpub.render.pages import preview, tag_slug
from tests.conftest import NOW, SETTINGS, WritePub

BASE = "https://test.example.org/"
_HREF = re.compile(rb'<a [^>]*?href="([^"#?]+)')
TAGS = ("red", "Green Tea", "blue")


def entry_text(n: int) -> str:
    """Entry n: published n days after 2024-12-20 (so two years), tagged by n."""
    day = datetime(2024, 12, 20, 9, tzinfo=UTC).timestamp() + n * 86400
    when = datetime.fromtimestamp(day, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tags = [TAGS[n % 3]] + (["red"] if n % 5 == 0 and n % 3 else [])
    return f"title: Entry {n}\npublished: {when}\nsummary: Lead {n}.\ntags: {tags}\n"


@pytest.fixture
def many(write_pub: WritePub) -> Path:
    """37 entries over two years in three tags, 5 to a page; a feed per tag."""
    return write_pub(
        entries={f"e{n:03d}.yaml": entry_text(n) for n in range(37)},
        feeds={
            "all.yaml": "title: Everything\nlimit: 10\narchive: true\n",
            "red.yaml": "title: Red things\ndescription: Only red.\ntags: [red]\n",
        },
        settings=SETTINGS + "page_size: 5\n",
    )


def links_of(page: str, data: bytes) -> set[str]:
    """The output files a page's <a href> point at (relative links resolved, folders as index.html)."""
    found = set()
    for raw in _HREF.findall(data):
        href = unquote(raw.decode())
        if urlsplit(href).scheme:
            if not href.startswith(BASE):
                continue
            href = "/" + href[len(BASE) :]
        target = href[1:] if href.startswith("/") else posixpath.join(posixpath.dirname(page), href)
        target = posixpath.normpath(target) if target else "."
        if href.endswith("/") or target == ".":
            target = posixpath.join(target, "index.html") if target != "." else "index.html"
        found.add(target)
    return found


def reachable(
    files: Mapping[str, bytes], start: str = "index.html", through_entries: bool = True
) -> set[str]:
    """Every HTML page reached by following links from ``start`` (not out of entry pages,
    such as their Related lists, unless ``through_entries``)."""
    seen = {start}
    todo = [start]
    while todo:
        page = todo.pop()
        if not through_entries and page.startswith("entries/"):
            continue
        for target in links_of(page, files[page]):
            if target.endswith(".html") and target in files and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def entry_titles(data: bytes) -> list[str]:
    tree = lxml_html.fromstring(data)
    return [a.text_content() for a in tree.cssselect("ul.entries > li > a")]


def follow_next(files: Mapping[str, bytes], start: str) -> list[str]:
    """The entry titles of a listing, page after page along its rel="next" links."""
    titles: list[str] = []
    page: str | None = start
    while page is not None:
        titles += entry_titles(files[page])
        following = lxml_html.fromstring(files[page]).cssselect('nav.pages a[rel="next"]')
        current, page = page, None
        if following:
            (page,) = links_of(current, b'<a href="%s">' % following[0].get("href").encode())
    return titles


def test_every_page_is_reachable_from_the_home_page(many: Path) -> None:
    files = render_publication(load_publication(many), NOW)
    pages = {p for p in files if p.endswith(".html")} - {"404.html"}  # shown, never linked
    assert reachable(files) == pages
    assert len([p for p in pages if p.startswith("entries/")]) == 37


def test_home_pages_run_newest_to_oldest_with_previous_and_next(many: Path) -> None:
    files = render_publication(load_publication(many), NOW)
    assert follow_next(files, "index.html") == [f"Entry {n}" for n in range(36, -1, -1)]
    assert sorted(p for p in files if p.startswith("page/")) == [
        f"page/{n}/index.html" for n in range(2, 9)
    ]
    second = lxml_html.fromstring(files["page/2/index.html"])
    assert second.findtext("head/title") == "Page 2 — Test Briefings"
    assert [a.get("href") for a in second.cssselect("nav.pages a")] == [
        "../../index.html",
        "../../page/3/index.html",
    ]
    assert second.cssselect("nav.pages span")[0].text == "Page 2 of 8"
    assert second.cssselect('link[rel="canonical"]')[0].get("href") == BASE + "page/2/"
    last = lxml_html.fromstring(files["page/8/index.html"])
    assert [a.get("rel") for a in last.cssselect("nav.pages a")] == ["prev"]
    assert entry_titles(files["page/8/index.html"]) == ["Entry 1", "Entry 0"]


def test_a_tag_page_lists_exactly_its_entries(many: Path) -> None:
    files = render_publication(load_publication(many), NOW)
    tagged = [n for n in range(36, -1, -1) if n % 3 == 0 or n % 5 == 0]
    assert follow_next(files, "tags/red/index.html") == [f"Entry {n}" for n in tagged]
    green = [n for n in range(36, -1, -1) if n % 3 == 1]
    assert follow_next(files, "tags/green-tea/index.html") == [f"Entry {n}" for n in green]
    first = lxml_html.fromstring(files["tags/green-tea/index.html"])
    assert first.findtext("body/main/h1") == "Tagged “Green Tea”"
    index = lxml_html.fromstring(files["tags/index.html"])
    assert [(a.text, a.get("href")) for a in index.cssselect("ul.tag-index a")] == [
        ("blue", "../tags/blue/index.html"),
        ("Green Tea", "../tags/green-tea/index.html"),
        ("red", "../tags/red/index.html"),
    ]
    # the entry page links its tags' pages
    entry = lxml_html.fromstring(files["entries/e010.html"])
    assert [a.get("href") for a in entry.cssselect("ul.tags a")] == [
        "../tags/green-tea/index.html",
        "../tags/red/index.html",
    ]


def test_the_yearly_archive_splits_entries_by_year(many: Path) -> None:
    files = render_publication(load_publication(many), NOW)
    # Entries 0–11 fall in December 2024, 12–36 in 2025.
    assert follow_next(files, "archive/2025/index.html") == [
        f"Entry {n}" for n in range(36, 11, -1)
    ]
    assert follow_next(files, "archive/2024/index.html") == [
        f"Entry {n}" for n in range(11, -1, -1)
    ]
    index = lxml_html.fromstring(files["archive/index.html"])
    assert [li.text_content() for li in index.cssselect("ul.years li")] == [
        "2025 25 entries",
        "2024 12 entries",
    ]
    # every page's header links the archive and the tags
    for page in ("index.html", "entries/e001.html", "tags/red/page/2/index.html"):
        nav = lxml_html.fromstring(files[page]).cssselect("header.site nav a")
        assert [a.text for a in nav] == ["Archive", "Tags", "Subscribe"]


def test_the_feed_page_explains_subscribing_and_lists_every_entry(many: Path) -> None:
    files = render_publication(load_publication(many), NOW)
    page = lxml_html.fromstring(files["all/index.html"])
    assert page.findtext("body/main/h1") == "Everything"
    assert "paste it into your feed reader" in " ".join(
        page.cssselect(".subscribe p")[0].text_content().split()
    )
    assert [c.text for c in page.cssselect("code.feed-url")] == [
        BASE + "all/rss.xml",
        BASE + "all/atom.xml",
        BASE + "all/feed.json",
    ]
    buttons = page.cssselect("button.copy")
    assert [b.get("data-copy") for b in buttons] == [
        BASE + "all/rss.xml",
        BASE + "all/atom.xml",
        BASE + "all/feed.json",
    ]
    assert all(b.get("hidden") is not None for b in buttons)  # shown by the script only
    # every entry the feed selects, not only its newest `limit`
    assert follow_next(files, "all/index.html") == [f"Entry {n}" for n in range(36, -1, -1)]
    # archive: true with 37 entries, limit 10: archive documents 1–3, newest first
    archives = [[a.get("href") for a in li.cssselect("a")] for li in page.cssselect(".archives li")]
    assert archives == [
        [f"../all/archive/{n}/{name}" for name in ("rss.xml", "atom.xml", "feed.json")]
        for n in (3, 2, 1)
    ]
    assert all(link.removeprefix("../") in files for links in archives for link in links)
    assert not lxml_html.fromstring(files["red/index.html"]).cssselect(".archives")


def alternates(data: bytes) -> list[str]:
    tree = lxml_html.fromstring(data)
    return [link.get("href") for link in tree.cssselect('link[rel="alternate"]')]


def test_autodiscovery_lists_the_feeds_a_page_belongs_to(many: Path) -> None:
    files = render_publication(load_publication(many), NOW)
    everything = [BASE + f"all/{n}" for n in ("rss.xml", "atom.xml", "feed.json")]
    red = [BASE + f"red/{n}" for n in ("rss.xml", "atom.xml", "feed.json")]
    assert alternates(files["entries/e003.html"]) == everything + red  # tagged red
    assert alternates(files["entries/e001.html"]) == everything  # green tea only
    assert alternates(files["red/index.html"]) == red
    assert alternates(files["tags/red/index.html"]) == everything + red
    assert alternates(files["tags/blue/index.html"]) == everything
    assert alternates(files["archive/2025/index.html"]) == everything
    assert alternates(files["index.html"]) == everything + red


def test_page_size_must_be_a_positive_number(write_pub: WritePub) -> None:
    root = write_pub(settings=SETTINGS + "page_size: 0\n")
    with pytest.raises(InputError) as caught:
        load_publication(root)
    assert [str(p) for p in caught.value.problems] == [
        "feedpub.yaml:6:12: error: page_size: expected a positive whole number of entries, got 0"
    ]


@pytest.mark.parametrize("name", ["tags", "archive", "page"])
def test_feed_ids_the_site_uses_are_reserved(write_pub: WritePub, name: str) -> None:
    root = write_pub(feeds={f"{name}.yaml": "title: Clash\n"})
    with pytest.raises(InputError) as caught:
        load_publication(root)
    assert [p.message for p in caught.value.problems] == [
        f"id: expected letters, digits, '.', '_' or '-' (and not a reserved name), got {name!r}"
    ]


def test_tag_slugs() -> None:
    assert tag_slug("Green Tea") == "green-tea"
    assert tag_slug("Middle East / Gulf") == "middle-east-gulf"
    assert tag_slug("ÉNERGIE") == "énergie"
    assert tag_slug("سياسة") == "سياسة"
    assert tag_slug("C++") == "c"
    assert re.fullmatch(r"tag-[0-9a-f]{8}", tag_slug("+++"))
    assert tag_slug("..") != ".."


def test_a_tag_in_any_script_gets_a_percent_encoded_url(write_pub: WritePub) -> None:
    root = write_pub(entries={"a.yaml": "title: A\npublished: 2025-01-01\ntags: [سياسة]\n"})
    files = render_publication(load_publication(root), NOW)
    assert "tags/سياسة/index.html" in files
    tree = lxml_html.fromstring(files["tags/سياسة/index.html"])
    canonical = tree.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == BASE + "tags/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/"
    assert (BASE + "tags/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/").encode() in files["sitemap.xml"]


RTL_SETTINGS = SETTINGS + "language: ar\n"


def test_right_to_left_publication_and_entries(write_pub: WritePub) -> None:
    root = write_pub(
        entries={
            "ar.yaml": "title: عنوان\npublished: 2025-01-02\nsummary: مقدمة.\n",
            "en.yaml": "title: English\npublished: 2025-01-01\nsummary: Lead.\nlanguage: en\n",
        },
        settings=RTL_SETTINGS,
    )
    files = render_publication(load_publication(root), NOW)
    for page in ("index.html", "entries/ar.html", "tags/index.html", "all/index.html"):
        html_element = lxml_html.fromstring(files[page])
        assert (html_element.get("lang"), html_element.get("dir")) == ("ar", "rtl"), page
    english = lxml_html.fromstring(files["entries/en.html"]).cssselect("article")[0]
    assert (english.get("lang"), english.get("dir")) == ("en", "ltr")
    assert lxml_html.fromstring(files["entries/ar.html"]).cssselect("article")[0].get("dir") is None
    listed = lxml_html.fromstring(files["index.html"]).cssselect("ul.entries > li")
    assert [(li.get("lang"), li.get("dir")) for li in listed] == [(None, None), ("en", "ltr")]


def test_a_hebrew_entry_in_an_english_publication(write_pub: WritePub) -> None:
    root = write_pub(entries={"he.yaml": "title: כותרת\npublished: 2025-01-02\nlanguage: he\n"})
    files = render_publication(load_publication(root), NOW)
    page = lxml_html.fromstring(files["entries/he.html"])
    assert (page.get("lang"), page.get("dir")) == ("en", None)
    article = page.cssselect("article")[0]
    assert (article.get("lang"), article.get("dir")) == ("he", "rtl")


def meta(data: bytes) -> dict[str, str]:
    tree = lxml_html.fromstring(data)
    out = {}
    for element in tree.cssselect("meta[property], meta[name]"):
        out[element.get("property") or element.get("name")] = element.get("content")
    return out


def test_link_previews_for_an_entry_with_an_image(write_pub: WritePub) -> None:
    root = write_pub(
        entries={
            "a.yaml": "title: Talks & more\npublished: 2025-05-01T10:00:00+02:00\n"
            "updated: 2025-05-02T08:00:00Z\n"
            "summary: The *first* talks in [three years](https://example.org/x).\n"
            "image: {url: images/table.jpg, alt: The table}\ntags: [talks]\n"
        }
    )
    files = render_publication(load_publication(root), NOW)
    assert meta(files["entries/a.html"]) == {
        "viewport": "width=device-width, initial-scale=1",
        "description": "The first talks in three years.",
        "og:site_name": "Test Briefings",
        "og:title": "Talks & more",
        "og:description": "The first talks in three years.",
        "og:url": BASE + "entries/a.html",
        "og:type": "article",
        "og:image": BASE + "images/table.jpg",
        "og:image:alt": "The table",
        "twitter:card": "summary_large_image",
        "article:published_time": "2025-05-01T10:00:00+02:00",
        "article:modified_time": "2025-05-02T08:00:00+00:00",
        "article:tag": "talks",
    }
    home = meta(files["index.html"])
    assert (home["og:type"], home["og:url"], home["twitter:card"]) == ("website", BASE, "summary")
    assert "og:image" not in home


def test_previews_are_cut_at_a_word() -> None:
    assert preview("a  b\nc") == "a b c"
    long = "word " * 100
    cut = preview(long)
    assert len(cut) <= 300 and cut.endswith("word…")


def test_a_generated_publication_links_every_entry_page(tmp_path: Path) -> None:
    """bench/generate.py's entries (related links, several tags, 25 years), 2 to a page: the
    listings, tag and year pages alone must lead to every entry page."""
    from bench.generate import generate

    root = tmp_path / "big"
    generate(root, 150, settings_extra="page_size: 2\n")
    files = render_publication(load_publication(root), datetime(2030, 1, 1, tzinfo=UTC))
    entry_pages = {p for p in files if p.startswith("entries/")}
    assert len(entry_pages) == 150
    assert entry_pages <= reachable(files, through_entries=False)
    assert len([p for p in files if p.startswith("page/")]) == 74  # home pages 2–75
