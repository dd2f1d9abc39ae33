"""Rendered feeds parsed back by a real reader (feedparser): content, ids, dates, parity, escaping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feedpub.assemble import render_publication
from feedpub.load import load_publication
from tests.conftest import NOW


@pytest.fixture
def files(mini: Path) -> dict[str, bytes]:
    return render_publication(load_publication(mini), NOW)


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_output_layout(files: dict[str, bytes]) -> None:
    assert sorted(files) == [
        "404.html",
        "all/atom.xml",
        "all/feed.json",
        "all/index.html",
        "all/rss.xml",
        "archive/2025/index.html",
        "archive/index.html",
        "entries/grain-deal.html",
        "entries/talks.html",
        "feeds.opml",
        "index.html",
        "robots.txt",
        "sitemap.xml",
        "style.css",
        "tags/diplomacy/index.html",
        "tags/index.html",
        "tags/trade/index.html",
        "tags/ukraine/index.html",
        "trade/atom.xml",
        "trade/index.html",
        "trade/rss.xml",
    ]


def test_rss_parsed_back(files: dict[str, bytes]) -> None:
    feed = parse(files["all/rss.xml"])
    assert feed.version == "rss20"
    assert feed.feed.title == "Mini Briefings — all"
    assert feed.feed.link == "https://mini.example.org/news/all/"
    assert [e.title for e in feed.entries] == ["Talks resume", 'Grain deal extended & "renewed"']
    grain = feed.entries[1]
    assert grain.id == "tag:mini.example.org,2025-03-18:grain-deal"
    assert grain.guidislink is False
    assert grain.link == "https://mini.example.org/news/entries/grain-deal.html"
    assert grain.published == "Tue, 18 Mar 2025 10:00:00 +0100"
    assert [t.term for t in grain.tags] == ["trade", "ukraine"]
    assert grain.summary.startswith(
        'The deal was <a href="https://www.un.org/en/black-sea-grain-initiative"'
    )
    content = grain.content[0].value
    assert '<a href="https://mini.example.org/news/notes.html">notes</a>' in content
    assert "<em>120 days</em>" in content
    assert (
        '<li><a href="https://www.un.org/en/black-sea-grain-initiative">Black Sea Grain Initiative</a></li>'
        in content
    )
    # lastBuildDate is the newest entry change, never the wall clock
    assert b"<lastBuildDate>Fri, 16 May 2025 18:00:00 +0300</lastBuildDate>" in files["all/rss.xml"]


def test_atom_parsed_back(files: dict[str, bytes]) -> None:
    feed = parse(files["all/atom.xml"])
    assert feed.version == "atom10"
    assert feed.feed.id == "tag:mini.example.org,2025:feeds/all"
    grain = feed.entries[1]
    assert grain.id == "tag:mini.example.org,2025-03-18:grain-deal"
    assert grain.published == "2025-03-18T10:00:00+01:00"
    assert grain.updated == "2025-03-19T08:30:00+01:00"
    assert grain.author == "Ann Example"
    links = [(link.rel, link.href, link.get("title")) for link in grain.links]
    assert links == [
        ("alternate", "https://mini.example.org/news/entries/grain-deal.html", None),
        (
            "related",
            "https://www.un.org/en/black-sea-grain-initiative",
            "Black Sea Grain Initiative",
        ),
        ("related", "https://example.com/jcc#top", "example.com/jcc"),
    ]
    assert grain.content[0].type == "text/html"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://mini.example.org/news/all/atom.xml"]


def test_hub_links_in_rss_and_atom(files: dict[str, bytes]) -> None:
    for name in ("trade/rss.xml", "trade/atom.xml"):
        tree = etree.fromstring(files[name])
        hubs = tree.xpath("//*[local-name()='link'][@rel='hub']/@href")
        assert hubs == ["https://hub.example.net/"], name


def test_feed_limit_and_tag_selection(files: dict[str, bytes]) -> None:
    trade = parse(files["trade/rss.xml"])
    assert [e.title for e in trade.entries] == ['Grain deal extended & "renewed"']


def test_drafts_and_future_entries_left_out_until_due(mini: Path) -> None:
    pub = load_publication(mini)
    later = render_publication(pub, datetime(2030, 1, 1, 9, tzinfo=UTC))
    titles = [e.title for e in parse(later["all/rss.xml"]).entries]
    assert titles == ["Scheduled", "Talks resume", 'Grain deal extended & "renewed"']
    assert "entries/draft.html" not in later


def test_three_formats_agree(files: dict[str, bytes]) -> None:
    rss = parse(files["all/rss.xml"]).entries
    atom = parse(files["all/atom.xml"]).entries
    data = json.loads(files["all/feed.json"])
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    items = data["items"]

    def moment(text: str) -> datetime:
        return datetime.fromisoformat(text)

    assert [e.id for e in rss] == [e.id for e in atom] == [i["id"] for i in items]
    assert [e.title for e in rss] == [e.title for e in atom] == [i["title"] for i in items]
    assert [e.link for e in rss] == [e.link for e in atom] == [i["url"] for i in items]
    assert (
        [[t.term for t in e.tags] for e in rss]
        == [[t.term for t in e.tags] for e in atom]
        == [i.get("tags", []) for i in items]
    )
    assert (
        [e.author_detail.name for e in rss]
        == [e.author_detail.name for e in atom]
        == [i["authors"][0]["name"] for i in items]
    )
    rss_dates = [datetime(*e.published_parsed[:6], tzinfo=UTC) for e in rss]
    atom_dates = [datetime(*e.published_parsed[:6], tzinfo=UTC) for e in atom]
    json_dates = [moment(i["date_published"]).astimezone(UTC) for i in items]
    assert rss_dates == atom_dates == json_dates
    assert all(i["content_text"] and i["content_html"] for i in items)
    assert "<" not in items[1]["content_text"]


def test_html_pages_link_feeds_and_back_references(files: dict[str, bytes]) -> None:
    talks = files["entries/talks.html"].decode()
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Mini Briefings — all (RSS)" '
        'href="https://mini.example.org/news/all/rss.xml">' in talks
    )
    assert '<h2>Referenced by</h2>\n<ul class="related"><li><a href="grain-deal.html">' in talks
    grain = files["entries/grain-deal.html"].decode()
    assert "<h1>Grain deal extended &amp; &quot;renewed&quot;</h1>" in grain
    assert "<script" not in grain


def test_raw_html_and_javascript_links_never_reach_a_feed(write_pub) -> None:  # type: ignore[no-untyped-def]
    root = write_pub(
        entries={
            "a.yaml": (
                'title: "<script>alert(1)</script> ]]> &amp;"\npublished: 2025-05-01T10:00:00Z\n'
                'summary: "<script>x()</script><img src=x onerror=y> [click](javascript:alert(1)) \u05e9\u05dc\u05d5\u05dd \U0001f600"\n'
            )
        }
    )
    out = render_publication(load_publication(root), NOW)
    title = "<script>alert(1)</script> ]]> &amp;"
    assert etree.fromstring(out["all/rss.xml"]).findtext("channel/item/title") == title
    atom_ns = "{http://www.w3.org/2005/Atom}"
    assert etree.fromstring(out["all/atom.xml"]).findtext(f"{atom_ns}entry/{atom_ns}title") == title
    for name in ("all/rss.xml", "all/atom.xml"):
        entry = parse(out[name]).entries[0]
        assert "<script" not in entry.summary and 'href="javascript' not in entry.summary
        # raw inline HTML passes through the allow-list: the image stays, its handler goes
        assert '<img src="https://test.example.org/entries/x" />' in entry.summary
        assert "onerror" not in entry.summary and "x()" not in entry.summary
        assert "\u05e9\u05dc\u05d5\u05dd \U0001f600" in entry.summary
    item = json.loads(out["all/feed.json"])["items"][0]
    assert item["title"] == title
    assert "<script" not in item["content_html"] and 'href="javascript' not in item["content_html"]
    assert "x()" not in item["content_html"] and "onerror" not in item["content_html"]
