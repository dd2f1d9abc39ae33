"""Archived feeds (RFC 5005) and the XSL stylesheet: link chains, immutable full pages, browser view."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feedpub.assemble import render_publication
from feedpub.load import load_publication
from feedpub.render.archive import paginate
from feedpub.validate import validate_bytes
from tests.conftest import NOW, SETTINGS, WritePub

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
BASE = "https://test.example.org/"
LIMIT = 4


def entry_text(number: int) -> str:
    return (
        f"id: e{number:03d}\ntitle: Entry {number}\n"
        f"published: 2025-01-01T{number // 60:02d}:{number % 60:02d}:00Z\nsummary: Lead {number}.\n"
    )


def publication(write_pub: WritePub, count: int, extra: str = "") -> Path:
    return write_pub(
        entries={f"e{n:03d}.yaml": entry_text(n) for n in range(count)},
        feeds={"all.yaml": f"title: Everything\nlimit: {LIMIT}\narchive: true\n{extra}"},
        settings=SETTINGS,
    )


def atom_links(data: bytes) -> dict[str, str]:
    root = etree.fromstring(data)
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


def rss_links(data: bytes) -> dict[str, str]:
    channel = etree.fromstring(data).find("channel")
    return {link.get("rel"): link.get("href") for link in channel.findall(f"{ATOM}link")}


def test_pages_are_cut_from_the_oldest_entry() -> None:
    newest_first = list(range(10, 0, -1))  # 10 is the newest
    pages = paginate(newest_first, 3, archive=True)
    assert [(p.number, p.items, p.prev, p.next) for p in pages] == [
        (None, (10, 9, 8), 3, None),
        (1, (3, 2, 1), None, 2),
        (2, (6, 5, 4), 1, 3),
        (3, (7,), 2, None),
    ]
    # an exact multiple leaves the next page empty, so full pages keep their next-archive link
    assert [(p.number, p.items) for p in paginate(list(range(9, 0, -1)), 3, archive=True)] == [
        (None, (9, 8, 7)),
        (1, (3, 2, 1)),
        (2, (6, 5, 4)),
        (3, ()),
    ]
    assert [p.number for p in paginate([3, 2, 1], 3, archive=True)] == [None]
    assert [p.items for p in paginate([5, 4, 3, 2, 1], 3, archive=False)] == [(5, 4, 3)]


def test_archive_links_chain_and_hold_every_entry(write_pub: WritePub) -> None:
    root = publication(write_pub, 3 * LIMIT)
    out = render_publication(load_publication(root), NOW)
    archives = sorted(rel for rel in out if "/archive/" in rel)
    assert archives == [
        f"all/archive/{n}/{name}"
        for n in (1, 2, 3)
        for name in ("atom.xml", "feed.json", "rss.xml")
    ]
    for name, read in (("atom.xml", atom_links), ("rss.xml", rss_links)):
        live = read(out[f"all/{name}"])
        assert live["prev-archive"] == f"{BASE}all/archive/3/{name}"
        assert "next-archive" not in live and "current" not in live
        site = {"alternate": f"{BASE}all/"} if name == "atom.xml" else {}  # RSS: <link>
        assert read(out[f"all/archive/1/{name}"]) == site | {
            "self": f"{BASE}all/archive/1/{name}",
            "current": f"{BASE}all/{name}",
            "next-archive": f"{BASE}all/archive/2/{name}",
        }
        two = read(out[f"all/archive/2/{name}"])
        assert two["prev-archive"] == f"{BASE}all/archive/1/{name}"
        assert two["next-archive"] == f"{BASE}all/archive/3/{name}"
        three = read(out[f"all/archive/3/{name}"])
        assert three["prev-archive"] == f"{BASE}all/archive/2/{name}"
        assert "next-archive" not in three
    # walking prev-archive from the live feed visits every entry exactly once
    for name in ("atom.xml", "rss.xml"):
        seen: list[str] = []
        url: str | None = f"{BASE}all/{name}"
        while url:
            parsed = feedparser.parse(out[url.removeprefix(BASE)])
            assert not parsed.bozo
            seen += [e.title for e in parsed.entries]
            url = next(
                (link.href for link in parsed.feed.links if link.rel == "prev-archive"), None
            )
        assert seen == [f"Entry {n}" for n in range(3 * LIMIT - 1, -1, -1)], name
    seen = []
    page: str | None = f"{BASE}all/feed.json"
    while page:
        data = json.loads(out[page.removeprefix(BASE)])
        assert data["feed_url"] == f"{BASE}all/feed.json"
        seen += [item["title"] for item in data["items"]]
        page = data.get("next_url")
    assert seen == [f"Entry {n}" for n in range(3 * LIMIT - 1, -1, -1)]
    for rel, data in out.items():
        if rel.endswith(("rss.xml", "atom.xml", "feed.json")):
            assert validate_bytes(data, rel, now=NOW) == [], rel
    assert etree.fromstring(out["all/archive/1/atom.xml"]).find(f"{FH}archive") is not None
    assert etree.fromstring(out["all/archive/1/rss.xml"]).find(f"channel/{FH}archive") is not None
    assert etree.fromstring(out["all/atom.xml"]).find(f"{FH}archive") is None


def test_full_archive_pages_never_change_when_entries_are_added(write_pub: WritePub) -> None:
    root = publication(write_pub, 3 * LIMIT)
    before = render_publication(load_publication(root), NOW)
    (root / "entries" / "new.yaml").write_text(entry_text(3 * LIMIT), encoding="utf-8")
    after = render_publication(load_publication(root), NOW)
    full = [rel for rel in before if "/archive/1/" in rel or "/archive/2/" in rel]
    assert len(full) == 6
    for rel in full:
        assert after[rel] == before[rel], rel
    # the oldest live entry moved to page 3, which was empty
    assert [e.title for e in feedparser.parse(after["all/archive/3/atom.xml"]).entries] == [
        f"Entry {LIMIT * 2}"
    ]
    assert [e.title for e in feedparser.parse(before["all/archive/3/atom.xml"]).entries] == []


def test_the_stylesheet_turns_feeds_into_a_page(write_pub: WritePub) -> None:
    root = publication(write_pub, LIMIT + 1, extra="stylesheet: true\ndescription: All of it.\n")
    out = render_publication(load_publication(root), NOW)
    xsl = etree.XSLT(etree.fromstring(out["feed.xsl"]))
    assert out["all/rss.xml"].splitlines()[1] == (
        b'<?xml-stylesheet type="text/xsl" href="../feed.xsl"?>'
    )
    assert b'href="../../../feed.xsl"' in out["all/archive/1/atom.xml"]
    for name in ("rss.xml", "atom.xml"):
        data = out[f"all/{name}"]
        assert validate_bytes(data, name, now=NOW) == []
        assert not feedparser.parse(data).bozo
        page = xsl(etree.fromstring(data))
        html = etree.tostring(page, encoding="unicode", method="html")
        tree = etree.HTML(html)
        assert tree.findtext("head/title") == "Everything (web feed)"
        assert tree.findtext(".//h1") == "Everything"
        assert tree.findtext('.//p[@class="description"]') == "All of it."
        assert tree.findtext('.//code[@class="feed-url"]') == f"{BASE}all/{name}"
        assert tree.find('.//a[@class="site"]').get("href") == f"{BASE}all/"
        entries = [(a.text, a.get("href")) for a in tree.iterfind('.//ul[@class="entries"]/li/a')]
        assert entries == [
            (f"Entry {n}", f"{BASE}entries/e{n:03d}.html") for n in range(LIMIT, 0, -1)
        ], name


def test_feeds_without_the_flags_are_single_documents(write_pub: WritePub) -> None:
    root = write_pub(
        entries={f"e{n:03d}.yaml": entry_text(n) for n in range(6)},
        feeds={"all.yaml": f"title: Everything\nlimit: {LIMIT}\n"},
    )
    out = render_publication(load_publication(root), NOW)
    assert not [rel for rel in out if rel.startswith("all/archive/") or rel == "feed.xsl"]
    assert b"xml-stylesheet" not in out["all/rss.xml"]


@pytest.mark.parametrize(("value", "shown"), [('"yes"', "'yes'"), ("1", "1")])
def test_the_flags_must_be_booleans(write_pub: WritePub, value: str, shown: str) -> None:
    from feedpub.errors import InputError

    root = write_pub(feeds={"all.yaml": f"title: Everything\narchive: {value}\n"})
    with pytest.raises(InputError) as caught:
        load_publication(root)
    assert [str(p) for p in caught.value.problems] == [
        f"feeds/all.yaml:2:10: error: archive: expected true or false, got {shown}"
    ]


def test_a_live_feed_over_512_kb_is_a_warning(write_pub: WritePub) -> None:
    from feedpub.pipeline import build

    long = "word " * 2500
    root = write_pub(
        entries={
            f"e{n:03d}.yaml": entry_text(n) + f"sections:\n  - heading: Long\n    text: {long}\n"
            for n in range(30)
        },
        feeds={"all.yaml": "title: Everything\nlimit: 30\nformats: [json]\n"},
    )
    result = build(root, now=datetime(2026, 1, 1, tzinfo=UTC))
    size = (root / "public/all/feed.json").stat().st_size
    assert size > 512 * 1024
    assert [str(w) for w in result.warnings] == [
        f"feeds/all.yaml: warning: all/feed.json is {size:,} bytes, over 512 KB; readers "
        "download it on every poll; lower limit (now 30) and set archive: true to keep older "
        "entries reachable"
    ]
