"""Entries and a page size in, where listing pages go out: paginated paths, tag slugs, the
tags and years of the archive, and the page job (output path, template, context) every page is.

Paths are relative to the output root and name files (``tags/trade/page/2/index.html``);
templates link to them relative to ``page.root``, and canonical URLs drop ``index.html``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from feedpub.render.context import EntryLink, Pagination, TagView, YearView

T = TypeVar("T")

TAGS_FOLDER = "tags/"
ARCHIVE_FOLDER = "archive/"
PAGE_FOLDER = "page/"  # page n of a listing: <listing>/page/<n>/index.html
INDEX = "index.html"
PREVIEW_CHARS = 300  # og:description and <meta name="description"> at most this long
# Characters a URL path keeps as they are (RFC 3986 pchar less "%", plus "/").
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class PageJob:
    """One page: rendered from ``template`` with ``context`` into ``path``, on its own."""

    path: str
    template: str
    context: Mapping[str, Any]


def root_of(path: str) -> str:
    """The relative way from ``path`` up to the output root: "" or "../../"."""
    return "../" * path.count("/")


def public_url(base_url: str, path: str) -> str:
    """The canonical URL of an output file: ``x/index.html`` is served as ``x/``."""
    if path == INDEX or path.endswith("/" + INDEX):
        path = path[: -len(INDEX)]
    return base_url + quote(path, safe=_PATH_SAFE)


def listing_path(folder: str, number: int) -> str:
    """Page ``number`` of the listing in ``folder`` ("" or "tags/trade/"): page 1 is the
    folder's index.html, page n is ``page/n/index.html`` under it."""
    return f"{folder}{INDEX}" if number == 1 else f"{folder}{PAGE_FOLDER}{number}/{INDEX}"


def paginate(
    folder: str, items: Sequence[T], size: int
) -> list[tuple[str, Pagination, tuple[T, ...]]]:
    """(path, pagination, items) for each page of ``items`` (newest first), ``size`` a page;
    an empty listing is one empty page."""
    count = max(1, -(-len(items) // size))
    first, last = listing_path(folder, 1), listing_path(folder, count)
    pages = []
    for number in range(1, count + 1):
        pagination = Pagination(
            number=number,
            count=count,
            previous=listing_path(folder, number - 1) if number > 1 else None,
            next=listing_path(folder, number + 1) if number < count else None,
            first=first,
            last=last,
            total=len(items),
        )
        chunk = tuple(items[(number - 1) * size : number * size])
        pages.append((listing_path(folder, number), pagination, chunk))
    return pages


def tag_slug(tag: str) -> str:
    """A tag's folder name: case folded, runs of spaces and punctuation as one "-"; letters
    of any script stay (the URL percent-encodes them). Tags that differ only in case or
    punctuation share a page."""
    slug = _NOT_WORD.sub("-", unicodedata.normalize("NFKC", tag).casefold()).strip("-")
    if slug:
        return slug
    return "tag-" + hashlib.blake2b(tag.casefold().encode("utf-8"), digest_size=4).hexdigest()


@dataclass(frozen=True)
class Grouped:
    """Entries grouped for the archive: by tag page and by year, each newest first."""

    tags: tuple[TagView, ...]  # by name
    by_tag: dict[str, list[EntryLink]]  # slug → entries
    years: tuple[YearView, ...]  # newest first
    by_year: dict[int, list[EntryLink]]


def group(links: Sequence[EntryLink], base_url: str) -> Grouped:
    """``links`` (newest first) by tag and by year of publication (as the entry gives it)."""
    by_tag: dict[str, list[EntryLink]] = {}
    spellings: dict[str, Counter[str]] = {}
    by_year: dict[int, list[EntryLink]] = {}
    for link in links:
        seen: set[str] = set()
        for tag in link.tags:
            slug = tag_slug(tag)
            spellings.setdefault(slug, Counter())[tag] += 1
            if slug not in seen:
                seen.add(slug)
                by_tag.setdefault(slug, []).append(link)
        by_year.setdefault(link.published.year, []).append(link)
    tags = []
    for slug, entries in by_tag.items():
        # The most used spelling names the tag; ties go to the first in code-point order.
        name = min(spellings[slug].items(), key=lambda pair: (-pair[1], pair[0]))[0]
        path = listing_path(f"{TAGS_FOLDER}{slug}/", 1)
        tags.append(TagView(name, slug, public_url(base_url, path), path, len(entries)))
    tags.sort(key=lambda t: (t.name.casefold(), t.slug))
    years = []
    for year in sorted(by_year, reverse=True):
        path = listing_path(f"{ARCHIVE_FOLDER}{year}/", 1)
        years.append(YearView(year, public_url(base_url, path), path, len(by_year[year])))
    return Grouped(tuple(tags), by_tag, tuple(years), by_year)


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """Plain text on one line, cut at a word before ``limit`` characters (with "…")."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + "…"
