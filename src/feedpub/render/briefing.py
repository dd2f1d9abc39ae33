"""An Entry (plus pulled source records) in, the briefing's HTML body and plain text out.

The body comes from the ``briefing.html`` template. Its Related block needs other entries'
titles, so an entry's own parts (made in worker processes, cached) carry a marker there,
which ``finish_briefing`` replaces once every entry is known (through ``RelatedBlocks``, the
blocks of the last build, when the entry and what it shows of its related entries are unchanged).
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup

from feedpub.files import write_atomic
from feedpub.model import FEED_FILES, Entry, FeedSpec, Image, SourceRecord
from feedpub.render.context import (
    BriefingView,
    CitedSource,
    EntryLink,
    QuoteView,
    SectionView,
)
from feedpub.render.markup import inline_unsafe, reference_map, sanitise, to_text
from feedpub.render.templating import Templates

BRIEFING_TEMPLATE = "briefing.html"
RELATED_BLOCK = "related"
# Stands where the Related block goes until the other entries are known; private-use
# characters pass the allow-list as text and never occur in rendered Markdown.
MARKER = "\ue000feedpub:related\ue001"
# Splits a batch of Markdown fragments sanitised in one nh3 call; inline Markdown never makes it.
_SPLIT = "<hr>"

__all__ = [
    "Briefing",
    "CitedSource",
    "LocalParts",
    "RelatedBlocks",
    "Urls",
    "finish_briefing",
    "render_local",
]


@dataclass(frozen=True)
class Urls:
    """Where everything lives under the base URL."""

    base: str

    def entry(self, entry_id: str) -> str:
        return f"{self.base}entries/{entry_id}.html"

    def feed_file(self, feed: FeedSpec, fmt: str) -> str:
        return f"{self.base}{feed.id}/{FEED_FILES[fmt]}"

    def feed_page(self, feed: FeedSpec) -> str:
        return f"{self.base}{feed.id}/"

    def asset(self, path: str) -> str:
        return path if urlsplit(path).scheme else f"{self.base}{path.lstrip('/')}"

    @property
    def host(self) -> str:
        return _host(self.base)

    def entry_tag(self, entry: Entry) -> str:
        """A tag: URI (RFC 4151) that never changes: host, the entry's publication date, its id."""
        return f"tag:{self.host},{entry.published.date().isoformat()}:{entry.id}"

    def feed_tag(self, feed: FeedSpec, since: int | None) -> str:
        return f"tag:{self.host},{since or 2000}:feeds/{feed.id}"


@cache
def _host(base: str) -> str:
    return urlsplit(base).hostname or "localhost"


@dataclass(frozen=True)
class LocalParts:
    """What one entry renders to on its own: cacheable, and made in worker processes."""

    summary_html: str
    body_html: str  # briefing.html's output through the allow-list, MARKER for Related
    page_html: str  # the same as the template wrote it (for the entry page), MARKER for Related
    sources: tuple[CitedSource, ...]
    related_empty: str = ""  # the Related block with no related entries
    # ``entry`` of briefing.html, pickled, when the entry names related entries: unpickled
    # only when its Related block must be rendered again (and hashed into that block's key).
    view_data: bytes = b""
    view_key: bytes = b""  # a hash of view_data

    def view(self) -> BriefingView:
        view = pickle.loads(self.view_data)
        assert isinstance(view, BriefingView)
        return view


@dataclass(frozen=True)
class Briefing:
    """Everything rendered once per entry and shared by RSS, Atom, JSON Feed and the page."""

    entry: Entry
    url: str
    tag: str
    title: str  # plain text
    summary_html: str
    body_html: str  # briefing.html's output through the allow-list: what feeds carry
    sources: tuple[CitedSource, ...] = ()
    page_html: str = ""  # briefing.html's output as written: what the entry page shows
    related: tuple[EntryLink, ...] = ()

    # Plain text is needed only for the few entries a JSON Feed carries: made on demand.
    @cached_property
    def summary_text(self) -> str:
        return to_text(self.summary_html)

    @cached_property
    def body_text(self) -> str:
        return to_text(self.body_html)


def cited_sources(
    entry: Entry, lookup: Callable[[str], SourceRecord | None]
) -> tuple[CitedSource, ...]:
    out = []
    for source in entry.sources:
        record = lookup(source.url)
        title = (
            source.title
            or (record.title if record and record.title else None)
            or _short(source.url)
        )
        site = record.site_name if record and record.site_name else None
        dead = bool(record and record.state == "dead")
        out.append(CitedSource(source.key, source.url, title, site, dead))
    return tuple(out)


def _short(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "") + (parts.path if parts.path != "/" else "")


def _sanitise_all(fragments: list[str]) -> list[str]:
    """Each inline-Markdown fragment through the allow-list, in one nh3 call for speed."""
    if not fragments:
        return []
    cleaned = sanitise(_SPLIT.join(fragments)).split(_SPLIT)
    if len(cleaned) != len(fragments):  # pragma: no cover - inline Markdown makes no <hr>
        cleaned = [sanitise(f) for f in fragments]
    return cleaned


def _markdown_texts(entry: Entry) -> list[str]:
    """The entry's Markdown fields after its summary, in the order briefing_view takes them."""
    texts = [quote.text for quote in entry.quotes]
    for section in entry.sections:
        texts.append(section.heading)
        if section.text:
            texts.append(section.text)
        texts.extend(section.points)
    return texts


def briefing_view(
    entry: Entry,
    base_url: str,
    sources: tuple[CitedSource, ...],
    summary: str,
    rendered: list[str],
) -> BriefingView:
    """``entry`` in briefing.html: ``rendered`` holds the HTML of ``_markdown_texts``."""
    urls = Urls(base_url)
    done = iter(Markup(html) for html in rendered)
    empty = Markup("")
    quotes = []
    for quote in entry.quotes:
        key = quote.source.casefold() if quote.source else None
        source = next((s for s in sources if key and s.key.casefold() == key), None)
        quotes.append(QuoteView(next(done), quote.by, source))
    sections = []
    for section in entry.sections:
        heading = next(done)
        text = next(done) if section.text else empty
        points = tuple(next(done) for _ in section.points)
        sections.append(SectionView(heading, text, points))
    image = entry.image
    if image is not None:
        image = Image(urls.asset(image.url), image.alt)
    return BriefingView(
        id=entry.id,
        title=entry.title or entry.id,
        url=urls.entry(entry.id),
        path=f"entries/{entry.id}.html",
        published=entry.published,
        updated=entry.updated,
        authors=entry.authors,
        tags=entry.tags,
        image=image,
        summary=Markup(summary),
        quotes=tuple(quotes),
        sections=tuple(sections),
        sources=sources,
    )


def render_local(
    entry: Entry,
    base_url: str,
    lookup: Callable[[str], SourceRecord | None],
    templates: Templates,
) -> LocalParts:
    """The entry's own HTML from briefing.html, the Related block left as a marker.

    Feeds get the template's output through the allow-list. The page gets it as written
    (in the serialiser's spelling); when the allow-list left it as it was, both are one
    string, made with one nh3 pass. Otherwise the Markdown is cleaned on its own and the
    template rendered again, so the page keeps the template's markup but not unclean HTML.
    """
    url = Urls(base_url).entry(entry.id)
    refs = reference_map({s.key: (s.url, s.title) for s in entry.sources})
    sources = cited_sources(entry, lookup)
    summary = sanitise(inline_unsafe(entry.summary, base=url, refs=refs)) if entry.summary else ""
    rendered = [inline_unsafe(text, base=url, refs=refs) for text in _markdown_texts(entry)]
    view = briefing_view(entry, base_url, sources, summary, rendered)
    context = {"entry": view}
    raw = templates.render_replacing(BRIEFING_TEMPLATE, context, RELATED_BLOCK, MARKER)
    body = sanitise(raw)
    page = canonical(raw)
    if page == body:
        page = body  # one string in the cache
    else:
        view = briefing_view(entry, base_url, sources, summary, _sanitise_all(rendered))
        context = {"entry": view}
        raw = templates.render_replacing(BRIEFING_TEMPLATE, context, RELATED_BLOCK, MARKER)
        page = canonical(raw)
    view_data = pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL) if entry.related else b""
    return LocalParts(
        summary_html=summary,
        body_html=body,
        page_html=page,
        sources=sources,
        related_empty=templates.empty_block(BRIEFING_TEMPLATE, context, RELATED_BLOCK),
        view_data=view_data,
        view_key=hashlib.blake2b(view_data, digest_size=16).digest() if view_data else b"",
    )


def entry_link(entry: Entry, base_url: str, summary_html: str) -> EntryLink:
    return EntryLink(
        id=entry.id,
        title=entry.title or entry.id,
        url=Urls(base_url).entry(entry.id),
        path=f"entries/{entry.id}.html",
        published=entry.published,
        updated=entry.updated,
        summary=Markup(summary_html),
        tags=entry.tags,
        language=entry.language,
    )


class RelatedBlocks:
    """Finished Related blocks by a key of everything they are made from: the settings and
    templates (``scope``), the entry's own view and each related entry's link. ``old`` holds
    the last build's; what this build used is collected in ``new`` for the next one."""

    def __init__(self, scope: bytes, old: Mapping[bytes, tuple[str, str]] | None = None) -> None:
        self.scope = scope
        self.old = old or {}
        self.new: dict[bytes, tuple[str, str]] = {}
        self._links: dict[int, tuple[bytes, EntryLink]] = {}

    def key(self, view_key: bytes, related: tuple[EntryLink, ...]) -> bytes:
        total = hashlib.blake2b(self.scope, digest_size=16)
        total.update(view_key)
        for link in related:
            total.update(self._link(link))
        return total.digest()

    def _link(self, link: EntryLink) -> bytes:
        """A link's every field (repr is faithful for these: text, datetimes, a tuple of text)."""
        found = self._links.get(id(link))
        if found is None:
            encoded = hashlib.blake2b(repr(link).encode("utf-8", "surrogatepass"), digest_size=16)
            found = self._links[id(link)] = (encoded.digest(), link)  # the link kept alive
        return found[0]

    @classmethod
    def load(cls, path: Path, scope: bytes) -> RelatedBlocks:
        """The blocks ``path`` holds for ``scope``; none when it is missing, stale or broken
        (a cache only ever costs time)."""
        try:
            stored = pickle.loads(path.read_bytes())
            if isinstance(stored, dict) and stored.get("scope") == scope:
                found = stored["blocks"]
                if isinstance(found, dict) and all(
                    type(key) is bytes
                    and type(value) is tuple
                    and len(value) == 2
                    and type(value[0]) is str
                    and type(value[1]) is str
                    for key, value in found.items()
                ):
                    return cls(scope, found)
        except Exception:  # any unreadable or foreign file: render them all
            pass
        return cls(scope)

    def save(self, path: Path) -> None:
        """This build's blocks (only those it used), when they differ from the last build's."""
        if self.new.keys() == self.old.keys():
            return
        data = {"scope": self.scope, "blocks": self.new}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        except OSError:
            pass  # the next build renders them again


def finish_briefing(
    entry: Entry,
    local: LocalParts,
    base_url: str,
    links: Mapping[str, EntryLink],
    templates: Templates,
    blocks: RelatedBlocks | None = None,
) -> Briefing:
    """Fill in the Related block (it names other entries); ``links`` holds every due entry.
    A block found in ``blocks`` is taken as it is, one made here is added to it."""
    urls = Urls(base_url)
    related = tuple(links[other] for other in entry.related if other in links)
    if related and local.view_data:
        key = blocks.key(local.view_key, related) if blocks is not None else b""
        found = blocks.old.get(key) if blocks is not None else None
        if found is None:
            context = {"entry": replace(local.view(), related=related)}
            block = templates.render_block(BRIEFING_TEMPLATE, context, RELATED_BLOCK)
            found = (block, sanitise(block))
        if blocks is not None:
            blocks.new[key] = found
        block, feed_block = found
    else:
        block = feed_block = local.related_empty
        if block:
            feed_block = sanitise(block)
    return Briefing(
        entry=entry,
        url=urls.entry(entry.id),
        tag=urls.entry_tag(entry),
        title=entry.title or entry.id,  # titles are plain text, not Markdown
        summary_html=local.summary_html,
        body_html=local.body_html.replace(MARKER, feed_block).strip(),
        sources=local.sources,
        page_html=local.page_html.replace(MARKER, block).strip(),
        related=related,
    )


# A character reference and whether the next angle bracket is "<" (or none): then it is in text.
_REFERENCE = re.compile(r"&(?:quot|#34|#x27|#39);(?:(?=[^<>]*(?:<|$))()|)")
_IN_TEXT = {"&quot;": '"', "&#34;": '"', "&#x27;": "'", "&#39;": "'"}
_IN_ATTRIBUTE = {"&quot;": "&quot;", "&#34;": "&quot;", "&#x27;": "'", "&#39;": "'"}


def _respell(match: re.Match[str]) -> str:
    table = _IN_TEXT if match.group(1) is not None else _IN_ATTRIBUTE
    return table[match.group()]


def canonical(markup: str) -> str:
    """HTML with quotes, apostrophes, no-break spaces and void tags spelled as the allow-list's
    serialiser spells them (``&quot;`` → ``"`` in text, ``<br />`` → ``<br>``).

    Only spellings change, never the document; for well-formed markup the result equals
    ``sanitise(markup)`` whenever the allow-list has nothing to remove.
    """
    if "&#" in markup or "&quot;" in markup:
        markup = _REFERENCE.sub(_respell, markup)
    if "\xa0" in markup:
        markup = markup.replace("\xa0", "&nbsp;")
    if "/>" in markup:
        markup = markup.replace(" />", ">")
    return markup
