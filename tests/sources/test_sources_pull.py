"""pull() against a real loopback server: each kind of page, redirect and failure → exact records."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sources_server import CHECKED, NOW, LoopbackServer, Reply

from feedpub.model import SourceRecord
from feedpub.sources import USER_AGENT, PullOptions, load_lock
from feedpub.sources.pull import pull

HTML = {"Content-Type": "text/html; charset=utf-8"}

RICH_PAGE = b"""<!doctype html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Fallback title | Example</title>
<meta property="og:title" content="Interview with  Alexei &amp; Goncharenko">
<meta property="og:description" content="He said talks had happened
   in 2022, 2023 and 2024.">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2025-05-16T10:00:00+03:00">
<link rel="canonical" href="/news/goncharenko">
</head><body><h1>ignored</h1><meta property="og:title" content="not in head"></body></html>
"""


def one(
    server: LoopbackServer, lock: Path, options: PullOptions, path: str, reply: Reply
) -> SourceRecord:
    url = server.route(path, reply)
    report = pull({url: ["entry-a"]}, lock, options, now=NOW)
    return report.records[url]


def test_page_with_every_kind_of_metadata(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/rich", Reply(body=RICH_PAGE, headers={**HTML, "ETag": '"v1"'}))
    report = pull({url: ["istanbul-talks"]}, lock, options, now=NOW)
    assert report.records == {
        url: SourceRecord(
            url=url,
            status=200,
            state="ok",
            final_url=url,
            title="Interview with Alexei & Goncharenko",
            description="He said talks had happened in 2022, 2023 and 2024.",
            site_name="Example News",
            canonical=server.url("/news/goncharenko"),
            published="2025-05-16T10:00:00+03:00",
            language="en-GB",
            content_type="text/html; charset=utf-8",
            etag='"v1"',
            checked=CHECKED,
        )
    }
    assert (report.fetched, report.unchanged, report.dead, report.moved) == (1, 0, 0, 0)
    assert report.summary() == "1 fetched, 0 unchanged, 0 dead, 0 moved"
    assert load_lock(lock) == report.records
    assert (
        server.seen[0].headers["user-agent"]
        == USER_AGENT
        == ("feedpub/0.1.0 (+https://github.com/feedpub/feedpub)")
    )


def test_lock_file_is_sorted_json_without_empty_fields(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    b = server.route("/b", Reply(body=b"<title>B</title>", headers=HTML))
    a = server.route(
        "/a",
        Reply(
            body=b"<title>A</title>",
            headers={**HTML, "Last-Modified": "Fri, 16 May 2025 08:00:00 GMT"},
        ),
    )
    pull({b: ["x"], a: ["y"]}, lock, options, now=NOW)
    assert (
        lock.read_text(encoding="utf-8")
        == f"""{{
  "sources": {{
    "{a}": {{
      "checked": "2025-05-17T12:00:00Z",
      "content_type": "text/html; charset=utf-8",
      "final_url": "{a}",
      "last_modified": "Fri, 16 May 2025 08:00:00 GMT",
      "state": "ok",
      "status": 200,
      "title": "A"
    }},
    "{b}": {{
      "checked": "2025-05-17T12:00:00Z",
      "content_type": "text/html; charset=utf-8",
      "final_url": "{b}",
      "state": "ok",
      "status": 200,
      "title": "B"
    }}
  }},
  "version": 1
}}
"""
    )


def test_title_falls_back_to_title_element_and_html_lang_to_og_locale(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    page = (
        b"<html><head><title>\n  Plain   <b>title</b>\n</title>"
        b'<meta name="description" content="A &lt;i&gt;short&lt;/i&gt; page.">'
        b'<meta property="og:locale" content="de_DE"></head></html>'
    )
    record = one(server, lock, options, "/plain", Reply(body=page, headers=HTML))
    assert (record.title, record.description, record.language, record.site_name) == (
        "Plain title",
        "A short page.",
        "de-DE",
        None,
    )


def test_wrong_charsets_decode_without_crashing(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    latin = "<title>Café Zürich</title>".encode("latin-1")
    # Header says nothing, meta says windows-1252: the meta prescan wins over the UTF-8 guess.
    declared = b'<meta charset="windows-1252">' + latin
    # Header claims UTF-8 but the bytes are Latin-1: replacement characters, not a crash.
    lying = latin
    # An unknown charset label: fall back to UTF-8, then windows-1252.
    unknown = latin
    urls = {
        "declared": server.route(
            "/declared", Reply(body=declared, headers={"Content-Type": "text/html"})
        ),
        "lying": server.route(
            "/lying", Reply(body=lying, headers={"Content-Type": "text/html; charset=utf-8"})
        ),
        "unknown": server.route(
            "/unknown",
            Reply(body=unknown, headers={"Content-Type": "text/html; charset=x-nonsense"}),
        ),
        "utf8": server.route(
            "/utf8",
            Reply(
                body="<title>Café</title>".encode(),
                headers={"Content-Type": "text/html; charset=latin1"},
            ),
        ),
    }
    report = pull({url: ["e"] for url in urls.values()}, lock, options, now=NOW)
    titles = {name: report.records[url].title for name, url in urls.items()}
    assert titles == {
        "declared": "Café Zürich",
        "lying": "Caf\ufffd Z\ufffdrich",
        "unknown": "Café Zürich",
        "utf8": "CafÃ©",
    }


def test_non_html_empty_and_garbage_bodies_give_clear_records(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    pdf = server.route(
        "/paper.pdf",
        Reply(
            body=b"%PDF-1.7\n" + bytes(range(256)) * 10, headers={"Content-Type": "application/pdf"}
        ),
    )
    empty = server.route("/empty", Reply(body=b"", headers=HTML))
    garbage = server.route("/garbage", Reply(body=bytes(range(256)) * 20 + b"<title", headers=HTML))
    untyped = server.route("/untyped", Reply(body=b"<!DOCTYPE html><title>No type</title>"))
    report = pull(
        {pdf: ["e"], empty: ["e"], garbage: ["e"], untyped: ["e"]}, lock, options, now=NOW
    )
    ok = SourceRecord(url="", status=200, state="ok", checked=CHECKED)
    assert report.records[pdf] == replace(
        ok, url=pdf, final_url=pdf, content_type="application/pdf"
    )
    assert report.records[empty] == replace(
        ok, url=empty, final_url=empty, content_type="text/html; charset=utf-8", error="empty body"
    )
    assert report.records[garbage] == replace(
        ok, url=garbage, final_url=garbage, content_type="text/html; charset=utf-8"
    )
    assert report.records[untyped] == replace(ok, url=untyped, final_url=untyped, title="No type")
    # The PDF's body was never read past the headers' worth of buffering.
    assert report.bytes_received < 2 * len(b"%PDF-1.7\n" + bytes(range(256)) * 10) + 200


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_is_reported_as_moved(
    server: LoopbackServer, lock: Path, options: PullOptions, status: int
) -> None:
    new = server.route("/new", Reply(body=b"<title>New home</title>", headers=HTML))
    old = server.route("/old", Reply(status, headers={"Location": "/new"}))
    report = pull({old: ["e"]}, lock, options, now=NOW)
    assert report.records[old] == SourceRecord(
        url=old,
        status=200,
        state="moved",
        final_url=new,
        title="New home",
        content_type="text/html; charset=utf-8",
        checked=CHECKED,
        moved_to=new,
    )
    assert report.summary() == "1 fetched, 0 unchanged, 0 dead, 1 moved"


def test_temporary_redirects_are_followed_quietly(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    final = server.route("/final", Reply(body=b"<title>Here</title>", headers=HTML))
    server.route("/hop2", Reply(307, headers={"Location": final}))
    start = server.route("/hop1", Reply(302, headers={"Location": "hop2"}))
    record = pull({start: ["e"]}, lock, options, now=NOW).records[start]
    assert (record.state, record.final_url, record.moved_to, record.title) == (
        "ok",
        final,
        None,
        "Here",
    )


def test_moved_to_is_where_the_permanent_redirects_lead(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    server.route("/c", Reply(body=b"<title>C</title>", headers=HTML))
    server.route("/b", Reply(302, headers={"Location": "/c"}))
    start = server.route("/a", Reply(301, headers={"Location": "/b"}))
    record = pull({start: ["e"]}, lock, options, now=NOW).records[start]
    assert (record.state, record.moved_to, record.final_url) == (
        "moved",
        server.url("/b"),
        server.url("/c"),
    )


def test_redirect_loop_and_too_many_redirects_are_dead(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    loop = server.route("/ping", Reply(302, headers={"Location": "/pong"}))
    server.route("/pong", Reply(302, headers={"Location": "/ping#again"}))
    for i in range(10):
        server.route(f"/chain{i}", Reply(302, headers={"Location": f"/chain{i + 1}"}))
    chain = server.url("/chain0")
    report = pull({loop: ["e"], chain: ["f"]}, lock, options, now=NOW)
    assert report.records[loop] == SourceRecord(
        url=loop,
        status=302,
        state="dead",
        final_url=server.url("/pong"),
        error=f"redirect loop: {server.url('/pong')} redirects back to {server.url('/ping#again')}",
        checked=CHECKED,
    )
    assert report.records[chain] == SourceRecord(
        url=chain,
        status=302,
        state="dead",
        final_url=server.url("/chain5"),
        error="more than 5 redirects",
        checked=CHECKED,
    )
    assert report.dead == 2 and report.any_dead


def test_redirect_to_another_scheme_is_refused(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/ftp", Reply(301, headers={"Location": "ftp://example.org/file"}))
    record = pull({url: ["e"]}, lock, options, now=NOW).records[url]
    assert (record.state, record.status, record.error) == (
        "dead",
        None,
        "not an http(s) URL: ftp://example.org/file",
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone"), (500, "HTTP 500 Internal Server Error")],
)
def test_error_statuses_are_dead(
    server: LoopbackServer, lock: Path, options: PullOptions, status: int, error: str
) -> None:
    url = server.route("/gone", Reply(status, b"<title>Error page</title>", HTML))
    assert pull({url: ["e"]}, lock, options, now=NOW).records[url] == SourceRecord(
        url=url, status=status, state="dead", final_url=url, error=error, checked=CHECKED
    )


def test_slow_page_times_out(server: LoopbackServer, lock: Path, options: PullOptions) -> None:
    url = server.route("/slow", Reply(body=b"<title>Late</title>", headers=HTML, delay=1.0))
    fast = replace(options, timeout=0.2)
    assert pull({url: ["e"]}, lock, fast, now=NOW).records[url] == SourceRecord(
        url=url, state="dead", error="timed out after 0.2 s", checked=CHECKED
    )


def test_oversized_bodies_are_dead_with_or_without_content_length(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    big = b"<title>Big</title>" + b"x" * 30_000
    declared = server.route("/big", Reply(body=big, headers=HTML))
    streamed = server.route("/stream", Reply(body=big, headers=HTML, content_length=False))
    report = pull({declared: ["e"], streamed: ["e"]}, lock, options, now=NOW)
    assert report.records[declared] == SourceRecord(
        url=declared,
        status=200,
        state="dead",
        final_url=declared,
        error=f"too large: {len(big)} bytes, the limit is 20000",
        checked=CHECKED,
    )
    assert report.records[streamed] == SourceRecord(
        url=streamed,
        status=200,
        state="dead",
        final_url=streamed,
        error="too large: more than 20000 bytes",
        checked=CHECKED,
    )
    assert report.bytes_received <= 20_000 + 65_536


def test_refused_connection_is_dead_without_a_previous_record(
    lock: Path, options: PullOptions
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    assert pull({url: ["e"]}, lock, options, now=NOW).records[url] == SourceRecord(
        url=url, state="dead", error="connection refused", checked=CHECKED
    )


def test_loopback_is_refused_unless_allowed(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/private", Reply(body=b"<title>Inside</title>", headers=HTML))
    named = f"http://localhost:{server.port}/private"
    strict = replace(options, allow_private=False)
    report = pull({url: ["e"], named: ["e"]}, lock, strict, now=NOW)
    assert report.records[url] == SourceRecord(
        url=url,
        state="dead",
        checked=CHECKED,
        error="refused: 127.0.0.1 is a private or loopback address (127.0.0.1); "
        "allow it with --allow-private or sources.allow_private",
    )
    assert report.records[named].state == "dead"
    assert report.records[named].error is not None
    assert report.records[named].error.startswith(
        "refused: localhost is a private or loopback address"
    )
    assert server.seen == []  # nothing reached the server


def test_redirect_into_private_address_is_refused(lock: Path, options: PullOptions) -> None:
    from feedpub.sources.fetch import Failure, Fetcher

    fetcher = Fetcher(replace(options, allow_private=False))
    for target in (
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest",
        "http://224.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ):
        with pytest.raises(Failure, match=r"refused: .* is a private or loopback address"):
            fetcher.check_url(target)
    assert fetcher.check_url("https://93.184.215.14/") == ("https", "93.184.215.14")


def test_non_http_citations_are_dead(lock: Path, options: PullOptions) -> None:
    report = pull(
        {"mailto:desk@example.org": ["e"], "file:///etc/passwd": ["e"]}, lock, options, now=NOW
    )
    assert {url: r.error for url, r in report.records.items()} == {
        "file:///etc/passwd": "not an http(s) URL: file:///etc/passwd",
        "mailto:desk@example.org": "not an http(s) URL: mailto:desk@example.org",
    }


def test_repull_uses_conditional_requests_and_304_keeps_the_record(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    tagged = server.route("/tagged", Reply(body=RICH_PAGE, headers={**HTML, "ETag": '"v1"'}))
    dated = server.route(
        "/dated",
        Reply(
            body=b"<title>Dated</title>",
            headers={**HTML, "Last-Modified": "Fri, 16 May 2025 08:00:00 GMT"},
        ),
    )
    first = pull({tagged: ["e"], dated: ["e"]}, lock, options, now=NOW)
    sent = server.body_bytes
    later = NOW + timedelta(days=8)
    second = pull({tagged: ["e"], dated: ["e"]}, lock, options, now=later)
    assert server.body_bytes == sent  # no body crossed the wire
    assert second.bytes_received == 0
    assert (second.fetched, second.unchanged) == (0, 2)
    assert server.requests_to("/tagged")[-1].headers["if-none-match"] == '"v1"'
    assert (
        server.requests_to("/dated")[-1].headers["if-modified-since"]
        == "Fri, 16 May 2025 08:00:00 GMT"
    )
    later_text = "2025-05-25T12:00:00Z"
    assert second.records == {
        url: replace(r, checked=later_text) for url, r in first.records.items()
    }


def test_fresh_records_are_not_fetched_until_max_age_or_all(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/page", Reply(body=b"<title>T</title>", headers=HTML))
    pull({url: ["e"]}, lock, options, now=NOW)
    report = pull({url: ["e"]}, lock, options, now=NOW + timedelta(days=6))
    assert (report.fresh, report.fetched, len(server.seen)) == (1, 0, 1)
    assert report.summary() == "0 fetched, 0 unchanged, 0 dead, 0 moved, 1 still fresh"
    again = pull({url: ["e"]}, lock, replace(options, check_all=True), now=NOW + timedelta(days=6))
    assert (again.fetched, len(server.seen)) == (1, 2)
    pull({url: ["e"]}, lock, replace(options, max_age_days=0), now=NOW + timedelta(days=6))
    assert len(server.seen) == 3


def test_transient_failure_keeps_the_last_good_record(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/flaky", Reply(body=RICH_PAGE, headers=HTML))
    good = pull({url: ["e"]}, lock, options, now=NOW).records[url]
    server.route("/flaky", Reply(503, b"busy", HTML))
    later = NOW + timedelta(days=8)
    report = pull({url: ["e"]}, lock, options, now=later)
    assert report.records[url] == replace(
        good,
        state="transient",
        status=503,
        error="HTTP 503 Service Unavailable",
        checked="2025-05-25T12:00:00Z",
    )
    assert (
        report.summary()
        == "0 fetched, 0 unchanged, 0 dead, 0 moved, 1 failing (last good record kept)"
    )
    assert not report.any_dead
    # A failing record is retried on the next pull however fresh it is, and recovers.
    server.route("/flaky", Reply(body=RICH_PAGE, headers=HTML))
    recovered = pull({url: ["e"]}, lock, options, now=later).records[url]
    assert recovered == replace(good, checked="2025-05-25T12:00:00Z")


def test_dead_link_keeps_its_last_known_title(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/doomed", Reply(body=RICH_PAGE, headers={**HTML, "ETag": '"x"'}))
    pull({url: ["e"]}, lock, options, now=NOW)
    server.route("/doomed", Reply(404))
    record = pull({url: ["e"]}, lock, replace(options, check_all=True), now=NOW).records[url]
    assert (record.state, record.status, record.title, record.etag, record.error) == (
        "dead",
        404,
        "Interview with Alexei & Goncharenko",
        None,
        "HTTP 404 Not Found",
    )


def test_citations_are_merged_by_normalised_url_and_uncited_records_dropped(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/page", Reply(body=b"<title>T</title>", headers=HTML))
    spelled = url.replace("http://", "HTTP://") + "#section"
    other = server.route("/other", Reply(body=b"<title>O</title>", headers=HTML))
    report = pull({url: ["b"], spelled: ["a", "b"], other: ["c"]}, lock, options, now=NOW)
    assert report.cited_by == {url: ("a", "b"), other: ("c",)}
    assert len(server.requests_to("/page")) == 1
    report = pull({other: ["c"]}, lock, options, now=NOW)
    assert (list(load_lock(lock)), report.removed) == ([other], 1)


def test_corrupt_lock_is_never_overwritten(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    from feedpub.errors import SourcesError

    lock.write_text('{\n  "version": 1,\n  "sources": {\n    "x": 1,\n  }\n}\n', encoding="utf-8")
    url = server.route("/page", Reply(body=b"<title>T</title>", headers=HTML))
    with pytest.raises(SourcesError):
        pull({url: ["e"]}, lock, options, now=NOW)
    assert lock.read_text(encoding="utf-8").startswith('{\n  "version": 1')
    assert server.seen == []


def test_one_session_per_thread_reuses_connections(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    urls = {
        server.route(f"/p{i}", Reply(body=b"<title>P</title>", headers=HTML)): ["e"]
        for i in range(40)
    }
    report = pull(urls, lock, replace(options, workers=4, per_host=4), now=NOW)
    assert report.fetched == 40
    assert server.connections <= 8


def test_pull_overlaps_requests_and_304s_send_no_bodies(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    """The benchmark in small (its speed-up is measured by `make bench`): 100 slow pages are
    fetched many at a time, and a re-pull sends conditional requests that carry no bodies."""
    count, delay = 100, 0.1
    urls = {
        server.route(
            f"/slow{i}",
            Reply(body=b"<title>S</title>" * 50, headers={**HTML, "ETag": f'"e{i}"'}, delay=delay),
        ): ["e"]
        for i in range(count)
    }
    fast = replace(options, workers=16, per_host=16, timeout=5)
    report = pull(urls, lock, fast, now=NOW)
    assert report.fetched == count
    assert server.peak_in_flight >= 8
    sent = server.body_bytes
    again = pull(urls, lock, replace(fast, check_all=True), now=NOW)
    assert (again.unchanged, again.fetched, again.bytes_received) == (count, 0, 0)
    assert server.body_bytes == sent


def test_progress_is_reported_once_per_url_and_nothing_is_printed(
    server: LoopbackServer, lock: Path, options: PullOptions, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = {
        server.route(f"/p{i}", Reply(body=b"<title>P</title>", headers=HTML)): ["e"]
        for i in range(3)
    }
    calls: list[tuple[int, int]] = []
    report = pull(
        urls, lock, options, now=NOW, progress=lambda done, total: calls.append((done, total))
    )
    assert (report.fetched, calls, capsys.readouterr()) == (3, [(1, 3), (2, 3), (3, 3)], ("", ""))


def test_tls_failure_is_dead(server: LoopbackServer, lock: Path, options: PullOptions) -> None:
    server.route("/plain", Reply(body=b"<title>Plain</title>", headers=HTML))
    url = f"https://127.0.0.1:{server.port}/plain"  # TLS spoken to a plain-HTTP port
    assert pull({url: ["e"]}, lock, options, now=NOW).records[url] == SourceRecord(
        url=url, state="dead", error="TLS error: wrong version number", checked=CHECKED
    )


def test_urls_are_fetched_round_robin_by_host() -> None:
    from feedpub.sources import interleave_hosts

    urls = [f"https://a.example/{i}" for i in range(3)] + [
        "https://b.example/0",
        "https://c.example/0",
        "https://b.example/1",
    ]
    assert interleave_hosts(urls) == [
        "https://a.example/0",
        "https://b.example/0",
        "https://c.example/0",
        "https://a.example/1",
        "https://b.example/1",
        "https://a.example/2",
    ]
