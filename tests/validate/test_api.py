"""The validate API: format detection, dates, exact messages, feedgen output, id maps, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from feedgen.feed import FeedGenerator

from feedpub.errors import Severity
from feedpub.validate import detect_format, feed_id_map, validate_bytes
from feedpub.validate.dates import parse_rfc822, parse_rfc3339, parse_w3cdtf

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b'<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0"/>', "rss"),
        (b'\xef\xbb\xbf<feed xmlns="http://www.w3.org/2005/Atom"/>', "atom"),
        (b'<!DOCTYPE rss [<!ENTITY x "y">]><rss>', "rss"),
        ('<?xml version="1.0" encoding="UTF-16"?><feed/>'.encode("utf-16"), "atom"),
        (b'  {"version": "https://jsonfeed.org/version/1.1", "items": []}', "json"),
        (b"<html><body>hi</body></html>", None),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', None),
        (b'{"name": "package"}', None),
        (b"plain text", None),
    ],
)
def test_detect_format(data: bytes, kind: str | None) -> None:
    assert detect_format(data) == kind


def test_rfc822_dates() -> None:
    assert parse_rfc822("Sat, 17 May 2025 18:00:00 +0200").value == datetime(
        2025, 5, 17, 18, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_rfc822("17 May 2025 18:00 EDT").value == datetime(2025, 5, 17, 22, tzinfo=UTC)
    wrong_day = parse_rfc822("Mon, 17 May 2025 18:00:00 GMT")
    assert wrong_day.code == "incorrect-day-name"
    assert wrong_day.error == "17 May 2025 is a Sat, not a Mon; fix the day name or the date"
    assert parse_rfc822("Sat, 17 May 2025 18:00:00 UTC").code == "invalid-rfc822-date"
    assert parse_rfc822("Sat, 17 May 2025 18:00:00").code == "problematic-rfc822-date"
    commented = parse_rfc822("Sat, 17 May 2025 18:00:00 (Saturday (evening)) GMT")
    assert (commented.value, commented.code) == (
        datetime(2025, 5, 17, 18, tzinfo=UTC),
        "problematic-rfc822-date",
    )
    assert parse_rfc822("Sat, 17 May 2025 8:00:00 GMT").error is not None
    assert parse_rfc822("Sat, 17 May 2025 18:00:00 +0260").error is not None
    assert parse_rfc822("2025-05-17").error is not None


def test_rfc3339_and_w3cdtf_dates() -> None:
    assert parse_rfc3339("2025-05-17T18:00:00.5-03:30").value is not None
    assert parse_rfc3339("2025-05-17t18:00:00z").error is not None
    assert parse_rfc3339("2025-05-17t18:00:00z", strict_case=False).value is not None
    assert parse_rfc3339("2025-13-01T00:00:00Z").error is not None
    assert parse_rfc3339("2016-12-31T23:59:60Z").value is not None  # leap second
    assert parse_w3cdtf("2025").value == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_w3cdtf("2025-05-17T18:00Z").value is not None
    assert parse_w3cdtf("2025-05-17T18:00").error is not None


def _rss(*items: str, channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>\n'
        "<title>T</title><link>https://example.org/</link><description>D</description>\n"
        '<atom:link href="https://example.org/rss.xml" rel="self" '
        'type="application/rss+xml"/>\n' + channel + "".join(items) + "</channel></rss>\n"
    ).encode()


def _item(n: int, guid: str | None = None) -> str:
    return (
        f"<item><title>Item {n}</title><link>https://example.org/{n}</link>"
        f"<guid>{guid or f'https://example.org/{n}'}</guid>"
        "<pubDate>Sat, 17 May 2025 18:00:00 +0000</pubDate></item>\n"
    )


def test_problem_text_is_exact() -> None:
    problems = validate_bytes(
        _rss(_item(1), _item(2, guid="https://example.org/1")), "f.xml", now=NOW
    )
    assert [str(p) for p in problems] == [
        "f.xml:6: error: <guid> 'https://example.org/1' is also used by the item on line 5; "
        "give every item its own guid [duplicate-guid]"
    ]


def test_well_formedness_error_has_line_and_column() -> None:
    (problem,) = validate_bytes(b'<rss version="2.0">\n<channel><title>x</titl>', "f.xml")
    assert (problem.location.line, problem.location.column) == (2, 25)
    assert problem.code == "not-well-formed"
    assert "Opening and ending tag mismatch" in problem.message


def test_external_entities_are_never_resolved(tmp_path: object) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b'<rss version="2.0"><channel><title>&xxe;</title></channel></rss>'
    )
    problems = validate_bytes(data, "f.xml", now=NOW)
    assert all("root:" not in p.message for p in problems)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feedgen_defaults_have_no_errors(kind: str) -> None:
    fg = FeedGenerator()
    fg.id("https://example.org/")
    fg.title("Example")
    fg.author({"name": "Desk", "email": "desk@example.org"})
    fg.link(href="https://example.org/", rel="alternate")
    fg.link(href=f"https://example.org/{kind}.xml", rel="self")
    fg.description("Example feed")
    fg.language("en")
    for n in range(3):
        fe = fg.add_entry()
        fe.id(f"https://example.org/{n}")
        fe.title(f"Entry {n}")
        fe.link(href=f"https://example.org/{n}")
        fe.description(f"<p>Entry {n}</p>")
        fe.pubDate(datetime(2025, 5, n + 1, tzinfo=UTC))
        fe.updated(datetime(2025, 5, n + 1, tzinfo=UTC))
    fg.updated(datetime(2025, 5, 3, tzinfo=UTC))
    fg.lastBuildDate(datetime(2025, 5, 3, tzinfo=UTC))
    data = fg.atom_str(pretty=True) if kind == "atom" else fg.rss_str(pretty=True)
    problems = validate_bytes(data, f"{kind}.xml", now=NOW)
    assert [p for p in problems if p.is_error] == []


def test_id_map_and_changed_ids() -> None:
    before = _rss(_item(1), _item(2))
    assert feed_id_map(before) == {
        "https://example.org/1": "https://example.org/1",
        "https://example.org/2": "https://example.org/2",
    }
    after = _rss(
        _item(1),
        "<item><title>Item 2</title><link>https://example.org/2</link>"
        '<guid isPermaLink="false">new-2</guid>'
        "<pubDate>Sat, 17 May 2025 18:00:00 +0000</pubDate></item>\n",
    )
    problems = validate_bytes(after, "f.xml", now=NOW, previous_ids=feed_id_map(before))
    assert [(p.severity, p.code, p.location.line) for p in problems] == [
        (Severity.WARNING, "changed-id", 6)
    ]
    assert "keep the old id" in problems[0].message


def test_id_maps_for_atom_and_json() -> None:
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:x,2025:a</id>'
        b'<link href="https://example.org/a"/></entry></feed>'
    )
    assert feed_id_map(atom) == {"https://example.org/a": "tag:x,2025:a"}
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "a", "url": "u"}]}'
    )
    assert feed_id_map(json_feed) == {"u": "a"}
    assert feed_id_map(b"not a feed") == {}


def test_size_and_item_limits() -> None:
    data = _rss(*(_item(n) for n in range(5)))
    problems = validate_bytes(data, "f.xml", now=NOW, max_items=4, max_bytes=100)
    assert sorted(p.code for p in problems) == ["feed-too-large", "too-many-items"]
    assert all(p.severity is Severity.WARNING and p.location.line is None for p in problems)


def test_not_a_feed() -> None:
    (problem,) = validate_bytes(b"<html></html>", "page.html")
    assert (problem.code, problem.is_error) == ("not-a-feed", True)


def _big_rss(items: int) -> bytes:
    body = "".join(
        f"<item><title>Item {n}</title><link>https://example.org/{n}</link>"
        f"<guid>https://example.org/{n}</guid><pubDate>Sat, 17 May 2025 18:00:00 +0000</pubDate>"
        f'<description>&lt;p&gt;Some &lt;a href="https://example.org/{n}"&gt;text&lt;/a&gt;'
        "&lt;/p&gt;</description></item>\n"
        for n in range(items)
    )
    return _rss(body)


def test_ten_thousand_items_are_clean() -> None:
    # Speed is measured by `make bench` (validate vs build of 10,000 items), not asserted here:
    # a wall-clock limit fails on a loaded machine.
    data = _big_rss(10_000)
    problems = validate_bytes(data, "big.xml", now=NOW, max_items=20_000, max_bytes=10**8)
    assert problems == []
