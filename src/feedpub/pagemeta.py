"""Bytes of a fetched page + its headers in, clean metadata (title, site, canonical, …) out."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from feedpub.text import FORBIDDEN_CHARACTERS

TITLE_MAX = 300
DESCRIPTION_MAX = 500
SHORT_MAX = 100  # site name, language, dates

HTML_TYPES = ("text/html", "application/xhtml+xml")

# WHATWG Encoding Standard §4.2: these labels all mean windows-1252 on the web.
_WINDOWS_1252 = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "ascii",
    "us-ascii",
    "cp819",
    "ibm819",
    "iso_8859-1",
    "windows-1252",
    "x-cp1252",
    "cp1252",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_TAG = re.compile(r"</?[A-Za-z!][^<>]*>")


@dataclass(frozen=True)
class PageMeta:
    """What a page declares about itself; every text is plain, single-line and capped."""

    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    canonical: str | None = None
    published: str | None = None
    language: str | None = None


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=utf-8`` → ``text/html``; None when absent or blank."""
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def header_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _codec(label: str | None) -> str | None:
    """A Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str | None) -> str:
    """Decode like a browser: BOM, then the HTTP charset, then ``<meta charset>``, then UTF-8/1252."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    codec = _codec(header_charset(content_type))
    if codec is None:
        match = _META_CHARSET.search(body[:2048])
        codec = _codec(match.group(1).decode("ascii")) if match else None
    if codec in {"utf-16", "utf-16-le", "utf-16-be", "utf-32"}:
        codec = "utf-8"  # HTML §13.2.3.2: a meta prescan cannot yield UTF-16; the page is ASCII-compatible
    if codec is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            codec = "cp1252"
    return body.decode(codec, errors="replace")


def clean_text(value: str | None, limit: int) -> str | None:
    """Strip markup and control characters, collapse whitespace, cap at ``limit`` characters."""
    if value is None:
        return None
    text = _TAG.sub(" ", value)
    text = FORBIDDEN_CHARACTERS.sub(" ", text)  # never enters a record, so never a feed
    text = " ".join(text.split())
    if not text:
        return None
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        text = cut.rstrip() + "…"
    return text


def _language(value: str | None) -> str | None:
    """``en_US`` → ``en-US``; anything that is not a language tag → None."""
    text = clean_text(value, SHORT_MAX)
    if text is None:
        return None
    text = text.replace("_", "-")
    return text if re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", text) else None


def _http_url(value: str | None, base: str) -> str | None:
    """An absolute http(s) URL from an attribute value, resolved against ``base``."""
    text = clean_text(value, 2000)
    if text is None or " " in text:
        return None
    try:
        url = urljoin(base, text)
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


class _HeadParser(HTMLParser):
    """Collects the ``<head>`` declarations; stops caring once the body starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.lang: str | None = None
        self.title_parts: list[str] = []
        self.title_done = False
        self.in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {name: value or "" for name, value in attrs}
        if tag == "html" and self.lang is None:
            self.lang = values.get("lang") or values.get("xml:lang")
        elif tag == "title" and not self.title_done:
            self.in_title = True
        elif tag == "meta":
            key = values.get("property") or values.get("name") or values.get("itemprop") or ""
            key = key.strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])
        elif tag == "link" and self.canonical is None:
            rels = values.get("rel", "").lower().split()
            if "canonical" in rels:
                self.canonical = values.get("href")
        elif tag == "body":
            self.done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.in_title:
            self.in_title = False
            self.title_done = True
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self.in_title and not self.done:
            self.title_parts.append(data)


def _first(meta: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        if meta.get(key, "").strip():
            return meta[key]
    return None


def extract(
    body: bytes, content_type: str | None, url: str, content_language: str | None = None
) -> PageMeta:
    """Metadata of an HTML page; an empty PageMeta for anything that yields none. Never raises."""
    text = decode(body, content_type)
    parser = _HeadParser()
    try:
        for start in range(0, len(text), 65536):
            parser.feed(text[start : start + 65536])
            if parser.done:
                break
        parser.close()
    except (AssertionError, ValueError, IndexError):
        pass  # html.parser on hostile input: keep what it found before giving up
    meta = parser.meta
    title = _first(meta, "og:title", "twitter:title")
    if clean_text(title, TITLE_MAX) is None:
        title = "".join(parser.title_parts)
    return PageMeta(
        title=clean_text(title, TITLE_MAX),
        description=clean_text(
            _first(meta, "og:description", "description", "twitter:description"), DESCRIPTION_MAX
        ),
        site_name=clean_text(_first(meta, "og:site_name", "application-name"), SHORT_MAX),
        canonical=_http_url(parser.canonical, url) or _http_url(_first(meta, "og:url"), url),
        published=clean_text(
            _first(
                meta,
                "article:published_time",
                "datepublished",
                "date",
                "dc.date",
                "dcterms.created",
                "og:published_time",
            ),
            SHORT_MAX,
        ),
        language=_language(parser.lang)
        or _language(_first(meta, "og:locale"))
        or _language((content_language or "").split(",")[0]),
    )


def looks_like_html(body: bytes) -> bool:
    """Sniff a body served without a Content-Type (WHATWG MIME Sniffing §7.1, in brief)."""
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<title", b"<meta"))
