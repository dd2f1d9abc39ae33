"""Briefings and the static files in, what every feed format carries per entry out.

Each entry's image becomes an enclosure with a MIME type, a length and (when known) a pixel
size: facts given on ``image:`` win; otherwise a local image (a URL relative to ``base_url``)
is read from ``static/`` and a remote one is typed by its file name, with length 0 ("unknown",
as the RSS Advisory Board's profile asks). The feed content starts with the image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from feedpub.imagefile import ImageFacts, sniff, type_from_name
from feedpub.model import Entry, Image
from feedpub.render.briefing import Briefing, Urls
from feedpub.render.markup import escape, sanitise


@dataclass(frozen=True)
class Enclosure:
    """An entry's image as feeds carry it."""

    url: str  # absolute
    type: str | None  # None: unknown, so no enclosure element can be written
    length: int  # bytes; 0 when unknown
    width: int | None = None
    height: int | None = None
    alt: str = ""
    static_path: str | None = None  # the file under static/ a local image is expected at
    found: bool = True  # False: a local image with no file in static/


@dataclass(frozen=True)
class FeedItem:
    """One entry as RSS, Atom and JSON Feed carry it."""

    briefing: Briefing
    content_html: str  # the leading image, then the briefing body: sanitised
    image: Enclosure | None = None

    @property
    def entry(self) -> Entry:
        return self.briefing.entry


def local_path(url: str) -> str | None:
    """The path under static/ of an image URL relative to base_url; None for a remote URL."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return unquote(parts.path).lstrip("/") or None


def enclosure(image: Image, base_url: str, static: Mapping[str, bytes]) -> Enclosure:
    path = local_path(image.url)
    data = static.get(path) if path is not None else None
    facts = sniff(data) if data is not None else ImageFacts()
    return Enclosure(
        url=Urls(base_url).asset(image.url),
        type=image.type or facts.type or type_from_name(image.url),
        length=(
            image.length if image.length is not None else (len(data) if data is not None else 0)
        ),
        width=image.width or facts.width,
        height=image.height or facts.height,
        alt=image.alt,
        static_path=path,
        found=path is None or data is not None,
    )


def image_html(image: Enclosure) -> str:
    """The ``<img>`` that opens the feed content: alt text always, the size when known."""
    size = ""
    if image.width and image.height:
        size = f' width="{image.width}" height="{image.height}"'
    return f'<p><img src="{escape(image.url)}" alt="{escape(image.alt)}"{size}></p>'


def feed_items(
    briefings: Sequence[Briefing], base_url: str, static: Mapping[str, bytes]
) -> list[FeedItem]:
    """Briefings in feed order → feed items; each image file is read once however many cite it."""
    known: dict[Image, Enclosure] = {}
    items = []
    for briefing in briefings:
        image = briefing.entry.image
        if image is None:
            items.append(FeedItem(briefing, briefing.body_html))
            continue
        found = known.get(image)
        if found is None:
            found = known[image] = enclosure(image, base_url, static)
        content = sanitise(image_html(found)) + "\n" + briefing.body_html
        items.append(FeedItem(briefing, content, found))
    return items
