"""Page metadata extraction: declared metadata, charsets, hostile text; never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub.pagemeta import PageMeta, clean_text, decode, extract, header_charset, media_type

URL = "https://example.org/news/item"


def test_og_beats_title_and_relative_canonical_resolves() -> None:
    page = b"""<html xml:lang="fr"><head><title>T</title>
    <meta name="twitter:title" content="Twitter title">
    <meta name="twitter:description" content="Tweet">
    <meta itemprop="datePublished" content="2025-01-02">
    <meta name="application-name" content="App">
    <link rel="alternate canonical" href="../canon?id=1">
    </head></html>"""
    assert extract(page, "text/html", URL) == PageMeta(
        title="Twitter title",
        description="Tweet",
        site_name="App",
        canonical="https://example.org/canon?id=1",
        published="2025-01-02",
        language="fr",
    )


def test_unsafe_canonical_and_bad_language_are_dropped() -> None:
    page = b"""<html lang="not a tag!"><head>
    <link rel="canonical" href="javascript:alert(1)">
    <meta property="og:title" content="   ">
    <title>Real</title></head></html>"""
    assert extract(page, "text/html", URL) == PageMeta(title="Real")


def test_content_language_header_is_the_last_resort() -> None:
    assert extract(b"<title>x</title>", "text/html", URL, "de-AT, en").language == "de-AT"


def test_title_inside_body_is_ignored_after_head() -> None:
    page = b"<head></head><body><title>late</title><meta property='og:title' content='late'>"
    assert extract(page, "text/html", URL) == PageMeta()


def test_markup_control_characters_and_length_are_cleaned() -> None:
    assert clean_text("<script>x</script> a\x00b\x1b \u0085 <b>bold</b>\n\n", 100) == "x a b bold"
    assert clean_text("1 < 2 and 3 > 2", 100) == "1 < 2 and 3 > 2"
    long = "word " * 100
    capped = clean_text(long, 300)
    assert capped is not None and len(capped) <= 300 and capped.endswith("word…")
    assert clean_text("x" * 400, 300) == "x" * 299 + "…"
    assert clean_text(" \n\t", 10) is None


def test_charset_sources_in_browser_order() -> None:
    body = "<title>Ære</title>".encode("cp1252")
    assert decode(body, "text/html; charset=windows-1252") == "<title>Ære</title>"
    assert decode(b"\xef\xbb\xbf" + "é".encode(), "text/html; charset=latin1") == "é"  # BOM wins
    assert decode("é".encode("utf-16-le"), None) == "é\x00"  # no BOM: not UTF-8, so windows-1252
    assert decode(b'<meta charset="utf-16"><title>\xc3\xa9</title>', None).endswith("é</title>")
    assert header_charset('text/html; charset="UTF-8"') == "UTF-8"
    assert media_type(" Text/HTML ; charset=x") == "text/html"
    assert media_type(";") is None


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            None,
            "text/html",
            "text/html; charset=bogus",
            "text/html; charset=utf-16",
            "application/xhtml+xml",
        ]
    ),
)
def test_any_bytes_give_clean_metadata(body: bytes, content_type: str | None) -> None:
    meta = extract(body, content_type, URL)
    for value in (meta.title, meta.description, meta.site_name, meta.published):
        assert value is None or (
            value == value.strip() and "\n" not in value and "<" not in value[:1]
        )


PIECES = [
    *"<>!-/=\"' &;#xa\n\x00ét",
    "<title>",
    "</title>",
    "<meta property=og:title content=",
    "<![CDATA[",
    "<!--",
    "&#0;",
    "&#xD800;",
    "<html lang=",
    "<body>",
    "</head>",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
def test_hostile_markup_never_crashes(text: str) -> None:
    meta = extract(text.encode("utf-8"), "text/html; charset=utf-8", URL)
    if meta.title is not None:
        assert "\x00" not in meta.title and len(meta.title) <= 300
