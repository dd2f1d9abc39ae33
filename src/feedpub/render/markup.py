"""Inline Markdown in, sanitised HTML with absolute links out; and HTML in, plain text out."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference

# What may reach a feed or a page: text-level markup, lists, quotes, headings, links, images.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "figcaption", "figure", "footer",
    "h2", "h3", "h4", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small", "strong",
    "sub", "sup", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
    "p": {"class"},
    "ul": {"class"},
    "li": {"class"},
    "span": {"class"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|figcaption)>|<br\s*/?>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "html": False turns raw HTML in entries into text; nh3 below is the second fence.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.add_render_rule("link_open", _absolute_attr("href"))
    md.add_render_rule("image", _absolute_image)
    return md


def _resolve(url: str, base: str) -> str:
    if not url or url.startswith(("#", "mailto:")):
        return urljoin(base, url) if url.startswith("#") else url
    return urljoin(base, url)


def _absolute_attr(name: str) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        value = token.attrGet(name)
        if isinstance(value, str):
            token.attrSet(name, _resolve(value, env.get("base", "")))
        return str(self.renderToken(tokens, idx, options, env))

    return render


def _absolute_image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = token.attrGet("src")
    if isinstance(src, str):
        token.attrSet("src", _resolve(src, env.get("base", "")))
    return str(self.image(tokens, idx, options, env))


# Characters that can start inline Markdown (CommonMark §6) or need more than escaping.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>!&\n]")


def reference_map(sources: Mapping[str, tuple[str, str | None]]) -> dict[str, dict[str, str]]:
    """Citation keys → markdown-it reference definitions; build once per entry."""
    md = _markdown()
    return {
        normalizeReference(key): {"href": md.normalizeLink(url), "title": title or ""}
        for key, (url, title) in sources.items()
    }


def inline_unsafe(text: str, *, base: str, refs: dict[str, dict[str, str]] | None = None) -> str:
    """Inline Markdown → HTML, not yet sanitised (the caller sanitises the assembled body)."""
    if not text:
        return ""
    if not _MARKDOWN_SPECIAL.search(text):
        # Plain prose, the common case: CommonMark would only escape it.
        return text.replace('"', "&quot;")
    return str(_markdown().renderInline(text, {"references": refs or {}, "base": base}))


def inline(text: str, *, base: str, references: Mapping[str, tuple[str, str | None]] | None = None) -> str:
    """One paragraph of inline Markdown → sanitised HTML.

    ``references`` maps citation keys to (url, title): ``[text][key]`` links to the source.
    Relative links resolve against ``base`` (the entry's permalink).
    """
    refs = reference_map(references or {})
    return sanitise(inline_unsafe(text, base=base, refs=refs))


def sanitise(markup: str) -> str:
    """HTML cut down to the allow-list: no script, iframe, event handlers or javascript: URLs."""
    return str(
        nh3.clean(
            markup,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_SCHEMES,
            link_rel=None,
            strip_comments=True,
        )
    )


def escape(value: str) -> str:
    return html.escape(value, quote=True)


def to_text(markup: str) -> str:
    """HTML → readable plain text: blocks on their own lines, entities decoded."""
    with_breaks = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", with_breaks))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    joined = "\n".join(line for line in lines)
    return _BLANK_LINES.sub("\n\n", joined).strip()


def plain_inline(text: str) -> str:
    """Inline Markdown → plain text (for titles that must carry no markup)."""
    return to_text(inline(text, base=""))


def host_of(url: str) -> str:
    return urlsplit(url).hostname or url
