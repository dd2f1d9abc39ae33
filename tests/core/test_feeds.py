"""Feeds as readers meet them: the same entry in RSS, Atom and JSON Feed, images, authors, languages."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from feedpub.assemble import render_publication
from feedpub.imagefile import ImageFacts, sniff
from feedpub.langs import is_language_tag, is_rtl
from feedpub.load import load_publication
from feedpub.pipeline import build
from feedpub.validate import validate_bytes
from tests.conftest import NOW, WritePub

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def utc(parsed: Any) -> datetime:
    return datetime(*parsed[:6], tzinfo=UTC)


def from_feedparser(entry: Any) -> dict[str, Any]:
    enclosures = [(e.href, e.type, int(e.length)) for e in entry.get("enclosures", [])]
    return {
        "id": entry.id,
        "title": entry.title,
        "link": entry.link,
        "published": utc(entry.published_parsed),
        "updated": utc(entry.updated_parsed),
        "authors": [a.name for a in entry.authors],
        "tags": [t.term for t in entry.get("tags", [])],
        "image": enclosures[0][0] if enclosures else None,
        "enclosures": enclosures,
    }


def from_json_feed(item: dict[str, Any]) -> dict[str, Any]:
    # feedparser's releases (6.0.x) read RSS and Atom only: JSON Feed is read as the spec says.
    return {
        "id": item["id"],
        "title": item["title"],
        "link": item["url"],
        "published": datetime.fromisoformat(item["date_published"]).astimezone(UTC),
        "updated": datetime.fromisoformat(item["date_modified"]).astimezone(UTC),
        "authors": [a["name"] for a in item["authors"]],
        "tags": item.get("tags", []),
        "image": item.get("image"),
    }


@pytest.fixture
def sample_files(sample: Path) -> dict[str, bytes]:
    return render_publication(load_publication(sample), NOW)


def test_every_reader_sees_the_same_entries(sample_files: dict[str, bytes]) -> None:
    rss = [from_feedparser(e) for e in parse(sample_files["all/rss.xml"]).entries]
    atom = [from_feedparser(e) for e in parse(sample_files["all/atom.xml"]).entries]
    items = [from_json_feed(i) for i in json.loads(sample_files["all/feed.json"])["items"]]
    assert len(rss) == len(atom) == len(items) == 5
    for r, a, j in zip(rss, atom, items, strict=True):
        assert r["enclosures"] == a["enclosures"]
        r.pop("enclosures")
        a.pop("enclosures")
        assert r == a == j
    by_id = {e["id"].rpartition(":")[2]: e for e in rss}
    # the edit date reaches RSS readers, the first publication stays the published date
    assert by_id["istanbul-talks"]["updated"] == datetime(2025, 5, 18, 6, 30, tzinfo=UTC)
    assert by_id["istanbul-talks"]["published"] == datetime(2025, 5, 17, 15, 0, tzinfo=UTC)
    # several authors are several authors
    assert by_id["prisoner-exchange-1000-for-1000"]["authors"] == [
        "Briefings Desk",
        "Olena Marchenko",
    ]
    # the image with its length and type, from the file in static/
    assert by_id["istanbul-talks"]["image"] == (
        "https://briefings.example.org/images/istanbul-table.png"
    )
    atom_entries = parse(sample_files["all/atom.xml"]).entries
    talks = next(e for e in atom_entries if e.id.endswith(":istanbul-talks"))
    size = (Path(__file__).parents[2] / "static/images/istanbul-table.png").stat().st_size
    assert [(e.type, int(e.length)) for e in talks.enclosures] == [("image/png", size)]


def test_sample_content_keeps_its_structure_through_feedparsers_sanitiser(
    sample_files: dict[str, bytes],
) -> None:
    for name in ("all/rss.xml", "all/atom.xml"):
        entries = parse(sample_files[name]).entries
        talks = next(e for e in entries if e.id.endswith(":istanbul-talks"))
        html = talks.content[0].value
        assert html.startswith(
            '<p><img alt="The negotiating table in Istanbul, seen from above" height="180" '
            'src="https://briefings.example.org/images/istanbul-table.png" width="320" /></p>'
        )
        for part in ("<h2>Details</h2>", "<ul>", "<li>", "<blockquote", "</blockquote>"):
            assert part in html, (name, part)
        assert '<a href="https://' in html
        assert '<ul class="sources">' in html


def test_feed_links_put_the_site_first(sample_files: dict[str, bytes]) -> None:
    root = etree.fromstring(sample_files["all/atom.xml"])
    assert [link.get("rel") for link in root.findall(f"{ATOM}link")] == ["alternate", "self"]
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link").get("rel") == "alternate"
    assert parse(sample_files["all/atom.xml"]).feed.link == "https://briefings.example.org/all/"


def test_sources_reach_json_feed_readers(sample_files: dict[str, bytes]) -> None:
    items = json.loads(sample_files["all/feed.json"])["items"]
    talks = next(i for i in items if i["id"].endswith(":istanbul-talks"))
    extension = talks["_feedpub"]
    assert extension["about"] == "https://github.com/feedpub/feedpub#json-feed-extension"
    urls = [s["url"] for s in extension["sources"]]
    assert urls and all(u.startswith("https://") for u in urls)
    text = talks["content_text"]
    listed = text[text.index("\nSources\n") :]
    for source in extension["sources"]:
        assert f"{source['title']} ({source['url']})" in listed


def _entry(extra: str, **fields: str) -> str:
    head = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return head + "published: 2025-05-01T10:00:00Z\nsummary: The lead.\n" + extra


def test_authors_one_element_each(write_pub: WritePub) -> None:
    root = write_pub(
        entries={
            "one.yaml": _entry(
                "author: {name: Ann, email: ann@example.org}\n", title="One", id="one"
            ),
            "two.yaml": _entry(
                "authors:\n  - {name: Ann, email: ann@example.org}\n"
                "  - {name: Bo, email: bo@example.org}\n",
                title="Two",
                id="two",
            ),
            "three.yaml": _entry("authors: [Ann, {name: Bo, email: bo@example.org}]\n", title="T"),
        }
    )
    out = render_publication(load_publication(root), NOW)
    channel = etree.fromstring(out["all/rss.xml"]).find("channel")
    seen = {}
    for item in channel.findall("item"):
        seen[item.findtext("title")] = (
            [a.text for a in item.findall("author")],
            [c.text for c in item.findall(f"{DC}creator")],
        )
    assert seen == {
        "One": (["ann@example.org (Ann)"], []),
        "Two": ([], ["Ann", "Bo"]),
        "T": ([], ["Ann", "Bo"]),
    }
    atom = etree.fromstring(out["all/atom.xml"])
    names = [
        [n.text for n in e.iterfind(f"{ATOM}author/{ATOM}name")] for e in atom.iter(f"{ATOM}entry")
    ]
    assert sorted(names) == [["Ann"], ["Ann", "Bo"], ["Ann", "Bo"]]
    for name in ("all/rss.xml", "all/atom.xml", "all/feed.json"):
        assert validate_bytes(out[name], name, now=NOW) == [], name


def test_entry_language_reaches_every_format(write_pub: WritePub) -> None:
    root = write_pub(entries={"a.yaml": _entry("language: ar\n", title="Salam")})
    out = render_publication(load_publication(root), NOW)
    entry = etree.fromstring(out["all/atom.xml"]).find(f"{ATOM}entry")
    assert entry.get(XML_LANG) == "ar"
    item = etree.fromstring(out["all/rss.xml"]).find("channel/item")
    assert item.findtext(f"{DC}language") == "ar"
    assert json.loads(out["all/feed.json"])["items"][0]["language"] == "ar"
    for name in ("all/rss.xml", "all/atom.xml", "all/feed.json"):
        assert validate_bytes(out[name], name, now=NOW) == [], name


def test_a_malformed_language_is_an_input_error(write_pub: WritePub) -> None:
    from feedpub.errors import InputError

    root = write_pub(entries={"a.yaml": _entry("language: en_GB\n", title="Hi")})
    with pytest.raises(InputError) as caught:
        load_publication(root)
    assert [str(p) for p in caught.value.problems] == [
        "entries/a.yaml:4:11: error: language: expected a BCP 47 language tag such as en, "
        "pt-BR or ar, got 'en_GB'"
    ]


@pytest.mark.parametrize(
    ("tag", "valid", "rtl"),
    [
        ("en", True, False),
        ("pt-BR", True, False),
        ("zh-Hant-TW", True, False),
        ("ar", True, True),
        ("he-IL", True, True),
        ("fa", True, True),
        ("ur-PK", True, True),
        ("ckb", True, True),
        ("az-Arab", True, True),
        ("ar-Latn", True, False),
        ("yi", True, True),
        ("en_GB", False, False),
        ("e", False, False),
        ("en-", False, False),
    ],
)
def test_language_tags(tag: str, valid: bool, rtl: bool) -> None:
    assert is_language_tag(tag) is valid
    assert is_rtl(tag) is rtl


def _png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x02"


@pytest.mark.parametrize(
    ("data", "facts"),
    [
        (_png(640, 360), ImageFacts("image/png", 640, 360)),
        (b"GIF89a" + struct.pack("<HH", 20, 10), ImageFacts("image/gif", 20, 10)),
        (
            b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08" + struct.pack(">HH", 480, 800),
            ImageFacts("image/jpeg", 800, 480),
        ),
        (
            b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00"
            + (99).to_bytes(3, "little")
            + (49).to_bytes(3, "little"),
            ImageFacts("image/webp", 100, 50),
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"/>',
            ImageFacts("image/svg+xml", 300, 150),
        ),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64px" '
            b'viewBox="0 0 32 16"/>',
            ImageFacts("image/svg+xml", 64, 32),
        ),
        (b"not an image", ImageFacts()),
    ],
)
def test_image_headers(data: bytes, facts: ImageFacts) -> None:
    assert sniff(data) == facts


def test_remote_image_facts_and_a_missing_local_file(write_pub: WritePub) -> None:
    root = write_pub(
        entries={
            "remote.yaml": _entry(
                "image:\n  url: https://cdn.example.net/a.jpg\n  alt: A map\n"
                "  width: 1200\n  height: 630\n  length: 123456\n",
                title="Remote",
            ),
            "unknown.yaml": _entry("image: https://cdn.example.net/b.webp\n", title="Bare"),
            "local.yaml": _entry("image: images/missing.png\n", title="Local"),
        }
    )
    result = build(root, now=NOW)
    assert [str(w) for w in result.warnings] == [
        "entries/local.yaml: warning: image.url: no file static/images/missing.png; readers get "
        "a broken image and an enclosure of unknown length; add the file or give a full URL"
    ]
    rss = etree.fromstring((root / "public/all/rss.xml").read_bytes())
    enclosures = {
        item.findtext("title"): dict(item.find("enclosure").attrib)
        for item in rss.iterfind("channel/item")
    }
    assert enclosures == {
        "Remote": {
            "url": "https://cdn.example.net/a.jpg",
            "length": "123456",
            "type": "image/jpeg",
        },
        "Bare": {"url": "https://cdn.example.net/b.webp", "length": "0", "type": "image/webp"},
        "Local": {
            "url": "https://test.example.org/images/missing.png",
            "length": "0",
            "type": "image/png",
        },
    }
    content = json.loads((root / "public/all/feed.json").read_bytes())["items"]
    remote = next(i for i in content if i["title"] == "Remote")
    assert remote["content_html"].startswith(
        '<p><img src="https://cdn.example.net/a.jpg" alt="A map" width="1200" height="630"></p>\n'
    )


def test_image_fields_are_checked(write_pub: WritePub) -> None:
    from feedpub.errors import InputError

    root = write_pub(
        entries={
            "a.yaml": _entry(
                "image:\n  url: a.png\n  width: 0\n  length: -1\n  type: text/html\n", title="A"
            )
        }
    )
    with pytest.raises(InputError) as caught:
        load_publication(root)
    assert [p.message for p in caught.value.problems] == [
        "image.width: expected a positive whole number of pixels, got 0",
        "image.length: expected a whole number of bytes, got -1",
        "image.type: expected an image MIME type such as image/jpeg, got 'text/html'",
    ]


def test_a_large_publication_validates_clean(tmp_path: Path) -> None:
    from bench.generate import generate

    root = tmp_path / "big"
    entries = generate(root, 420)
    for index, entry in enumerate(entries):
        path = root / entry.rel_path
        text = path.read_text(encoding="utf-8")
        if index % 3 == 0:
            text = text.replace(
                "author: Briefings Desk\n",
                "authors:\n  - Briefings Desk\n  - {name: Lena Fischer, email: lena@example.org}\n",
            )
        if index % 4 == 0:
            text += f"image:\n  url: https://img.example.net/{index}.jpg\n  alt: Photo {index}\n"
        if index % 10 == 0:
            text += "language: he\n"
        if index % 7 == 0:
            text = text.replace(
                "summary: >-\n", "summary: >-\n  E = mc<sup>2</sup>, <em>so</em>.\n", 1
            )
        path.write_text(text, encoding="utf-8")
    feed = (root / "feeds/all.yaml").read_text(encoding="utf-8")
    (root / "feeds/all.yaml").write_text(feed + "archive: true\nstylesheet: true\n", "utf-8")
    # the build gate validates every feed document it writes: any error stops the build,
    # and warnings come back in the result
    result = build(root, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert result.warnings == []
    feeds = [
        p for p in (root / "public").rglob("*") if p.name in ("rss.xml", "atom.xml", "feed.json")
    ]
    assert len(feeds) == 3 * 3 + 3 * (370 // 50 + 1)  # three live feeds, all's archive pages


def test_inline_html_passes_the_allow_list(write_pub: WritePub) -> None:
    summary = (
        'E = mc<sup>2</sup>, <em>so</em> <span lang="ar" dir="rtl" style="x">سلام</span> '
        '<a href="../notes.html" onclick="x()">notes</a><script>bad()</script> <iframe src="x">'
    )
    root = write_pub(
        entries={"a.yaml": _entry("", title="Inline").replace("The lead.", f"'{summary}'")}
    )
    out = render_publication(load_publication(root), NOW)
    item = json.loads(out["all/feed.json"])["items"][0]
    assert item["content_html"] == (
        '<p class="lead">E = mc<sup>2</sup>, <em>so</em> <span lang="ar" dir="rtl">سلام</span> '
        '<a href="https://test.example.org/notes.html">notes</a> </p>'
    )
    for name in ("all/rss.xml", "all/atom.xml", "all/feed.json"):
        assert validate_bytes(out[name], name, now=NOW) == [], name
